"""Starts one local worker process by asking the fork server for it (pipelines/runners/forked_workers.py).

Run as a script by a Python without its site packages (`python -I -S`), so it
starts in milliseconds: it imports nothing of this project nor of Beam. It
hands its environment (the runner's addresses for the worker) and its
standard input, output and error to the server named by WEBTEXT_FORK_SERVER,
waits for the worker to end and exits with its status. Killed, it takes the
worker with it: the server sees it go.
"""

import json
import os
import socket
import sys

# Where the fork server listens, as the command sets it for the runner to hand on.
SERVER_VARIABLE = "WEBTEXT_FORK_SERVER"
STANDARD_STREAMS = [0, 1, 2]  # the worker writes where this process would


def main() -> int:
    with socket.socket(socket.AF_UNIX) as server:
        server.connect(os.environ[SERVER_VARIABLE])
        request = json.dumps(dict(os.environ)).encode() + b"\n"
        sent = socket.send_fds(server, [request], STANDARD_STREAMS)
        server.sendall(request[sent:])
        status = server.makefile().readline()
    return int(status) if status.strip() else 1  # no status: the server ended before its worker


if __name__ == "__main__":
    sys.exit(main())
