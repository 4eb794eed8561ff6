"""The whole flow as one Beam pipeline: submissions -> links -> pages ->
documents -> unique documents -> (decontaminated documents) -> token shards,
or any range of those stages.

A range that starts past `links` reads what the stage before it kept under
OUT (links.parquet, fetch/ or the WARC inputs, documents.parquet,
duplicates.parquet, decontaminated.parquet), so later stages rerun without
fetching again. Decontamination runs only with eval files: without them its one
step deletes an earlier run's decontamination tables, and shards read what dedup
kept, as before the stage existed.
"""

import apache_beam as beam

from pipelines.progress import ShowProgress, count_of, one_record
from pipelines.stages.decontaminate import Decontaminate, ForgetDecontamination
from pipelines.stages.dedup import Deduplicate, DropRemoved
from pipelines.stages.extract import ExtractDocuments
from pipelines.stages.fetch import FetchPages
from pipelines.stages.links import LinkPosts, MergeByUrl
from pipelines.stages.rebuild import RecipeLinks
from pipelines.stages.shards import WriteShards
from pipelines.tables import ReadTable, WriteTable, WriteUrlList
from webtext import layout
from webtext.config import Config
from webtext.fetch.outcomes import outcome
from webtext.records import Link
from webtext.run.plan import Inputs
from webtext.run.stages import between

# What each stage's progress line counts, in the order of the stages.
PROGRESS_NOUNS = {"reddit": "posts kept", "links": "links", "fetch": "pages", "extract": "pages",
                  "dedup": "unique", "decontaminate": "documents", "shards": "documents"}


def unique_count(documents: beam.PCollection, duplicates: beam.PCollection) -> beam.PCollection:
    """How many documents dedup keeps, known as soon as every duplicate is (before the first is dropped)."""
    removed = beam.pvalue.AsSingleton(count_of(duplicates, "CountDuplicates"))
    return count_of(documents, "CountDocuments") | "LessDuplicates" >> beam.Map(lambda n, d: n - d, d=removed)


def dedup_kept(pipeline: beam.Pipeline, out: str):
    """(documents, duplicates, unique documents) from what an earlier dedup kept."""
    documents = pipeline | "KeptDocuments" >> ReadTable(out, layout.DOCUMENTS)
    duplicates = pipeline | "KeptDuplicates" >> ReadTable(out, layout.DUPLICATES)
    return documents, duplicates, documents | "Unique" >> DropRemoved(duplicates)


def build(pipeline: beam.Pipeline, inputs: Inputs, config: Config, first: str = "links", last: str = "shards",
          progress_to: str | None = None, totals: bool = True) -> None:
    """Add the stages from `first` to `last` to the pipeline.

    Progress is tallied for the run's Monitor (progress_to: its tallies' folder or topic), with each stage's total
    where known if `totals` (a side input: not on runners that recompute them).
    Everything written flows into one last step: Beam's Dask runner computes only
    what the last step needs.
    """
    run, out = between(first, last), inputs.out

    def progress(stage: str, total: beam.PCollection | None = None, records=one_record):
        show = ShowProgress(stage, progress_to, total if totals else None, records)
        return f"{stage.title()}Progress" >> show

    links = pages = documents = unique = duplicates = None
    written = []
    if "links" in run and inputs.recipe:
        # A rebuild: the recipe's rows are the links (pipelines/stages/rebuild.py).
        links = pipeline | "RecipeLinks" >> RecipeLinks(inputs.recipe) | progress("links")
        written.append(links | "LinksTable" >> WriteTable(out, layout.LINKS))
        written.append(links | "UrlList" >> WriteUrlList(out))
    elif "links" in run:
        # Posts and links move in lists, by URL group (pipelines/stages/links.py).
        post_groups = pipeline | "Posts" >> LinkPosts(inputs.dumps, inputs.listings, config)
        post_groups = post_groups | progress("reddit", records=lambda group: len(group[1]))
        link_lists = post_groups | "Links" >> MergeByUrl(config) | progress("links", records=len)
        written.append(link_lists | "LinksTable" >> WriteTable(out, layout.LINKS, batched=True))
        written.append(link_lists | "UrlList" >> WriteUrlList(out, batched=True))
        if "fetch" in run or "extract" in run:
            links = link_lists | "EachLink" >> beam.FlatMap(lambda links: links).with_output_types(Link)
    if "fetch" in run or "extract" in run:
        links = links or pipeline | "KeptLinks" >> ReadTable(out, layout.LINKS)
        link_count = count_of(links, "CountLinks") if totals else None  # one page each, fetched or not
        pages = links | "Fetch" >> FetchPages(config, inputs.warcs, out, fetch_new="fetch" in run,
                                              dumps_given=bool(inputs.dumps), recipe=inputs.recipe)
    if "fetch" in run:
        pages = pages | progress("fetch", link_count)  # not when the pages are read back for extraction
        written.append(pages | "Outcomes" >> beam.Map(outcome) | "PagesTable" >> WriteTable(out, layout.PAGES))
    if "extract" in run:
        # Every page, as fetch's: those that failed to fetch pass at once.
        documents = pages | progress("extract", link_count) | "Extract" >> ExtractDocuments(config, out)
        written.append(documents | "DocumentsTable" >> WriteTable(out, layout.DOCUMENTS))
    if "dedup" in run:
        documents = documents or pipeline | "KeptDocuments" >> ReadTable(out, layout.DOCUMENTS)
        unique, duplicates = documents | "Dedup" >> Deduplicate(config)
        unique = unique | progress("dedup")
        written.append(duplicates | "DuplicatesTable" >> WriteTable(out, layout.DUPLICATES))
        # Nothing, but the kept documents are counted (dedup/kept) even where no later stage reads them.
        written.append(unique | "CountKept" >> beam.FlatMap(lambda doc: ()))
    if "decontaminate" in run and not inputs.evals:
        written.append(pipeline | "NoDecontamination" >> ForgetDecontamination(out))
    elif "decontaminate" in run:
        if unique is None:
            documents, duplicates, unique = dedup_kept(pipeline, out)
        unique = unique | progress("decontaminate", unique_count(documents, duplicates) if totals else None)
        unique, removals = unique | "Decontaminate" >> Decontaminate([path for path, _ in inputs.evals], config)
        written.append(unique | "DecontaminatedTable" >> WriteTable(out, layout.DECONTAMINATED))
        written.append(removals | "ContaminationTable" >> WriteTable(out, layout.CONTAMINATION))
    if "shards" in run:
        if inputs.evals:
            unique = unique or pipeline | "KeptDecontaminated" >> ReadTable(out, layout.DECONTAMINATED)
            total = count_of(unique, "CountDecontaminated") if totals else None
        else:
            if unique is None:  # what an earlier dedup kept: documents.parquet less duplicates.parquet
                documents, duplicates, unique = dedup_kept(pipeline, out)
            total = unique_count(documents, duplicates) if totals else None
        unique = unique | progress("shards", total)
        written.append(unique | "Shards" >> WriteShards(config, out))
    written | "AllWritten" >> beam.Flatten() | "Done" >> beam.Map(lambda path: None)
