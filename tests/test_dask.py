"""The bundled sample on a real dask.distributed cluster through Beam's Dask runner.

The scheduler and two worker processes are started as the commands a cluster
runs (`dask scheduler`, `dask worker`) on 127.0.0.1, so the pipeline's code
crosses real process boundaries. The run must give the local runner's shards,
byte for byte, and the same counts.
"""

import json
import os
import re
import subprocess
import sys
import time

import apache_beam as beam
import distributed
import pytest

from pipelines import on_dask
from pipelines.counters import count
from pipelines.neutral import SpreadCreated, Widen


def _wait_for(path, process, seconds=60):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert process.poll() is None and time.monotonic() < deadline, "the Dask scheduler did not start"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def dask_address(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = str(folder / "scheduler.json")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard", "--scheduler-file", scheduler_file], **quiet)
    workers = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", scheduler_file,
                                "--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], **quiet)
    try:
        _wait_for(scheduler_file, scheduler)
        with distributed.Client(scheduler_file=scheduler_file) as client:
            client.wait_for_workers(2, timeout=60)
            address = client.scheduler.address
        yield address
    finally:
        for process in (workers, scheduler):
            process.terminate()
            process.wait(timeout=30)


def _collect(out, *flags) -> str:
    """What the run printed, with OUT and the run's seconds blanked, so two runs compare."""
    done = subprocess.run([sys.executable, "-m", "webtext.collect", str(out), "--progress-s", "0", *flags],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "INFO:" not in done.stderr, done.stderr[-3000:]  # no scheduler's or client's chatter
    assert re.search(r"\(links to shards\) in [\d.]+ s", done.stdout), done.stdout
    return re.sub(r" in [\d.]+ s", "", done.stdout.replace(str(out), "OUT"))


def _shards(out) -> dict:
    manifest = json.loads((out / "manifest.json").read_text())
    return {shard["name"]: shard["sha256"] for shard in manifest["shards"]}


def _marker_counts(out) -> dict:
    return {m.name: json.loads(m.read_text())["counters"] for m in sorted((out / "_stages").glob("*.json"))}


def test_the_sample_on_a_dask_cluster_matches_the_local_runner(dask_address, tmp_path):
    local = _collect(tmp_path / "local", "--workers", "2")
    on_dask = _collect(tmp_path / "dask", "--runner", "dask", "--dask-address", dask_address)
    assert on_dask == local
    assert _shards(tmp_path / "dask") == _shards(tmp_path / "local")
    assert _marker_counts(tmp_path / "dask") == _marker_counts(tmp_path / "local")
    # The work ran on the cluster given, across both its workers (not on a cluster of Beam's own).
    with distributed.Client(dask_address) as client:
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(count > 0 for count in executed.values()), executed


def test_the_commands_own_cluster_runs_the_sample_quietly(tmp_path):
    # A LocalCluster started and stopped by the command: its scheduler lives in the command's process.
    assert _collect(tmp_path / "dask", "--runner", "dask", "--workers", "1") == _collect(tmp_path / "local")
    assert _shards(tmp_path / "dask") == _shards(tmp_path / "local")


def _worker_of_each_group(pipeline, widen: bool) -> dict:
    """One source element fanned out to 64 elements, grouped by 16 keys: the count of groups each worker process
    handled, as counters "groups/<pid>"."""

    def handled(group):
        count(f"groups/{os.getpid()}")

    elements = pipeline | beam.Create(["one file"]) | beam.FlatMap(lambda _: [(i % 16, i) for i in range(64)])
    if widen:
        elements = elements | Widen()
    elements | beam.GroupByKey() | beam.Map(handled)
    result = pipeline.run()
    result.wait_until_finish()
    return on_dask.counters_of(result)


@pytest.mark.parametrize("widen", [False, True])
def test_widen_spreads_one_source_over_the_workers(dask_address, widen):
    handled = _worker_of_each_group(on_dask.make_pipeline(dask_address, []), widen)
    assert sum(handled.values()) == 16
    # Beam's Dask runner leaves one source's elements in one partition, on one worker, grouped or not;
    # widened, the grouping hashes them over a partition per worker thread.
    assert len(handled) == (2 if widen else 1), handled


def test_created_files_are_read_on_every_worker(dask_address):
    pipeline = on_dask.make_pipeline(dask_address, [])

    def read(path):
        time.sleep(0.5)  # a file's reading: long enough for the scheduler to see both workers busy
        count(f"reads/{os.getpid()}")

    pipeline | beam.Create(["RS_2017-01.zst", "RS_2017-02.zst"]) | SpreadCreated() | beam.Map(read)
    result = pipeline.run()
    result.wait_until_finish()
    readers = on_dask.counters_of(result)
    # One file on each worker: the Create's own partitions, a partition per worker thread, spread them.
    assert sorted(readers.values()) == [1, 1], readers


@pytest.fixture
def environ_restored():
    """os.environ as it was before the test: a Nanny in this process writes its workers' variables into it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_commands_cluster_leaves_malloc_its_trim_threshold(environ_restored):
    os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    # Dask's default (64 KiB) made a dump file's reading 1.45x slower in a worker than in a plain process.
    with on_dask.cluster(None, 1) as address, distributed.Client(address) as client:
        thresholds = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert list(thresholds.values()) == [None]
