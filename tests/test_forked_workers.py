"""The local runner's worker processes, forked by the fork server (pipelines/runners/forked_workers.py)."""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from pipelines.runners import forked_workers, worker_client

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="the fork server needs os.pidfd_open (Linux)")

# A command of two worker processes: which process ran each element, and where the fork server and its socket were.
TWO_WORKERS = """
import json, os, sys
import apache_beam as beam
from pipelines.runners import forked_workers
from pipelines.runners.engine import make_pipeline
with make_pipeline("direct", 2, []) as pipeline:
    (pipeline | beam.Create(range(64)) | beam.Reshuffle()
     | beam.Map(lambda n: (n * n, os.getpid(), os.getppid()))
     | beam.io.WriteToText(sys.argv[1], shard_name_template=""))
print(json.dumps({"command": os.getpid(), **forked_workers.server._asdict()}))
"""


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_workers_are_forked_by_the_server_which_ends_with_the_command(tmp_path):
    run = subprocess.run([sys.executable, "-c", TWO_WORKERS, str(tmp_path / "rows.txt")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # the forked workers print nothing of their own
    started = json.loads(run.stdout)
    rows = [eval(line) for line in (tmp_path / "rows.txt").read_text().splitlines()]
    assert sorted(square for square, _, _ in rows) == sorted(n * n for n in range(64))
    # Every element ran in a worker the server forked, none in the command.
    assert {parent for _, _, parent in rows} == {started["pid"]}
    assert started["command"] not in {worker for _, worker, _ in rows}
    assert _gone(started["pid"]) and not os.path.exists(os.path.dirname(started["socket"]))


def _client(environ: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-I", "-S", worker_client.__file__], env=environ)


def test_a_failed_worker_fails_its_client_and_a_killed_client_takes_its_worker(capfd):
    forked_workers.environment()  # the server of this process, started if no test started it yet
    server = forked_workers.server
    environ = {worker_client.SERVER_VARIABLE: server.socket, "PATH": os.environ.get("PATH", "")}
    # No control address: Beam's harness cannot start, and the worker's failure is its client's; it writes
    # where its client would, here the test's stderr (the server's was an earlier test's, if one started it).
    assert _client(environ).wait(timeout=60) != 0
    assert "KeyError: 'CONTROL_API_SERVICE_DESCRIPTOR'" in capfd.readouterr().err
    # An address where nobody answers: the worker waits for a runner until its client is killed.
    waiting = _client({**environ, "CONTROL_API_SERVICE_DESCRIPTOR": 'url: "127.0.0.1:9"'})
    deadline = time.monotonic() + 30
    while not (workers := psutil.Process(server.pid).children()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 1
    waiting.send_signal(signal.SIGKILL)
    waiting.wait(timeout=10)
    assert _gone(workers[0].pid)


# A command that forks a child of its own, which holds the server's pipe too, and outlives the command.
FORKING_COMMAND = """
import json, os, time
from pipelines.runners import forked_workers
forked_workers.environment()
child = os.fork()
if child == 0:
    os.closerange(0, 3)  # not the test's pipes, which it reads to their end
    time.sleep(60)
    os._exit(0)
print(json.dumps({"child": child, **forked_workers.server._asdict()}))
"""


def test_the_command_ends_with_its_server_when_a_child_of_its_own_holds_the_servers_pipe():
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", FORKING_COMMAND], capture_output=True, text=True, timeout=60)
    ended = json.loads(run.stdout)
    try:
        assert run.returncode == 0, run.stderr
        assert time.monotonic() - started < 30  # the server is killed after its grace, not waited for
        assert _gone(ended["pid"]) and not os.path.exists(os.path.dirname(ended["socket"]))
    finally:
        os.kill(ended["child"], signal.SIGKILL)
