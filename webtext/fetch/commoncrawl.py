"""The "commoncrawl" page source: a capture from Common Crawl's crawls, by range read.

Which crawls to look in comes from the post's date and the crawl list
(`collinfo.json`, read once per run and kept in OUT/fetch/, so a rerun asks
nothing): every crawl within the capture window, nearest first, until none
left could hold a nearer capture than the best found, at most
--commoncrawl-max-crawls of them. Each is asked through its CDX index for exact
matches of the URL, then the capture nearest the post (webtext.fetch.capture)
is read with one range request (webtext.fetch.ranges). With a columnar index
(--commoncrawl-columnar) the lookup is a join done before fetching
(webtext.fetch.columnar, pipelines/stages/columnar.py) and this source is handed its
result: it then only reads the record.
"""

import datetime
import json
from typing import Callable, NamedTuple

from webtext.config import Config
from webtext.fetch import cdx, ranges
from webtext.fetch.capture import DAY_S, Capture, nearest, unix_time
from webtext.fetch.client import failed, response_error
from webtext.fetch.deadline import Watchdog
from webtext.fetch.netguard import FetchError
from webtext.fetch.polite import ArchiveClient
from webtext.fetch.sources import Lookup
from webtext.links.posts import fetch_url
from webtext.records import Link, Page

NAME = "commoncrawl"
# The crawl list on the index server (kept in OUT as webtext.layout.CRAWL_LIST).
COLLINFO = "collinfo.json"


class Crawl(NamedTuple):
    id: str  # CC-MAIN-YYYY-WW
    start: int  # Unix time
    end: int


def _iso_time(text: str) -> int:
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp())


def _week_start(crawl_id: str) -> int:
    """The Monday of a crawl's ISO week, from its id, for a list without from/to."""
    year, week = crawl_id.split("-")[2:4]
    return int(datetime.datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=datetime.timezone.utc).timestamp())


def parse_collinfo(body: bytes) -> tuple[Crawl, ...]:
    """The crawls of collinfo.json, oldest first; each one's from/to, or its id's week."""
    crawls = []
    for entry in json.loads(body):
        crawl_id = entry["id"]
        if "from" in entry and "to" in entry:
            crawls.append(Crawl(crawl_id, _iso_time(entry["from"]), _iso_time(entry["to"])))
        else:
            start = _week_start(crawl_id)
            crawls.append(Crawl(crawl_id, start, start + 14 * DAY_S))
    return tuple(sorted(crawls, key=lambda c: c.start))


def fetch_collinfo(config: Config) -> bytes:
    """collinfo.json from the index server (through the guard), or FetchError(reason)."""
    client = ArchiveClient(config, Watchdog())
    try:
        return client.get(f"{config.commoncrawl_index_url.rstrip('/')}/{COLLINFO}", config.commoncrawl_index_rate).body
    finally:
        client.close()


def crawl_distance(crawl: Crawl, created_utc: int) -> int:
    """Seconds from the post to the nearest moment of the crawl (0 for a crawl running at the post)."""
    return max(crawl.start - created_utc, created_utc - crawl.end, 0)


def crawls_in_window(crawls: tuple[Crawl, ...], created_utc: int, window_s: int) -> list[Crawl]:
    """Every crawl that may hold a capture within the window, nearest the post first (before the post
    first at equal distance): under a bound on crawls asked, the ones likeliest to hold the page.
    benchmarks/crawl_choice.py measured this order against asking every crawl before the post first:
    1.7x the pages at a bound of 4 crawls, for the same requests."""
    near = [c for c in crawls if c.end >= created_utc - window_s and c.start <= created_utc + window_s]
    return sorted(near, key=lambda c: (crawl_distance(c, created_utc), c.start > created_utc))


def could_be_nearer(crawl: Crawl, best: Capture | None, created_utc: int) -> bool:
    """Whether the crawl may hold a capture nearer the post than best, by capture.nearest's rule."""
    if best is None:
        return True
    found = unix_time(best.timestamp)
    if found <= created_utc:  # before the post: only a later capture, still not after the post, is nearer
        return crawl.start <= created_utc and crawl.end > found
    return crawl.start <= created_utc or crawl.start < found  # after: any capture before, or an earlier one


def choose_capture(crawls: tuple[Crawl, ...], created: int, window: int,
                   captures_of: Callable[[Crawl], list[Capture]], max_crawls: int = 0) -> tuple[Capture | None, int]:
    """(the capture nearest the post among every crawl in the window, the crawls asked).

    Crawls are asked (captures_of) nearest first, and one that cannot hold a nearer capture than the
    best found is not asked: a link found in its nearest crawl costs that crawl alone. max_crawls > 0
    bounds the crawls asked (the CDX path pays a request per crawl; a join pays nothing per crawl).
    """
    best, captures, asked = None, [], 0
    for crawl in crawls_in_window(crawls, created, window):
        if max_crawls and asked == max_crawls:
            break
        if could_be_nearer(crawl, best, created):
            captures += captures_of(crawl)
            asked += 1
            best = nearest(captures, created, window)
    return best, asked


def capture_address(capture: Capture) -> str:
    """Where the record is: the WARC file (its path names the crawl), offset and length."""
    return f"{capture.filename}@{capture.offset}+{capture.length}"


class CommonCrawl:
    name = NAME

    def __init__(self, config: Config, client: ArchiveClient, crawls: tuple[Crawl, ...] | None):
        self.config = config
        self.client = client
        self.crawls = crawls  # None: the crawl list could not be read at the start of the run
        # The columnar join chose each link's capture before the fetch: no CDX request at all.
        self.columnar = bool(config.commoncrawl_columnar)

    def close(self) -> None:
        """Nothing of its own: the archive client is the chain's."""

    def look_up(self, link: Link, found: Capture | str | None = None) -> Lookup:
        """The capture nearest the post; `found`, with a columnar index, is the capture the join chose
        for this link, or the reason it has none."""
        if self.columnar:
            found = "not_looked_up" if found is None else found  # a link that missed the join: a bug, counted
            return Lookup(None, found) if isinstance(found, str) else Lookup(found)
        if self.crawls is None:
            return Lookup(None, "no_crawl_list")
        url, asked = fetch_url(link), []
        window = self.config.capture_window_days * DAY_S

        def captures_of(crawl: Crawl) -> list[Capture]:
            return self._cdx_captures(crawl, url, asked)

        try:
            capture, _ = choose_capture(self.crawls, link.first_created_utc, window, captures_of,
                                        self.config.commoncrawl_max_crawls)
        except FetchError as err:
            return Lookup(None, err.args[0], len(asked))
        return Lookup(capture, "" if capture else "no_capture", len(asked))

    def read(self, link: Link, capture: Capture) -> Page:
        """The capture's record, by one range read, as the link's page."""
        url = fetch_url(link)
        try:
            response = ranges.read_record(self.client, self.config.commoncrawl_data_url, capture)
        except FetchError as err:
            return failed(link, url, err.args[0], NAME)
        error = response_error(response.status, response.content_type)
        if not error and len(response.body) > self.config.max_page_bytes:
            error = "too_large"
        return Page(link, response.url, response.status, response.content_type, b"" if error else response.body,
                    NAME, error, capture_time=capture.timestamp, capture=capture_address(capture),
                    headers=response.headers)

    def _cdx_captures(self, crawl: Crawl, url: str, asked: list) -> list[Capture]:
        """The crawl's captures of url (every status: nearest() picks), from its CDX index (404: none).

        Page 0 is asked first, as a query without `page` is answered, and is all most URLs cost:
        those in no crawl, and those with fewer captures than a block of the index holds, which
        cannot go on to a next page (cdx.INDEX_BLOCK_LINES). Only a URL with more costs the page
        count and its other pages. Each request is appended to asked.
        """
        base = self.config.commoncrawl_index_url
        first = self._index_get(cdx.commoncrawl_query(base, crawl.id, url), asked)
        captures = _captures(first)
        if len(first.splitlines()) < cdx.INDEX_BLOCK_LINES:
            return captures
        # Past page 0 a 404 is a page of no capture, a 400 (pywb: "Page N invalid") one past the
        # last (the index changed since it was counted): neither fails the lookup.
        pages = cdx.commoncrawl_page_count(
            self._index_get(cdx.commoncrawl_page_count_query(base, crawl.id, url), asked, accept=(200, 400, 404)))
        for page in range(1, min(pages or 1, cdx.MAX_INDEX_PAGES)):
            captures += _captures(self._index_get(cdx.commoncrawl_query(base, crawl.id, url, page), asked,
                                                  accept=(200, 400, 404)))
        return captures

    def _index_get(self, query: str, asked: list, accept=(200, 404)) -> bytes:
        """The index's answer at its rate (busy answers waited out); b"" for an accepted non-200."""
        asked.append(query)
        reply = self.client.get(query, self.config.commoncrawl_index_rate, accept=accept)
        return reply.body if reply.status == 200 else b""


def make(config: Config, shared) -> CommonCrawl:
    return CommonCrawl(config, shared.archive_client, shared.crawls)


def _captures(body: bytes) -> list[Capture]:
    try:
        return cdx.commoncrawl_captures(body)
    except (ValueError, KeyError):
        raise FetchError("bad_index") from None
