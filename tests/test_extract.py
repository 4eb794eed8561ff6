"""Main-text extraction with real trafilatura on pages in real sites' clothes."""

import pytest

from webtext.config import Config
from webtext.extract import Dropped, extract_document
from webtext.links import merge_posts
from webtext.records import Page, Submission
from webtext.sample.pages import app_shell_page, article_page
from webtext.sample.prose import article

STORY = article(42)
LINK = merge_posts("https://news.example.com/2017/story", [
    Submission("p1", "https://www.news.example.com/2017/story", "", "news", 40, 1500000000, False, False),
    Submission("p2", "http://news.example.com/2017/story", "", "science", 7, 1500003600, False, False),
])


def _page(body: bytes) -> Page:
    return Page(LINK, "https://www.news.example.com/2017/story", 200, "text/html", body, "warc", "")


def test_the_story_is_kept_and_the_chrome_is_not():
    html = article_page(STORY, "Example News", 2017, ["Another headline entirely"], seed=3)
    doc = extract_document(_page(html), Config())
    for paragraph in STORY.paragraphs:
        assert paragraph in doc.text
    for chrome in ("We use cookies", "Share this story", "Most read", "Another headline", "All rights reserved", "comments"):
        assert chrome not in doc.text
    assert doc.title == STORY.title
    assert doc.word_count == len(doc.text.split()) > 300


def test_the_document_carries_the_links_provenance():
    doc = extract_document(_page(article_page(STORY, "Example News", 2017, [], seed=3)), Config())
    assert (doc.url, doc.domain, doc.karma, doc.total_karma) == (LINK.url, "news.example.com", 40, 47)
    assert (doc.created_utc, doc.subreddits, doc.language) == (1500000000, ["news", "science"], "en")


def test_pages_with_little_or_no_text_are_dropped_with_a_reason():
    short = article_page(article(7, paragraphs=(1, 1)), "Example News", 2017, [], seed=1)
    with pytest.raises(Dropped, match="too_short"):
        extract_document(_page(short), Config())
    assert extract_document(_page(short), Config(min_words=10)).word_count < 100
    with pytest.raises(Dropped, match="no_text"):
        extract_document(_page(app_shell_page("Example News")), Config())


def test_a_charset_declared_in_the_page_is_honoured():
    html = ('<html lang="de-AT"><head><meta charset="iso-8859-1"><title>Ä</title></head><body><article><p>'
            + "Schöne Grüße aus Österreich, wo die Straßen breit sind. " * 30 + "</p></article></body></html>")
    doc = extract_document(_page(html.encode("iso-8859-1")), Config())
    assert "Schöne Grüße aus Österreich" in doc.text
    assert doc.language == "de"
