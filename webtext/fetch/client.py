"""Fetching one link live, every fetch bounded: the "live" page source.

The URLs are strangers' posts. Each fetch goes through a guarded session
(webtext.netguard: no private addresses on any hop, retries with backoff for
transient failures), honours robots.txt (webtext.robots), has connect and read
timeouts, a total deadline (webtext.deadline), a cap on the decompressed body,
a redirect limit, and takes HTML/XHTML only. Archives are other sources
(webtext.fetch.sources tries them in the order asked).
"""

import time

import requests
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError

from webtext.config import Config
from webtext.fetch.capture import HTML_TYPES
from webtext.fetch.deadline import Watchdog, running
from webtext.fetch.netguard import FetchError, guarded_session
from webtext.fetch.robots import Robots, RobotsUnreachable
from webtext.links.posts import fetch_url
from webtext.records import Link, Page

CHUNK = 64 * 1024
# Failures an archive cannot mend, or must not: the page is there but not for us.
FINAL_REASONS = frozenset({"not_html", "too_large", "robots_disallowed", "private_address", "invalid_url"})


def response_error(status: int, content_type: str) -> str:
    """Why a response is no page for WebText, or "" if it is one."""
    if status != 200:
        return f"http_{status}"
    media_type = content_type.split(";")[0].strip().lower()
    # A missing type is common on old servers; extraction decides then.
    if media_type and media_type not in HTML_TYPES:
        return "not_html"
    return ""


def read_capped(response: requests.Response, limit: int) -> bytes:
    """The decompressed body, or FetchError("too_large") past the limit."""
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > limit:
            raise FetchError("too_large")
    return bytes(body)


class Fetcher:
    """Fetches links over one pooled, guarded session; safe to share between threads."""

    name = "live"

    def __init__(self, config: Config, watchdog: Watchdog):
        self.config = config
        self.watchdog = watchdog
        self.session = guarded_session(config, pool_size=4 * config.fetch_concurrency)
        self.timeout = (config.connect_timeout_s, config.read_timeout_s)
        self.robots = Robots(self.session, config.user_agent, self.timeout) if config.obey_robots else None

    def close(self) -> None:
        self.session.close()

    def fetch(self, link: Link) -> Page:
        """The link's page, or a Page whose error says why there is none. Never raises."""
        started = time.monotonic()
        try:
            page = self._fetch(link)
        except Exception as err:  # a bug or a library surprise must cost one URL, not the run
            page = failed(link, fetch_url(link), f"unexpected:{type(err).__name__}", "live")
        return page._replace(elapsed_s=round(time.monotonic() - started, 3))

    def _fetch(self, link: Link) -> Page:
        url = fetch_url(link)
        try:
            if self.robots and not self.robots.allowed(url):
                return failed(link, url, "robots_disallowed", "live")
        except RobotsUnreachable as down:
            return failed(link, url, down.args[0], "live")
        return self._get(link, url, "live")

    def _get(self, link: Link, url: str, source: str) -> Page:
        scope = self.watchdog.watch(self.config.total_timeout_s)
        try:
            with running(scope), self.session.get(url, stream=True, timeout=self.timeout) as response:
                content_type = response.headers.get("content-type", "")
                error = response_error(response.status_code, content_type)
                body = b"" if error else read_capped(response, self.config.max_page_bytes)
                page = Page(link, response.url, response.status_code, content_type, body, source, error)
        except FetchError as err:
            page = failed(link, url, err.args[0], source)
        except requests.RequestException as err:
            page = failed(link, url, network_reason(err), source)
        # Cut off mid-headers, http.client can take the silence for a short response.
        return failed(link, url, "deadline", source) if scope.expired else page


def network_reason(err: requests.RequestException) -> str:
    """The counted reason for a requests failure, looking through urllib3's retries."""
    if isinstance(err, requests.TooManyRedirects):
        return "too_many_redirects"
    cause = getattr(err.args[0], "reason", None) if err.args else None  # MaxRetryError's last error
    if isinstance(err, requests.Timeout) or isinstance(cause, (ReadTimeoutError, ConnectTimeoutError)):
        return "timeout"
    if isinstance(err, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return "connection_error"
    return "request_error"


def failed(link: Link, url: str, reason: str, source: str) -> Page:
    """The Page of a link a source has no page for, and why."""
    return Page(link, url, 0, "", b"", source, reason)
