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

import struct
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


# A node of the clusters' groupings: a Rank as bytes that sort as Ranks do, both ints biased to unsigned
# 64 bits, big-endian, then the URL's UTF-8 (whose bytes sort as its code points). Cheaper to encode,
# group and compare than a tuple, and Beam encodes bytes deterministically, as keys need. An int past
# 64 bits fails (struct.error) rather than sort wrongly.
_RANK_INTS = struct.Struct(">QQ")
_BIAS = 2**63


def _node(rank: duplicates.Rank) -> bytes:
    return _RANK_INTS.pack(rank.negative_karma + _BIAS, rank.created_utc + _BIAS) + rank.url.encode(
        "utf-8", "surrogatepass"
    )


def _url(node: bytes) -> str:
    return node[_RANK_INTS.size :].decode("utf-8", "surrogatepass")


def _nodes_both_ways(edge):
    a, b = edge
    return components.both_ways((_node(a), _node(b)))


def _apply(key_and_values, operation, **options):
    return operation(*key_and_values, **options)


class Star(beam.PTransform):
    """Edges grouped by node -> operation's (key, value) pairs, grouped by key.

    The operation keys its output for the next grouping itself: a round's cost
    on a runner is mostly per step, whatever the edges.
    """

    def __init__(self, operation, **options):
        super().__init__()
        self.operation = operation
        self.options = options

    def expand(self, groups):
        return (
            groups
            | "Apply" >> beam.FlatMap(_apply, operation=self.operation, **self.options)
            | "Group" >> beam.GroupByKey()
        )


def _finished_urls(key_and_values):
    """(removed url, kept url) for the leaves of a star that finished in the round before."""
    for leaf, centre in components.finished_pairs(*key_and_values):
        yield _url(leaf), _url(centre)


def _removed_and_kept(key_and_values, rounds: int):
    """(removed url, kept url) unless the node is its cluster's kept copy; NotConverged if not yet known."""
    node, values = key_and_values
    kept = components.checked_centre(node, values, rounds, shown=_url)
    if kept != node:
        yield _url(node), _url(kept)


class Clusters(beam.PTransform):
    """Duplicate edges (rank, rank) -> (removed url, kept url) for every cluster member but the kept.

    Connected components across workers: `rounds` (--dedup-rounds) large-star/small-star
    rounds (a runner's graph is fixed before it runs), each handing out the clusters
    that became stars around their best-ranked document in the round before and
    carrying only the others on; then a check that every cluster still carried is such
    a star, which fails the run with components.NotConverged if one is not.
    """

    def __init__(self, rounds: int):
        super().__init__()
        self.rounds = rounds

    def expand(self, edges):
        groups = edges | "ByNode" >> beam.FlatMap(_nodes_both_ways) | "Group" >> beam.GroupByKey()
        finished, reported = [], False
        for i in range(self.rounds):
            if reported:  # the round before marked its finished stars
                finished.append(groups | f"Finished{i}" >> beam.FlatMap(_finished_urls))
            reported = components.checks_status(i, self.rounds)
            groups = (
                groups
                | f"LargeStar{i}" >> Star(components.large_star, report=reported)
                | f"SmallStar{i}" >> Star(components.small_star)
            )
        converged = groups | "Converged" >> beam.FlatMap(_removed_and_kept, rounds=self.rounds)
        return (*finished, converged) | "Removed" >> beam.Flatten()


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
