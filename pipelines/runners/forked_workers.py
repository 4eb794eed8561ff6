"""The local runner's worker processes, forked from a copy of the command that has imported everything.

A worker process started afresh imports Python's site packages, Beam and this
project before it runs a step: about 3 CPU s each, 6.5 of the 10 CPU s the
links stage took with --workers 2 on 300,000 submissions
(benchmarks/links_stage.py). Forked, a worker starts in milliseconds.

Before its first pipeline with several workers, the command forks a fork
server: a copy of itself with Beam and the pipeline's modules imported, which
runs no thread. The runner starts each worker with a shell command (a
SubprocessSDKEnvironment); ours runs pipelines/runners/worker_client.py, which hands
the server its environment and standard streams over a Unix socket and waits.
The server forks a worker (pipelines.runners.local_worker) with them and, when it
ends, sends its exit status back. A client that goes takes its worker with
it, and the server and its workers end when the command does. Linux only
(os.pidfd_open): elsewhere the runner starts worker processes afresh.
"""

import atexit
import gc
import json
import os
import selectors
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from typing import NamedTuple

from apache_beam.transforms.environments import SubprocessSDKEnvironment

from pipelines.runners import local_worker, worker_client


class Server(NamedTuple):
    socket: str
    pid: int


server: Server | None = None  # this process's fork server, once started


def environment() -> SubprocessSDKEnvironment:
    """The environment the local runner starts its workers in: forked where the platform can, afresh elsewhere."""
    if not hasattr(os, "pidfd_open"):
        return local_worker.environment()
    global server
    if server is None:
        server = _start_server()
        # The runner hands its environment on to the worker's command.
        os.environ[worker_client.SERVER_VARIABLE] = server.socket
    client = shlex.join([sys.executable, "-I", "-S", worker_client.__file__])
    return SubprocessSDKEnvironment.from_command_string(client)


def _start_server() -> Server:
    """Forks the server. It ends when this process does, which holds its pipe."""
    folder = tempfile.mkdtemp(prefix="webtext-workers-")
    path = os.path.join(folder, "fork-server")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(64)
    command_ends, command_alive = os.pipe()  # the read end sees EOF when this process ends, however it ends
    pid = os.fork()
    if pid == 0:
        os.close(command_alive)
        _run_server(listener, command_ends)  # never returns
    os.close(command_ends)
    listener.close()
    atexit.register(_stop_server, pid, command_alive, folder)
    return Server(path, pid)


def _stop_server(pid: int, command_alive: int, folder: str, grace_s: float = 5.0) -> None:
    """Closes the server's pipe and waits for it to end; killed after grace_s, should a process forked from this
    one (holding the pipe too) outlive it."""
    os.close(command_alive)
    deadline = time.monotonic() + grace_s
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.01)
    shutil.rmtree(folder, ignore_errors=True)


def _run_server(listener: socket.socket, command_ends: int) -> None:
    """The fork server's loop: a worker forked per client, its status sent back when it ends."""
    gc.collect()
    gc.freeze()  # the workers share this process's objects; a collection would write to every page of them
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "client")
    selector.register(command_ends, selectors.EVENT_READ, "command")
    workers = {}  # pid -> (its client's socket, its pidfd)
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "command":
                    return
                if key.data == "client":
                    client = listener.accept()[0]
                    others = [fd for worker in workers.values() for fd in worker]
                    pid = _fork_worker(client, [selector, listener, command_ends, *others])
                    workers[pid] = (client, os.pidfd_open(pid))
                    selector.register(client, selectors.EVENT_READ, ("gone", pid))
                    selector.register(workers[pid][1], selectors.EVENT_READ, ("ended", pid))
                elif key.data[0] == "gone":  # the client went before its worker: the worker goes too
                    selector.unregister(key.fileobj)
                    os.kill(key.data[1], signal.SIGKILL)
                else:
                    _report_end(key.data[1], workers.pop(key.data[1]), selector)
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        os._exit(0)


def _read_request(client: socket.socket) -> tuple[dict, list[int]]:
    """The client's environment, and its standard streams' descriptors (sent with the request's first bytes)."""
    data, streams, _, _ = socket.recv_fds(client, 1 << 16, len(worker_client.STANDARD_STREAMS))
    while not data.endswith(b"\n"):
        more = client.recv(1 << 16)
        if not more:
            raise ConnectionError("the client went before its request was whole")
        data += more
    return json.loads(data), streams


def _fork_worker(client: socket.socket, inherited: list) -> int:
    """A worker forked with the client's environment and standard streams; its pid. The inherited files and
    descriptors are closed in the worker."""
    environ, streams = _read_request(client)
    pid = os.fork()
    if pid:
        for stream in streams:
            os.close(stream)
        return pid
    status = 1
    try:
        for inherited_file in [client, *inherited]:  # the server's; the worker must not hold them open
            inherited_file.close() if hasattr(inherited_file, "close") else os.close(inherited_file)
        _take_streams(streams)
        os.environ.clear()
        os.environ.update(environ)
        local_worker.main()
        status = 0
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(status)


def _take_streams(streams: list[int]) -> None:
    """The client's standard streams as this process's, down to Python's own objects: the command's may have
    been anything when the server was forked (a test's captured output, say)."""
    for target, stream in zip(worker_client.STANDARD_STREAMS, streams):
        os.dup2(stream, target)
        os.close(stream)
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)


def _report_end(pid: int, worker: tuple, selector: selectors.BaseSelector) -> None:
    client, pidfd = worker
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    selector.unregister(pidfd)
    os.close(pidfd)
    if client.fileno() in selector.get_map():
        selector.unregister(client)
    try:
        client.sendall(f"{status}\n".encode())
    except OSError:
        pass  # the client went first
    client.close()
