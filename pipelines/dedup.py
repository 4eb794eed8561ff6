"""Documents -> unique Documents, across all workers: exact, then near duplicates.

Exact: documents grouped by a hash of their normalised text. Near: MinHash
signatures in vectorised batches; LSH band keys grouped across workers; each
bucket yields candidate pairs (bounded per member); each pair is verified with
the exact Jaccard similarity of the two shingle sets; verified pairs are edges,
and the connected components of the edges, computed across workers in unrolled
large-star/small-star rounds (webtext.dedup.components), are the clusters, each
keeping its best-ranked document. Removed documents go to a table (url,
duplicate_of, similarity, kind) users can audit.
"""

import zlib
from typing import NamedTuple

import apache_beam as beam
import numpy as np

from pipelines.counters import count
from pipelines.neutral import Batch, Select
from webtext import counts
from webtext.config import Config
from webtext.dedup import components, duplicates, minhash
from webtext.records import Document, Duplicate

STAGE = "dedup"


class Shingled(NamedTuple):
    """What verifying a pair needs of a document."""

    rank: duplicates.Rank
    shingles: np.ndarray  # sorted distinct shingle hashes


def removal(url: str, kept_url: str, similarity: float, kind: str) -> Duplicate:
    count(counts.lost(STAGE, counts.REMOVED, kind))
    return Duplicate(url, kept_url, similarity, kind)


# Tags of the steps with more than one kind of output (pipelines.neutral.Select).
KEPT, DUPLICATE = "kept", "duplicate"
BANDS, SHINGLED = "bands", "shingled"


def keep_best_copy(text_and_docs):
    """Of documents with the same normalised text: (KEPT, the best-ranked), (DUPLICATE, row) for the others."""
    _, docs = text_and_docs
    best, *others = sorted(docs, key=duplicates.rank)
    yield KEPT, best
    for doc in others:
        yield DUPLICATE, removal(doc.url, best.url, 1.0, "exact")


class Sketch(beam.DoFn):
    """A batch of documents -> (BANDS, band entry) and (SHINGLED, (url, Shingled)) for verification."""

    def __init__(self, config: Config):
        self.config = config
        self.bands, self.rows = duplicates.lsh_shape(config.dedup_threshold, config.num_perm)

    def process(self, batch):
        hashes = [minhash.shingle_hashes(d.text, self.config.shingle_words) for d in batch]
        for doc, shingles, sig in zip(batch, hashes, minhash.signatures_of(hashes, self.config.num_perm)):
            rank = duplicates.rank(doc)
            yield SHINGLED, (doc.url, Shingled(rank, np.unique(shingles)))
            for key in duplicates.band_keys(sig, self.bands, self.rows):
                yield BANDS, (key, rank)


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


def _keyed_by_node(edges, keyed):
    """keyed(edge)'s (node, other) pairs, the node as a plain tuple: a key Beam encodes
    deterministically without falling back to the NamedTuple's type (a warning, and
    the type's import path in every key)."""
    for edge in edges:
        for node, other in keyed(edge):
            yield tuple(node), other


def _star(key_and_others, operation, keyed):
    key, others = key_and_others
    return _keyed_by_node(operation(duplicates.Rank(*key), others), keyed)


class Star(beam.PTransform):
    """Edges grouped by node -> operation's edges, grouped by node as `keyed` says.

    The operation and the keying for the next grouping share one step: a
    round's cost on a runner is mostly per step, whatever the edges.
    """

    def __init__(self, operation, keyed):
        super().__init__()
        self.operation = operation
        self.keyed = keyed

    def expand(self, groups):
        return (
            groups
            | "Apply" >> beam.FlatMap(_star, operation=self.operation, keyed=self.keyed)
            | "Group" >> beam.GroupByKey()
        )


def _removed_and_kept(key_and_neighbours, rounds: int):
    """(removed url, kept url) unless the node is its cluster's kept copy; NotConverged if not yet known."""
    key, neighbours = key_and_neighbours
    node = duplicates.Rank(*key)
    kept = components.checked_centre(node, neighbours, rounds)
    if kept != node:
        yield node.url, kept.url


class Clusters(beam.PTransform):
    """Duplicate edges (rank, rank) -> (removed url, kept url) for every cluster member but the kept.

    Connected components across workers: `rounds` (--dedup-rounds) large-star/small-star
    rounds (a runner's graph is fixed before it runs), then a check that every cluster
    became a star around its best-ranked document, which fails the run with
    components.NotConverged if one did not.
    """

    def __init__(self, rounds: int):
        super().__init__()
        self.rounds = rounds

    def expand(self, edges):
        groups = (
            edges
            | "ByNode" >> beam.FlatMap(lambda edge: _keyed_by_node([edge], components.both_ways))
            | "Group" >> beam.GroupByKey()
        )
        for i in range(self.rounds):
            groups = (
                groups
                | f"LargeStar{i}" >> Star(components.large_star, components.by_larger)
                | f"SmallStar{i}" >> Star(components.small_star, components.both_ways)
            )
        return groups | "Converged" >> beam.FlatMap(_removed_and_kept, rounds=self.rounds)


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
            | "Batch" >> Batch(lambda doc: zlib.crc32(doc.url.encode()), max_size=512)
            | "Sketch" >> beam.ParDo(Sketch(self.config))
        )
        shingled = sketched | "Shingled" >> Select(SHINGLED)
        edges = (
            sketched
            | "Bands" >> Select(BANDS, tuple[bytes, tuple])
            | "GroupBands" >> beam.GroupByKey()
            | "BucketPairs" >> beam.FlatMap(_bucket_pairs)
            | "DistinctPairs" >> beam.Distinct()
            | "CountCandidates" >> beam.Map(_counted, counts.CANDIDATE_PAIRS)
            | "VerifyPairs" >> PairSimilarity(shingled)
            | "AtThreshold" >> beam.Filter(lambda edge: edge[2] >= threshold)
            | "CountEdges" >> beam.Map(_counted, counts.DUPLICATE_PAIRS)
        )
        return (
            edges
            | "Ends" >> beam.Map(lambda edge: edge[:2])
            | "Clusters" >> Clusters(self.config.dedup_rounds)
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
        copies = (
            docs
            | "ByText" >> beam.Map(lambda d: (duplicates.exact_key(d.text), d))
            | "GroupText" >> beam.GroupByKey()
            | "KeepBestCopy" >> beam.FlatMap(keep_best_copy)
        )
        kept = copies | "Kept" >> Select(KEPT)
        exact = copies | "ExactRows" >> Select(DUPLICATE)
        near = kept | "Near" >> NearDuplicates(self.config)
        unique = kept | "DropNear" >> DropRemoved(near)
        all_removed = (exact, near) | "AllDuplicates" >> beam.Flatten()
        return unique, all_removed
