"""Running the pipeline for a range of stages, and what a run leaves behind.

Around the Beam pipeline itself: stage markers (OUT/_stages/*.json: the
fingerprint, inputs, config and counters of each finished stage), clearing a
stage's stale output before it is rebuilt, the manifest and the report, and a
Dataflow dry run that translates the job without submitting it.
"""

import contextlib
import json
from typing import Callable, NamedTuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DebugOptions, PipelineOptions, TestOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner, fn_runner
from google.protobuf.json_format import MessageToDict

from pipelines import beam_logs, forked_workers, progress
from pipelines.files import delete_matching
from pipelines.pipeline import PROGRESS_NOUNS, build
from pipelines.progress import FolderTallies, Monitor, totals_from
from pipelines.worker_errors import as_usage_errors
from webtext import __version__, counts, environment, layout
from webtext.config import Config
from webtext.run import report, stages
from webtext.run.plan import Plan
from webtext.shards import shard_format, tokens


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
    from pipelines import on_dask  # Dask is an extra: imported only when asked for

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


# Markers ---------------------------------------------------------------------


def read_markers(out: str) -> dict[str, dict]:
    """The markers of the stages an earlier run finished in out."""
    markers = {}
    for stage in stages.STAGES:
        path = FileSystems.join(out, layout.marker(stage))
        if FileSystems.exists(path):
            with FileSystems.open(path) as f:
                markers[stage] = json.load(f)
    return markers


def _write_json(path: str, value) -> None:
    with FileSystems.create(path) as f:
        f.write(json.dumps(value, indent=1, sort_keys=True).encode())


def write_markers(plan: Plan, inputs: dict, counters: dict) -> None:
    prints = stages.fingerprints(inputs, plan.config.to_dict())
    # Recorded, not fingerprinted: new package versions do not make a rerun redo weeks of fetching.
    built_with = environment.describe()
    for stage in stages.between(plan.first, plan.last):
        _write_json(FileSystems.join(plan.inputs.out, layout.marker(stage)), {
            "stage": stage, "fingerprint": prints[stage], "inputs": inputs, "config": plan.config.to_dict(),
            "counters": {k: v for k, v in counters.items() if counts.stage_of(k) == stage},
            "environment": built_with,
        })


def missing_kept_outputs(out: str, first: str) -> list[str]:
    """The tables a run starting at `first` reads that no earlier run kept in out."""
    kept = [layout.table(name) for name in stages.READS_KEPT.get(first, ())]
    return [path for path in kept if not FileSystems.exists(FileSystems.join(out, path))]


# Runs ------------------------------------------------------------------------


def counters_of(result) -> dict:
    """Every Beam counter of the stages as {"stage/name": value}, sorted (progress tallies left out)."""
    counts = {}
    for counter in result.metrics().query()["counters"]:
        if counter.key.metric.namespace == progress.NAMESPACE:
            continue
        key = f"{counter.key.metric.namespace}/{counter.key.metric.name}"
        counts[key] = counts.get(key, 0) + (counter.committed or counter.attempted or 0)
    return dict(sorted(counts.items()))


def execute(plan: Plan, engine: Engine, recorded_counters: dict) -> dict:
    """Run the plan's stages, in one pipeline or, stage_by_stage, one pipeline each; returns {"counters",
    "manifest", "job"}."""
    if not engine.stage_by_stage:
        return execute_pipeline(plan, engine, recorded_counters)
    for stage in stages.between(plan.first, plan.last):
        result = execute_pipeline(plan._replace(first=stage, last=stage), engine, recorded_counters)
        recorded_counters = result["counters"]
    return result


def execute_pipeline(plan: Plan, engine: Engine, recorded_counters: dict) -> dict:
    """Run the plan's stages as one pipeline."""
    pipeline = engine.new_pipeline()
    out = plan.inputs.out
    if plan.last == "shards":
        # Shards are rebuilt whole: an earlier run's files must not linger beside the new ones.
        delete_matching(FileSystems.join(out, layout.SHARD_DIR, "*"))
        delete_matching(FileSystems.join(out, layout.MANIFEST))
    monitor = None
    if plan.progress_s > 0:
        # Totals the stages before counted; runners with side inputs also count them as the stage starts.
        monitor = Monitor(PROGRESS_NOUNS, plan.progress_s, engine.progress_tallies(), totals_from(recorded_counters))
    with monitor or contextlib.nullcontext():
        build(pipeline, plan.inputs, plan.config, plan.first, plan.last, monitor.tallies.to if monitor else None,
              totals=engine.side_inputs)
        with as_usage_errors():
            result = pipeline.run()
            if pipeline.options.view_as(TestOptions).dry_run:
                return {"counters": {}, "manifest": None, "job": describe_job(result, pipeline.options)}
            result.wait_until_finish()
    counters = {**recorded_counters, **engine.read_counters(result)}
    manifest = None
    if plan.last == "shards":
        manifest = write_manifest(out, plan.config, counters)
        for name, data in report.build_report(out, manifest).items():
            with FileSystems.create(FileSystems.join(out, name)) as f:
                f.write(data)
    write_markers(plan, plan.inputs._asdict(), counters)  # last: a stage is done once all it writes is
    return {"counters": counters, "manifest": manifest, "job": None}


def write_manifest(out: str, config: Config, counters: dict) -> dict:
    with FileSystems.open(FileSystems.join(out, layout.SHARD_INDEX)) as f:
        index = json.load(f)
    tokenizer = tokens.describe(tokens.get_encoding(config.encoding))
    manifest = shard_format.build_manifest(index, config.to_dict(), tokenizer, counters, __version__,
                                           environment.describe())
    with FileSystems.create(FileSystems.join(out, layout.MANIFEST)) as f:
        f.write(json.dumps(manifest, indent=1).encode())
    return manifest


def describe_job(result, options: PipelineOptions) -> dict:
    """The Dataflow job a dry run built: the job and the Beam pipeline it would run."""
    job = {"job": json.loads(result.job.json()), "pipeline": MessageToDict(result.job.proto_pipeline)}
    job_file = options.view_as(DebugOptions).dataflow_job_file
    if job_file:
        with open(job_file, "w", encoding="utf-8") as f:
            json.dump(job, f, indent=1)
    return job
