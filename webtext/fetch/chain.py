"""The sources of a run in the order asked, tried in turn for each link.

The order is --pages, or the default for the inputs (page_order; docs/sources.md
says why). A link goes to each source in turn until one gives a page; every
source's outcome is kept ("wayback:no_capture", "live:ok") for pages.parquet,
with the index requests each cost. A live failure the archives must not mend
(not HTML, too large, robots, private address) ends the chain. A link no source
could give is reported with live's reason if live was tried (the most telling
one), else the last source's.
"""

import time
from typing import NamedTuple

from webtext.config import Config
from webtext.fetch import sources
from webtext.fetch.capture import Capture
from webtext.fetch.client import FINAL_REASONS
from webtext.fetch.commoncrawl import Crawl
from webtext.fetch.deadline import Watchdog
from webtext.fetch.polite import ArchiveClient
from webtext.records import Link, Page


def page_order(config: Config, warcs_given: bool, dumps_given: bool, rebuild: bool = False) -> tuple[str, ...]:
    """--pages, or the default for these inputs; ValueError for a mistake in --pages. A rebuild reads
    what its recipe names, from the --warc files first where given."""
    if rebuild:
        return ("warc", "recipe") if warcs_given else ("recipe",)
    order = sources.check_order(config.page_sources())
    if order:
        if warcs_given != ("warc" in order):
            raise ValueError("--warc files and --pages warc go together: give both or neither")
        return order
    if warcs_given:
        return ("warc",)
    if not config.archive_fallback:
        return ("live",)
    # Links from dumps are years old: the archives hold the page as posted. Live listings are new.
    return ("commoncrawl", "wayback", "live") if dumps_given else ("live", "wayback")


class Shared(NamedTuple):
    """What the sources of one worker share."""

    watchdog: Watchdog  # the deadline of every request
    archive_client: ArchiveClient | None  # one pool and one schedule for the archives' hosts
    crawls: tuple[Crawl, ...] | None  # Common Crawl's crawl list, read once per run (None: unreadable)


class PageChain:
    """The sources of `order` (those the pipeline joins left out), tried in turn for each link; safe to
    share between threads."""

    def __init__(self, config: Config, order: tuple[str, ...], crawls: tuple[Crawl, ...] | None = None):
        watchdog = Watchdog()
        archives = any(sources.REGISTRY[name].archive for name in order)
        self.shared = Shared(watchdog, ArchiveClient(config, watchdog) if archives else None, crawls)
        self.sources = [sources.make(name, config, self.shared) for name in order if not sources.joined(name)]

    def close(self) -> None:
        for source in self.sources:
            source.close()
        if self.shared.archive_client:
            self.shared.archive_client.close()

    def fetch(self, link: Link, found: Capture | str | None = None) -> Page:
        """The first page a source gives, with every source's outcome. Never raises.

        found: what a join before the fetch found for the link (Common Crawl's columnar index).
        """
        started = time.monotonic()
        attempts, requests, failures = [], [], []
        for source in self.sources:
            page = sources.fetch_from(source, link, found)
            attempts.append(f"{source.name}:{page.error or 'ok'}")
            requests += page.index_requests
            if not page.error:
                break
            failures.append(page)
            if source.name == "live" and page.error in FINAL_REASONS:
                break
        live_error = next((p.error for p in failures if p.source == "live"), "")
        if page.error:
            page, live_error = next((p for p in failures if p.source == "live"), failures[-1]), ""
        return page._replace(live_error=live_error, attempts=tuple(attempts), index_requests=tuple(requests),
                             elapsed_s=round(time.monotonic() - started, 3))
