"""The "recipe" page source: a rebuild reads each page exactly where a recipe says it was captured.

The recipe (webtext.recipe) comes from a stranger, so its capture addresses may
only name records of the archives this run is configured with: a Common Crawl
WARC file under crawl-data/ and a byte range of it, read from
--commoncrawl-data-url; or a Wayback Machine raw (`id_`) capture, on
--archive-url, of the recipe row's own URL. Anything else is refused, counted
(`refused.<why>`), and never asked for; what is read goes through the same
guarded client as every archive read. A page fetched live, or read from a WARC
file, is in no archive: the rebuild reads it from --warc files if the
publisher shares them (the pipeline joins those first), else it is
`not_in_archives`. Each payload must hash to the recipe's sha256 (checked by
webtext.fetch.sources.fetch_from), else `changed.<source>`, never replaced.
"""

import re
from typing import NamedTuple
from urllib.parse import urlsplit

from webtext.config import Config
from webtext.fetch.capture import Capture
from webtext.fetch.commoncrawl import CommonCrawl
from webtext.fetch.sources import Lookup
from webtext.fetch.wayback import Wayback
from webtext.records import Link, Page
from webtext.urls import normalise_url

NAME = "recipe"
CRAWL_RECORD = re.compile(r"(crawl-data/CC-MAIN-\d{4}-\d{2}/[A-Za-z0-9._/-]+\.warc\.gz)@(\d{1,15})\+(\d{1,9})")
WAYBACK_CAPTURE = re.compile(r"/web/(\d{14})id_/(.+)", re.S)


class RecipeCapture(NamedTuple):
    """What a recipe row says of a link's page."""

    source: str
    capture: str  # the address
    capture_time: str
    payload_sha256: str


def commoncrawl_capture(url: str, entry: RecipeCapture) -> Capture | str:
    """The record a Common Crawl address names, or why it is refused."""
    found = CRAWL_RECORD.fullmatch(entry.capture)
    if not found or "/." in found.group(1):
        return "not_crawl_data"
    length = int(found.group(3))
    if not 0 < length <= 8 * 2**20:
        return "bad_range"
    return Capture(url, entry.capture_time, 200, "", found.group(1), int(found.group(2)), length)


def wayback_capture(link: Link, entry: RecipeCapture, archive_url: str) -> Capture | str:
    """The raw capture a Wayback address names (of the row's own URL, on the configured archive), or why not."""
    base = archive_url.rstrip("/")
    if not entry.capture.startswith(base + "/web/") or urlsplit(entry.capture).netloc != urlsplit(base).netloc:
        return "not_wayback"
    found = WAYBACK_CAPTURE.fullmatch(entry.capture[len(base):])
    if not found:
        return "not_wayback"
    timestamp, captured = found.groups()
    try:
        same = normalise_url(captured) == link.url
    except ValueError:
        same = False
    if not same:
        return "other_url"
    return Capture(captured, timestamp, 200, "")


class FromRecipe:
    """Reads the capture a recipe names for each link, through the archives' own readers."""

    name = NAME

    def __init__(self, config: Config, commoncrawl: CommonCrawl, wayback: Wayback):
        self.config, self.commoncrawl, self.wayback = config, commoncrawl, wayback

    def close(self) -> None:
        """Nothing of its own: the archive client is the chain's."""

    def look_up(self, link: Link, found: RecipeCapture | None = None) -> Lookup:
        if found is None:
            return Lookup(None, "not_in_recipe")
        if found.source == "commoncrawl":
            capture = commoncrawl_capture(link.original_urls[0], found)
        elif found.source == "wayback":
            capture = wayback_capture(link, found, self.config.archive_url)
        else:
            return Lookup(None, "not_in_archives")  # fetched live or read from a WARC file
        if isinstance(capture, str):
            return Lookup(None, f"refused.{capture}")
        return Lookup(capture, payload_sha256=found.payload_sha256)

    def read(self, link: Link, capture: Capture) -> Page:
        return (self.commoncrawl if capture.filename else self.wayback).read(link, capture)


def make(config: Config, shared) -> FromRecipe:
    return FromRecipe(config, CommonCrawl(config, shared.archive_client, None), Wayback(config, shared.archive_client))
