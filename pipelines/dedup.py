"""Documents -> unique Documents, across all workers: exact, then near duplicates.

Exact: documents grouped by a hash of their normalised text. Near: MinHash
signatures in vectorised batches; LSH band keys grouped across workers; each
bucket yields candidate pairs (bounded per member); each pair is verified with
the exact Jaccard similarity of the two shingle sets; verified pairs are edges,
and the connected components of the edges are the clusters, each keeping its
best-ranked document. Removed documents go to a table (url, duplicate_of,
similarity, kind) users can audit.
"""

from typing import NamedTuple

import apache_beam as beam
import numpy as np

from pipelines.counters import count
from webtext import counts
from webtext.config import Config
from webtext.dedup import duplicates, minhash
from webtext.records import Document, Duplicate

STAGE = "dedup"
DUPLICATES = "duplicates"


class Shingled(NamedTuple):
    """What verifying a pair needs of a document."""

    rank: duplicates.Rank
    shingles: np.ndarray  # sorted distinct shingle hashes


def removal(url: str, kept_url: str, similarity: float, kind: str) -> Duplicate:
    count(counts.lost(STAGE, counts.REMOVED, kind))
    return Duplicate(url, kept_url, similarity, kind)


class KeepBestCopy(beam.DoFn):
    """Of documents with the same normalised text, keep the best-ranked."""

    def process(self, key_and_docs):
        _, docs = key_and_docs
        best, *others = sorted(docs, key=duplicates.rank)
        yield best
        for doc in others:
            yield beam.pvalue.TaggedOutput(DUPLICATES, removal(doc.url, best.url, 1.0, "exact"))


class Sketch(beam.DoFn):
    """A batch of documents -> band entries (main) and (url, Shingled) for verification."""

    SHINGLED = "shingled"

    def __init__(self, config: Config):
        self.config = config
        self.bands, self.rows = duplicates.lsh_shape(config.dedup_threshold, config.num_perm)

    def process(self, batch):
        hashes = [minhash.shingle_hashes(d.text, self.config.shingle_words) for d in batch]
        for doc, shingles, sig in zip(batch, hashes, minhash.signatures_of(hashes, self.config.num_perm)):
            rank = duplicates.rank(doc)
            yield beam.pvalue.TaggedOutput(self.SHINGLED, (doc.url, Shingled(rank, np.unique(shingles))))
            for key in duplicates.band_keys(sig, self.bands, self.rows):
                yield key, rank


def _bucket_pairs(key_and_ranks):
    _, ranks = key_and_ranks
    yield from duplicates.bucket_pairs(ranks)


class PairSimilarity(beam.PTransform):
    """(url_a, url_b) pairs -> (rank_a, rank_b, exact Jaccard), joining both shingle sets."""

    def __init__(self, shingled):
        super().__init__()
        self.shingled = shingled

    def expand(self, pairs):
        half = (
            {"shingled": self.shingled, "pairs": pairs}
            | "JoinFirst" >> beam.CoGroupByKey()
            | "ByOther" >> beam.FlatMap(_with_first)
        )
        return (
            {"shingled": self.shingled, "half": half}
            | "JoinSecond" >> beam.CoGroupByKey()
            | "Compare" >> beam.FlatMap(_compare)
        )


def _with_first(joined):
    _, group = joined
    for first in group["shingled"]:
        for other in group["pairs"]:
            yield other, first


def _compare(joined):
    _, group = joined
    for second in group["shingled"]:
        for first in group["half"]:
            yield first.rank, second.rank, duplicates.jaccard(first.shingles, second.shingles)


def _cluster(key_and_edges):
    _, edges = key_and_edges
    yield from duplicates.clusters((a, b) for a, b, _ in edges)


def _counted(element, key: str):
    count(key)
    return element


def _unless_removed(url_and_group):
    _, group = url_and_group
    if not group["removed"]:
        count(counts.UNIQUE)
        yield from group["docs"]


class NearDuplicates(beam.PTransform):
    """Documents -> rows of the near duplicates to remove (url, duplicate_of, similarity)."""

    def __init__(self, config: Config):
        super().__init__()
        self.config = config

    def expand(self, docs):
        threshold = self.config.dedup_threshold
        sketched = (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=32, max_batch_size=512)
            | "Sketch" >> beam.ParDo(Sketch(self.config))
            .with_output_types(tuple[bytes, tuple])  # the main output; the tagged one is (url, Shingled)
            .with_outputs(Sketch.SHINGLED, main="bands")
        )
        shingled = sketched[Sketch.SHINGLED]
        edges = (
            sketched.bands
            | "GroupBands" >> beam.GroupByKey()
            | "BucketPairs" >> beam.FlatMap(_bucket_pairs)
            | "DistinctPairs" >> beam.Distinct()
            | "CountCandidates" >> beam.Map(_counted, counts.CANDIDATE_PAIRS)
            | "VerifyPairs" >> PairSimilarity(shingled)
            | "AtThreshold" >> beam.Filter(lambda edge: edge[2] >= threshold)
            | "CountEdges" >> beam.Map(_counted, counts.DUPLICATE_PAIRS)
        )
        removed = (
            edges
            # One worker sees every edge: union-find needs them all. Edges are only
            # the verified duplicate pairs, a small share of all documents.
            | "AllEdges" >> beam.Map(lambda edge: (None, edge))
            | "GatherEdges" >> beam.GroupByKey()
            | "Clusters" >> beam.FlatMap(_cluster)
        )
        return (
            removed
            | "TableSimilarity" >> PairSimilarity(shingled)
            | "NearRow" >> beam.Map(lambda e: removal(e[0].url, e[1].url, e[2], "near")).with_output_types(Duplicate)
        )


class DropRemoved(beam.PTransform):
    """Documents less those a duplicate-table row removes (by URL); counts dedup/kept."""

    def __init__(self, removed_rows: beam.PCollection):
        super().__init__()
        self.removed_rows = removed_rows

    def expand(self, docs):
        return (
            {
                "docs": docs | "KeyDocs" >> beam.Map(lambda d: (d.url, d)),
                "removed": self.removed_rows | "KeyRemoved" >> beam.Map(lambda row: (row.url, True)),
            }
            | "JoinRemoved" >> beam.CoGroupByKey()
            | "Unique" >> beam.FlatMap(_unless_removed).with_output_types(Document)
        )


class Deduplicate(beam.PTransform):
    """Returns (unique documents, duplicate rows)."""

    def __init__(self, config: Config):
        super().__init__()
        self.config = config

    def expand(self, docs):
        exact = (
            docs
            | "ByText" >> beam.Map(lambda d: (duplicates.exact_key(d.text), d))
            | "GroupText" >> beam.GroupByKey()
            | "KeepBestCopy" >> beam.ParDo(KeepBestCopy()).with_outputs(DUPLICATES, main="kept")
        )
        near = exact.kept | "Near" >> NearDuplicates(self.config)
        unique = exact.kept | "DropNear" >> DropRemoved(near)
        all_removed = (exact[DUPLICATES], near) | "AllDuplicates" >> beam.Flatten()
        return unique, all_removed
