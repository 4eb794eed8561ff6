"""Live fetching against real servers on 127.0.0.1, hostile ones included."""

import gzip
import time

import pytest

from tests import hostile
from tests.conftest import Route, serving
from webtext.config import Config
from webtext.fetch.live import Live
from webtext.fetch.sources import fetch_from
from webtext.fetch.deadline import Watchdog
from webtext.fetch.netguard import FetchError, checked_address
from webtext.links.posts import merge_posts
from webtext.records import Submission

CONFIG = Config(allow_loopback=True, connect_timeout_s=1, read_timeout_s=1, total_timeout_s=2,
                max_page_bytes=100_000, retries=2, retry_backoff_s=0.01, archive_fallback=False)
PAGE = b"<html><body><p>Hello</p></body></html>"
WATCHDOG = Watchdog()


def _link(url, created=1500000000):
    return merge_posts(url, [Submission("p", url, "", "news", 5, created, False, False)])


def _fetch(url, config=CONFIG, created=1500000000):
    live = Live(config, WATCHDOG)
    try:
        return fetch_from(live, _link(url, created))
    finally:
        live.close()


@pytest.fixture
def server():
    with serving() as s:
        yield s


def test_a_page_is_fetched_with_its_status_type_body_and_time(server):
    server.routes["/story"] = Route(PAGE)
    page = _fetch(server.url + "/story")
    assert (page.error, page.status, page.body, page.source) == ("", 200, PAGE, "live")
    assert page.content_type.startswith("text/html") and 0 < page.elapsed_s < 2


@pytest.mark.parametrize("route, reason", [
    (Route(b"gone", status=404), "http_404"),
    (Route(b"gone for good", status=410), "http_410"),
    (Route(b"%PDF-1.4", content_type="application/pdf"), "not_html"),
    (Route(b"x" * 200_000), "too_large"),
])
def test_failures_come_back_with_a_reason(server, route, reason):
    server.routes["/p"] = route
    page = _fetch(server.url + "/p")
    assert (page.error, page.body) == (reason, b"")


def test_a_read_timeout_is_retried_then_reported(server):
    server.routes["/slow"] = Route(PAGE, delay_s=1.3)
    page = _fetch(server.url + "/slow", CONFIG.replace(retries=1, total_timeout_s=10))
    assert page.error == "timeout" and server.hits["/slow"] == 2


def test_permanent_failures_are_not_retried(server):
    server.routes["/gone"] = Route(b"gone", status=404)
    assert _fetch(server.url + "/gone").error == "http_404"
    assert server.hits["/gone"] == 1
    assert _fetch("http://no-such-host.invalid/x").error == "dns_error"


def test_a_429_is_retried_after_the_servers_retry_after(server):
    server.routes["/busy"] = [Route(b"slow down", status=429, headers={"Retry-After": "1"}), Route(PAGE)]
    started = time.monotonic()
    page = _fetch(server.url + "/busy", CONFIG.replace(total_timeout_s=5))
    assert (page.error, page.body, server.hits["/busy"]) == ("", PAGE, 2)
    assert time.monotonic() - started >= 1.0


def test_a_500_then_success_is_retried_with_backoff(server):
    server.routes["/flaky"] = [Route(b"oops", status=500), Route(b"oops", status=503), Route(PAGE)]
    page = _fetch(server.url + "/flaky")
    assert (page.error, page.body, server.hits["/flaky"]) == ("", PAGE, 3)


def test_retries_give_up_with_the_last_status(server):
    server.routes["/down"] = Route(b"down", status=503)
    assert _fetch(server.url + "/down").error == "http_503"
    assert server.hits["/down"] == CONFIG.retries + 1


def test_a_connection_reset_is_retried(server):
    server.routes["/reset-once"] = [hostile.reset, Route(PAGE)]
    assert _fetch(server.url + "/reset-once").body == PAGE
    server.routes["/reset"] = hostile.reset
    assert _fetch(server.url + "/reset").error == "connection_error"


@pytest.mark.parametrize("misbehaviour", [hostile.drip_body, hostile.drip_headers])
def test_a_dripping_server_is_cut_off_at_the_deadline(server, misbehaviour):
    server.routes["/drip"] = misbehaviour
    started = time.monotonic()
    page = _fetch(server.url + "/drip")
    assert page.error == "deadline"
    assert time.monotonic() - started < CONFIG.total_timeout_s + 1.5


def test_an_endless_body_stops_at_the_byte_cap(server):
    server.routes["/endless"] = hostile.endless_body
    assert _fetch(server.url + "/endless").error == "too_large"


def test_the_byte_cap_applies_to_the_decompressed_body(server):
    bomb = gzip.compress(b"<html>" + b" " * 10_000_000)  # ~10 KB on the wire
    server.routes["/bomb"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < CONFIG.max_page_bytes
    assert _fetch(server.url + "/bomb").error == "too_large"


def test_redirects_are_followed_up_to_the_limit(server):
    server.routes["/a"] = Route(status=301, headers={"Location": "/b"})
    server.routes["/b"] = Route(status=302, headers={"Location": server.url + "/final"})
    server.routes["/final"] = Route(PAGE)
    page = _fetch(server.url + "/a")
    assert (page.error, page.final_url, page.body) == ("", server.url + "/final", PAGE)
    server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    assert _fetch(server.url + "/loop").error == "too_many_redirects"


def test_loopback_is_refused_unless_allowed(server):
    server.routes["/story"] = Route(PAGE)
    assert _fetch(server.url + "/story", Config(archive_fallback=False)).error == "private_address"
    assert server.hits.get("/story") is None


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin", "http://[fe80::1]/"])
def test_every_redirect_hop_is_checked(server, target):
    server.routes["/jump"] = Route(status=302, headers={"Location": target})
    assert _fetch(server.url + "/jump").error == "private_address"


@pytest.mark.parametrize("host", ["169.254.169.254", "10.1.2.3", "192.168.0.1", "::1", "0.0.0.0", "127.0.0.1", "224.0.0.1", "fd00::1"])
def test_private_metadata_and_reserved_addresses_are_refused(host):
    with pytest.raises(FetchError, match="private_address"):
        checked_address(host, 80, allow_loopback=False)


def test_allowing_loopback_allows_nothing_else():
    assert checked_address("127.0.0.1", 80, allow_loopback=True) == "127.0.0.1"
    with pytest.raises(FetchError, match="private_address"):
        checked_address("169.254.169.254", 80, allow_loopback=True)


def test_a_closed_port_is_a_connection_error():
    assert _fetch("http://127.0.0.1:9/").error == "connection_error"


def test_robots_txt_is_honoured_and_fetched_once_per_host(server):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.routes["/private/page"] = Route(PAGE)
    server.routes["/public/page"] = Route(PAGE)
    live = Live(CONFIG, WATCHDOG)
    assert fetch_from(live, _link(server.url + "/private/page")).error == "robots_disallowed"
    assert fetch_from(live, _link(server.url + "/public/page")).body == PAGE
    assert server.hits["/robots.txt"] == 1 and "/private/page" not in server.hits
    ignoring = Live(CONFIG.replace(obey_robots=False), WATCHDOG)
    assert fetch_from(ignoring, _link(server.url + "/private/page")).body == PAGE


def test_a_failing_robots_txt_disallows_everything(server):
    server.routes["/robots.txt"] = Route(b"error", status=500)
    server.routes["/page"] = Route(PAGE)
    assert _fetch(server.url + "/page").error == "robots_disallowed"
