"""Main text from HTML with trafilatura, and the filters that follow it.

extract_main_text is the part that can hang on a hostile page (the pipeline
runs it as a webtext.extract.deadline.TimeLimited, under a time limit); extract_document adds
the filters, each a reason the pipeline counts. The settings and every
threshold were chosen by measurement: docs/extract.md.
"""

import logging
from typing import NamedTuple

import trafilatura
from trafilatura.metadata import examine_meta, extract_title
from trafilatura.utils import load_html

from webtext.config import Config
from webtext.drops import Dropped
from webtext.extract.charset import decode_html
from webtext.extract.clean import clean_text, repair_unicode
from webtext.extract.deadline import TimedOut
from webtext.extract.language import identify_language, is_kept, parse_languages
from webtext.extract.walls import wall_reason
from webtext.records import Document, Page
from webtext.shards import tokens
from webtext.urls import host_of

# First pass: trafilatura's own heuristics only, favouring precision (boilerplate
# in training text costs more than a missed sentence). Comments are not the
# article; tables often are.
PRECISE = dict(fast=True, favor_precision=True, include_comments=False, include_tables=True)
# When that finds little text, trafilatura's full mode, which also tries its
# fallback extractors (readability, jusText) and keeps the best. Below 1,000
# characters one page in seven takes the second pass; F1 on the evaluation set
# was .9233 with 500, .9260 with 1,000, .9269 with 2,000 at 18% more time.
BALANCED = dict(fast=False, include_comments=False, include_tables=True)
FALLBACK_BELOW_CHARS = 1000

# trafilatura logs a warning for each page it finds no text in; we count those
# instead.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


class MainText(NamedTuple):
    title: str
    text: str


def _trafilatura_text(tree, url: str, options: dict) -> str:
    try:
        result = trafilatura.bare_extraction(tree, url=url, **options)
    except Exception as error:  # a bug tripped inside trafilatura or lxml must not stop a run
        raise Dropped("extractor_error") from error
    return (result.text or "") if result is not None else ""


def main_text(tree, url: str) -> str:
    text = _trafilatura_text(tree, url, PRECISE)
    if len(text) < FALLBACK_BELOW_CHARS:
        text = _trafilatura_text(tree, url, BALANCED)
    return text


def page_title(tree) -> str:
    """<meta> titles (og:title, ...) first, then trafilatura's reading of <h1> and <title>."""
    return (examine_meta(tree).title or extract_title(tree) or "").strip()


def extract_main_text(body: bytes, content_type: str, url: str) -> MainText:
    """The page's title and cleaned main text ("" when there is none), or Dropped."""
    tree = load_html(decode_html(body, content_type))
    if tree is None:
        raise Dropped("unparseable")
    return MainText(repair_unicode(page_title(tree)), clean_text(main_text(tree, url)))


def _main_text_of(page: Page, extractor) -> MainText:
    try:
        return extractor(page.body, page.content_type, page.final_url)
    except TimedOut:
        raise Dropped("timeout") from None


def extract_document(page: Page, config: Config, extractor=extract_main_text) -> Document | Dropped:
    """The Page as a Document, or why it gives none. extractor: extract_main_text, or a TimeLimited of it."""
    try:
        return _document(page, config, extractor)
    except Dropped as dropped:
        return dropped


def _document(page: Page, config: Config, extractor) -> Document:
    title, text = _main_text_of(page, extractor)
    wall = wall_reason(title, text)
    if wall:
        raise Dropped(wall)
    if not text:
        raise Dropped("no_text")
    language = identify_language(text)
    if not is_kept(language, parse_languages(config.languages), config.min_language_score):
        raise Dropped("language")
    # Counted in the run's own tokenizer (GPT-2's by default), as the shards will hold it.
    if len(tokens.get_encoding(config.encoding).encode_ordinary(text)) < config.min_tokens:
        raise Dropped("too_short")
    link = page.link
    return Document(
        url=link.url,
        domain=host_of(link.url),
        title=title,
        text=text,
        language=language.code,
        word_count=len(text.split()),
        karma=link.max_karma,
        total_karma=link.total_karma,
        created_utc=link.first_created_utc,
        subreddits=list(link.subreddits),
    )
