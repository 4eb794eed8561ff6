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


# Days between a post and its page's capture, as the report counts them: buckets either side of the post.
DISTANCE_EDGES_DAYS = (1, 7, 30, 90, 365, 730)


def _spans() -> list[str]:
    lows = (0,) + DISTANCE_EDGES_DAYS
    return [f"{low}-{high}" for low, high in zip(lows, DISTANCE_EDGES_DAYS)] + [f"{DISTANCE_EDGES_DAYS[-1]}+"]


# From the furthest before the post to the furthest after it.
DISTANCE_BUCKETS = tuple([f"before_{span}" for span in reversed(_spans())] + [f"after_{span}" for span in _spans()])


def distance_bucket(timestamp: str, created_utc: int) -> str:
    """The bucket of DISTANCE_BUCKETS a capture at timestamp falls in, for a post at created_utc."""
    days = (unix_time(timestamp) - created_utc) / DAY_S
    side = "before" if days <= 0 else "after"
    span = next((s for s, edge in zip(_spans(), DISTANCE_EDGES_DAYS) if abs(days) < edge), _spans()[-1])
    return f"{side}_{span}"
