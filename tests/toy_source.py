"""A toy page source, to show what a new one takes: this module and one registry line.

It serves pages from PAGES (a test fills it), as if from an archive that
captured each on the day it was posted.
"""

from webtext.fetch.capture import Capture, stamp
from webtext.fetch.sources import Lookup
from webtext.links.posts import fetch_url
from webtext.records import Link, Page

NAME = "toy"
PAGES: dict[str, bytes] = {}  # URL -> HTML


class Toy:
    name = NAME

    def look_up(self, link: Link, found=None) -> Lookup:
        url = fetch_url(link)
        if url not in PAGES:
            return Lookup(None, "not_in_toy", index_requests=1)
        return Lookup(Capture(url, stamp(link.first_created_utc), 200, "text/html"), index_requests=1)

    def read(self, link: Link, capture: Capture) -> Page:
        return Page(link, capture.url, 200, "text/html", PAGES[capture.url], NAME, "",
                    capture_time=capture.timestamp, capture=f"toy:{capture.url}")

    def close(self) -> None:
        pass


def make(config, shared) -> Toy:
    return Toy()
