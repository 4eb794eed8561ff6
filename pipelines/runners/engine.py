"""The runner a run asks for, as an Engine: how to make its pipelines, read their counts and follow progress.

The local runner (Beam's FnApiRunner, forked worker processes for more than
one), Beam's Dask runner on a dask.distributed cluster (pipelines/runners/on_dask.py),
and any other Beam runner by name (Dataflow), with Beam's flags as the user gave them.
"""

import contextlib
from typing import Callable, NamedTuple

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner, fn_runner

from pipelines import progress
from pipelines.progress import FolderTallies
from pipelines.runners import beam_logs, forked_workers


def split_beam_flags(args: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(Beam's flags with their values, positionals, unknown flags) of what our parser left.

    Beam's own parser, with every PipelineOptions class it knows, says which flags
    take a value, so `--project my-project` never leaves my-project as a positional.
    """
    parsers = []
    PipelineOptions([]).get_all_options(add_extra_args_fn=parsers.append)
    _, leftover = parsers[0].parse_known_args(args)
    positionals = [arg for arg in leftover if not arg.startswith("-")]
    unknown = [arg for arg in leftover if arg.startswith("-")]
    beam_args = list(args)
    for arg in leftover:  # from the end: a value equal to a leftover comes before it
        del beam_args[len(beam_args) - 1 - beam_args[::-1].index(arg)]
    return beam_args, positionals, unknown


class Engine(NamedTuple):
    new_pipeline: Callable[[], beam.Pipeline]
    read_counters: Callable  # the run's result -> {"stage/name": value}
    progress_tallies: Callable  # () -> where a run's workers hand their progress tallies (progress.Monitor)
    side_inputs: bool  # whether the runner computes a side input once (Dask's recomputes it in each task)
    # Whether a run is a pipeline per stage, each reading what the one before kept: Beam's Dask runner
    # gives a join as many partitions as all its inputs had, so a pipeline of every stage ends with tens
    # of times the partitions it starts with, each a task in every later step (docs/distributed.md).
    stage_by_stage: bool


@contextlib.contextmanager
def engine(runner: str, workers: int, dask_address: str | None, beam_args: list[str]):
    """The Engine for a runner; a Dask cluster started here lives as long as this."""
    if runner != "dask":
        yield Engine(lambda: make_pipeline(runner, workers, beam_args), counters_of, FolderTallies, True, False)
        return
    from pipelines.runners import on_dask  # Dask is an extra: imported only when asked for

    with on_dask.cluster(dask_address, workers) as address, contextlib.closing(
            on_dask.Session(address, beam_args)) as session:
        yield Engine(session.new_pipeline, session.counters_of, session.progress_tallies, False, True)


def make_pipeline(runner: str, workers: int, beam_args: list[str]) -> beam.Pipeline:
    if runner != "direct":
        return beam.Pipeline(options=PipelineOptions(beam_args, runner=runner))
    # Named explicitly: Beam's default DirectRunner first tries to download Prism.
    local_runner = FnApiRunner()
    if workers > 1:
        # Worker processes of our own, forked and quiet, where Beam's multi_processing mode would start its
        # own afresh. Beam then warns the mode is not named: it is the environment that makes it.
        beam_logs.drop(fn_runner.__name__, "If direct_num_workers is not equal to 1")
        local_runner = FnApiRunner(default_environment=forked_workers.environment())
    return beam.Pipeline(runner=local_runner, options=PipelineOptions(beam_args, direct_num_workers=workers))


def counters_of(result) -> dict:
    """Every Beam counter of the stages as {"stage/name": value}, sorted (progress tallies left out)."""
    counts = {}
    for counter in result.metrics().query()["counters"]:
        if counter.key.metric.namespace == progress.NAMESPACE:
            continue
        key = f"{counter.key.metric.namespace}/{counter.key.metric.name}"
        counts[key] = counts.get(key, 0) + (counter.committed or counter.attempted or 0)
    return dict(sorted(counts.items()))
