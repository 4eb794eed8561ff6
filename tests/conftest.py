"""Shared fixtures: a real HTTP server on 127.0.0.1 with pages the test defines.

Routes map a path to a Route (one answer), a list of Routes (answered in turn,
the last one repeated: "503, then 200"), or a function taking the request
handler, for servers that misbehave below HTTP (drip, reset, endless body).
"""

import contextlib
import ipaddress
import os
import socket
import tempfile
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
    socket.getaddrinfo = _local_names_only(socket.getaddrinfo)
    # The archives' per-machine schedule (webtext.fetch.ratelimit) of this test session only, not the
    # machine's: a test's 429 must not slow another run of the suite.
    os.environ["WEBTEXT_RATE_DIR"] = tempfile.mkdtemp(prefix="webtext-rates-")


def _local_names_only(getaddrinfo):
    """Name lookups too stay on this machine: any other name fails as an unknown host would.

    pytest-socket guards connections; a lookup of a public name would still ask a DNS server.
    """

    def lookup(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in ALLOWED_HOSTS and not _is_address(name):
            raise socket.gaierror(socket.EAI_NONAME, f"tests look up no name beyond this machine: {name}")
        return getaddrinfo(host, *args, **kwargs)

    return lookup


def _is_address(name: str) -> bool:
    """An IP address is looked up without DNS (and pytest-socket guards connecting to it)."""
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


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


# Fake archives on 127.0.0.1, speaking the Wayback Machine's and Common Crawl's protocols.


class FakeArchives:
    """A Wayback Machine (CDX API + id_ playback) and Common Crawl (collinfo.json, per-crawl
    CDX index, WARC files by HTTP Range) in one server; `data_mode` makes the data server
    misbehave: "ignore_range" (200 and the whole file), "busy_once" (503 with Retry-After,
    then fine), "truncate" (half of each record).

    `cc_page_size` pages the Common Crawl index as pywb pages a zipnum index: a URL's rows,
    sorted by time, in pages of that many rows (Common Crawl's: 5 blocks of ~3,000 lines; here
    blocks of one line, so a client must take webtext.fetch.cdx.INDEX_BLOCK_LINES as 1);
    page 0 when no `page` is asked; showNumPages=true answers {"pages", "pageSize", "blocks"};
    400 past the last page, 404 for a page with no row (after `filter`, where one is asked). `cc_busy_pages` answer 503
    (Retry-After: 1) once each. With 0 (the default) the index does not page, as another CDX
    server: every row in one answer, the page count answered with the rows too."""

    def __init__(self):
        self.wayback = {}  # url -> [(timestamp, status, mime, body[, the Content-Type served])]
        self.collinfo = []  # collinfo.json's entries
        self.cc_index = {}  # crawl id -> url -> [row]
        self.files = {}  # WARC file path -> bytes
        self.data_mode = ""
        self.cc_page_size = 0
        self.cc_busy_pages = set()
        self.hits = []  # every path asked, in order

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        from urllib.parse import parse_qs, urlsplit

        self.hits.append(handler.path)
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        if parts.path == "/cdx/search/cdx":
            return self._wayback_cdx(handler, query)
        if parts.path.startswith("/web/"):
            return self._playback(handler, handler.path[len("/web/"):])
        if parts.path == "/collinfo.json":
            import json
            return Route(json.dumps(self.collinfo).encode(), content_type="application/json").answer(handler)
        if parts.path.endswith("-index"):
            crawl = parts.path[1:-len("-index")]
            if self.cc_page_size:
                return self._cc_cdx_paged(handler, crawl, query)
            return self._cc_cdx(handler, crawl, query)
        if parts.path.lstrip("/") in self.files:
            return self._range(handler, self.files[parts.path.lstrip("/")])
        NOT_FOUND.answer(handler)

    def _wayback_cdx(self, handler, query) -> None:
        """As the Wayback's CDX server: rows in time order; `filter` (field:regex, whole value),
        `from`/`to` (inclusive, a prefix of a timestamp standing for all it covers), `closest` with
        `sort=closest` (nearest first), then `limit`: the first N rows, or the last N if negative."""
        import json
        import re

        from webtext.fetch.capture import unix_time

        url = query["url"][0]
        rows = [{"timestamp": ts, "original": url, "statuscode": str(status), "mimetype": mime}
                for ts, status, mime, *_ in sorted(self.wayback.get(url, []))]
        for spec in query.get("filter", []):
            field, pattern = spec.split(":", 1)
            rows = [r for r in rows if re.fullmatch(pattern, r[field])]
        if "from" in query:
            rows = [r for r in rows if r["timestamp"] >= query["from"][0]]
        if "to" in query:
            to = query["to"][0]
            rows = [r for r in rows if r["timestamp"] <= to or r["timestamp"].startswith(to)]
        if "closest" in query and query.get("sort") == ["closest"]:
            closest = unix_time(query["closest"][0])
            rows.sort(key=lambda r: abs(unix_time(r["timestamp"]) - closest))
        limit = int(query.get("limit", ["0"])[0])
        rows = rows[:limit] if limit > 0 else rows[limit:] if limit < 0 else rows
        fields = query.get("fl", ["timestamp,original,statuscode,mimetype"])[0].split(",")
        answer = [fields] + [[r[f] for f in fields] for r in rows] if rows else []
        Route(json.dumps(answer).encode(), content_type="application/json").answer(handler)

    def _playback(self, handler, rest: str) -> None:
        """The capture's body, served with its own Content-Type where one is given (a capture's fifth
        field; the CDX's mimetype has no charset), else its mimetype."""
        stamp, url = rest.split("id_/", 1)
        for ts, status, mime, body, *served_type in self.wayback.get(url, []):
            if ts == stamp:
                return Route(body, status=status, content_type=(served_type or [mime])[0]).answer(handler)
        NOT_FOUND.answer(handler)

    @staticmethod
    def _cc_filtered(rows: list[dict], query) -> list[dict]:
        """pywb's `filter=[!][=~]field:value`: here the exact-match form the clients send (`=status:200`)."""
        for spec in query.get("filter", []):
            field, value = spec.lstrip("=").split(":", 1)
            rows = [r for r in rows if r.get(field) == value]
        return rows

    def _cc_cdx(self, handler, crawl: str, query) -> None:
        import json

        rows = self._cc_filtered(self.cc_index.get(crawl, {}).get(query["url"][0], []), query)
        if not rows:
            return Route(b"No Captures found for: " + query["url"][0].encode(), status=404,
                         content_type="text/plain").answer(handler)
        Route("".join(json.dumps(r) + "\n" for r in rows).encode(), content_type="text/x-ndjson").answer(handler)

    def _cc_cdx_paged(self, handler, crawl: str, query) -> None:
        import json

        rows = sorted(self.cc_index.get(crawl, {}).get(query["url"][0], []), key=lambda r: r["timestamp"])
        if not rows:  # a URL the crawl never fetched: pywb's "No Captures found", whatever the page
            return Route(b'{"message": "No Captures found"}', status=404, content_type="text/x-ndjson").answer(handler)
        pages = [rows[i : i + self.cc_page_size] for i in range(0, len(rows), self.cc_page_size)]
        if query.get("showNumPages") == ["true"]:
            info = {"pages": len(pages), "pageSize": 5, "blocks": len(pages)}
            return Route(json.dumps(info).encode(), content_type="text/x-ndjson").answer(handler)
        page = int(query.get("page", ["0"])[0])
        if page in self.cc_busy_pages:
            self.cc_busy_pages.discard(page)
            return Route(b"slow down", status=503, headers={"Retry-After": "1"}).answer(handler)
        if page >= len(pages):
            message = {"message": f"Page {page} invalid: First Page is 0, Last Page is {len(pages) - 1}"}
            return Route(json.dumps(message).encode(), status=400, content_type="text/x-ndjson").answer(handler)
        found = self._cc_filtered(pages[page], query)
        if not found:
            return Route(b'{"message": "No Captures found"}', status=404, content_type="text/x-ndjson").answer(handler)
        Route("".join(json.dumps(r) + "\n" for r in found).encode(), content_type="text/x-ndjson").answer(handler)

    def _range(self, handler, data: bytes) -> None:
        import re

        if self.data_mode == "busy_once":
            self.data_mode = ""
            return Route(b"slow down", status=503, headers={"Retry-After": "1"}).answer(handler)
        found = re.fullmatch(r"bytes=(\d+)-(\d+)", handler.headers.get("Range", ""))
        if self.data_mode == "ignore_range" or not found:
            return Route(data, content_type="application/octet-stream").answer(handler)
        start, end = int(found.group(1)), int(found.group(2))
        part = data[start : end + 1]
        headers = {"Content-Range": f"bytes {start}-{end}/{len(data)}"}
        if self.data_mode == "truncate":
            part = part[: len(part) // 2]
        Route(part, status=206, content_type="application/octet-stream", headers=headers).answer(handler)


class _Everywhere(dict):
    """Routes that send every path to one function."""

    def __init__(self, handle):
        super().__init__()
        self.handle = handle

    def get(self, path, default=None):
        return self.handle


@contextlib.contextmanager
def fake_archives():
    """(FakeArchives, its base URL), served on 127.0.0.1 for the length of the `with`."""
    fake = FakeArchives()
    handler = type("ArchiveHandler", (_Handler,), {"routes": _Everywhere(fake.handle), "hits": {}})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield fake, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def archives():
    """(FakeArchives, its base URL) on 127.0.0.1."""
    with fake_archives() as served:
        yield served
