"""A requests session that cannot be pointed at private addresses, with retries.

The guard sits where urllib3 opens a socket, so every connection is checked:
the first request, each redirect hop, each retry. A host is resolved once, every
address it resolves to must be public, and the socket connects to that checked
address, so DNS cannot answer differently between the check and the connect.
Each socket also joins the current fetch's deadline scope (webtext.deadline).
"""

import ipaddress
import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util.retry import Retry

from webtext.config import Config
from webtext.fetch import deadline


class FetchError(Exception):
    """A fetch that gave no page; args[0] is the reason the pipeline counts."""


def checked_address(host: str, port: int, allow_loopback: bool) -> str:
    """The address to connect to, once every address of the host is known public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("dns_error") from None  # permanent: never retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not is_public(address) and not (allow_loopback and address.is_loopback):
            raise FetchError("private_address")
    return infos[0][4][0]


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast: not private, loopback, link-local, reserved or multicast.

    (Python counts some multicast ranges as "global", hence the second test.)
    """
    return address.is_global and not address.is_multicast


class _Guarded:
    """Mixin for urllib3 connections: check the address, join the deadline scope."""

    allow_loopback = False

    def _new_conn(self):
        scope = deadline.current()
        if scope is not None and scope.expired:
            raise FetchError("deadline")
        resolved_name = self._dns_host
        self._dns_host = checked_address(resolved_name, self.port, self.allow_loopback)
        try:
            sock = super()._new_conn()
        finally:
            self._dns_host = resolved_name
        if scope is not None:
            scope.add(sock)
        return sock

    def request(self, *args, **kwargs):
        # A pooled connection is reused without _new_conn: join this fetch's scope here.
        scope = deadline.current()
        if scope is not None and self.sock is not None:
            scope.add(self.sock)
        return super().request(*args, **kwargs)


class CappedRetry(Retry):
    """urllib3's Retry, but a Retry-After header cannot park a worker for hours."""

    max_retry_after_s = 30.0

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after_s)


# Transient statuses; 404 and 410 are not.
RETRIED_STATUSES = (429, 500, 502, 503, 504)


def _retry(config: Config, statuses: tuple[int, ...]) -> CappedRetry:
    retry = CappedRetry(
        total=config.retries,
        connect=config.retries,
        read=config.retries,
        status=config.retries,
        redirect=False,  # requests follows redirects itself, under session.max_redirects
        backoff_factor=config.retry_backoff_s,
        status_forcelist=statuses,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # the last 5xx comes back as a response, counted as http_5xx
    )
    retry.max_retry_after_s = config.total_timeout_s / 2
    return retry


def guarded_session(config: Config, pool_size: int, per_host: int | None = None,
                    retry_statuses: tuple[int, ...] = RETRIED_STATUSES) -> requests.Session:
    """A session whose every connection is guarded, pooled per host (per_host connections
    kept, default max_per_host), retried; retry_statuses=() leaves statuses to the caller."""
    allow = config.allow_loopback
    connection_classes = {
        "http": type("GuardedHTTPConnection", (_Guarded, HTTPConnection), {"allow_loopback": allow}),
        "https": type("GuardedHTTPSConnection", (_Guarded, HTTPSConnection), {"allow_loopback": allow}),
    }
    pools = {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": connection_classes["http"]}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": connection_classes["https"]}),
    }
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=per_host or config.max_per_host,
                          max_retries=_retry(config, retry_statuses))
    adapter.poolmanager.pool_classes_by_scheme = pools
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = config.user_agent
    session.max_redirects = config.max_redirects
    session.trust_env = False  # a proxy from the environment would bypass the guard
    return session
