"""Main text from HTML with trafilatura, and the filters that follow it.

extract_main_text is the part that can hang on a hostile page (the pipeline
runs it as a webtext.extract.deadline.TimeLimited, under a time limit); extract_document adds
the filters, each a reason the pipeline counts. The settings and every
threshold were chosen by measurement: docs/extract.md.
"""

import functools
import logging
from typing import Callable, NamedTuple

import trafilatura
from trafilatura.metadata import examine_meta, extract_title

from webtext.config import Config
from webtext.drops import Dropped
from webtext.extract.charset import decode_html
from webtext.extract.clean import clean_text, repair_unicode
from webtext.extract.deadline import TimedOut
from webtext.extract.language import Language, identify_language, is_kept, parse_languages
from webtext.extract.tree import paragraphs_by_name, parse_html, prune_never_text
from webtext.extract.walls import WALL_REASONS, wall_reason
from webtext.records import Document, Link, Page
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
    tree = parse_html(decode_html(body, content_type))
    if tree is None:
        raise Dropped("unparseable")
    paragraphs_by_name(prune_never_text(tree))
    return MainText(repair_unicode(page_title(tree)), clean_text(main_text(tree, url)))


def _main_text_of(page: Page, extractor) -> MainText:
    try:
        return extractor(page.body, page.content_type, page.final_url)
    except TimedOut:
        raise Dropped("timeout") from None


# The reasons the steps before the checks drop a page under, in their order:
# parsing, trafilatura, the time limit over both.
EXTRACTION_REASONS = ("unparseable", "extractor_error", "timeout")


class Candidate:
    """A page's title and main text on their way through the checks; what a check
    works out (the language) is worked out once, for the checks and the Document."""

    def __init__(self, main_text: MainText, config: Config):
        self.title, self.text = main_text
        self.config = config

    @functools.cached_property
    def language(self) -> Language:
        return identify_language(self.text)


def gate(candidate: Candidate) -> str | None:
    return wall_reason(candidate.title, candidate.text)


def no_text(candidate: Candidate) -> str | None:
    return None if candidate.text else "no_text"


def other_language(candidate: Candidate) -> str | None:
    config = candidate.config
    kept = is_kept(candidate.language, parse_languages(config.languages), config.min_language_score)
    return None if kept else "language"


def too_short(candidate: Candidate) -> str | None:
    # Counted in the run's own tokenizer (GPT-2's by default), as the shards will hold it.
    config = candidate.config
    enough = tokens.has_at_least(tokens.get_encoding(config.encoding), candidate.text, config.min_tokens)
    return None if enough else "too_short"


class Check(NamedTuple):
    reasons: tuple[str, ...]  # what it drops a page as, counted extract/dropped:<reason>
    drop_reason: Callable[[Candidate], str | None]  # one of them, or None to keep the page


# In order: the first that gives a reason drops the page, and the later ones never run,
# so the cheap and the decisive go first. docs/extract.md's table lists these in this order.
CHECKS = [
    Check(WALL_REASONS, gate),
    Check(("no_text",), no_text),
    Check(("language",), other_language),
    Check(("too_short",), too_short),
]


def extract_document(page: Page, config: Config, extractor=extract_main_text) -> Document | Dropped:
    """The Page as a Document, or why it gives none. extractor: extract_main_text, or a TimeLimited of it."""
    try:
        candidate = Candidate(_main_text_of(page, extractor), config)
    except Dropped as dropped:
        return dropped
    for check in CHECKS:
        reason = check.drop_reason(candidate)
        if reason:
            return Dropped(reason)
    return _document(page.link, candidate)


def _document(link: Link, candidate: Candidate) -> Document:
    return Document(
        url=link.url,
        domain=host_of(link.url),
        title=candidate.title,
        text=candidate.text,
        language=candidate.language.code,
        word_count=len(candidate.text.split()),
        karma=link.max_karma,
        total_karma=link.total_karma,
        created_utc=link.first_created_utc,
        subreddits=list(link.subreddits),
    )
