"""The "wayback" page source: the Wayback Machine's capture nearest the post.

Two requests per link: the CDX API for the captures near the post's date
(status 200, text/html), then the chosen capture's raw playback (`id_`: the
page as archived, without the Archive's toolbar or rewritten links). Both go
to one host at --wayback-rate per worker, shared by its threads.
"""

from webtext.config import Config
from webtext.fetch import cdx
from webtext.fetch.capture import DAY_S, nearest
from webtext.fetch.client import failed, response_error
from webtext.fetch.netguard import FetchError
from webtext.fetch.polite import ArchiveClient
from webtext.links.posts import fetch_url
from webtext.records import Link, Page

NAME = "wayback"


def playback_url(base: str, timestamp: str, url: str) -> str:
    """The raw ("id_") playback of the capture of url at timestamp."""
    return f"{base.rstrip('/')}/web/{timestamp}id_/{url}"


class Wayback:
    name = NAME

    def __init__(self, config: Config, client: ArchiveClient):
        self.config = config
        self.client = client

    def fetch(self, link: Link) -> Page:
        url, base, rate = fetch_url(link), self.config.archive_url, self.config.wayback_rate
        try:
            reply = self.client.get(cdx.wayback_query(base, url, link.first_created_utc), rate)
            captures = cdx.wayback_captures(reply.body)
        except FetchError as err:
            return failed(link, url, err.args[0], NAME)
        except (ValueError, KeyError):
            return failed(link, url, "bad_index", NAME)
        capture = nearest(captures, link.first_created_utc, self.config.capture_window_days * DAY_S)
        if capture is None:
            return failed(link, url, "no_capture", NAME)
        playback = playback_url(base, capture.timestamp, capture.url)
        try:
            reply = self.client.get(playback, rate)
        except FetchError as err:
            return failed(link, url, err.args[0], NAME)
        content_type = reply.headers.get("Content-Type", "")
        error = response_error(reply.status, content_type)
        return Page(link, reply.url, reply.status, content_type, b"" if error else reply.body, NAME, error,
                    capture_time=capture.timestamp, capture=playback)

