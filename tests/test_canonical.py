"""webtext.canonical against its reference, w3lib 2.5's canonicalize_url, on many generated URLs.

The URLs are drawn from pools of the parts real links have and of the odd ones
they sometimes have (percent-encodings good and broken, Unicode hosts and
paths, IDNA, ports, user info, IPv6, dot segments, ';' params, duplicate and
blank query keys, fragments, other schemes, stray whitespace), plus random
character soup after the scheme. normalise_url must also give exactly what it
gave when it called w3lib, and check_url what it said when it split URLs with
urllib.
"""

import importlib.metadata
import posixpath
import random
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from webtext import canonical, urls

w3lib_url = pytest.importorskip("w3lib.url")
if tuple(int(n) for n in importlib.metadata.version("w3lib").split(".")[:2]) < (2, 5):
    pytest.skip("the reference is w3lib 2.5's canonicalize_url (dot segments resolved)", allow_module_level=True)

SCHEMES = ["http", "https"] * 5 + ["HTTP", "hTTpS", "ftp", "mailto", "javascript", "file", "ws", "h2ttp", ""]
SEPARATORS = ["://"] * 12 + [":", ":/", ":///", ":\\\\", ":/\\", "://\\"]
USERINFO = [""] * 12 + ["user@", "user:pw@", "u%40x:p%3aw@", "ü:ß@", "@", ":@", "a b@", "u[1]@", "%zz@"]
HOSTS = [
    "example.com", "www.example.com", "WWW.Example.COM", "example.com.", "www.example.co.uk", "news.bbc.co.uk",
    "bücher.de", "BÜCHER.de", "xn--bcher-kva.de", "例え.テスト", "ｅｘａｍｐｌｅ.com", "ﬁ.com", "ex／ample.com",
    "ex%41mple.com", "a..b", ".example.com", "a" * 64 + ".com", "é" * 64 + ".com", "192.168.0.1", "localhost",
    "[::1]", "[::0:1]", "[2001:DB8::1]", "[fe80::1%25eth0]", "[v1.fe]", "[V1.fe]", "[1.2.3.4]", "[::1", "::1]",
    "x[::1]", "[::1]x", "exa_mple.com", "ex!ample.com", "", "www.", "xn--.com", "a.com:b.com", "en.m.wikipedia.org",
    "i.imgur.com", "WWW.YouTube.com",
]
PORTS = [""] * 10 + [":80", ":443", ":8080", ":", ":0", ":65535", ":65536", ":abc", ":080", ":٣", ":-1", ": 80"]
PATHS = [
    "", "/", "/a/b/", "/story", "/2017/04/story-1.html", "/a/./b/../c", "/..", "/a/b/..", "/a/b/.", "/./",
    "/a%2Fb", "/a%2fb", "/%41%42", "/%e9t%C3%A9", "/ré sumé", "/a;b=c", "/a;b/c;d", "/a;", "/x/;p", "/%7Euser",
    "/~user", "/a|b", "/[x]", "/%zz", "/%%41", "/%", "/a%3Bb", "/a%3f", "/中文/ページ", "/a+b", "/'\"<>`{}^",
    "//double//slash", "/a\\b", "/a\tb", "/%25", "/%252F", "/%2525", "/A%2a", "/a b/", "/\x7f", "/%C3", "/.hidden",
    "/photo.JPG", "/a/b.pdf;x",
]
QUERIES = [
    "", "", "", "?", "?a=1", "?b=2&a=1", "?a=2&a=1", "?a", "?a=", "?=x", "?&&a=1&", "?q=a+b", "?q=a%20b",
    "?q=%2B", "?q=é", "?q=%e9", "?utm_source=x&id=3", "?UTM_Medium=y&b=1", "?fbclid=1", "?a=b=c", "?a=1;b=2",
    "?k='v'", "?x=%zz", "?x=[1]", "?x=/path?y", "?%C3%A9=1", "?q=%FF%FE", '?q=""', "?a=1&A=2", "?utm_=1",
    "?gclid=z&z=%7E", "?a=%", "?+=+", "?a b=c d", "?a=1#?b=2", "?a=\x7f",
]
FRAGMENTS = ["", "", "", "#", "#top", "#a?b", "#é", "#%zz", "#a#b"]
AROUND = ["", "", "", "", " ", "\t", "\n", "\x00", "\x1f", "\u3000"]
SOUP = "abcXYZ019-._~:/?#[]@!$&'()*+,;=% \t\\|\"<>{}^`éü中\u200b\ufeffＡ／．%2F%41%e9%zz"


def composed_url(rng: random.Random) -> str:
    parts = [SCHEMES, SEPARATORS, USERINFO, HOSTS, PORTS, PATHS, QUERIES, FRAGMENTS]
    url = "".join(rng.choice(pool) for pool in parts)
    if rng.random() < 0.1:
        at = rng.randrange(len(url) + 1)
        url = url[:at] + rng.choice(AROUND) + url[at:]
    return rng.choice(AROUND) + url + rng.choice(AROUND)


def soup_url(rng: random.Random) -> str:
    return rng.choice(["http://", "https://"]) + "".join(rng.choice(SOUP) for _ in range(rng.randrange(30)))


def generated_urls(n: int) -> list[str]:
    rng = random.Random(15)
    return [composed_url(rng) if i % 4 else soup_url(rng) for i in range(n)]


URLS = generated_urls(40_000)


def outcome(function, url):
    try:
        return function(url)
    except ValueError:
        return ValueError


def normalised_with_w3lib(url: str) -> str:
    """What webtext.urls.normalise_url returned when it called w3lib's canonicalize_url."""
    parts = urlsplit(w3lib_url.canonicalize_url(url.strip(), keep_fragments=False))
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


def w3lib_canonical(url: str) -> str:
    return w3lib_url.canonicalize_url(url, keep_fragments=False)


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
    assert canonical.canonicalize_url(url) == canonical_form == w3lib_canonical(url)
