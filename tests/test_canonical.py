"""webtext.canonical against its reference, w3lib 2.5.0's canonicalize_url, on 40,000 generated URLs.

The reference is recorded (tests/fixtures/record_canonical_reference.py says
how and why): the canonical form is a link's identity, so it is w3lib 2.5.0's
whatever w3lib is installed. The URLs are drawn from pools of the parts real
links have and of the odd ones they sometimes have, plus random character soup
after the scheme. normalise_url must also give exactly what it gave when it
called w3lib, and check_url what it said when it split URLs with urllib.
"""

import json
import lzma
import posixpath
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from webtext import canonical, urls

REFERENCE = Path(__file__).parent / "fixtures" / "canonical_w3lib_2.5.0.jsonl.xz"


def recorded_reference() -> tuple[dict, dict]:
    """({url: w3lib 2.5.0's canonical form, or None where it raised ValueError}, the same for url.strip())."""
    forms, stripped_forms = {}, {}
    with lzma.open(REFERENCE, "rt", encoding="ascii") as f:
        for url, form, *stripped in map(json.loads, f):
            forms[url] = form
            stripped_forms[url] = stripped[0] if stripped else form
    return forms, stripped_forms


W3LIB, W3LIB_STRIPPED = recorded_reference()
URLS = list(W3LIB)


def w3lib_canonical(url: str, reference: dict = W3LIB) -> str:
    """w3lib 2.5.0's canonical form of a URL of the reference (W3LIB_STRIPPED: of url.strip())."""
    form = reference[url]
    if form is None:
        raise ValueError(f"w3lib 2.5.0 refused {url!r}")
    return form


def outcome(function, url):
    try:
        return function(url)
    except ValueError:
        return ValueError


def normalised_with_w3lib(url: str) -> str:
    """What webtext.urls.normalise_url returned when it called w3lib's canonicalize_url."""
    parts = urlsplit(w3lib_canonical(url, W3LIB_STRIPPED))
    if parts.scheme not in urls.DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    port = parts.port
    netloc = host if port in (None, urls.DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    query = parts.query
    if query:
        query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not urls._is_tracking(k)])
    return urlunsplit(("https", netloc, parts.path.rstrip("/") or "/", query, ""))


def test_the_generated_urls_cover_the_odd_cases():
    outcomes = [outcome(canonical.canonicalize_url, url) for url in URLS]
    taken = [o for o in outcomes if o is not ValueError]
    assert 0.3 * len(URLS) < len(taken) < 0.9 * len(URLS)
    assert len(set(taken)) > 0.9 * len(taken)
    for part in ["xn--", "%C3%A9", "/c", "[::1]", ":8080", "@", ";b=c", "q=a+b", "a=1&a=2", "%zz", "|"]:
        assert any(part in url for url in taken), part


def same_canonical_form(url: str) -> bool:
    """Ours is w3lib's, or we refuse a URL whose w3lib form WebText has no use for (no http(s), no host)."""
    ours, reference = outcome(canonical.canonicalize_url, url), outcome(w3lib_canonical, url)
    if ours is ValueError:
        return reference is ValueError or not names_an_http_host(reference)
    return ours == reference


def test_http_urls_are_canonical_exactly_as_w3lib_writes_them():
    assert [url for url in URLS if not same_canonical_form(url)] == []


def names_an_http_host(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in urls.DEFAULT_PORTS and bool(parts.hostname)
    except ValueError:
        return False


def checked_with_urllib(normalised_url: str):
    """What webtext.urls.check_url said when it split the normalised URL with urllib."""
    parts = urlsplit(normalised_url)
    reason = urls.host_block_reason(parts.hostname or "")
    if not reason and posixpath.splitext(parts.path)[1].lower() in urls.NON_HTML_EXTENSIONS:
        reason = "non_html_extension"
    return reason


def test_normalised_urls_are_what_they_were_with_w3lib():
    differ = [(url, ours, reference) for url in URLS
              if (ours := outcome(urls.normalise_url, url)) != (reference := outcome(normalised_with_w3lib, url))]
    assert differ == []


def test_url_rules_read_normalised_urls_as_urllib_does():
    normalised = {outcome(urls.normalise_url, url) for url in URLS} - {ValueError}
    verdicts = {url: getattr(urls.check_url(url), "reason", None) for url in normalised}
    assert {url: checked_with_urllib(url) for url in normalised} == verdicts
    assert {"non_html_extension", "wikipedia", "media_host", None} <= set(verdicts.values())


@pytest.mark.parametrize("url, canonical_form", [
    ("HTTP://WWW.Example.COM:80/a/./b/../c?b=2&a=1#top", "http://www.example.com:80/a/c?a=1&b=2"),
    ("https://bücher.de/ré sumé?q=é", "https://xn--bcher-kva.de/r%C3%A9%20sum%C3%A9?q=%C3%A9"),
    ("https://a.com/%7euser/a%2fb%41?q=a%20b&q=%2B", "https://a.com/~user/a%2FbA?q=%2B&q=a+b"),
    ("http://[::0:1]:8080/x;p=1", "http://[::1]:8080/x;p=1"),
])
def test_examples(url, canonical_form):
    assert canonical.canonicalize_url(url) == canonical_form
