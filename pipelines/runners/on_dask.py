"""Beam's Dask runner on a dask.distributed cluster: an existing one, or one started here.

`--runner dask --dask-address tcp://HOST:PORT` runs on a cluster someone
started (`dask scheduler` and `dask worker`, dask-jobqueue on SLURM/PBS,
dask-kubernetes); without an address the command starts a LocalCluster of
`--workers` processes on 127.0.0.1 and stops it after the run.

Beam's Dask runner reports no metrics. Each worker publishes what a task
counted as an event once the task's output is kept (`CountEachTask`), and the
command adds up the latest counts of every task: a task that ran again after
a worker died, or that died half done, counts once, as on the other runners.
Progress tallies travel as events too, so the command prints progress lines
whatever machines the workers are on.
"""

import collections
import contextlib
import gc
import logging
import threading
import time
import uuid

import apache_beam as beam
import dask
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.dask.dask_runner import DaskRunner
from dask.distributed import Client, LocalCluster, WorkerPlugin

from pipelines import counters, progress

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


class Topic:
    """A topic of the scheduler's events whose every message this client hears, in the order they reached it."""

    def __init__(self, client: Client, prefix: str, receive):
        self.client, self.name, self.receive = client, f"{prefix}-{uuid.uuid4().hex}", receive
        self.echoes: dict[str, threading.Event] = {}
        client.subscribe_topic(self.name, self._hear)
        self.settle()  # subscribed before anyone sends

    def _hear(self, event):
        _, message = event
        if isinstance(message, dict) and message.get("echo") in self.echoes:
            self.echoes[message["echo"]].set()
        else:
            self.receive(message)

    def settle(self, timeout_s: float = 60.0) -> None:
        """Return once every message the scheduler had before this call is heard (its echo comes after them).

        The echo goes as a call of its own, the subscription on the client's stream: the first echo may
        reach the scheduler before the subscription does, so it is sent again until heard.
        """
        echo = uuid.uuid4().hex
        heard = self.echoes[echo] = threading.Event()
        deadline = time.monotonic() + timeout_s
        while True:
            self.client.log_event(self.name, {"echo": echo})
            if heard.wait(0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Dask scheduler sent nothing back for {timeout_s:.0f} s")
        del self.echoes[echo]

    def close(self) -> None:
        self.client.unsubscribe_topic(self.name)


class CountEachTask(WorkerPlugin):
    """On every worker (and every worker that starts later): what each task counted, published under `topic`
    once the task's output is kept, and progress tallies published under the run's progress topic."""

    name = "webtext-count-each-task"  # a job's plugin replaces the job's before

    def __init__(self, topic: str):
        self.topic = topic

    def setup(self, worker):
        self.worker = worker
        counters.count_per_task(lambda: worker.active_threads.get(threading.get_ident()))
        progress.hand_tallies_to(lambda topic, tally: worker.log_event(topic, [worker.id, tally]))

    def teardown(self, worker):
        counters.count_per_task(None)
        progress.hand_tallies_to(None)

    def transition(self, key, start, finish, **kwargs):
        if start != "executing":
            return
        counted = counters.take_task_counts(key)
        # Sent before the worker tells the scheduler the task is done, on the same stream: once the job is
        # done, the scheduler has every kept task's counts.
        if finish == "memory" and counted:
            self.worker.log_event(self.topic, [str(key), counted])


class JobCounts:
    """The counts of one job: each task's latest, summed (a task run again replaces its counts)."""

    def __init__(self, client: Client):
        self.by_task: dict[str, dict] = {}
        self.topic = Topic(client, "webtext-counts", self._receive)

    def _receive(self, message):
        task, counted = message
        self.by_task[task] = counted

    def total(self) -> dict:
        self.topic.settle()
        self.topic.close()
        summed = collections.Counter()
        for counted in self.by_task.values():
            summed.update(counted)
        return dict(sorted(summed.items()))


class EventTallies:
    """The progress tallies the workers publish, the latest of each worker (pipelines.progress.Monitor reads
    them)."""

    def __init__(self, client: Client):
        self.latest: dict[str, dict] = {}
        self.topic = Topic(client, "webtext-progress", self._receive)
        self.to = self.topic.name

    def _receive(self, message):
        worker, tally = message
        self.latest[worker] = tally

    def read(self) -> list[dict]:
        return list(self.latest.values())

    def close(self):
        self.topic.settle()  # the last tallies, for the last line
        self.topic.close()


class Session:
    """The command's connection to the cluster for a run: a pipeline per job, what each job counted, progress."""

    def __init__(self, address: str, beam_args: list[str]):
        self.address, self.beam_args = address, beam_args
        self.client = Client(address)
        self.job_counts: JobCounts | None = None

    def close(self):
        self.client.close()

    def new_pipeline(self) -> beam.Pipeline:
        # Beam's Dask runner groups with Bag.groupby, which asks Dask for its default shuffle method; working
        # that out imports dask.dataframe (0.5 CPU s, once a command) to answer "p2p", which a Bag cannot do
        # and takes for "tasks". "tasks" from the start, which also keeps a "disk" set in a user's Dask
        # config (a shuffle through one machine's disk) away from a cluster's workers.
        dask.config.set({"dataframe.shuffle.method": "tasks"})
        self.job_counts = JobCounts(self.client)
        self.client.register_plugin(CountEachTask(self.job_counts.topic.name))
        self.client.run(freeze_live_objects, on_error="ignore")  # a worker dying now starts afresh anyway
        threads = sum(self.client.nthreads().values())
        # The flag is --dask_client_address; its dest is "address".
        options = PipelineOptions(self.beam_args, address=self.address)
        given = options.get_all_options(drop_default=True)
        if given.get("npartitions") is None and given.get("partition_size") is None:
            # A partition per worker thread (pipelines.neutral.Widen): Beam's default, 128 elements a
            # partition, would put a run's few input files, and all that follows from them, on one worker.
            options = PipelineOptions(self.beam_args, address=self.address, npartitions=threads)
        return beam.Pipeline(runner=DaskRunner(), options=options)

    def counters_of(self, result) -> dict:
        """What the last job counted, as {"stage/name": value}, sorted; closes the job's own client."""
        result.client.close()
        return self.job_counts.total()

    def progress_tallies(self) -> EventTallies:
        return EventTallies(self.client)
