"""--respect-optouts: pages whose host or page opts out of AI training are dropped under their signal.

Each host is its own server on 127.0.0.1 (an origin each), serving its robots.txt,
its /.well-known/tdmrep.json and its pages; the run fetches them live.
"""

import gzip
import json

import pyarrow.parquet as pq
import pytest

from tests.conftest import Route, serving
from webtext import collect
from webtext.extract import optouts
from webtext.sample.pages import article_page
from webtext.sample.prose import article
from webtext.urls import normalise_url

POSTED = 1500000000


def story(i: int, head: str = "") -> bytes:
    page = article_page(article(3000 + i), "Example News", 2017, [], seed=i)
    return page.replace(b"<head>", b"<head>" + head.encode(), 1) if head else page


@pytest.mark.parametrize("robots, url, reason", [
    ("User-agent: GPTBot\nDisallow: /", "https://a.example/story", optouts.ROBOTS_AI),
    ("User-agent: CCBot\nUser-agent: Googlebot\nDisallow: /private/", "https://a.example/private/x", optouts.ROBOTS_AI),
    ("User-agent: CCBot\nDisallow: /private/", "https://a.example/public/x", None),  # only its path
    ("User-agent: *\nDisallow: /", "https://a.example/story", None),  # every crawler: a crawl policy, not an opt-out
    ("User-agent: GPTBot\nAllow: /\n\nUser-agent: *\nDisallow: /", "https://a.example/story", None),
    ("# User-agent: GPTBot\nUser-agent: *\nDisallow: /", "https://a.example/story", None),  # a comment names none
])
def test_robots_txt_groups_for_ai_crawlers(robots, url, reason):
    assert optouts.robots_reason(robots, url) == reason


@pytest.mark.parametrize("rules, path, reason", [
    ([{"location": "/*", "tdm-reservation": 1}], "/any/thing", optouts.TDMREP),
    ([{"location": "/news/*", "tdm-reservation": 1}], "/blog/x", None),
    ([{"location": "/free/*", "tdm-reservation": 0}, {"location": "/*", "tdm-reservation": 1}], "/free/a", None),
    ([{"location": "/free/*", "tdm-reservation": 0}, {"location": "/*", "tdm-reservation": 1}], "/paid/a",
     optouts.TDMREP),
])
def test_tdmrep_json_the_first_matching_rule_decides(rules, path, reason):
    assert optouts.tdmrep_reason(json.dumps(rules), f"https://a.example{path}") == reason
    assert optouts.tdmrep_reason("not json", f"https://a.example{path}") is None


def test_a_page_carries_its_own_signals_in_headers_and_meta_tags():
    assert optouts.page_reason(("tdm-reservation: 1",), "") == optouts.TDMREP
    assert optouts.page_reason(("x-robots-tag: noindex, noai",), "") == optouts.NOAI
    assert optouts.page_reason(("x-robots-tag: googlebot: noai",), "") == optouts.NOAI
    assert optouts.page_reason((), '<meta content="noai, noimageai" name="Robots">') == optouts.NOAI
    assert optouts.page_reason((), "<META NAME='tdm-reservation' CONTENT='1'>") == optouts.TDMREP
    assert optouts.page_reason(("x-robots-tag: noindex",), '<meta name="robots" content="noindex">') is None


def write_dump(path, urls) -> None:
    lines = [json.dumps({"id": f"p{i}", "url": url, "score": 10, "created_utc": POSTED + i}) for i, url in enumerate(urls)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


def test_each_signal_drops_its_pages_and_the_rest_are_kept(tmp_path):
    with serving() as robots_site, serving() as tdm_site, serving() as pages_site:
        robots_site.routes["/robots.txt"] = Route(b"User-agent: GPTBot\nDisallow: /members/\n", content_type="text/plain")
        robots_site.routes["/members/a"] = Route(story(1))
        robots_site.routes["/open/b"] = Route(story(2))
        tdm_site.routes["/.well-known/tdmrep.json"] = Route(
            json.dumps([{"location": "/reserved/*", "tdm-reservation": 1}]).encode(), content_type="application/json")
        tdm_site.routes["/reserved/c"] = Route(story(3))
        tdm_site.routes["/free/d"] = Route(story(4))
        pages_site.routes["/header-tdm"] = Route(story(5), headers={"TDM-Reservation": "1"})
        pages_site.routes["/header-noai"] = Route(story(6), headers={"X-Robots-Tag": "noai, noimageai"})
        pages_site.routes["/meta-noai"] = Route(story(7, '<meta name="robots" content="noai">'))
        pages_site.routes["/plain"] = Route(story(8))
        dropped = {f"{robots_site.url}/members/a": "robots_ai", f"{tdm_site.url}/reserved/c": "tdmrep",
                   f"{pages_site.url}/header-tdm": "tdmrep", f"{pages_site.url}/header-noai": "noai",
                   f"{pages_site.url}/meta-noai": "noai"}
        kept = [f"{robots_site.url}/open/b", f"{tdm_site.url}/free/d", f"{pages_site.url}/plain"]
        write_dump(tmp_path / "RS_2017-07.gz", list(dropped) + kept)
        out = tmp_path / "out"
        argv = ["--dumps", str(tmp_path / "RS_2017-07.gz"), "--out", str(out), "--pages", "live", "--allow-loopback",
                "--respect-optouts", "--val-fraction", "0", "--progress-s", "0"]
        counters = collect.run(argv)["counters"]
        assert {k: v for k, v in counters.items() if "optout" in k} == {
            "extract/dropped:optout_robots_ai": 1, "extract/dropped:optout_tdmrep": 2, "extract/dropped:optout_noai": 2}
        written = {row["url"] for row in pq.read_table(out / "documents.parquet").to_pylist()}
        assert written == {normalise_url(url) for url in kept}
        assert len(list((out / "optouts").glob("*.json"))) == 3  # a host's two files read once, kept in OUT
        # robots.txt twice: the live fetch reads it for our own agent, the opt-out check once for AI groups.
        asked = (robots_site.hits.get("/robots.txt"), tdm_site.hits.get("/.well-known/tdmrep.json"))
        assert asked == (2, 1)
        collect.run([str(out), "--from", "extract", "--progress-s", "0"])  # again: from what OUT kept
        assert (robots_site.hits.get("/robots.txt"), tdm_site.hits.get("/.well-known/tdmrep.json")) == asked
        card = (out / "README.md").read_text()
        assert "Applied (`--respect-optouts`)" in card and "robots_ai 1" in card and "tdmrep 2" in card


def test_signal_headers_come_from_live_and_archived_responses_and_survive_the_fetch_log():
    import io

    from warcio.warcwriter import WARCWriter

    from webtext.fetch import warc
    from webtext.fetch.client import signal_headers

    # The Wayback's raw playback sends the original's headers under its own prefix.
    assert signal_headers([("X-Archive-Orig-X-Robots-Tag", "noai"), ("Content-Type", "text/html"),
                           ("TDM-Reservation", "1")]) == ("x-robots-tag: noai", "tdm-reservation: 1")
    out = io.BytesIO()
    warc.write_response(WARCWriter(out, gzip=True), "https://a.example/x", 200, "text/html", b"<p>x</p>",
                        headers=("x-robots-tag: noai",))
    [response] = warc.iter_responses(io.BytesIO(out.getvalue()))
    assert response.headers == ("x-robots-tag: noai",)  # a rerun rebuilding the page from OUT/fetch keeps it
