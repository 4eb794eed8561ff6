"""The whole flow as one Beam pipeline: submissions -> links -> pages ->
documents -> unique documents -> token shards, stopping after any stage."""

from typing import NamedTuple

import apache_beam as beam

from pipelines.dedup import Deduplicate
from pipelines.extract import ExtractDocuments
from pipelines.fetch import FetchPages
from pipelines.links import ToLinks
from pipelines.reddit import ReadSubmissions
from pipelines.shards import WriteShards
from pipelines.tables import DOCUMENTS, DUPLICATES, LINKS, PAGES, WriteTable, page_row
from webtext.config import Config

STAGES = ("links", "fetch", "extract", "dedup", "shards")


class Inputs(NamedTuple):
    dumps: list[str]  # glob patterns of Pushshift-format dump files
    warcs: list[str]  # glob patterns of WARC files; empty means fetch live
    out: str


def build(pipeline: beam.Pipeline, inputs: Inputs, config: Config, until: str = "shards") -> None:
    """Add every stage up to and including `until` to the pipeline."""
    if until not in STAGES:
        raise ValueError(f"--until must be one of {', '.join(STAGES)}, not {until!r}")
    last = STAGES.index(until)
    out = inputs.out
    links = pipeline | "Submissions" >> ReadSubmissions(inputs.dumps) | "Links" >> ToLinks(config)
    links | "LinksTable" >> WriteTable(out, "links", LINKS)
    if last < STAGES.index("fetch"):
        return
    pages = links | "Fetch" >> FetchPages(config, inputs.warcs)
    pages | "PagesTable" >> WriteTable(out, "pages", PAGES, page_row)
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
