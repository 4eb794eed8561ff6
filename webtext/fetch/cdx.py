"""The CDX index APIs: which captures of a URL an archive holds.

Two dialects of one idea. The Wayback Machine's `/cdx/search/cdx` answers a
JSON array of rows after a header row of field names; Common Crawl's per-crawl
index (pywb, `/CC-MAIN-YYYY-WW-index`) answers one JSON object per line, and
404 when it holds no capture. Both are asked for exact-URL matches: the Wayback
for status 200 and HTML only, Common Crawl for every capture (see INDEX_BLOCK_LINES).

Paging. The Wayback query asks for the WAYBACK_ROWS captures nearest the post
(`closest`, `limit`): one answer holds all that is asked, so it is never paged.
When a full answer is all after the post, one more query asks for the
latest capture at or before it (`wayback_before_query`).
Common Crawl's pywb serves a zipnum index in pages of `pageSize` blocks of
~3,000 index lines, and a query without `page` is answered with page 0 only;
`showNumPages=true` answers `{"pages": N, "pageSize": P, "blocks": B}`. An
exact URL rarely spans more than one page (Common Crawl: 5 blocks, ~15,000
lines a page), but when it does its later captures are on the later pages;
page 0 with fewer rows than a block cannot have a next page, so only a URL
with that many captures in one crawl costs the count.
"""

import json
from urllib.parse import urlencode

from webtext.fetch.capture import Capture, stamp

# Rows asked of the Wayback Machine, nearest the post first: enough to find
# one before and one after the post among repeated captures of a busy page.
WAYBACK_ROWS = 25


WAYBACK_ANSWER = [("filter", "statuscode:200"), ("filter", "mimetype:text/html"), ("output", "json"),
                  ("fl", "timestamp,original,statuscode,mimetype")]


def wayback_query(base: str, url: str, created_utc: int) -> str:
    params = [("url", url), ("closest", stamp(created_utc)), ("sort", "closest"), ("limit", WAYBACK_ROWS)]
    return f"{base.rstrip('/')}/cdx/search/cdx?{urlencode(params + WAYBACK_ANSWER)}"


def wayback_before_query(base: str, url: str, created_utc: int, window_s: int) -> str:
    """The latest captures at or before the post and within the window (from/to are inclusive).

    `limit=-2`, not -1: the Wayback's CDX server (internetarchive/wayback, CDXServer.java)
    turns -1 into a backward read with its fastLatest shortcut, which `to` does not bound (asked
    `to=20230608&limit=-1` it has answered a 2017 capture when one of 2023-06-07 existed:
    remy/unrot.link#7); another negative limit reads forward from `from`, stops at `to` and keeps
    the last rows. `from` keeps that read to the window.
    """
    params = [("url", url), ("from", stamp(created_utc - window_s)), ("to", stamp(created_utc)), ("limit", -2)]
    return f"{base.rstrip('/')}/cdx/search/cdx?{urlencode(params + WAYBACK_ANSWER)}"


def wayback_captures(body: bytes) -> list[Capture]:
    """The rows of a Wayback CDX answer (an empty body or [] when there is none)."""
    rows = json.loads(body or b"[]")
    if not rows:
        return []
    fields = rows[0]
    captures = []
    for row in rows[1:]:
        named = dict(zip(fields, row))
        status = named.get("statuscode", "")
        captures.append(Capture(named["original"], named["timestamp"], int(status) if status.isdigit() else 0,
                                named.get("mimetype", "")))
    return captures


# Index pages read for one URL in one crawl, at most: a URL captured ~100,000 times in a crawl is
# a crawler trap, not a page someone linked to, and each page is a request at the index's rate.
MAX_INDEX_PAGES = 8


# Lines in a block of Common Crawl's zipnum index. A page is pageSize (5) blocks starting at the block
# where the URL's rows begin, so a next page exists only if the URL's rows fill pageSize - 1 blocks:
# page 0 with fewer rows than one block holds all of them (whatever pageSize, from 2 up).
INDEX_BLOCK_LINES = 3000


def commoncrawl_query(base: str, crawl: str, url: str, page: int = 0) -> str:
    """The crawl's captures of url, of every status (so that an answer's length says whether it is
    all: INDEX_BLOCK_LINES), page `page` of them (0 is asked without `page`, as pywb defaults)."""
    params = [("url", url), ("output", "json")] + ([("page", page)] if page else [])
    return f"{base.rstrip('/')}/{crawl}-index?{urlencode(params)}"


def commoncrawl_page_count_query(base: str, crawl: str, url: str) -> str:
    params = [("url", url), ("output", "json"), ("showNumPages", "true")]
    return f"{base.rstrip('/')}/{crawl}-index?{urlencode(params)}"


def commoncrawl_page_count(body: bytes) -> int | None:
    """pywb's page count ({"pages": N, ...}); None from an index that does not page (it answers
    the count with something else, the captures themselves say): its first answer held them all."""
    try:
        answer = json.loads(body.splitlines()[0])
    except (ValueError, IndexError):
        return None
    pages = answer.get("pages") if isinstance(answer, dict) else None
    return pages if isinstance(pages, int) and not isinstance(pages, bool) else None


def commoncrawl_captures(body: bytes) -> list[Capture]:
    """The lines of a Common Crawl CDX answer; a capture without a WARC location is skipped."""
    captures = []
    for line in body.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if not {"filename", "offset", "length"} <= row.keys():
            continue  # a revisit or an error row: no record to read
        status = str(row.get("status", ""))
        mime = row.get("mime-detected") or row.get("mime", "")
        captures.append(Capture(row["url"], row["timestamp"], int(status) if status.isdigit() else 0, mime,
                                row["filename"], int(row["offset"]), int(row["length"])))
    return captures
