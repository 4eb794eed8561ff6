"""Page sources against fake archives on 127.0.0.1: the Wayback Machine's CDX API and
playback, Common Crawl's crawl list, CDX index and WARC files read by range, in order."""

import io
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.warcwriter import WARCWriter

from tests.conftest import Route, serving
from webtext import layout
from webtext.config import Config
from webtext.fetch import cdx
from webtext.fetch.capture import Capture, nearest, stamp
from webtext.fetch.commoncrawl import crawls_in_window, parse_collinfo
from webtext.fetch.chain import PageChain, page_order
from webtext.fetch.surt import surt_key
from webtext.fetch.warc import write_response
from webtext.links.posts import merge_posts
from webtext.records import Submission

POSTED = 1500000000  # 2017-07-14 02:40 UTC
DAY = 86_400
# No test here waits on a timeout: generous ones keep a loaded CI machine from failing reads.
CONFIG = Config(allow_loopback=True, connect_timeout_s=5, read_timeout_s=5, total_timeout_s=15, retries=2,
                retry_backoff_s=0.01, wayback_rate=1000.0, commoncrawl_index_rate=1000.0, max_page_bytes=100_000)
CRAWLS = [("CC-MAIN-2017-26", "2017-06-22T00:00:00", "2017-06-30T00:00:00"),
          ("CC-MAIN-2017-30", "2017-07-20T00:00:00", "2017-07-28T00:00:00"),
          ("CC-MAIN-2017-34", "2017-08-16T00:00:00", "2017-08-24T00:00:00")]


def page_html(text: str) -> bytes:
    return f"<html><body><p>{text}</p></body></html>".encode()


def link(url, created=POSTED):
    return merge_posts(url, [Submission("p", url, "", "news", 5, created, False, False)])


def iso(unix_s: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix_s))


def add_crawl_file(fake, crawl: str, captures: list[tuple[str, int, int, bytes]]) -> None:
    """A WARC file as Common Crawl writes one (warcinfo, then request + response per capture,
    each record its own gzip member) and the index rows locating each response."""
    filename = f"crawl-data/{crawl}/segments/1500000000000.0/warc/{crawl}-20170720000000-00000.warc.gz"
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warc_record(filename.rsplit("/", 1)[1], "warcinfo", payload=io.BytesIO(b"software: fake\r\n")))
    for url, when, status, body in captures:
        writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        offset = out.tell()
        write_response(writer, url, status, "text/html; charset=utf-8", body, date=iso(when))
        row = {"urlkey": surt_key(url), "timestamp": stamp(when), "url": url, "mime": "text/html",
               "mime-detected": "text/html", "status": str(status), "digest": "sha1:FAKE",
               "length": str(out.tell() - offset), "offset": str(offset), "filename": filename,
               "languages": "eng", "encoding": "UTF-8"}
        fake.cc_index.setdefault(crawl, {}).setdefault(url, []).append(row)
    fake.files[filename] = out.getvalue()


def chain(base: str, order, config=CONFIG, crawls=True):
    config = config.replace(archive_url=base, commoncrawl_index_url=base, commoncrawl_data_url=base)
    listed = parse_collinfo(__import__("json").dumps([{"id": i, "from": f, "to": t} for i, f, t in CRAWLS]).encode())
    return PageChain(config, order, listed if crawls else None)


def test_the_capture_nearest_the_post_before_it_is_preferred_within_the_window():
    def cap(days):
        return Capture("u", stamp(POSTED + days * DAY), 200, "text/html")

    assert nearest([cap(-30), cap(-3), cap(1)], POSTED, 730 * DAY).timestamp == cap(-3).timestamp
    assert nearest([cap(5), cap(2), cap(900)], POSTED, 730 * DAY).timestamp == cap(2).timestamp
    assert nearest([cap(-800), cap(800)], POSTED, 730 * DAY) is None
    assert nearest([Capture("u", stamp(POSTED), 404, "text/html"), Capture("u", stamp(POSTED), 200, "application/pdf")],
                   POSTED, DAY) is None


def test_every_crawl_in_the_window_is_asked_nearest_the_post_first():
    listed = CRAWLS + [("CC-MAIN-2017-22", "2017-05-22T00:00:00", "2017-05-30T00:00:00")]
    crawls = parse_collinfo(__import__("json").dumps([{"id": i, "from": f, "to": t} for i, f, t in listed]).encode())
    # Posted 2017-07-14: 2017-30 begins 6 days after, 2017-26 ended 14 days before, 2017-34 33 days after.
    assert [c.id for c in crawls_in_window(crawls, POSTED, 730 * DAY)] == [
        "CC-MAIN-2017-30", "CC-MAIN-2017-26", "CC-MAIN-2017-34", "CC-MAIN-2017-22"]
    assert [c.id for c in crawls_in_window(crawls, POSTED, 10 * DAY)] == ["CC-MAIN-2017-30"]


def test_wayback_gives_the_capture_nearest_the_post_by_its_cdx_api_and_raw_playback(archives):
    fake, base = archives
    url = "http://news.example.com/story"
    fake.wayback[url] = [(stamp(POSTED - 40 * DAY), 200, "text/html", page_html("old")),
                         (stamp(POSTED - 2 * DAY), 200, "text/html", page_html("as posted")),
                         (stamp(POSTED + 1 * DAY), 200, "text/html", page_html("edited")),
                         (stamp(POSTED - 1 * DAY), 404, "text/html", b"gone")]
    page = chain(base, ("wayback",)).fetch(link(url))
    assert (page.error, page.source, page.body) == ("", "wayback", page_html("as posted"))
    assert page.capture_time == stamp(POSTED - 2 * DAY)
    assert page.capture == f"{base}/web/{page.capture_time}id_/{url}" and page.attempts == ("wayback:ok",)
    cdx_ask = next(h for h in fake.hits if h.startswith("/cdx/"))
    assert "closest=20170714024000" in cdx_ask and "filter=statuscode%3A200" in cdx_ask


def test_wayback_asks_for_the_latest_capture_before_the_post_when_the_nearest_are_all_after(archives):
    fake, base = archives
    crowded, early, few = (f"http://news.example.com/{name}" for name in ("crowded", "early", "few"))
    after = [(stamp(POSTED + d * DAY), 200, "text/html", page_html(f"day {d}")) for d in range(1, 31)]
    # 30 captures after the post, all nearer than the one 300 days before: the nearest 25 miss it. The two
    # later ones before the post are no page: the second query too must ask for status 200 and HTML only.
    fake.wayback[crowded] = after + [(stamp(POSTED - 300 * DAY), 200, "text/html", page_html("before")),
                                     (stamp(POSTED - 200 * DAY), 404, "text/html", b"gone"),
                                     (stamp(POSTED - 100 * DAY), 200, "application/pdf", b"%PDF")]
    fake.wayback[early] = after + [(stamp(POSTED - 2 * DAY), 200, "text/html", page_html("before"))]
    fake.wayback[few] = after[:3]  # an answer short of the limit is every capture: none before to miss
    pages = chain(base, ("wayback",))
    for url, want in ((crowded, -300), (early, -2), (few, 1)):
        page = pages.fetch(link(url))
        assert (page.error, page.capture_time) == ("", stamp(POSTED + want * DAY))
    asks = {url: [h for h in fake.hits if h.startswith("/cdx/") and quote(url, safe="") in h]
            for url in (crowded, early, few)}
    assert {url: len(a) for url, a in asks.items()} == {crowded: 2, early: 1, few: 1}
    assert f"to={stamp(POSTED)}" in asks[crowded][1] and "limit=-2" in asks[crowded][1]


def test_common_crawl_reads_one_record_by_range_from_the_crawl_nearest_the_post_that_has_one(archives):
    fake, base = archives
    url = "http://news.example.com/a"
    add_crawl_file(fake, "CC-MAIN-2017-26", [("http://other.example.com/", POSTED - 20 * DAY, 200, page_html("x"))])
    add_crawl_file(fake, "CC-MAIN-2017-30", [(url, POSTED + 7 * DAY, 200, page_html("crawled")),
                                             ("http://news.example.com/b", POSTED + 7 * DAY, 200, page_html("b"))])
    page = chain(base, ("commoncrawl",)).fetch(link(url))
    assert (page.error, page.source, page.body, page.final_url) == ("", "commoncrawl", page_html("crawled"), url)
    row = fake.cc_index["CC-MAIN-2017-30"][url][0]
    assert page.capture == f"{row['filename']}@{row['offset']}+{row['length']}"
    assert page.capture_time == stamp(POSTED + 7 * DAY)
    # The nearest crawl, after the post, had it in fewer rows than an index block holds: no page count
    # asked; the one before was asked (a capture before the post would be preferred) and had none, and
    # 2017-34 was not (it cannot hold a capture nearer than +7 days).
    asked = [h.split("?")[0] for h in fake.hits]
    assert asked == ["/CC-MAIN-2017-30-index", "/CC-MAIN-2017-26-index", "/" + row["filename"]]
    assert not [h for h in fake.hits if "showNumPages" in h or "filter" in h]


def index_asks(fake) -> list[str]:
    return [h.split("?")[0][1:-len("-index")] for h in fake.hits if "-index?" in h]


def listed_as_pdf(fake, crawl: str, url: str) -> None:
    for row in fake.cc_index[crawl][url]:
        row["mime"] = row["mime-detected"] = "application/pdf"


def test_a_nearest_capture_that_is_a_404_or_a_pdf_gives_way_to_a_good_one_a_crawl_later(archives):
    fake, base = archives
    gone, pdf = "http://news.example.com/gone", "http://news.example.com/pdf"
    created = POSTED - 40 * DAY  # before all three crawls
    add_crawl_file(fake, "CC-MAIN-2017-26", [(gone, POSTED - 18 * DAY, 404, b"gone"),
                                             (pdf, POSTED - 18 * DAY, 200, b"%PDF")])
    listed_as_pdf(fake, "CC-MAIN-2017-26", pdf)
    add_crawl_file(fake, "CC-MAIN-2017-30", [(gone, POSTED + 7 * DAY, 200, page_html("gone, back")),
                                             (pdf, POSTED + 8 * DAY, 200, page_html("pdf, as html"))])
    pages = chain(base, ("commoncrawl",))
    for url, day in ((gone, 7), (pdf, 8)):
        fake.hits.clear()
        page = pages.fetch(link(url, created))
        assert (page.error, page.capture_time) == ("", stamp(POSTED + day * DAY)), url
        assert index_asks(fake) == ["CC-MAIN-2017-26", "CC-MAIN-2017-30"]  # not 2017-34: it cannot be nearer


def test_a_capture_before_the_post_wins_across_crawls(archives):
    fake, base = archives
    before, gone = "http://news.example.com/before", "http://news.example.com/gone"
    add_crawl_file(fake, "CC-MAIN-2017-26", [(before, POSTED - 20 * DAY, 200, page_html("before")),
                                             (gone, POSTED - 20 * DAY, 404, b"gone")])
    add_crawl_file(fake, "CC-MAIN-2017-30", [(before, POSTED + 7 * DAY, 200, page_html("after, nearer")),
                                             (gone, POSTED + 7 * DAY, 200, page_html("after"))])
    pages = chain(base, ("commoncrawl",))
    page = pages.fetch(link(before))
    assert (page.error, page.capture_time) == ("", stamp(POSTED - 20 * DAY))  # 20 days before beats 7 after
    assert index_asks(fake) == ["CC-MAIN-2017-30", "CC-MAIN-2017-26"]  # the nearest crawl first
    fake.hits.clear()
    page = pages.fetch(link(gone))  # the crawl before the post has only a 404: the one after gives the page
    assert (page.error, page.capture_time) == ("", stamp(POSTED + 7 * DAY))
    assert index_asks(fake) == ["CC-MAIN-2017-30", "CC-MAIN-2017-26"]


def test_a_link_found_in_its_nearest_crawl_costs_one_index_request(archives):
    fake, base = archives
    url = "http://news.example.com/found"
    add_crawl_file(fake, "CC-MAIN-2017-26", [(url, POSTED - 18 * DAY, 200, page_html("the page"))])
    add_crawl_file(fake, "CC-MAIN-2017-30", [(url, POSTED + 7 * DAY, 200, page_html("later"))])
    page = chain(base, ("commoncrawl",)).fetch(link(url, POSTED - 13 * DAY))  # 2017-26 ended a day before
    assert (page.error, page.capture_time, page.index_requests) == ("", stamp(POSTED - 18 * DAY), (1,))
    assert index_asks(fake) == ["CC-MAIN-2017-26"]


@pytest.mark.parametrize("max_crawls, found", [(2, False), (3, True), (0, True)])
def test_the_crawls_asked_per_link_are_bounded(archives, max_crawls, found):
    fake, base = archives
    url = "http://news.example.com/late"
    add_crawl_file(fake, "CC-MAIN-2017-34", [(url, POSTED + 33 * DAY, 200, page_html("late"))])
    page = chain(base, ("commoncrawl",), CONFIG.replace(commoncrawl_max_crawls=max_crawls)).fetch(link(url))
    assert page.error == ("" if found else "no_capture")
    assert index_asks(fake) == ["CC-MAIN-2017-30", "CC-MAIN-2017-26", "CC-MAIN-2017-34"][: max_crawls or 3]


def test_wayback_gives_the_nearest_good_capture_whatever_nearer_ones_are_bad(archives):
    fake, base = archives
    url = "http://news.example.com/story"
    fake.wayback[url] = [(stamp(POSTED + 1 * DAY), 404, "text/html", b"gone"),
                         (stamp(POSTED + 2 * DAY), 200, "application/pdf", b"%PDF"),
                         (stamp(POSTED + 3 * DAY), 302, "text/html", b""),
                         (stamp(POSTED + 38 * DAY), 200, "text/html", page_html("the page")),
                         (stamp(POSTED + 800 * DAY), 200, "text/html", page_html("outside the window"))]
    page = chain(base, ("wayback",)).fetch(link(url))
    assert (page.error, page.capture_time, page.body) == ("", stamp(POSTED + 38 * DAY), page_html("the page"))
    fake.wayback[url].append((stamp(POSTED - 300 * DAY), 200, "text/html", page_html("before")))
    assert chain(base, ("wayback",)).fetch(link(url)).capture_time == stamp(POSTED - 300 * DAY)  # before wins


def test_common_crawl_reads_every_page_the_index_has_for_a_url_waiting_out_a_busy_one(archives, monkeypatch):
    fake, base = archives
    monkeypatch.setattr(cdx, "INDEX_BLOCK_LINES", 1)  # the fake's blocks are a line each
    fake.cc_page_size, fake.cc_busy_pages = 2, {1}  # the fake's Common Crawl index, paged as pywb pages
    url = "http://news.example.com/often"
    days = (-22, -21, -20, -18, -15, -14)  # pages [-22, -21], [-20, -18], [-15 (the one), -14 (a 404)]
    add_crawl_file(fake, "CC-MAIN-2017-26", [(url, POSTED + d * DAY, 404 if d == -14 else 200, page_html(f"day {d}"))
                                             for d in days])
    started = time.monotonic()
    page = chain(base, ("commoncrawl",)).fetch(link(url))
    assert (page.error, page.capture_time, page.body) == ("", stamp(POSTED - 15 * DAY), page_html("day -15"))
    index_asks = [h.split("?")[1] for h in fake.hits if h.startswith("/CC-MAIN-2017-26-index")]
    assert ["page=" in q for q in index_asks] == [False, False, True, True, True]  # page 0, the count, 1 (busy), 1, 2
    assert "showNumPages=true" in index_asks[1] and index_asks[-1].endswith("page=2")
    assert time.monotonic() - started >= 1.0  # the 503's Retry-After, for every thread of the worker
    # 2017-30, nearer, was asked first and had none; with a capture before the post, 2017-34 is never asked.
    assert len([h for h in fake.hits if h.startswith("/CC-MAIN-2017-30")]) == 1
    assert not [h for h in fake.hits if h.startswith("/CC-MAIN-2017-34")]


def test_index_pages_read_for_one_url_are_bounded(archives, monkeypatch):
    fake, base = archives
    monkeypatch.setattr(cdx, "INDEX_BLOCK_LINES", 1)
    fake.cc_page_size = 1
    url = "http://trap.example.com/calendar"
    add_crawl_file(fake, "CC-MAIN-2017-26", [(url, POSTED - (20 - i) * DAY, 200, page_html(str(i))) for i in range(20)])
    page = chain(base, ("commoncrawl",)).fetch(link(url))
    assert page.error == "" and page.capture_time == stamp(POSTED - (20 - cdx.MAX_INDEX_PAGES + 1) * DAY)
    assert len([h for h in fake.hits if "2017-26-index" in h and "showNumPages" not in h]) == cdx.MAX_INDEX_PAGES


@pytest.mark.parametrize("mode, reason", [("ignore_range", "range_ignored"), ("truncate", "truncated_record"),
                                          ("busy_once", "")])
def test_a_data_server_that_misbehaves_gets_its_reason(archives, mode, reason):
    fake, base = archives
    url = "http://news.example.com/a"
    add_crawl_file(fake, "CC-MAIN-2017-30", [(url, POSTED + DAY, 200, page_html("crawled"))])
    fake.data_mode = mode
    started = time.monotonic()
    page = chain(base, ("commoncrawl",)).fetch(link(url))
    assert page.error == reason
    data_asks = [h for h in fake.hits if h.startswith("/crawl-data/")]
    if mode == "busy_once":  # 503 with Retry-After: 1, then the record
        assert len(data_asks) == 2 and time.monotonic() - started >= 1.0 and page.body == page_html("crawled")
    if mode == "truncate":  # retried, then given up
        assert len(data_asks) == CONFIG.retries + 1


def test_sources_are_tried_in_order_and_each_outcome_kept(archives):
    fake, base = archives
    with serving() as site:
        site.routes["/live"] = Route(page_html("live"))
        site.routes["/dead"] = Route(b"gone", status=404)
        site.routes["/pdf"] = Route(b"%PDF", content_type="application/pdf")
        dead, pdf = site.url + "/dead", site.url + "/pdf"
        fake.wayback[dead] = [(stamp(POSTED), 200, "text/html", page_html("archived"))]
        fake.wayback[pdf] = [(stamp(POSTED), 200, "text/html", page_html("archived"))]
        pages = chain(base, ("commoncrawl", "wayback", "live"))
        live = pages.fetch(link(site.url + "/live"))
        assert (live.source, live.attempts) == ("live", ("commoncrawl:no_capture", "wayback:no_capture", "live:ok"))
        rescued = chain(base, ("live", "wayback")).fetch(link(dead))
        assert (rescued.source, rescued.live_error, rescued.attempts) == ("wayback", "http_404", ("live:http_404", "wayback:ok"))
        # A page that is there live but not HTML is final: no archive stands in for it.
        assert chain(base, ("live", "wayback")).fetch(link(pdf)).attempts == ("live:not_html",)
        gone = chain(base, ("wayback", "live")).fetch(link(site.url + "/gone-too"))
        assert (gone.error, gone.source) == ("http_404", "live")
        assert chain(base, ("commoncrawl",), crawls=False).fetch(link(dead)).error == "no_crawl_list"


def test_archives_on_loopback_are_refused_unless_allowed(archives):
    fake, base = archives
    fake.wayback["http://a.example/"] = [(stamp(POSTED), 200, "text/html", page_html("x"))]
    page = chain(base, ("wayback",), CONFIG.replace(allow_loopback=False)).fetch(link("http://a.example/"))
    assert page.error == "private_address" and fake.hits == []


def test_a_429_pauses_every_thread_of_the_worker_for_its_retry_after():
    with serving() as archive:
        archive.routes["/cdx/search/cdx?" + cdx.wayback_query("", "http://a.example/", POSTED).split("?")[1]] = [
            Route(b"slow", status=429, headers={"Retry-After": "1"}), Route(b"[]")]
        started = time.monotonic()
        page = chain(archive.url, ("wayback",)).fetch(link("http://a.example/"))
        assert page.error == "no_capture" and time.monotonic() - started >= 1.0


def test_default_order_follows_the_inputs():
    assert page_order(Config(), warcs_given=False, dumps_given=True) == ("commoncrawl", "wayback", "live")
    assert page_order(Config(), warcs_given=True, dumps_given=True) == ("warc",)
    assert page_order(Config(archive_fallback=False), warcs_given=False, dumps_given=True) == ("live",)
    assert page_order(Config(), warcs_given=False, dumps_given=False) == ("live", "wayback")
    assert page_order(Config(pages="wayback,live"), warcs_given=False, dumps_given=True) == ("wayback", "live")
    with pytest.raises(ValueError, match="can only come first"):
        page_order(Config(pages="live,warc"), warcs_given=True, dumps_given=True)
    with pytest.raises(ValueError, match="not a page source"):
        page_order(Config(pages="ftp"), warcs_given=False, dumps_given=True)


@pytest.mark.parametrize("url, key", [
    ("https://www.Example.com/Path?b=2&a=1", "com,example)/path?a=1&b=2"),  # www, case, query order
    ("http://news.example.co.uk:8080/", "uk,co,example,news:8080)/"),  # a port kept
    ("https://example.com:443/x#frag", "com,example)/x"),  # a default port and the fragment dropped
    ("http://www2.example.com/a?b=1&a=2", "com,example)/a?a=2&b=1"),  # www2 too
    ("https://BÜCHER.de/ré sumé?q=é", "de,xn--bcher-kva)/r%c3%a9%20sum%c3%a9?q=%c3%a9"),  # IDNA, percent-encoded
    ("http://Example.COM:80/%7Euser/", "com,example)/~user"),  # unreserved decoded, trailing slash dropped
    ("http://example.com/a/./b/../c", "com,example)/a/c"),  # dot segments
    ("http://example.com/?PHPSESSID=0123456789abcdef0123456789abcdef&id=3", "com,example)/?id=3"),  # session id
    ("http://192.168.000.001/", "1,0,168,192)/"),
])
def test_surt_keys_are_common_crawls(url, key):
    """The keys of Common Crawl's indexes, as pywb's canonicalize (surt.surt) makes them."""
    assert surt_key(url) == key


def test_the_sample_gains_pages_from_fake_common_crawl_and_wayback_and_a_rerun_asks_neither(archives, tmp_path, capsys):
    import gzip
    import json

    import pyarrow.parquet as pq

    from webtext import collect
    from webtext.run.plan import sample_path
    from webtext.sample.pages import article_page
    from webtext.sample.prose import article
    from webtext.urls import normalise_url

    fake, base = archives
    fake.collinfo = [{"id": i, "from": f, "to": t} for i, f, t in CRAWLS]
    records, nearest_stamp, crawled = [], {}, {"CC-MAIN-2017-26": [], "CC-MAIN-2017-30": []}
    for i in range(6):
        url = f"http://archived-news.example.com/2017/story-{i}"
        body, posted = article_page(article(1000 + i), "Archived News", 2017, [], seed=i), POSTED + i * DAY
        records.append({"id": f"arc{i}", "url": url, "score": 10, "created_utc": posted})
        if i < 3:  # Common Crawl: a capture in the crawl before the post and one after; before wins
            crawled["CC-MAIN-2017-26"].append((url, POSTED - 15 * DAY, 200, body))
            crawled["CC-MAIN-2017-30"].append((url, POSTED + 8 * DAY, 200, b"<html>edited</html>"))
            nearest_stamp[url] = stamp(POSTED - 15 * DAY)
        else:  # only the Wayback Machine has it: three captures around the post
            fake.wayback[url] = [(stamp(posted + h * 3600), 200, "text/html", body if h == -5 else b"<html>x</html>")
                                 for h in (-30, -5, 2)]
            nearest_stamp[url] = stamp(posted - 5 * 3600)
    for crawl, captures in crawled.items():
        add_crawl_file(fake, crawl, captures)
    dump = tmp_path / "RS_2017-07.gz"
    dump.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    out = tmp_path / "out"
    counters = collect.run([
        "--dumps", sample_path("RS_*"), "--dumps", str(dump), "--warc", sample_path("pages.warc.gz"), "--out", str(out),
        "--pages", "warc", "--pages", "commoncrawl", "--pages", "wayback", "--allow-loopback", "--archive-url", base,
        "--commoncrawl-index-url", base, "--commoncrawl-data-url", base, "--wayback-rate", "200",
        "--commoncrawl-index-rate", "200", "--val-fraction", "0.1"])["counters"]
    expected = json.loads((Path(collect.__file__).parent / "sample" / "expected.json").read_text())
    assert counters["fetch/fetched:warc"] == expected["fetch/fetched:warc"]
    assert (counters["fetch/fetched:commoncrawl"], counters["fetch/fetched:wayback"]) == (3, 3)
    # The sample's links missing from its WARC are in neither archive either.
    assert counters["fetch/failed:no_capture"] == expected["fetch/failed:not_in_warc"]
    assert counters["fetch/source_missed:commoncrawl.no_capture"] == 3 + expected["fetch/failed:not_in_warc"]
    assert counters["shards/documents"] == expected["shards/documents"] + 6
    # The summary and the report show pages per source, and what each source had no page for.
    printed = " ".join(capsys.readouterr().out.split())
    fetched, missed = counters["fetch/fetched:warc"], counters["fetch/source_missed:commoncrawl.no_capture"]
    assert f"pages fetched {fetched + 6} warc {fetched}, commoncrawl 3, wayback 3" in printed
    none = sum(n for key, n in counters.items() if key.startswith("fetch/source_missed:"))
    assert f"source had none {none} " in printed and f"commoncrawl.no_capture {missed}" in printed
    report = (out / layout.REPORT).read_text()
    assert "| fetched | commoncrawl | 3 |" in report and "| fetched | wayback | 3 |" in report
    # What the indexes cost: every index request the fake answered is counted, against the links asked.
    missing = expected["fetch/failed:not_in_warc"]
    assert (counters["fetch/asked:commoncrawl"], counters["fetch/asked:wayback"]) == (6 + missing, 3 + missing)
    assert counters["fetch/index_requests:commoncrawl"] == len([h for h in fake.hits if "-index?" in h])
    assert counters["fetch/index_requests:wayback"] == len([h for h in fake.hits if h.startswith("/cdx/")])
    cc_cost = counters["fetch/index_requests:commoncrawl"] / (6 + missing)
    assert f"index requests {counters['fetch/index_requests:commoncrawl'] + counters['fetch/index_requests:wayback']} " \
           f"commoncrawl {cc_cost:.2f} a link ({6 + missing} links), wayback " in printed
    # The yield per year of post, and how near the post each archive's captures were.
    links_2017 = counters["fetch/year_links:2017"]
    got_2017 = sum(n for key, n in counters.items() if key.startswith("fetch/year_pages:2017."))
    assert counters["fetch/year_pages:2017.commoncrawl"] == counters["fetch/year_pages:2017.wayback"] == 3
    assert f"2017 {links_2017} {got_2017} ({got_2017 / links_2017:.0%}): warc " in printed
    assert (counters["fetch/capture_days:commoncrawl.before_7-30"], counters["fetch/capture_days:wayback.before_0-1"]) == (3, 3)
    assert ("archived captures 6 commoncrawl: median before 7-30 days the post; "
            "wayback: median before 0-1 days the post") in printed
    warc_2017 = counters["fetch/year_pages:2017.warc"]
    assert f"| 2017 | {links_2017} | {warc_2017} | 3 | 3 | {got_2017 / links_2017:.0%} |" in report
    assert "| year of post | links | warc | commoncrawl | wayback | got a page |" in report
    for plot in ("funnel", "recovery", "distances"):
        assert f"report/{plot}.png" in report and (out / "report" / f"{plot}.png").read_bytes().startswith(b"\x89PNG")
    rows = {r["url"]: r for r in pq.read_table(out / "pages.parquet").to_pylist()}
    for url, want in nearest_stamp.items():
        row = rows[normalise_url(url)]
        assert row["capture_time"] == want and row["error"] == ""
    assert (out / layout.FETCH_DIR / layout.CRAWL_LIST).exists()
    # Extract again: every page from OUT/fetch, nothing asked of either archive.
    asked = len(fake.hits)
    again = collect.run([str(out), "--from", "extract"])["counters"]
    assert again["shards/documents"] == counters["shards/documents"] and len(fake.hits) == asked
    assert again["fetch/resumed"] == 6 + expected["fetch/failed:not_in_warc"]


def test_a_new_source_is_one_module_and_one_registry_line(tmp_path, monkeypatch, capsys):
    import gzip
    import json

    import pyarrow.parquet as pq

    from tests import toy_source
    from webtext import collect
    from webtext.fetch import sources

    monkeypatch.setitem(sources.REGISTRY, "toy", sources.Registered("toy", "tests.toy_source", "pages from a dict"))
    kept, missing = "http://news.example.com/kept", "http://127.0.0.1:9/missing"  # nothing listens on port 9
    monkeypatch.setattr(toy_source, "PAGES", {kept: page_html("a story worth keeping " * 40)})
    dump = tmp_path / "RS_2017-07.gz"
    posts = [{"id": f"p{i}", "url": url, "score": 10, "created_utc": POSTED} for i, url in enumerate((kept, missing))]
    dump.write_bytes(gzip.compress("".join(json.dumps(p) + "\n" for p in posts).encode()))
    with pytest.raises(SystemExit):
        collect.main(["--help"])
    assert "toy" in capsys.readouterr().out.split("--pages S")[1].split("\n  --")[0]
    counters = collect.run(["--dumps", str(dump), "--out", str(tmp_path / "out"), "--until", "fetch", "--pages", "toy",
                            "--pages", "live", "--allow-loopback", "--retries", "0", "--progress-s", "0"])["counters"]
    assert counters["fetch/fetched:toy"] == 1 and counters["fetch/source_missed:toy.not_in_toy"] == 1
    assert counters["fetch/asked:toy"] == 2 and counters["fetch/index_requests:toy"] == 2
    assert counters["fetch/asked:live"] == 1
    rows = {r["final_url"]: r for r in pq.read_table(tmp_path / "out" / "pages.parquet").to_pylist()}
    assert (rows[kept]["source"], rows[kept]["capture"], rows[kept]["index_requests"]) == ("toy", f"toy:{kept}", [1])
    assert rows[missing]["attempts"][0] == "toy:not_in_toy"
    assert "pages fetched 1 toy 1" in " ".join(capsys.readouterr().out.split())


def test_the_docs_table_of_sources_is_the_registry():
    from webtext.fetch import sources

    text = (Path(__file__).parent.parent / "docs" / "sources.md").read_text()
    table = text.split("## The sources\n\n", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    rows = [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in table]
    assert rows == [[source.name, source.about] for source in sources.REGISTRY.values()]
