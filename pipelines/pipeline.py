"""The whole flow as one Beam pipeline: submissions -> links -> pages ->
documents -> unique documents -> token shards, or any range of those stages.

A range that starts past `links` reads what the stage before it kept under
OUT (links.parquet, fetch/ or the WARC inputs, documents.parquet,
duplicates.parquet), so later stages rerun without fetching again.
"""

import apache_beam as beam

from pipelines.dedup import Deduplicate, DropRemoved
from pipelines.extract import ExtractDocuments
from pipelines.fetch import FetchPages
from pipelines.links import ReadListings, ReadSubmissions, ToLinks
from pipelines.progress import ShowProgress
from pipelines.shards import WriteShards
from pipelines.tables import ReadTable, WriteTable, WriteUrlList
from webtext import layout
from webtext.config import Config
from webtext.fetch.outcomes import outcome
from webtext.run.plan import Inputs
from webtext.run.stages import between


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


class ReadKeptUnique(beam.PTransform):
    """The documents an earlier dedup kept: documents.parquet less duplicates.parquet."""

    def __init__(self, out: str):
        super().__init__()
        self.out = out

    def expand(self, pbegin):
        removed = pbegin | "Duplicates" >> ReadTable(self.out, layout.DUPLICATES)
        return pbegin | "Documents" >> ReadTable(self.out, layout.DOCUMENTS) | "Unique" >> DropRemoved(removed)


def build(pipeline: beam.Pipeline, inputs: Inputs, config: Config, first: str = "links", last: str = "shards",
          progress_s: float = 0) -> None:
    """Add the stages from `first` to `last` to the pipeline (progress lines every progress_s seconds)."""
    run, out = between(first, last), inputs.out

    def progress(stage: str, noun: str):
        return f"{stage.title()}Progress" >> ShowProgress(stage, noun, progress_s)

    links = pages = documents = unique = None
    if "links" in run:
        submissions = read_submissions(pipeline, inputs) | progress("reddit", "submissions")
        links = submissions | "Links" >> ToLinks(config) | progress("links", "links")
        links | "LinksTable" >> WriteTable(out, layout.LINKS)
        links | "UrlList" >> WriteUrlList(out)
    if "fetch" in run or "extract" in run:
        links = links or pipeline | "KeptLinks" >> ReadTable(out, layout.LINKS)
        # Starting at extract, nothing is fetched: pages come from what fetch kept.
        pages = links | "Fetch" >> FetchPages(config, inputs.warcs, out, fetch_new="fetch" in run) | progress("fetch", "pages")
    if "fetch" in run:
        pages | "Outcomes" >> beam.Map(outcome) | "PagesTable" >> WriteTable(out, layout.PAGES)
    if "extract" in run:
        documents = pages | "Extract" >> ExtractDocuments(config) | progress("extract", "documents")
        documents | "DocumentsTable" >> WriteTable(out, layout.DOCUMENTS)
    if "dedup" in run:
        documents = documents or pipeline | "KeptDocuments" >> ReadTable(out, layout.DOCUMENTS)
        unique, duplicates = documents | "Dedup" >> Deduplicate(config)
        unique = unique | progress("dedup", "unique")
        duplicates | "DuplicatesTable" >> WriteTable(out, layout.DUPLICATES)
    if "shards" in run:
        unique = unique or pipeline | "KeptUnique" >> ReadKeptUnique(out)
        unique | "Shards" >> WriteShards(config, out)
