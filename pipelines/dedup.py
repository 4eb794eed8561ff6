"""Documents -> unique Documents, across all workers: exact, then near duplicates.

Both steps group documents by a key (a text hash, an LSH band) so duplicates
meet on one worker wherever they started. Removed documents go to a table
(url, duplicate_of, similarity, kind) users can audit.
"""

import apache_beam as beam

from pipelines.counters import count
from webtext import dedup
from webtext.config import Config
from webtext.records import Document

STAGE = "dedup"
DUPLICATES = "duplicates"


def duplicate_row(url: str, kept_url: str, similarity: float, kind: str) -> dict:
    count(STAGE, f"removed:{kind}")
    return {"url": url, "duplicate_of": kept_url, "similarity": similarity, "kind": kind}


class KeepBestCopy(beam.DoFn):
    """Of documents with the same normalised text, keep the best-ranked."""

    def process(self, key_and_docs):
        _, docs = key_and_docs
        best, *others = sorted(docs, key=dedup.rank)
        yield best
        for doc in others:
            yield beam.pvalue.TaggedOutput(DUPLICATES, duplicate_row(doc.url, best.url, 1.0, "exact"))


class BandCandidates(beam.DoFn):
    """A document's signature, once per LSH band key it falls in."""

    def __init__(self, config: Config):
        self.config = config
        self.bands, self.rows = dedup.lsh_shape(config.dedup_threshold, config.num_perm)

    def process(self, doc: Document):
        sig = dedup.signature(doc.text, self.config.shingle_words, self.config.num_perm)
        candidate = dedup.Candidate(dedup.rank(doc), doc.url, sig)
        for key in dedup.band_keys(sig, self.bands, self.rows):
            yield key, candidate


def _best_match(matches):
    return min(matches, key=lambda m: m.kept_rank)


def _unless_removed(url_and_group):
    _, group = url_and_group
    if not group["removed"]:
        count(STAGE, "kept")
        yield from group["docs"]


class Deduplicate(beam.PTransform):
    """Returns (unique documents, duplicate rows)."""

    def __init__(self, config: Config):
        super().__init__()
        self.config = config

    def expand(self, docs):
        exact = (
            docs
            | "ByText" >> beam.Map(lambda d: (dedup.exact_key(d.text), d))
            | "GroupText" >> beam.GroupByKey()
            | "KeepBestCopy" >> beam.ParDo(KeepBestCopy()).with_outputs(DUPLICATES, main="kept")
        )
        threshold = self.config.dedup_threshold
        near = (
            exact.kept
            | "Bands" >> beam.ParDo(BandCandidates(self.config))
            | "GroupBands" >> beam.GroupByKey()
            | "Compare" >> beam.FlatMap(lambda kv: dedup.duplicates_in_bucket(kv[1], threshold))
            | "ByRemoved" >> beam.Map(lambda dup: (dup.url, dup))
            | "BestMatch" >> beam.CombinePerKey(_best_match)
            | "NearRow" >> beam.Map(lambda kv: duplicate_row(kv[0], kv[1].kept_url, kv[1].similarity, "near"))
        )
        unique = (
            {
                "docs": exact.kept | "KeyDocs" >> beam.Map(lambda d: (d.url, d)),
                "removed": near | "KeyRemoved" >> beam.Map(lambda row: (row["url"], True)),
            }
            | "JoinRemoved" >> beam.CoGroupByKey()
            | "Unique" >> beam.FlatMap(_unless_removed).with_output_types(Document)
        )
        duplicates = (exact[DUPLICATES], near) | "AllDuplicates" >> beam.Flatten()
        return unique, duplicates
