"""Shared fixtures: a real HTTP server on 127.0.0.1 with pages the test defines."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Route:
    """What the server answers for one path."""

    def __init__(self, body=b"", status=200, content_type="text/html; charset=utf-8",
                 headers=None, delay_s=0.0):
        self.body, self.status, self.content_type = body, status, content_type
        self.headers, self.delay_s = headers or {}, delay_s


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        route = self.routes.get(self.path)
        if route is None:
            route = Route(b"<html><body>Not Found</body></html>", status=404)
        time.sleep(route.delay_s)
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(route.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """(base URL, routes dict) of a server on 127.0.0.1; tests fill routes by path."""
    routes = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()
