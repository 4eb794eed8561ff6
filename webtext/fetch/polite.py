"""HTTP to the archives: guarded, bounded like a live fetch, polite, backing off.

Every request goes through the guarded session (no private address unless
--allow-loopback, on any hop), under the fetch deadline and the byte cap. The
archives' own busy signals, 429 and 503, are handled here rather than inside
urllib3: the pause they ask for (Retry-After, else doubling backoff) is put on
the host's schedule for the whole machine (webtext.fetch.ratelimit), which also
halves the host's rate for a while, so every thread of every worker process
waits and slows down, not only the one that was told.
"""

import time
from email.utils import parsedate_to_datetime
from typing import NamedTuple
from urllib.parse import urlsplit

import requests

from webtext.config import Config
from webtext.fetch import ratelimit
from webtext.fetch.client import network_reason, read_capped
from webtext.fetch.deadline import Watchdog, running
from webtext.fetch.netguard import FetchError, guarded_session

BUSY = (429, 503)
RETRIED = BUSY + (500, 502, 504)


class Reply(NamedTuple):
    url: str  # after redirects
    status: int
    headers: dict  # case-insensitive (requests')
    body: bytes


def retry_after_s(value: str | None, cap: float) -> float | None:
    """A Retry-After header (seconds or an HTTP date) in seconds, capped; None if absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), cap)


class ArchiveClient:
    """GETs to archive hosts for many threads; rates per host as given to get()."""

    def __init__(self, config: Config, watchdog: Watchdog):
        self.config = config
        self.watchdog = watchdog
        # One archive host takes all of a worker's threads: pool that many connections.
        self.session = guarded_session(config, pool_size=16, per_host=config.fetch_concurrency, retry_statuses=())
        self.timeout = (config.connect_timeout_s, config.read_timeout_s)
        self.rates = ratelimit.shared()

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, rate: float | None = None, headers: dict | None = None,
            accept=(200,), max_bytes: int | None = None) -> Reply:
        """The reply to GET url (a status in accept, body read), or FetchError(reason).

        Busy and 5xx answers are retried (config.retries) after the pause they ask for.
        """
        host = urlsplit(url).netloc
        for attempt in range(self.config.retries + 1):
            self.rates.wait(host, rate)
            reply, pause = self._once(url, headers, accept, max_bytes or self.config.max_page_bytes)
            if pause is None:
                return reply
            if attempt < self.config.retries:
                self.rates.pause(host, pause if pause else self.config.retry_backoff_s * 2**attempt,
                                 slow_down=reply.status in BUSY)
        raise FetchError(f"http_{reply.status}")

    def _once(self, url: str, headers, accept, max_bytes: int) -> tuple[Reply, float | None]:
        """(reply, None) when done; (reply, seconds or 0 for "back off") for a busy or 5xx answer."""
        scope = self.watchdog.watch(self.config.total_timeout_s)
        try:
            with running(scope), self.session.get(url, headers=headers, stream=True, timeout=self.timeout) as response:
                reply = Reply(response.url, response.status_code, response.headers, b"")
                if response.status_code in RETRIED:
                    cap = self.config.total_timeout_s / 2
                    return reply, retry_after_s(response.headers.get("Retry-After"), cap) or 0.0
                if response.status_code not in accept:
                    raise FetchError(f"http_{response.status_code}")
                reply = reply._replace(body=read_capped(response, max_bytes))
        except requests.RequestException as err:
            raise FetchError("deadline" if scope.expired else network_reason(err)) from None
        if scope.expired:
            raise FetchError("deadline")
        return reply, None
