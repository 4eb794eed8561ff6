"""Live fetching against a real HTTP server on 127.0.0.1."""

import gzip

import pytest

from tests.conftest import Route
from webtext import fetch
from webtext.config import Config
from webtext.fetch import FetchError, check_address
from webtext.links import merge_posts
from webtext.records import Submission

CONFIG = Config(allow_loopback=True, connect_timeout_s=2, read_timeout_s=0.5, max_page_bytes=10_000)
PAGE = b"<html><body><p>Hello</p></body></html>"


def _fetch(url, config=CONFIG):
    link = merge_posts(url, [Submission("p", url, "", "news", 5, 1, False, False)])
    session = fetch.new_session(config)
    try:
        return fetch.fetch_page(session, link, config)
    finally:
        session.close()


def test_a_page_is_fetched_with_its_status_type_and_body(http_server):
    base, routes = http_server
    routes["/story"] = Route(PAGE)
    page = _fetch(base + "/story")
    assert (page.error, page.status, page.body, page.source) == ("", 200, PAGE, "live")
    assert page.content_type.startswith("text/html")


@pytest.mark.parametrize("route, reason", [
    (Route(b"gone", status=404), "http_404"),
    (Route(b"oops", status=503), "http_503"),
    (Route(b"%PDF-1.4", content_type="application/pdf"), "not_html"),
    (Route(b"x" * 20_000), "too_large"),
    (Route(PAGE, delay_s=1.5), "timeout"),
])
def test_failures_come_back_with_a_reason(http_server, route, reason):
    base, routes = http_server
    routes["/p"] = route
    page = _fetch(base + "/p")
    assert (page.error, page.body) == (reason, b"")


def test_the_byte_cap_applies_to_the_decompressed_body(http_server):
    base, routes = http_server
    bomb = gzip.compress(b"<html>" + b" " * 1_000_000)  # ~1 KB on the wire
    routes["/bomb"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < CONFIG.max_page_bytes
    assert _fetch(base + "/bomb").error == "too_large"


def test_redirects_are_followed_up_to_the_limit(http_server):
    base, routes = http_server
    routes["/a"] = Route(status=301, headers={"Location": "/b"})
    routes["/b"] = Route(status=302, headers={"Location": base + "/final"})
    routes["/final"] = Route(PAGE)
    page = _fetch(base + "/a")
    assert (page.error, page.final_url, page.body) == ("", base + "/final", PAGE)
    routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    assert _fetch(base + "/loop").error == "too_many_redirects"


def test_loopback_is_refused_unless_allowed(http_server):
    base, routes = http_server
    routes["/story"] = Route(PAGE)
    assert _fetch(base + "/story", Config()).error == "private_address"


def test_every_redirect_hop_is_checked(http_server):
    base, routes = http_server
    routes["/to-metadata"] = Route(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    assert _fetch(base + "/to-metadata").error == "private_address"


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://192.168.0.1/",
    "http://[::1]/", "http://0.0.0.0/", "http://127.0.0.1/",
])
def test_private_and_metadata_addresses_are_refused(url):
    with pytest.raises(FetchError, match="private_address"):
        check_address(url, allow_loopback=False)


def test_allowing_loopback_allows_nothing_else():
    check_address("http://127.0.0.1/", allow_loopback=True)
    with pytest.raises(FetchError, match="private_address"):
        check_address("http://169.254.169.254/", allow_loopback=True)


def test_a_closed_port_is_a_connection_error():
    assert _fetch("http://127.0.0.1:9/").error == "connection_error"
