"""Unique documents -> decontaminated documents and the spans cut from them: GPT-3's 13-gram
rule (webtext.ngrams.decontaminate) in Beam.

    eval files -> (label, n-gram hashes) --CombineGlobally--> one NgramSet, every set's n-grams
    documents --WithValue(NgramSet)--> look up --> CLEAN documents: on to the shards as they are
                                                --> CONTAMINATED (document, collisions)
    contaminated -> each n-gram once per document --count--> those in more than
                    --max-collision-documents documents: the common n-grams (usually none)
    contaminated --WithValue(common n-grams)--> cut --> KEPT documents (their pieces left)
                                                    --> REMOVAL rows (contamination.parquet)

Why the eval set travels to the documents and not the corpus's n-grams to the set: an
evaluation set is small (WikiText-103's test set is ~245k tokens: a few MiB of 16-byte
hashes), while keying every 13-gram of a corpus for a CoGroupByKey would shuffle several
times the corpus's text. WithValue (pipelines/neutral.py: a join on 256 keys, never a side
input) copies the set to each key group and shuffles each document once; a worker holds the
set and one group of documents, never the corpus. Only contaminated documents, few, take
part in the second join, for GPT-3's "ignore 13-grams in more than 10 documents".
"""

import collections
import zlib

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count
from pipelines.files import delete_matching
from pipelines.neutral import Select, WithValue, only_one
from pipelines.stages.overlap import BuildNgramSet
from webtext import counts, layout
from webtext.config import Config
from webtext.drops import Dropped
from webtext.ngrams import eval_sets, grams
from webtext.ngrams.decontaminate import Rule, cut, find_collisions, kept_text, removals
from webtext.records import Document, Removal
from webtext.shards import tokens

STAGE = "decontaminate"

# Tags of the steps with two kinds of output (pipelines.neutral.Select).
CLEAN, CONTAMINATED = "clean", "contaminated"
KEPT, REMOVAL = "kept", "removal"


def rule_of(config: Config) -> Rule:
    return Rule(config.collision_words, config.removal_margin_chars, config.min_piece_chars, config.max_pieces,
                config.min_tokens)


def url_key(doc: Document) -> int:
    return zlib.crc32(doc.url.encode())


def eval_hashes(label_and_path, field: str, n: int):
    """(label, hashes) for each text of one eval file with an n-gram."""
    label, path = label_and_path
    for text in eval_sets.read_texts(path, field):
        hashes = grams.ngram_hashes(text, n)
        if len(hashes):
            yield label, hashes


def look_up(doc_and_set, n: int):
    """(CLEAN, doc), or (CONTAMINATED, (doc, its collisions))."""
    doc, eval_ngrams = doc_and_set
    count(counts.DECONTAMINATE_CHECKED)
    found = find_collisions(doc.text, eval_ngrams, n)
    if not found:
        count(counts.DECONTAMINATED)
        yield CLEAN, doc
    else:
        yield CONTAMINATED, (doc, found)


def common(key_and_documents, most: int):
    """The n-gram's key if it collides in more than `most` documents."""
    key, documents = key_and_documents
    if documents > most:
        count(counts.COMMON_NGRAMS)
        yield key


class CutCollisions(beam.DoFn):
    """((doc, collisions), common n-grams) -> (KEPT, the document left) and (REMOVAL, row) for each cut."""

    def __init__(self, names: list[str], config: Config):
        self.names, self.rule, self.encoding_name = names, rule_of(config), config.encoding

    def setup(self):
        self.encoding = tokens.get_encoding(self.encoding_name)

    def process(self, element):
        (doc, collisions), common_keys = element
        collisions = [c for c in collisions if c.key not in common_keys]
        if not collisions:  # it collided through common n-grams only
            count(counts.DECONTAMINATED)
            yield KEPT, doc
            return
        words = grams.word_spans(doc.text)
        done = cut(doc.text, words, [c.position for c in collisions], self.rule)
        text = kept_text(done, self.rule, lambda kept: len(self.encoding.encode_ordinary(kept)))
        outcome = text.reason if isinstance(text, Dropped) else "kept"
        for row in removals(doc.url, words, done, collisions, self.names, self.rule, outcome):
            count(counts.with_reason(counts.REMOVALS, row.eval_set))
            yield REMOVAL, row
        self.count_cut(done, collisions)
        if isinstance(text, Dropped):
            count(counts.lost(STAGE, counts.DROPPED, text.reason))
            return
        count(counts.DECONTAMINATED)
        yield KEPT, doc._replace(text=text, word_count=len(text.split()))

    def count_cut(self, done, collisions) -> None:
        count(counts.CONTAMINATED)
        for label, positions in collections.Counter(c.label for c in collisions).items():
            count(counts.with_reason(counts.COLLISIONS, self.names[label]), positions)
        count(counts.SPANS_REMOVED, len(done.spans))
        count(counts.CHARS_REMOVED, sum(end - start for start, end in done.spans))
        count(counts.SHORT_PIECES, len(done.pieces) - len(done.kept))


class Decontaminate(beam.PTransform):
    """Documents -> (decontaminated documents, Removal rows), given the eval files' paths."""

    def __init__(self, eval_paths: list[str], config: Config):
        super().__init__()
        self.names = [eval_sets.set_name(path) for path in eval_paths]
        self.paths, self.config = list(eval_paths), config

    def expand(self, docs):
        config, n = self.config, self.config.collision_words
        eval_ngrams = only_one(
            docs.pipeline
            | "EvalFiles" >> beam.Create(list(enumerate(self.paths)))
            | "EvalNgrams" >> beam.FlatMap(eval_hashes, field=config.eval_field, n=n),
            "EvalSet", BuildNgramSet())
        looked_up = (
            docs
            | "WithEvalSet" >> WithValue(eval_ngrams, url_key)
            | "LookUp" >> beam.FlatMap(look_up, n=n)
        )
        contaminated = looked_up | "Contaminated" >> Select(CONTAMINATED)
        cuts = (
            contaminated
            | "WithCommon" >> WithValue(self.common_ngrams(contaminated), lambda pair: url_key(pair[0]),
                                        default=frozenset())
            | "Cut" >> beam.ParDo(CutCollisions(self.names, config))
        )
        kept = (
            (looked_up | "Clean" >> Select(CLEAN, Document), cuts | "Kept" >> Select(KEPT, Document))
            | "AllKept" >> beam.Flatten()
        )
        return kept, cuts | "Removals" >> Select(REMOVAL, Removal)

    def common_ngrams(self, contaminated):
        """One frozenset of the n-gram keys in more than --max-collision-documents documents (or none)."""
        most = self.config.max_collision_documents
        if not most:
            return contaminated.pipeline | "NoCommon" >> beam.Create([frozenset()])
        keys = (
            contaminated
            | "NgramsOnce" >> beam.FlatMap(lambda pair: {c.key for c in pair[1]})
            | "DocumentsPerNgram" >> beam.combiners.Count.PerElement()
            | "Common" >> beam.FlatMap(common, most=most)
        )
        return only_one(keys, "CommonSet", beam.combiners.ToSetCombineFn()) | "Frozen" >> beam.Map(frozenset)


def delete_table(path: str) -> str:
    delete_matching(path)
    return path


class ForgetDecontamination(beam.PTransform):
    """Deletes the tables of an earlier run's decontamination, when this one has no eval files:
    beside shards made without it they would describe cuts the shards do not have."""

    def __init__(self, out: str):
        super().__init__()
        tables = (layout.DECONTAMINATED, layout.CONTAMINATION)
        self.paths = [FileSystems.join(out, layout.table(name)) for name in tables]

    def expand(self, pbegin):
        return pbegin | "Tables" >> beam.Create(self.paths) | "Delete" >> beam.Map(delete_table)

