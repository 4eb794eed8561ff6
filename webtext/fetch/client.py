"""What every page source's HTTP shares: which responses are pages, a capped read, the reason for a
network failure, and the Page of a link a source has none for.
"""

import requests
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError

from webtext.fetch.capture import HTML_TYPES
from webtext.fetch.netguard import FetchError
from webtext.records import Link, Page

CHUNK = 64 * 1024
# Response headers that can opt a page out of AI training (webtext.extract.optouts); an archive's raw
# playback sends the original's with its own prefix.
SIGNAL_HEADERS = ("x-robots-tag", "tdm-reservation", "tdm-policy")
ARCHIVED_PREFIX = "x-archive-orig-"
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


def signal_headers(headers) -> tuple[str, ...]:
    """The SIGNAL_HEADERS of a response's (name, value) pairs, as "name: value", the archive's prefix removed."""
    found = []
    for name, value in headers:
        name = name.lower().removeprefix(ARCHIVED_PREFIX)
        if name in SIGNAL_HEADERS:
            found.append(f"{name}: {value}")
    return tuple(found)


def failed(link: Link, url: str, reason: str, source: str) -> Page:
    """The Page of a link a source has no page for, and why."""
    return Page(link, url, 0, "", b"", source, reason)
