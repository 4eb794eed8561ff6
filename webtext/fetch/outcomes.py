"""The fetch stage's own output: pages in WARC files, outcomes in JSONL, crash-safe.

Every fetch (live or from an archive) appends its response to a WARC file and then one outcome line
(URL, status, reason, bytes, elapsed, source) to a JSONL file, each flushed at
once. An outcome line is written only after its WARC record is whole, so after
a crash (even kill -9) every URL with an outcome can be rebuilt from the files
and a rerun fetches only the URLs without one. Files roll over every
`records_per_file` pages, so little is lost where storage (GCS) keeps a file
only once it is closed.
"""

import json
import time
import uuid
from typing import BinaryIO, Callable

from warcio.warcwriter import WARCWriter

from webtext import layout
from webtext.fetch.sources import payload_sha256
from webtext.fetch.warc import WarcResponse, write_response
from webtext.records import FetchOutcome, Link, Page


def outcome(page: Page) -> FetchOutcome:
    """The per-URL outcome: which links died, why, and what came back."""
    return FetchOutcome(page.link.url, page.final_url, page.status, page.content_type, page.error,
                        page.live_error, page.source, len(page.body), page.elapsed_s, page.capture_time,
                        page.capture, tuple(page.attempts), tuple(page.index_requests), payload_sha256(page))


def parse_outcome(line: str) -> dict | None:
    """An outcome line's row, or None for a line cut short by a crash."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) and "url" in row and "error" in row else None


def page_from_outcome(link: Link, row: dict, response: WarcResponse | None) -> Page:
    """The Page a previous run fetched: its outcome, with its body from the WARC."""
    error, body = row["error"], b""
    if not error:
        if response is None:
            error = "lost_from_warc"  # the outcome survived, its WARC file did not
        else:
            body = response.body
    # Lines written before page sources had captures lack those fields.
    return Page(link, row["final_url"], row["status"], row["content_type"], body, row["source"],
                error, row["live_error"], row["elapsed_s"], row.get("capture_time", ""), row.get("capture", ""),
                tuple(row.get("attempts", ())), tuple(row.get("index_requests", ())),
                response.headers if response is not None else ())


def capture_date(timestamp: str) -> str | None:
    """An archive capture's time as WARC-Date (ISO 8601); None for a live fetch (now)."""
    if not timestamp:
        return None
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


class FetchLog:
    """Appends pages and outcomes to rolling file pairs opened with `create(name)`."""

    def __init__(self, create: Callable[[str], BinaryIO], records_per_file: int = 1000):
        self.create = create
        self.records_per_file = records_per_file
        self.files = None
        self.written = 0

    def write(self, page: Page) -> None:
        if self.files is None or self.written == self.records_per_file:
            self._roll()
        warc_file, writer, outcomes = self.files
        if page.status:  # a response came back: keep it, whatever its status
            write_response(writer, page.final_url, page.status, page.content_type, page.body,
                           date=capture_date(page.capture_time), link_url=page.link.url, headers=page.headers)
            warc_file.flush()
        outcomes.write(json.dumps(outcome(page)._asdict()).encode() + b"\n")
        outcomes.flush()
        self.written += 1

    def _roll(self) -> None:
        self.close()
        name = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}"
        warc_file = self.create(layout.fetched_warc(name))
        self.files = (warc_file, WARCWriter(warc_file, gzip=True), self.create(layout.outcome_log(name)))
        self.written = 0

    def close(self) -> None:
        if self.files is not None:
            self.files[0].close()
            self.files[2].close()
            self.files = None
