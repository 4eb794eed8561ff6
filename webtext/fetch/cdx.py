"""The CDX index APIs: which captures of a URL an archive holds.

Two dialects of one idea. The Wayback Machine's `/cdx/search/cdx` answers a
JSON array of rows after a header row of field names; Common Crawl's per-crawl
index (pywb, `/CC-MAIN-YYYY-WW-index`) answers one JSON object per line, and
404 when it holds no capture. Both are asked for exact-URL matches, status 200.
"""

import json
from urllib.parse import urlencode

from webtext.fetch.capture import Capture, stamp

# Rows asked of the Wayback Machine, nearest the post first: enough to find
# one before and one after the post among repeated captures of a busy page.
WAYBACK_ROWS = 25


def wayback_query(base: str, url: str, created_utc: int) -> str:
    params = [("url", url), ("closest", stamp(created_utc)), ("sort", "closest"), ("limit", WAYBACK_ROWS),
              ("filter", "statuscode:200"), ("filter", "mimetype:text/html"), ("output", "json"),
              ("fl", "timestamp,original,statuscode,mimetype")]
    return f"{base.rstrip('/')}/cdx/search/cdx?{urlencode(params)}"


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


def commoncrawl_query(base: str, crawl: str, url: str) -> str:
    params = [("url", url), ("output", "json"), ("filter", "=status:200")]
    return f"{base.rstrip('/')}/{crawl}-index?{urlencode(params)}"


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
