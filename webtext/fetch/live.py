"""The "live" page source: the page at its URL today, every fetch bounded.

The URLs are strangers' posts. Each fetch goes through a guarded session
(webtext.fetch.netguard: no private addresses on any hop, retries with backoff
for transient failures), honours robots.txt (webtext.fetch.robots: the lookup),
has connect and read timeouts, a total deadline (webtext.fetch.deadline), a cap
on the decompressed body, a redirect limit, and takes HTML/XHTML only.
"""

import requests

from webtext.config import Config
from webtext.fetch.capture import Capture
from webtext.fetch.client import failed, network_reason, read_capped, response_error, signal_headers
from webtext.fetch.deadline import Watchdog, running
from webtext.fetch.netguard import FetchError, guarded_session
from webtext.fetch.robots import Robots, RobotsUnreachable
from webtext.fetch.sources import Lookup
from webtext.links.posts import fetch_url
from webtext.records import Link, Page

NAME = "live"


class Live:
    """Fetches links over one pooled, guarded session; safe to share between threads."""

    name = NAME

    def __init__(self, config: Config, watchdog: Watchdog):
        self.config = config
        self.watchdog = watchdog
        self.session = guarded_session(config, pool_size=4 * config.fetch_concurrency)
        self.timeout = (config.connect_timeout_s, config.read_timeout_s)
        self.robots = Robots(self.session, config.user_agent, self.timeout) if config.obey_robots else None

    def close(self) -> None:
        self.session.close()

    def look_up(self, link: Link, found=None) -> Lookup:
        """The URL itself, unless robots.txt keeps us out (or cannot be read)."""
        url = fetch_url(link)
        try:
            if self.robots and not self.robots.allowed(url):
                return Lookup(None, "robots_disallowed")
        except RobotsUnreachable as down:
            return Lookup(None, down.args[0])
        return Lookup(Capture(url, "", 0, ""))

    def read(self, link: Link, capture: Capture) -> Page:
        """The page at capture.url now, or a Page whose error says why there is none."""
        url = capture.url
        scope = self.watchdog.watch(self.config.total_timeout_s)
        try:
            with running(scope), self.session.get(url, stream=True, timeout=self.timeout) as response:
                content_type = response.headers.get("content-type", "")
                error = response_error(response.status_code, content_type)
                body = b"" if error else read_capped(response, self.config.max_page_bytes)
                page = Page(link, response.url, response.status_code, content_type, body, NAME, error,
                            headers=signal_headers(response.headers.items()))
        except FetchError as err:
            page = failed(link, url, err.args[0], NAME)
        except requests.RequestException as err:
            page = failed(link, url, network_reason(err), NAME)
        # Cut off mid-headers, http.client can take the silence for a short response.
        return failed(link, url, "deadline", NAME) if scope.expired else page


def make(config: Config, shared) -> Live:
    return Live(config, shared.watchdog)
