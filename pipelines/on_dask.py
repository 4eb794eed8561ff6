"""Beam's Dask runner on a dask.distributed cluster: an existing one, or one started here.

`--runner dask --dask-address tcp://HOST:PORT` runs on a cluster someone
started (`dask scheduler` and `dask worker`, dask-jobqueue on SLURM/PBS,
dask-kubernetes); without an address the command starts a LocalCluster of
`--workers` processes on 127.0.0.1 and stops it after the run.

Beam's Dask runner reports no metrics, so the counts are read from each
worker's own tally (pipelines/counters.py) with Client.run once the job is done.
"""

import collections
import contextlib
import gc
import logging

import apache_beam as beam
import dask
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.dask.dask_runner import DaskRunner
from dask.distributed import Client, LocalCluster

from pipelines.counters import take_tally

# Dask starts its workers with glibc's malloc told to hand freed memory back to the system above 64 KiB
# (MALLOC_TRIM_THRESHOLD_), for memory that looks unmanaged to its monitor; in a Python process that
# makes and frees millions of small objects it costs page faults and trims: a dump file read 1.45x
# slower in a Dask worker than in a plain process, and as fast with glibc's own threshold (unset here).
GLIBC_TRIMS = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


@contextlib.contextmanager
def cluster(address: str | None, workers: int):
    """The scheduler's address: the one given, or a LocalCluster's for the length of the run."""
    if address:
        yield address
        return
    # The scheduler runs in this process. Imported after Beam, whose PipelineOptions call logging.basicConfig,
    # dask.distributed leaves its loggers at INFO to reach that root handler: ~100 lines a run. Its warnings stay.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    # One thread per worker process, as the local runner: DoFns that want threads start their own.
    with dask.config.set(GLIBC_TRIMS), LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0",
            silence_logs=logging.WARNING) as local:
        yield local.scheduler_address


def freeze_live_objects() -> None:
    """This worker's live objects left out of every later garbage collection.

    A Dask worker holds ~300k objects of its own (Dask's, Beam's) that every
    full collection walks again; frozen, they are left out: the links stage's
    reading ran 1.2x faster (docs/distributed.md). Collected first: a job
    starts for every stage, and an earlier job's garbage, frozen, would never
    be freed.
    """
    gc.collect()
    gc.freeze()


def make_pipeline(address: str, beam_args: list[str]) -> beam.Pipeline:
    # Beam's Dask runner groups with Bag.groupby, which asks Dask for its default shuffle method; working
    # that out imports dask.dataframe (0.5 CPU s, once a command) to answer "p2p", which a Bag cannot do and
    # takes for "tasks". "tasks" from the start, which also keeps a "disk" set in a user's Dask config (a
    # shuffle through one machine's disk) away from a cluster's workers.
    dask.config.set({"dataframe.shuffle.method": "tasks"})
    with Client(address) as client:
        client.run(take_tally)  # what an earlier job on this cluster counted is not this run's
        client.run(freeze_live_objects)
        threads = sum(client.nthreads().values())
    # The flag is --dask_client_address; its dest is "address".
    options = PipelineOptions(beam_args, address=address)
    given = options.get_all_options(drop_default=True)
    if given.get("npartitions") is None and given.get("partition_size") is None:
        # A partition per worker thread (pipelines.neutral.Widen): Beam's default, 128 elements a
        # partition, would put a run's few input files, and all that follows from them, on one worker.
        options = PipelineOptions(beam_args, address=address, npartitions=threads)
    return beam.Pipeline(runner=DaskRunner(), options=options)


def counters_of(result) -> dict:
    """Every worker's tally, summed, as {"stage/name": value}, sorted; closes the job's client."""
    total = collections.Counter()
    for tally in result.client.run(take_tally).values():
        total.update(tally)
    result.client.close()
    return dict(sorted(total.items()))
