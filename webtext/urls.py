"""URL normalisation and the URL rules of WebText: no Wikipedia, no Reddit, no media.

Two posts link to the same page when their normalised URLs are equal: the
canonical form (webtext.canonical: w3lib's rules for query order,
percent-encoding, dot segments, fragments, host case) plus what it leaves
alone: scheme, a leading "www.", default ports, a trailing slash, and tracking
parameters.

Blocked hosts live in readable lists under webtext/data/blocklists/. A host is
blocked when it, or a parent domain down to its registered domain (found with
tldextract's bundled public suffix list, never downloaded), is listed.
"""

import functools
import importlib.resources
import posixpath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract

from webtext.canonical import AUTHORITY_END, canonical_parts
from webtext.drops import Dropped

TRACKING_PARAMS = frozenset("fbclid gclid dclid msclkid mc_cid mc_eid yclid igshid".split())
DEFAULT_PORTS = {"http": 80, "https": 443}
# Checked in this order: the first list naming a host gives the reason.
BLOCKLISTS = (("wikipedia", "wikipedia.txt"), ("reddit_host", "reddit.txt"), ("media_host", "media.txt"))

# suffix_list_urls=() and no cache: the public suffix list snapshot in the package.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _read_list(name: str) -> list[str]:
    text = (importlib.resources.files("webtext") / "data" / "blocklists" / name).read_text("utf-8")
    return [word.lower() for line in text.splitlines() for word in line.split("#")[0].split()]


# Built last list first, so a host in two lists gets the earlier list's reason.
BLOCKED_HOSTS = {host: reason for reason, name in reversed(BLOCKLISTS) for host in _read_list(name)}
NON_HTML_EXTENSIONS = frozenset(_read_list("non_html_extensions.txt"))


def host_of(url: str) -> str:
    """The lowercase host of a URL, or "" when it has none."""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def registered_domain(host: str) -> str:
    """The domain its owner registered: "news.bbc.co.uk" -> "bbc.co.uk"."""
    return _TLD.extract_str(host).top_domain_under_public_suffix or host


def _is_tracking(param: str) -> bool:
    return param.lower().startswith("utm_") or param.lower() in TRACKING_PARAMS


def normalise_url(url: str) -> str:
    """The canonical form of an http(s) URL; ValueError if it is not one."""
    scheme, netloc, path, query = canonical_parts(url.strip())
    netloc = _normal_netloc(scheme, netloc)
    path = path.rstrip("/") or "/"
    if query:
        query = _without_tracking(query)
    if not netloc:  # a host of dots only: written as urllib writes it
        return urlunsplit(("https", netloc, path, query, ""))
    # http and https name the same document for WebText's purposes.
    return f"https://{netloc}{path}?{query}" if query else f"https://{netloc}{path}"


@functools.lru_cache(maxsize=1 << 16)
def _normal_netloc(scheme: str, canonical_netloc: str) -> str:
    """The host without "www." or trailing dots, and the port unless it is the scheme's own; ValueError if no host.

    Cached: hosts repeat. Read by urllib, as the whole URL was before the canonical form was our own.
    """
    parts = urlsplit(f"{scheme}://{canonical_netloc}")
    if not parts.hostname:
        raise ValueError(f"no host in {canonical_netloc!r}")
    host = parts.hostname.rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    port = parts.port
    return host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"


def _without_tracking(query: str) -> str:
    """A canonical query less its tracking parameters."""
    if "%" in query:  # decoded and encoded again as before, where that changes it (bytes that are not UTF-8)
        return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)])
    # Without "%", a canonical query is only unreserved characters, "+", "=" and "&": what urllib gives back.
    return "&".join([field for field in query.split("&") if not _is_tracking(field.partition("=")[0])])


@functools.lru_cache(maxsize=1 << 16)
def host_block_reason(host: str) -> str | None:
    """The blocklist that names this host or a parent domain of it, if any.

    Cached: a month of Reddit links has a few hundred thousand hosts at most.
    """
    registered = registered_domain(host)
    labels = host.split(".")
    for i in range(len(labels) - registered.count(".")):
        reason = BLOCKED_HOSTS.get(".".join(labels[i:]))
        if reason:
            return reason
    return None


def check_url(normalised_url: str) -> Dropped | None:
    """Why WebText does not take this URL (as normalise_url writes it: "https://..."), or None if it does."""
    netloc_end = AUTHORITY_END.search(normalised_url, len("https://"))
    cut = netloc_end.start() if netloc_end else len(normalised_url)
    reason = _netloc_block_reason(normalised_url[len("https://"):cut])
    if reason:
        return Dropped(reason)
    path = normalised_url[cut:].partition("?")[0]
    if posixpath.splitext(path)[1].lower() in NON_HTML_EXTENSIONS:
        return Dropped("non_html_extension")
    return None


@functools.lru_cache(maxsize=1 << 16)
def _netloc_block_reason(netloc: str) -> str | None:
    return host_block_reason(urlsplit(f"//{netloc}").hostname or "")
