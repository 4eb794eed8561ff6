"""Running the pipeline for a range of stages, and what a run leaves behind.

Around the Beam pipeline itself: stage markers (OUT/_stages/*.json: the
fingerprint, inputs, config and counters of each finished stage), clearing a
stage's stale output before it is rebuilt, the manifest and the report, and a
Dataflow dry run that translates the job without submitting it.
"""

import json
from typing import NamedTuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DebugOptions, PipelineOptions, TestOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from google.protobuf.json_format import MessageToDict

from pipelines.shards import INDEX
from pipelines.webtext_pipeline import Inputs, build
from webtext import __version__
from webtext.config import Config
from webtext.run import report, stages
from webtext.shards import shard_format, tokens


class Plan(NamedTuple):
    inputs: Inputs
    config: Config
    first: str
    last: str
    progress_s: float = 0.0  # a progress line per stage this often (local runs); 0: none


def make_pipeline(runner: str, workers: int, beam_args: list[str]) -> beam.Pipeline:
    if runner != "direct":
        return beam.Pipeline(options=PipelineOptions(beam_args, runner=runner))
    # Named explicitly: Beam's default DirectRunner first tries to download Prism.
    local = {"direct_num_workers": workers}
    if workers > 1:
        local["direct_running_mode"] = "multi_processing"
    return beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(beam_args, **local))


# Markers ---------------------------------------------------------------------


def _marker_path(out: str, stage: str) -> str:
    return FileSystems.join(out, stages.MARKER_DIR, f"{stage}.json")


def read_markers(out: str) -> dict[str, dict]:
    """The markers of the stages an earlier run finished in out."""
    markers = {}
    for stage in stages.STAGES:
        path = _marker_path(out, stage)
        if FileSystems.exists(path):
            with FileSystems.open(path) as f:
                markers[stage] = json.load(f)
    return markers


def _write_json(path: str, value) -> None:
    with FileSystems.create(path) as f:
        f.write(json.dumps(value, indent=1, sort_keys=True).encode())


def write_markers(plan: Plan, inputs: dict, counters: dict) -> None:
    prints = stages.fingerprints(inputs, plan.config.to_dict())
    for stage in stages.between(plan.first, plan.last):
        _write_json(_marker_path(plan.inputs.out, stage), {
            "stage": stage, "fingerprint": prints[stage], "inputs": inputs, "config": plan.config.to_dict(),
            "counters": {k: v for k, v in counters.items() if k.split("/")[0] in stages.COUNTER_STAGES[stage]},
        })


# What --from reads: the tables the stage before it kept.
KEPT_INPUTS = {"fetch": ("links.parquet",), "extract": ("links.parquet",), "dedup": ("documents.parquet",),
               "shards": ("documents.parquet", "duplicates.parquet")}


def missing_kept_outputs(out: str, first: str) -> list[str]:
    return [name for name in KEPT_INPUTS.get(first, ()) if not FileSystems.exists(FileSystems.join(out, name))]


# Runs ------------------------------------------------------------------------


def _clear(pattern: str) -> None:
    paths = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
    if paths:
        FileSystems.delete(paths)


def counters_of(result) -> dict:
    """Every Beam counter as {"stage/name": value}, sorted."""
    counts = {}
    for counter in result.metrics().query()["counters"]:
        key = f"{counter.key.metric.namespace}/{counter.key.metric.name}"
        counts[key] = counts.get(key, 0) + (counter.committed or counter.attempted or 0)
    return dict(sorted(counts.items()))


def execute(plan: Plan, pipeline: beam.Pipeline, recorded_counters: dict) -> dict:
    """Run the plan's stages; returns {"counters", "manifest", "job"}."""
    out = plan.inputs.out
    if plan.last == "shards":
        # Shards are rebuilt whole: an earlier run's files must not linger beside the new ones.
        _clear(FileSystems.join(out, shard_format.SHARD_DIR, "*"))
        _clear(FileSystems.join(out, shard_format.MANIFEST))
    build(pipeline, plan.inputs, plan.config, plan.first, plan.last, plan.progress_s)
    result = pipeline.run()
    if pipeline.options.view_as(TestOptions).dry_run:
        return {"counters": {}, "manifest": None, "job": describe_job(result, pipeline.options)}
    result.wait_until_finish()
    counters = {**recorded_counters, **counters_of(result)}
    manifest = None
    if plan.last == "shards":
        manifest = write_manifest(out, plan.config, counters)
        for name, data in report.build_report(out, manifest).items():
            with FileSystems.create(FileSystems.join(out, name)) as f:
                f.write(data)
    write_markers(plan, plan.inputs._asdict(), counters)  # last: a stage is done once all it writes is
    return {"counters": counters, "manifest": manifest, "job": None}


def write_manifest(out: str, config: Config, counters: dict) -> dict:
    with FileSystems.open(FileSystems.join(out, INDEX)) as f:
        index = json.load(f)
    tokenizer = tokens.describe(tokens.get_encoding(config.encoding))
    manifest = shard_format.build_manifest(index, config.to_dict(), tokenizer, counters, __version__)
    with FileSystems.create(FileSystems.join(out, shard_format.MANIFEST)) as f:
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
