"""An archive's capture of a URL, and which capture stands for a link's page.

The page WebText wants is the one the poster linked to, so of an archive's
captures (status 200, HTML) the one nearest the post's date is used: the
latest at or before the post, else the earliest after it, within a window.
Before is preferred because a page only changes after it was posted (edits,
paywalls, a lapsed domain's parking page); after is allowed because a news
story's URL usually did not exist until the day it was posted.
"""

import calendar
import time
from typing import Iterable, NamedTuple

HTML_TYPES = ("text/html", "application/xhtml+xml")
DAY_S = 86_400


class Capture(NamedTuple):
    """One capture as an archive's index lists it."""

    url: str  # the URL as captured
    timestamp: str  # YYYYmmddHHMMSS, UTC
    status: int
    mime: str
    # Common Crawl: where the WARC record is; the Wayback Machine needs only the timestamp.
    filename: str = ""
    offset: int = 0
    length: int = 0


def stamp(unix_s: int) -> str:
    """The archives' YYYYmmddHHMMSS form of a Unix time."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(unix_s))


def unix_time(timestamp: str) -> int:
    """A YYYYmmddHHMMSS timestamp (or a prefix of one: the Wayback CDX allows it) as Unix time."""
    padded = (timestamp + "00000101000000"[len(timestamp):])[:14]
    return calendar.timegm(time.strptime(padded, "%Y%m%d%H%M%S"))


def usable(capture: Capture) -> bool:
    return capture.status == 200 and capture.mime.split(";")[0].strip().lower() in HTML_TYPES


def nearest(captures: Iterable[Capture], created_utc: int, window_s: int) -> Capture | None:
    """The capture standing for the page as posted: latest before, else earliest after, within the window."""
    before, after = None, None
    for capture in filter(usable, captures):
        distance = unix_time(capture.timestamp) - created_utc
        if abs(distance) > window_s:
            continue
        if distance <= 0 and (before is None or distance > before[0]):
            before = (distance, capture)
        elif distance > 0 and (after is None or distance < after[0]):
            after = (distance, capture)
    chosen = before or after
    return chosen[1] if chosen else None
