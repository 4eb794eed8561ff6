"""URL normalisation and WebText's URL rules."""

import pytest

from webtext.urls import check_url, host_of, normalise_url

SAME_PAGE = [
    "https://www.example.com/news/story",
    "http://example.com/news/story",
    "HTTPS://WWW.EXAMPLE.COM/news/story/",
    "https://example.com:443/news/story#comments",
    "http://example.com:80/news/story?utm_source=reddit&utm_medium=social",
    "https://example.com/news/story?fbclid=abc123",
    "  https://example.com/news/story  ",
]


def test_variants_of_one_page_normalise_alike():
    assert {normalise_url(u) for u in SAME_PAGE} == {"https://example.com/news/story"}


def test_query_order_and_percent_encoding_are_canonical():
    assert normalise_url("https://a.com/p?b=2&a=1") == normalise_url("https://a.com/p?a=1&b=2")
    assert normalise_url("https://a.com/%7Euser/caf%c3%a9") == normalise_url("https://a.com/~user/café")


@pytest.mark.parametrize("a, b", [
    ("https://a.com/story/1", "https://a.com/story/2"),
    ("https://a.com/p?id=1", "https://a.com/p?id=2"),
    ("https://a.com/p", "https://a.com:8080/p"),
    ("https://a.com/p", "https://b.a.com/p"),
])
def test_different_pages_stay_different(a, b):
    assert normalise_url(a) != normalise_url(b)


@pytest.mark.parametrize("url", ["ftp://a.com/x", "javascript:alert(1)", "a.com/no-scheme", "https://", "mailto:x@a.com"])
def test_non_http_urls_are_refused(url):
    with pytest.raises(ValueError):
        normalise_url(url)


@pytest.mark.parametrize("url, reason", [
    ("https://en.wikipedia.org/wiki/Tide", "wikipedia"),
    ("https://de.wikipedia.org/wiki/Gezeiten", "wikipedia"),
    ("https://ja.wikipedia.org/wiki/%E6%BD%AE", "wikipedia"),
    ("https://en.m.wikipedia.org/wiki/Tide", "wikipedia"),
    ("https://upload.wikimedia.org/x.png", "wikipedia"),
    ("https://www.wikiwand.com/en/Tide", "wikipedia"),
    ("https://www.reddit.com/r/pics/comments/1/x", "reddit_host"),
    ("https://v.redd.it/abc", "reddit_host"),
    ("https://i.imgur.com/abc.jpg", "media_host"),
    ("https://youtu.be/abc", "media_host"),
    ("https://m.youtube.com/watch?v=1", "media_host"),
    ("https://news.example.com/report.PDF", "non_html_extension"),
    ("https://news.example.com/photo.jpeg", "non_html_extension"),
    ("https://news.example.com/2017/story", None),
    ("https://news.example.com/2017/story.html", None),
    ("https://notwikipedia.org/wiki/x", None),
    ("https://wikipedia.org.evil.example/x", None),
    ("https://video.google.com/v/1", "media_host"),
    ("https://www.google.com/search?q=x", None),
    ("https://github.com/openai/gpt-2", None),
    ("https://www.pinterest.com/pin/1", None),  # in WebText's top domains: kept
    ("https://news.bbc.co.uk/2/hi/story.stm", None),
    ("https://itunes.apple.com/app/x", "media_host"),
    ("https://www.apple.com/iphone", None),
])
def test_url_rules(url, reason):
    dropped = check_url(normalise_url(url))
    assert (dropped.reason if dropped else None) == reason


def test_blocklists_match_a_host_and_its_parents_down_to_the_registered_domain():
    from webtext import urls

    assert urls.registered_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert urls.registered_domain("en.m.wikipedia.org") == "wikipedia.org"
    assert urls.host_block_reason("a.b.c.imgur.com") == "media_host"
    assert urls.host_block_reason("imgur.com.example.net") is None
    assert urls.host_block_reason("127.0.0.1") is None
    assert urls.BLOCKED_HOSTS["redd.it"] == "reddit_host"
    assert {".jpg", ".pdf", ".mp4", ".zip"} <= urls.NON_HTML_EXTENSIONS


def test_host_of():
    assert host_of("https://WWW.Example.COM:8080/x") == "www.example.com"
    assert host_of("not a url") == ""
