"""The bundled sample on a real dask.distributed cluster through Beam's Dask runner.

The scheduler and two worker processes are started as the commands a cluster
runs (`dask scheduler`, `dask worker`) on 127.0.0.1, so the pipeline's code
crosses real process boundaries. The run must give the local runner's shards,
byte for byte, and the same counts.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import apache_beam as beam
import distributed
import pytest

from pipelines.counters import count
from pipelines.neutral import SpreadCreated, Widen
from pipelines.runners import on_dask
from tests.test_runs import last_progress


def _wait_for(path, process, seconds=60):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert process.poll() is None and time.monotonic() < deadline, "the Dask scheduler did not start"
        time.sleep(0.2)


@contextlib.contextmanager
def _cluster(folder, **environ):
    """A scheduler and two worker processes, each under a nanny that restarts it, started as a cluster
    starts them; the scheduler's address."""
    scheduler_file = str(folder / "scheduler.json")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder, "env": {**os.environ, **environ}}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard", "--scheduler-file", scheduler_file], **quiet)
    workers = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", scheduler_file,
                                "--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], **quiet)
    try:
        _wait_for(scheduler_file, scheduler)
        with distributed.Client(scheduler_file=scheduler_file) as client:
            client.wait_for_workers(2, timeout=60)
            yield client.scheduler.address
    finally:
        for process in (workers, scheduler):
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def dask_address(tmp_path_factory):
    with _cluster(tmp_path_factory.mktemp("dask")) as address:
        yield address


def _run(out, *flags) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "webtext.collect", str(out), *flags],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "INFO:" not in done.stderr, done.stderr[-3000:]  # no scheduler's or client's chatter
    assert re.search(r"\(links to shards\) in [\d.]+ s", done.stdout), done.stdout
    return done


def _collect(out, *flags) -> str:
    """What the run printed, with OUT and the run's seconds blanked, so two runs compare."""
    done = _run(out, "--progress-s", "0", *flags)
    return re.sub(r" in [\d.]+ s", "", done.stdout.replace(str(out), "OUT"))


def _shards(out) -> dict:
    manifest = json.loads((out / "manifest.json").read_text())
    return {shard["name"]: shard["sha256"] for shard in manifest["shards"]}


def _marker_counts(out) -> dict:
    return {m.name: json.loads(m.read_text())["counters"] for m in sorted((out / "_stages").glob("*.json"))}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The sample on the local runner, two workers: (what it printed, OUT)."""
    out = tmp_path_factory.mktemp("local") / "out"
    return _collect(out, "--workers", "2"), out


def _counts_everywhere(out) -> dict:
    return {"markers": _marker_counts(out), "manifest": json.loads((out / "manifest.json").read_text())["counters"]}


def test_the_sample_on_a_dask_cluster_matches_the_local_runner(dask_address, local_run, tmp_path):
    printed, local = local_run
    assert _collect(tmp_path / "dask", "--runner", "dask", "--dask-address", dask_address) == printed
    assert _shards(tmp_path / "dask") == _shards(local)
    assert _counts_everywhere(tmp_path / "dask") == _counts_everywhere(local)
    # The work ran on the cluster given, across both its workers (not on a cluster of Beam's own).
    with distributed.Client(dask_address) as client:
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(count > 0 for count in executed.values()), executed


class WorkerKiller(threading.Thread):
    """Kills a worker process of the cluster (SIGKILL; its nanny starts another) `times` times, at least
    `every_s` seconds apart, each time one that has finished `done_first` tasks since it started, taking
    turns: work lost again and again through the run, yet the run goes on."""

    def __init__(self, address: str, times: int, every_s: float, done_first: int):
        super().__init__(daemon=True)
        self.address, self.times, self.every_s, self.done_first = address, times, every_s, done_first
        self.killed, self.stopping = [], threading.Event()

    def run(self):
        with distributed.Client(self.address) as client:
            while len(self.killed) < self.times and not self.stopping.wait(self.every_s):
                done = client.run(lambda dask_worker: (os.getpid(), dask_worker.state.executed_count), on_error="ignore")
                ready = sorted(pid for pid, executed in done.values() if executed >= self.done_first)
                if ready:
                    victim = ready[len(self.killed) % len(ready)]
                    os.kill(victim, signal.SIGKILL)
                    self.killed.append(victim)


def test_counts_are_exact_when_workers_die(local_run, tmp_path):
    # Dask gives up on a task whose workers died under it three times (allowed-failures): four deaths
    # could take one long task's three tries, whatever the pipeline does.
    with _cluster(tmp_path, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="10") as address:
        killer = WorkerKiller(address, times=4, every_s=6.0, done_first=10)
        killer.start()
        try:
            printed = _collect(tmp_path / "dask", "--runner", "dask", "--dask-address", address)
        finally:
            killer.stopping.set()
            killer.join()
    assert len(killer.killed) == 4, killer.killed  # workers died through the run, not once at its start
    local_printed, local = local_run
    # Tasks whose outputs died with a worker ran again, and long-finished ones before them: each counts once.
    assert printed == local_printed
    assert _counts_everywhere(tmp_path / "dask") == _counts_everywhere(local)
    assert _shards(tmp_path / "dask") == _shards(local)


def test_the_commands_own_cluster_runs_the_sample_with_progress_lines(local_run, tmp_path):
    # A LocalCluster started and stopped by the command: its scheduler lives in the command's process.
    printed, local = local_run
    done = _run(tmp_path / "dask", "--runner", "dask", "--workers", "1", "--progress-s", "1")
    assert re.sub(r" in [\d.]+ s", "", done.stdout.replace(str(tmp_path / "dask"), "OUT")) == printed
    assert _shards(tmp_path / "dask") == _shards(local)
    # Each stage's last line: done (of the total the stage before counted, where there is one).
    last = last_progress(done.stderr)
    counted = json.loads((local / "manifest.json").read_text())["counters"]
    links, documents, unique = counted["links/kept"], counted["extract/documents"], counted["dedup/kept"]
    assert last == {"reddit": (counted["links/posts_kept"], None), "links": (links, None), "fetch": (links, links),
                    "extract": (links, links), "dedup": (unique, documents), "shards": (unique, unique)}
    assert all(" progress " in line for line in done.stderr.splitlines()), done.stderr


@pytest.fixture
def session(dask_address):
    with contextlib.closing(on_dask.Session(dask_address, [])) as session:
        yield session


def _worker_of_each_group(session, widen: bool) -> dict:
    """One source element fanned out to 64 elements, grouped by 16 keys: the count of groups each worker process
    handled, as counters "groups/<pid>"."""

    def handled(group):
        count(f"groups/{os.getpid()}")

    pipeline = session.new_pipeline()
    elements = pipeline | beam.Create(["one file"]) | beam.FlatMap(lambda _: [(i % 16, i) for i in range(64)])
    if widen:
        elements = elements | Widen()
    elements | beam.GroupByKey() | beam.Map(handled)
    result = pipeline.run()
    result.wait_until_finish()
    return session.counters_of(result)


@pytest.mark.parametrize("widen", [False, True])
def test_widen_spreads_one_source_over_the_workers(session, widen):
    handled = _worker_of_each_group(session, widen)
    assert sum(handled.values()) == 16
    # Beam's Dask runner leaves one source's elements in one partition, on one worker, grouped or not;
    # widened, the grouping hashes them over a partition per worker thread.
    assert len(handled) == (2 if widen else 1), handled


def test_created_files_are_read_on_every_worker(session):
    pipeline = session.new_pipeline()

    def read(path):
        time.sleep(0.5)  # a file's reading: long enough for the scheduler to see both workers busy
        count(f"reads/{os.getpid()}")

    pipeline | beam.Create(["RS_2017-01.zst", "RS_2017-02.zst"]) | SpreadCreated() | beam.Map(read)
    result = pipeline.run()
    result.wait_until_finish()
    readers = session.counters_of(result)
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
