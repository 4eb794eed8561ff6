"""Where pages come from, in the order asked (--pages), and the chain that tries them.

Sources: warc (the files given: read by the pipeline before anything else),
commoncrawl, wayback (archives: the capture nearest the post), live. A link
goes to each source in turn until one gives a page; every source's outcome is
kept ("wayback:no_capture", "live:ok") for pages.parquet. A live failure the
archives must not mend (not HTML, too large, robots, private address) ends the
chain, as it always has. A link no source could give is reported with live's
reason if live was tried (the most telling one), else the last source's.
"""

import time

from webtext.config import Config
from webtext.fetch.capture import Capture
from webtext.fetch.client import FINAL_REASONS, Fetcher, failed
from webtext.fetch.commoncrawl import CommonCrawl, Crawl
from webtext.fetch.deadline import Watchdog
from webtext.fetch.polite import ArchiveClient
from webtext.fetch.wayback import Wayback
from webtext.links.posts import fetch_url
from webtext.records import Link, Page

ARCHIVES = ("commoncrawl", "wayback")


def page_order(config: Config, warcs_given: bool, dumps_given: bool) -> tuple[str, ...]:
    """--pages, or the default for these inputs (docs/sources.md says why)."""
    order = config.page_sources()
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


class PageChain:
    """The sources of `order` (warc excluded), tried in turn for each link; safe to share between threads."""

    def __init__(self, config: Config, order: tuple[str, ...], crawls: tuple[Crawl, ...] | None = None):
        watchdog = Watchdog()
        client = ArchiveClient(config, watchdog) if set(order) & set(ARCHIVES) else None
        makers = {"live": lambda: Fetcher(config, watchdog), "wayback": lambda: Wayback(config, client),
                  "commoncrawl": lambda: CommonCrawl(config, client, crawls)}
        self.sources = [makers[name]() for name in order if name != "warc"]
        self.closing = [s for s in self.sources if isinstance(s, Fetcher)] + ([client] if client else [])

    def close(self) -> None:
        for closable in self.closing:
            closable.close()

    def fetch(self, link: Link, found: Capture | str | None = None) -> Page:
        """The first page a source gives, with every source's outcome. Never raises.

        found: what Common Crawl's columnar index gave this link (the capture, or why none),
        when the lookup was a join (--commoncrawl-columnar); the commoncrawl source then reads it.
        """
        started = time.monotonic()
        attempts, failures = [], []
        for source in self.sources:
            page = _fetch_from(source, link, found)
            attempts.append(f"{source.name}:{page.error or 'ok'}")
            if not page.error:
                break
            failures.append(page)
            if source.name == "live" and page.error in FINAL_REASONS:
                break
        live_error = next((p.error for p in failures if p.source == "live"), "")
        if page.error:
            page, live_error = next((p for p in failures if p.source == "live"), failures[-1]), ""
        return page._replace(live_error=live_error, attempts=tuple(attempts),
                             elapsed_s=round(time.monotonic() - started, 3))


def _fetch_from(source, link: Link, found) -> Page:
    try:
        return source.fetch(link, found) if isinstance(source, CommonCrawl) else source.fetch(link)
    except Exception as err:  # a bug or a library surprise must cost one source of one URL, not the run
        return failed(link, fetch_url(link), f"unexpected:{type(err).__name__}", source.name)
