"""The whole flow as one Beam pipeline: submissions -> links -> pages ->
documents -> unique documents -> token shards, stopping after any stage."""

from typing import NamedTuple

import apache_beam as beam

from pipelines.dedup import Deduplicate
from pipelines.extract import ExtractDocuments
from pipelines.fetch import FetchPages
from pipelines.links import ToLinks
from pipelines.reddit import ReadListings, ReadSubmissions
from pipelines.shards import WriteShards
from pipelines.tables import DOCUMENTS, DUPLICATES, LINKS, PAGES, WriteTable, WriteUrlList
from webtext.config import Config
from webtext.fetchlog import outcome_row
from webtext.reddit_live import ListingSpec

STAGES = ("links", "fetch", "extract", "dedup", "shards")


class Inputs(NamedTuple):
    dumps: list[str]  # glob patterns of Pushshift-format dump files
    warcs: list[str]  # glob patterns of WARC files; empty means fetch live
    out: str
    listings: ListingSpec | None = None  # live subreddit listings through praw


def read_submissions(pipeline: beam.Pipeline, inputs: Inputs):
    """Submissions from the dumps, the live listings, or both."""
    sources = []
    if inputs.dumps:
        sources.append(pipeline | "Dumps" >> ReadSubmissions(inputs.dumps))
    if inputs.listings:
        sources.append(pipeline | "Listings" >> ReadListings(inputs.listings))
    if not sources:
        raise ValueError("no input: give dump files, subreddit listings, or both")
    return sources[0] if len(sources) == 1 else sources | "AllSubmissions" >> beam.Flatten()


def build(pipeline: beam.Pipeline, inputs: Inputs, config: Config, until: str = "shards") -> None:
    """Add every stage up to and including `until` to the pipeline."""
    if until not in STAGES:
        raise ValueError(f"--until must be one of {', '.join(STAGES)}, not {until!r}")
    last = STAGES.index(until)
    out = inputs.out
    links = read_submissions(pipeline, inputs) | "Links" >> ToLinks(config)
    links | "LinksTable" >> WriteTable(out, "links", LINKS)
    links | "UrlList" >> WriteUrlList(out)
    if last < STAGES.index("fetch"):
        return
    pages = links | "Fetch" >> FetchPages(config, inputs.warcs, out)
    pages | "PagesTable" >> WriteTable(out, "pages", PAGES, outcome_row)
    if last < STAGES.index("extract"):
        return
    documents = pages | "Extract" >> ExtractDocuments(config)
    documents | "DocumentsTable" >> WriteTable(out, "documents", DOCUMENTS)
    if last < STAGES.index("dedup"):
        return
    unique, duplicates = documents | "Dedup" >> Deduplicate(config)
    duplicates | "DuplicatesTable" >> WriteTable(out, "duplicates", DUPLICATES, dict)
    if last < STAGES.index("shards"):
        return
    unique | "Shards" >> WriteShards(config, out)
