"""robots.txt, fetched once per host and parsed with Protego (Scrapy's parser).

RFC 9309's rules for a robots.txt that cannot be read: a 4xx means no rules
(allow all); a 5xx means assume everything is disallowed. A host that cannot be
reached at all cannot serve its pages either, so its network failure is
reported as the page's own reason (and the archive may still have it).
"""

import functools
from urllib.parse import urlsplit

import requests
from protego import Protego

from webtext.fetch.netguard import FetchError

MAX_ROBOTS_BYTES = 512 * 1024  # Google reads the first 500 KiB


class RobotsUnreachable(FetchError):
    """The host's robots.txt could not be fetched for a network reason (args[0])."""


class Robots:
    """Per-host robots.txt verdicts for one user agent, cached across fetches."""

    def __init__(self, session: requests.Session, user_agent: str, timeout: tuple, cache_size: int = 4096):
        self.session = session
        self.user_agent = user_agent
        self.timeout = timeout
        # At most max_per_host fetches of a host run at once, so a cold cache costs
        # at most that many robots.txt requests: cheaper than a lock per host.
        self._rules = functools.lru_cache(maxsize=cache_size)(self._fetch_rules)

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch url; RobotsUnreachable if the host is down."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = self._rules(origin)
        if isinstance(rules, str):
            raise RobotsUnreachable(rules)
        return rules is None or rules.can_fetch(url, self.user_agent)

    def _fetch_rules(self, origin: str):
        """Parsed rules; None for "no rules"; a reason string if the host is unreachable."""
        try:
            response = self.session.get(origin + "/robots.txt", timeout=self.timeout, stream=True)
            with response:
                body = response.raw.read(MAX_ROBOTS_BYTES, decode_content=True)
        except FetchError as err:
            return err.args[0]
        except requests.Timeout:
            return "timeout"
        except requests.RequestException:
            return "connection_error"
        if response.status_code >= 500:
            return Protego.parse("User-agent: *\nDisallow: /")
        if response.status_code >= 400:
            return None
        return Protego.parse(body.decode("utf-8", errors="replace"))
