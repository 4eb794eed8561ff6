"""The records that flow between stages, one type per arrow of the flow.

NamedTuples with typed fields, so Beam can infer schemas and encode them with
its fast RowCoder (pipelines/ registers them) and Dataflow can move them.
"""

from typing import NamedTuple, Sequence


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
    source: str  # "live", "archive" or "warc"
    error: str  # empty when there is a page
    live_error: str = ""  # why the live fetch failed, when the archive gave the page instead
    elapsed_s: float = 0.0


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
