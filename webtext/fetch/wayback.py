"""The "wayback" page source: the Wayback Machine's capture nearest the post.

Two requests per link: the CDX API for the captures near the post's date
(status 200, text/html), then the chosen capture's raw playback (`id_`: the
page as archived, without the Archive's toolbar or rewritten links); a third,
rarely, when the captures nearest the post are all after it (`_captures`).
All go to one host at --wayback-rate per worker, shared by its threads.
"""

from webtext.config import Config
from webtext.fetch import cdx
from webtext.fetch.capture import DAY_S, Capture, nearest, unix_time
from webtext.fetch.client import failed, response_error, signal_headers
from webtext.fetch.netguard import FetchError
from webtext.fetch.polite import ArchiveClient
from webtext.fetch.sources import Lookup
from webtext.links.posts import fetch_url
from webtext.records import Link, Page

NAME = "wayback"


def playback_url(base: str, timestamp: str, url: str) -> str:
    """The raw ("id_") playback of the capture of url at timestamp."""
    return f"{base.rstrip('/')}/web/{timestamp}id_/{url}"


def may_miss_one_before(captures: list[Capture], created_utc: int) -> bool:
    """Whether the nearest captures asked may have left out the latest at or before the post.

    Only a full answer was cut by the limit; if all of it is after the post, a capture before
    (preferred) can still be in the window, further away than every capture asked.
    """
    return len(captures) >= cdx.WAYBACK_ROWS and all(unix_time(c.timestamp) > created_utc for c in captures)


class Wayback:
    name = NAME

    def __init__(self, config: Config, client: ArchiveClient):
        self.config = config
        self.client = client

    def close(self) -> None:
        """Nothing of its own: the archive client is the chain's."""

    def look_up(self, link: Link, found=None) -> Lookup:
        """The good capture nearest the post, from the CDX API (one query, rarely two)."""
        url, window_s, asked = fetch_url(link), self.config.capture_window_days * DAY_S, []
        try:
            captures = self._captures(url, link.first_created_utc, window_s, asked)
        except FetchError as err:
            return Lookup(None, err.args[0], len(asked))
        except (ValueError, KeyError):
            return Lookup(None, "bad_index", len(asked))
        capture = nearest(captures, link.first_created_utc, window_s)
        return Lookup(capture, "" if capture else "no_capture", len(asked))

    def read(self, link: Link, capture: Capture) -> Page:
        """The capture's raw playback as the link's page."""
        playback = playback_url(self.config.archive_url, capture.timestamp, capture.url)
        try:
            reply = self.client.get(playback, self.config.wayback_rate)
        except FetchError as err:
            return failed(link, fetch_url(link), err.args[0], NAME)
        content_type = reply.headers.get("Content-Type", "")
        error = response_error(reply.status, content_type)
        return Page(link, reply.url, reply.status, content_type, b"" if error else reply.body, NAME, error,
                    capture_time=capture.timestamp, capture=playback, headers=signal_headers(reply.headers.items()))

    def _captures(self, url: str, created_utc: int, window_s: int, asked: list) -> list[Capture]:
        """The captures nearest the post; and the latest at or before it, where those may have missed it."""
        base = self.config.archive_url
        captures = self._ask(cdx.wayback_query(base, url, created_utc), asked)
        if window_s > 0 and may_miss_one_before(captures, created_utc):
            captures += self._ask(cdx.wayback_before_query(base, url, created_utc, window_s), asked)
        return captures

    def _ask(self, query: str, asked: list) -> list[Capture]:
        asked.append(query)
        return cdx.wayback_captures(self.client.get(query, self.config.wayback_rate).body)


def make(config: Config, shared) -> Wayback:
    return Wayback(config, shared.archive_client)
