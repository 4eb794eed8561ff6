"""Main text from HTML with trafilatura, and the filters that follow it."""

import trafilatura
from trafilatura.utils import load_html

from webtext.config import Config
from webtext.records import Document, Page
from webtext.urls import host_of


class Dropped(Exception):
    """A page that gives no document; args[0] is the reason the pipeline counts."""


def declared_language(tree) -> str:
    """The page's <html lang>, primary subtag only ("en-GB" -> "en"), or ""."""
    lang = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower()
    return lang.replace("_", "-").split("-")[0]


def extract_document(page: Page, config: Config) -> Document:
    """The Page's title and main text as a Document, or Dropped(reason)."""
    tree = load_html(page.body)
    if tree is None:
        raise Dropped("unparseable")
    language = declared_language(tree)
    result = trafilatura.bare_extraction(
        tree, url=page.final_url, with_metadata=True, include_comments=False
    )
    text = (result.text or "").strip() if result is not None else ""
    if not text:
        raise Dropped("no_text")
    word_count = len(text.split())
    if word_count < config.min_words:
        raise Dropped("too_short")
    link = page.link
    return Document(
        url=link.url,
        domain=host_of(link.url),
        title=result.title or "",
        text=text,
        language=language,
        word_count=word_count,
        karma=link.max_karma,
        total_karma=link.total_karma,
        created_utc=link.first_created_utc,
        subreddits=list(link.subreddits),
    )
