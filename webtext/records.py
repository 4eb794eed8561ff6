"""The records that flow between stages, one type per arrow of the flow, and the
rows of the tables each stage keeps under OUT.

NamedTuples with typed fields, so Beam can infer schemas and encode them with
its fast RowCoder (pipelines/ registers them) and Dataflow can move them. Each
field is stated once: a kept table's Parquet schema is derived from its record
(`arrow_schema`), never written out beside it.
"""

import collections.abc
import typing
from typing import NamedTuple, Sequence

import pyarrow as pa

from webtext import layout


class Submission(NamedTuple):
    """One Reddit post, as far as WebText cares."""

    id: str
    url: str
    domain: str
    subreddit: str
    score: int
    created_utc: int
    is_self: bool
    over_18: bool


class Link(NamedTuple):
    """One normalised URL and every post that linked to it."""

    url: str
    original_urls: Sequence[str]
    max_karma: int
    total_karma: int
    first_created_utc: int
    subreddits: Sequence[str]
    post_ids: Sequence[str]


class Page(NamedTuple):
    """What fetching a Link's URL gave: a body, or the reason there is none."""

    link: Link
    final_url: str
    status: int
    content_type: str
    body: bytes
    source: str  # "live", "warc", "commoncrawl" or "wayback" (webtext.fetch.sources)
    error: str  # empty when there is a page
    live_error: str = ""  # why the live fetch failed, when an archive gave the page instead
    elapsed_s: float = 0.0
    capture_time: str = ""  # an archive's capture, YYYYmmddHHMMSS UTC
    capture: str = ""  # where the capture is: Common Crawl's crawl, file, offset and length, or the Wayback URL
    attempts: Sequence[str] = ()  # "source:reason" (or "source:ok") for each source tried, in order
    index_requests: Sequence[int] = ()  # the index requests each source of attempts made, in the same order
    # The response's headers that may opt the page out of AI training ("name: value", names lower case:
    # webtext.fetch.client.SIGNAL_HEADERS), as the server sent them with the page.
    headers: Sequence[str] = ()


class FetchOutcome(NamedTuple):
    """A row of pages.parquet: which link died and why, or what came back (without the body)."""

    url: str
    final_url: str
    status: int
    content_type: str
    error: str
    live_error: str
    source: str
    bytes: int
    elapsed_s: float
    capture_time: str
    capture: str
    attempts: Sequence[str]  # every source's outcome for this link, in the order tried
    index_requests: Sequence[int]  # the index requests each of them made (Common Crawl's or the Wayback's CDX)
    payload_sha256: str  # of the body as read ("" without one): what a recipe checks a rebuild against


class Document(NamedTuple):
    """Main text extracted from a Page, with the Link's provenance."""

    url: str
    domain: str
    title: str
    text: str
    language: str
    word_count: int
    karma: int
    total_karma: int
    created_utc: int
    subreddits: Sequence[str]


class TokenizedDocument(NamedTuple):
    """A Document's text as GPT-2 tokens, ending with <|endoftext|>."""

    document: Document
    tokens: Sequence[int]


class Duplicate(NamedTuple):
    """A row of duplicates.parquet: a removed document and the copy kept in its place."""

    url: str
    duplicate_of: str
    similarity: float
    kind: str  # "exact" or "near"



class Removal(NamedTuple):
    """A row of contamination.parquet: one span cut from a document, for one eval set colliding in it.

    A span two sets collide in is two rows of the same start and end: chars_removed summed
    over a document's distinct spans is what it lost (the decontaminate/chars_removed counter).
    """

    url: str
    eval_set: str
    ngram: str  # the first of the set's n-grams colliding in the span
    ngrams: int  # how many of the set's n-grams (positions) collide in the span
    start: int  # the span in the document's text as dedup kept it: text[start:end]
    end: int
    chars_removed: int
    outcome: str  # "kept" (the pieces left became the document), or why it was dropped

# The table each stage keeps under OUT, and the record that is one row of it.
TABLE_RECORDS = {layout.LINKS: Link, layout.PAGES: FetchOutcome, layout.DOCUMENTS: Document,
                 layout.DUPLICATES: Duplicate, layout.DECONTAMINATED: Document, layout.CONTAMINATION: Removal}

_ARROW_TYPES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(), bytes: pa.binary()}


def _arrow_type(annotation) -> pa.DataType:
    if typing.get_origin(annotation) in (collections.abc.Sequence, list, tuple):
        (item,) = typing.get_args(annotation)
        return pa.list_(_arrow_type(item))
    return _ARROW_TYPES[annotation]


def arrow_schema(record: type) -> pa.Schema:
    """The Parquet/Arrow schema of a flat record type, field for field."""
    return pa.schema([(name, _arrow_type(kind)) for name, kind in typing.get_type_hints(record).items()])

