"""Fetching pages live with requests, every fetch bounded.

The URLs are strangers' posts: each fetch has connect and read timeouts, a
total deadline, a cap on the decompressed body, a redirect limit, an HTML-only
content type, and a guard that refuses hosts resolving to private addresses
(a Dataflow worker must never fetch its own metadata server), checked again on
every redirect hop.
"""

import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests

from webtext.config import Config
from webtext.links import fetch_url
from webtext.records import Link, Page

HTML_TYPES = ("text/html", "application/xhtml+xml")
CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that gave no page; args[0] is the reason the pipeline counts."""


def new_session(config: Config) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = config.user_agent
    session.max_redirects = config.max_redirects
    return session


def response_error(status: int, content_type: str) -> str:
    """Why a response is no page for WebText, or "" if it is one."""
    if status != 200:
        return f"http_{status}"
    media_type = content_type.split(";")[0].strip().lower()
    # A missing type is common on old servers; extraction decides then.
    if media_type and media_type not in HTML_TYPES:
        return "not_html"
    return ""


def check_address(url: str, allow_loopback: bool) -> None:
    """FetchError unless every address the host resolves to is public (or loopback, if allowed)."""
    host = urlsplit(url).hostname
    if not host:
        raise FetchError("invalid_url")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise FetchError("dns_error") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global and not (allow_loopback and address.is_loopback):
            raise FetchError("private_address")


def _get_following_redirects(session, url: str, config: Config) -> requests.Response:
    for _ in range(config.max_redirects + 1):
        check_address(url, config.allow_loopback)
        response = session.get(
            url,
            stream=True,
            allow_redirects=False,
            timeout=(config.connect_timeout_s, config.read_timeout_s),
        )
        if not response.is_redirect:
            return response
        url = urljoin(url, response.headers["location"])
        response.close()
    raise FetchError("too_many_redirects")


def _read_capped(response: requests.Response, config: Config, started: float) -> bytes:
    """The decompressed body, or FetchError past the byte cap or the deadline."""
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > config.max_page_bytes:
            raise FetchError("too_large")
        if time.monotonic() - started > config.total_timeout_s:
            raise FetchError("deadline")
    return bytes(body)


def _failed(link: Link, url: str, reason: str, status: int = 0, content_type: str = "") -> Page:
    return Page(link, url, status, content_type, b"", "live", reason)


def fetch_page(session: requests.Session, link: Link, config: Config) -> Page:
    """Fetch the Link's page live; failures come back as a Page with an error."""
    url = fetch_url(link)
    started = time.monotonic()
    try:
        with _get_following_redirects(session, url, config) as response:
            content_type = response.headers.get("content-type", "")
            error = response_error(response.status_code, content_type)
            if error:
                return _failed(link, response.url, error, response.status_code, content_type)
            body = _read_capped(response, config, started)
            return Page(link, response.url, 200, content_type, body, "live", "")
    except FetchError as err:
        return _failed(link, url, err.args[0])
    except requests.Timeout:
        return _failed(link, url, "timeout")
    except requests.ConnectionError:
        return _failed(link, url, "connection_error")
    except requests.RequestException:
        return _failed(link, url, "request_error")
