"""Shared fixtures: a real HTTP server on 127.0.0.1 with pages the test defines.

Routes map a path to a Route (one answer), a list of Routes (answered in turn,
the last one repeated: "503, then 200"), or a function taking the request
handler, for servers that misbehave below HTTP (drip, reset, endless body).
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# The socket guard (pyproject's addopts): no test connects beyond this machine, whatever the
# code under test does. Checked here, so a run without it fails instead of going unguarded.
ALLOWED_HOSTS = {"127.0.0.1", "::1", "localhost"}


def pytest_configure(config):
    given = config.getoption("allow_hosts", default=None) or ""  # None without pytest-socket
    allowed = set(given.split(",") if isinstance(given, str) else given) - {""}
    if not allowed or not allowed <= ALLOWED_HOSTS:
        raise pytest.UsageError(f"tests need pytest-socket with --allow-hosts={','.join(sorted(ALLOWED_HOSTS))}")


class Route:
    """What the server answers for one path."""

    def __init__(self, body=b"", status=200, content_type="text/html; charset=utf-8",
                 headers=None, delay_s=0.0):
        self.body, self.status, self.content_type = body, status, content_type
        self.headers, self.delay_s = headers or {}, delay_s

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        time.sleep(self.delay_s)
        handler.send_response(self.status)
        handler.send_header("Content-Type", self.content_type)
        handler.send_header("Content-Length", str(len(self.body)))
        for name, value in self.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(self.body)


NOT_FOUND = Route(b"<html><body>Not Found</body></html>", status=404)


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: dict = {}
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers: pooled connections get reused

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path
        self.hits[path] = self.hits.get(path, 0) + 1
        route = self.routes.get(path, NOT_FOUND)
        if isinstance(route, list):
            route = route[min(self.hits[path], len(route)) - 1]
        if callable(route) and not isinstance(route, Route):
            route(self)
        else:
            route.answer(self)

    def log_message(self, *args):
        pass


class Server:
    def __init__(self, server, routes, hits):
        self.server, self.routes, self.hits = server, routes, hits
        self.url = f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def http_server():
    """(base URL, routes dict) of a server on 127.0.0.1; tests fill routes by path."""
    with serving() as server:
        yield server.url, server.routes


class serving:
    """A test server as a context manager, for tests that need hit counts or two servers."""

    def __enter__(self) -> Server:
        routes, hits = {}, {}
        handler = type("Handler", (_Handler,), {"routes": routes, "hits": hits})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.server = Server(httpd, routes, hits)
        return self.server

    def __exit__(self, *exc):
        self.server.server.shutdown()
        self.server.server.server_close()


# A real dataset and a tiny GPT trained on it, shared by the model tests (session: trained once).


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> str:
    from tests.test_model import documents, write_dataset

    root = tmp_path_factory.mktemp("data")
    return write_dataset(root, {"train": [documents(40, 1), documents(20, 2)], "val": [documents(10, 3)]})


@pytest.fixture(scope="session")
def trained(dataset, tmp_path_factory) -> str:
    import model.train

    out = tmp_path_factory.mktemp("gpt-out")
    args = ["--data", dataset, "--out", str(out), "--steps", "40", "--batch-size", "8", "--block-size", "64",
            "--lr", "3e-3", "--warmup-steps", "5", "--log-interval", "5", "--eval-interval", "20",
            "--eval-batches", "2", "--device", "cpu"]
    model.train.main(args)
    return str(out)
