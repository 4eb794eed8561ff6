"""Running the pipeline for a range of stages, and what a run leaves behind.

Around the Beam pipeline itself: stage markers (OUT/_stages/*.json: the
fingerprint, inputs, config and counters of each finished stage), clearing a
stage's stale output before it is rebuilt, the manifest and the report, and a
Dataflow dry run that translates the job without submitting it.
"""

import contextlib
import json

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DebugOptions, PipelineOptions, TestOptions
from google.protobuf.json_format import MessageToDict

from pipelines.files import delete_matching
from pipelines.pipeline import PROGRESS_NOUNS, build
from pipelines.progress import Monitor, totals_from
from pipelines.runners.engine import Engine
from pipelines.runners.worker_errors import as_usage_errors
from webtext import __version__, counts, environment, layout
from webtext.config import Config
from webtext.run import report, stages
from webtext.run.plan import Plan
from webtext.shards import shard_format, tokens


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
