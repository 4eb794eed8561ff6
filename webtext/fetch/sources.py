"""Where pages come from: the contract every page source keeps, and the one registry of them.

A page source has a name, a way to look a link up (which capture stands for its
page: an archive's index nearest the post, or the URL itself for a live fetch),
a way to read a capture, and close. Looking up and reading apart, so a capture
found once (by a join before the fetch, or recorded in a recipe) is read alone.

The registry is the list of sources: `--pages`' choices, the check of an order,
the summary's per-source lines and docs/sources.md's table come from it. A new
source is a module with `make(config, shared)` and one line here. The chain
that tries them in turn per link is webtext.fetch.chain.
"""

import hashlib
import importlib
import time
from typing import NamedTuple, Protocol, Sequence

from webtext.fetch.capture import Capture
from webtext.fetch.client import failed
from webtext.links.posts import fetch_url
from webtext.records import Link, Page


class Lookup(NamedTuple):
    """What a source found for a link: the capture standing for its page, or why there is none."""

    capture: Capture | None
    reason: str = ""  # why there is none ("" when there is)
    index_requests: int = 0  # what finding it cost the source's index
    payload_sha256: str = ""  # what the page's body must hash to (a recipe's), or "" for anything


class PageSource(Protocol):
    name: str

    def look_up(self, link: Link, found: Capture | str | None = None) -> Lookup:
        """The capture standing for the link's page. found: what a join before the fetch found for the
        link (Common Crawl's columnar index: the capture or the reason there is none), None without one."""

    def read(self, link: Link, capture: Capture) -> Page:
        """The capture's page, or a Page whose error says why there is none."""

    def close(self) -> None:
        """Let go of connections."""


class Registered(NamedTuple):
    name: str
    module: str  # the module whose make(config, shared) builds the source; "" for one the pipeline joins
    about: str  # one line: what it is (--pages' help, docs/sources.md)
    archive: bool = False  # read through the archive client, at the archives' rates
    choosable: bool = True  # one of --pages' choices (not: a source a kind of run picks itself)


REGISTRY = {source.name: source for source in (
    Registered("warc", "", "the WARC files given (--warc), joined with the links before anything is fetched"),
    Registered("commoncrawl", "webtext.fetch.commoncrawl",
               "Common Crawl: its index (CDX API or columnar join), then one range read per page", archive=True),
    Registered("wayback", "webtext.fetch.wayback", "the Wayback Machine: its CDX API, then the raw (id_) capture",
               archive=True),
    Registered("live", "webtext.fetch.live", "the page at its URL today, fetched within every bound"),
    Registered("recipe", "webtext.fetch.rebuild", "a rebuild's: the capture a recipe names, read from its archive "
               "exactly and checked against the recipe's hash (--recipe)", archive=True, choosable=False),
)}


def names() -> tuple[str, ...]:
    """The sources --pages may name."""
    return tuple(name for name, source in REGISTRY.items() if source.choosable)


def joined(name: str) -> bool:
    """A source the pipeline joins with the links before anything is fetched (it can only come first)."""
    return not REGISTRY[name].module


def check_order(order: Sequence[str]) -> tuple[str, ...]:
    """--pages' order, checked; ValueError naming the mistake."""
    unknown = [name for name in order if name not in names()]
    if unknown:
        raise ValueError(f"--pages {unknown[0]}: not a page source (one of {', '.join(names())})")
    if len(set(order)) < len(order):
        raise ValueError(f"--pages names a source twice: {', '.join(order)}")
    late = [name for name in order[1:] if joined(name)]
    if late:
        raise ValueError(f"--pages {late[0]} can only come first: its files are read before anything is fetched")
    return tuple(order)


def make(name: str, config, shared) -> PageSource:
    """The source of that name, built by its module (shared: what the sources of one worker share)."""
    return importlib.import_module(REGISTRY[name].module).make(config, shared)


def fetch_from(source: PageSource, link: Link, found: Capture | str | None = None) -> Page:
    """The link's page from one source: looked up, then read. Never raises: a bug or a library surprise
    costs one source of one link, counted as unexpected:<error>."""
    started, requests = time.monotonic(), 0
    try:
        lookup = source.look_up(link, found)
        requests = lookup.index_requests
        if lookup.capture:
            page = checked_payload(source.read(link, lookup.capture), lookup.payload_sha256)
        else:
            page = failed(link, fetch_url(link), lookup.reason, source.name)
    except Exception as err:  # noqa: BLE001 (see the docstring)
        page = failed(link, fetch_url(link), f"unexpected:{type(err).__name__}", source.name)
    return page._replace(index_requests=(requests,), elapsed_s=round(time.monotonic() - started, 3))


def payload_sha256(page: Page) -> str:
    """The hex sha256 of the page's body as read, "" for a page without one."""
    return hashlib.sha256(page.body).hexdigest() if page.body else ""


def checked_payload(page: Page, expected_sha256: str) -> Page:
    """The page, or (its body hashing to other than expected, where something is) the page lost as
    `changed.<source>`: a rebuild never takes another payload in place of the recipe's."""
    if not expected_sha256 or page.error or payload_sha256(page) == expected_sha256:
        return page
    return failed(page.link, page.final_url, f"changed.{page.source}", page.source)._replace(
        capture=page.capture, capture_time=page.capture_time)
