"""The overlap report in Beam: a Bloom filter of the train split's n-grams (or, where it is
small, an exact set of them), built part by part, and every evaluation set's n-grams (and
the val split's) looked up in it.

    train shards -> texts -> (part, n-gram hashes) -> CombinePerKey: one BloomFilter a part
    eval files, val shards -> (set, text) -> (part, (set, hashes)) -+
                                                   filters by part -+-> CoGroupByKey -> (set, (n-grams, found))
                                                                     -> summed per set -> OUT/overlap.json

Runner-neutral (pipelines/neutral.py): a filter meets the n-grams of its part in a
CoGroupByKey, never as a side input, and each step has one output. A bundle's partial
filter keeps the hashes it was given until they would take the filter's memory, so a
worker that sees a few documents of each part never holds every part's bits.
"""

import json
from collections.abc import Iterator

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipelines.tables import WriteOneFile, create
from webtext.ngrams import eval_sets, grams
from webtext.ngrams.bloom import BloomBuilder, BloomSpec
from webtext.ngrams.exact import BYTES_PER_NGRAM, ExactSpec, NgramSet, NgramSetBuilder
from webtext.ngrams.report import VAL_SET
from webtext.shards import shard_format

ROWS = 1_000  # shard rows turned into Python strings at a time


def shard_texts(path: str) -> Iterator[str]:
    """The text of every document of a shard, read from its memory map a slice at a time."""
    texts = shard_format.open_shard(path).column("text")
    for start in range(0, len(texts), ROWS):
        yield from texts.slice(start, ROWS).to_pylist()


def by_part(text: str, n: int, spec: BloomSpec | ExactSpec):
    """(part, hashes) for the text's n-grams, one element per part they fall in."""
    return list(spec.split(grams.ngram_hashes(text, n)).items())


class BuilderCombine(beam.CombineFn):
    """A CombineFn over a builder (BloomBuilder, NgramSetBuilder): partial builders merge into the
    first, and the last one builds the result."""

    def merge_accumulators(self, builders):
        builders = iter(builders)
        first = next(builders)
        for other in builders:
            first.merge(other)
        return first

    def extract_output(self, builder):
        return builder.build()


class BuildFilter(BuilderCombine):
    """Hashes of one part -> its BloomFilter; partial results merge by concatenation or OR."""

    def __init__(self, spec: BloomSpec):
        self.spec = spec

    def create_accumulator(self):
        return BloomBuilder(self.spec)

    def add_input(self, builder, hashes):
        return builder.add(hashes)


class BuildNgramSet(BuilderCombine):
    """(label, hashes) -> one NgramSet; partial results merge by concatenation."""

    def create_accumulator(self):
        return NgramSetBuilder()

    def add_input(self, builder, label_and_hashes):
        label, hashes = label_and_hashes
        return builder.add(hashes, label)


class BuildExactSet(BuildNgramSet):
    """Hashes of one part -> its NgramSet: the exact stand-in for BuildFilter."""

    def add_input(self, builder, hashes):
        return builder.add(hashes)


def build_parts(spec: BloomSpec | ExactSpec) -> beam.CombineFn:
    return BuildExactSet() if isinstance(spec, ExactSpec) else BuildFilter(spec)


def look_up(part_and_group) -> Iterator[tuple[str, tuple[int, int]]]:
    """(set, (n-grams, found in the filter)) for each batch of one part's queries."""
    _, group = part_and_group
    filters = list(group["filter"])
    for name, hashes in group["query"]:
        found = int(filters[0].contains(hashes).sum()) if filters else 0  # no filter: no train n-gram there
        yield name, (len(hashes), found)


def sum_pairs(pairs) -> tuple[int, int]:
    totals = [0, 0]
    for total, found in pairs:
        totals[0] += total
        totals[1] += found
    return tuple(totals)


def describe_filter(part_and_filter) -> tuple[str, tuple]:
    """("filter", (part, n-grams held, fill, false positive rate)); an exact set has neither of the last two."""
    part, held = part_and_filter
    if isinstance(held, NgramSet):
        return "filter", (part, len(held), 0.0, 0.0)
    return "filter", (part, held.items, held.fill(), held.fp_rate())


class Overlap(beam.PTransform):
    """OUT/overlap.json from the dataset in out and the evaluation files {set name: path}."""

    def __init__(self, out: str, evals: dict[str, str], field: str, n: int, spec: BloomSpec | ExactSpec, results: str,
                 settings: dict):
        super().__init__()
        self.out, self.evals, self.field, self.n, self.spec = out, evals, field, n, spec
        self.results, self.settings = results, settings

    def expand(self, pbegin):
        n, spec, field = self.n, self.spec, self.field
        train, val = (shard_format.shard_paths(self.out, split) for split in shard_format.SPLITS)
        filters = (
            pbegin
            | "TrainShards" >> beam.Create(train)
            | "TrainTexts" >> beam.FlatMap(shard_texts)
            | "TrainNgrams" >> beam.FlatMap(by_part, n=n, spec=spec)
            | "BuildFilters" >> beam.CombinePerKey(build_parts(spec))
        )
        eval_texts = (
            pbegin
            | "EvalFiles" >> beam.Create(sorted(self.evals.items()))
            | "EvalTexts" >> beam.FlatMap(lambda name_path: ((name_path[0], t) for t in
                                                              eval_sets.read_texts(name_path[1], field)))
        )
        val_texts = (
            pbegin
            | "ValShards" >> beam.Create(val)
            | "ValTexts" >> beam.FlatMap(shard_texts)
            | "ValSet" >> beam.Map(lambda text: (VAL_SET, text))
        )
        queries = (
            (eval_texts, val_texts)
            | "AllTexts" >> beam.Flatten()
            | "QueryNgrams" >> beam.FlatMap(lambda name_text: [(part, (name_text[0], hashes)) for part, hashes
                                                               in by_part(name_text[1], n, spec)])
        )
        counts = (
            {"filter": filters, "query": queries}
            | "ByPart" >> beam.CoGroupByKey()
            | "LookUp" >> beam.FlatMap(look_up)
            | "PerSet" >> beam.CombinePerKey(sum_pairs)
        )
        stats = filters | "FilterStats" >> beam.Map(describe_filter)
        settings = self.settings
        return (
            (counts, stats)
            | "Everything" >> beam.Flatten()
            | "WriteResults" >> WriteOneFile(self.results, lambda path, rows: write_results(path, rows, settings))
        )


def results_of(rows, settings: dict) -> dict:
    """The report's numbers from the pipeline's rows: per set (n-grams, found), per part its filter."""
    per_set, parts = {}, []
    for key, value in rows:
        if key == "filter":
            parts.append(value)
        else:
            per_set[key] = value
    spec = settings["spec"]
    items = sum(items for _, items, _, _ in parts)
    names = [*settings["sets"], VAL_SET]
    sets = [{"name": name, "ngrams": per_set.get(name, (0, 0))[0], "in_train": per_set.get(name, (0, 0))[1]}
            for name in names]
    results = {"n": settings["n"], "fp_rate": settings["fp_rate"], "method": settings["method"], "sets": sets}
    if settings["method"] == "exact":
        return {**results, "exact": {**spec, "sized_for": settings["sized_for"], "items": items,
                                     "bytes": items * BYTES_PER_NGRAM}}
    # A part no train n-gram reached is all zeros: it never answers yes.
    fp_rate = sum(rate for *_, rate in parts) / spec["parts"]
    bloom = {**spec, "sized_for": settings["sized_for"], "items": items, "fp_rate": fp_rate,
             "fill": [fill for _, _, fill, _ in sorted(parts)]}
    return {**results, "bloom": bloom}


def write_results(path: str, rows, settings: dict) -> str:
    with create(path) as f:
        f.write(json.dumps(results_of(list(rows), settings), indent=1).encode())
    return path


def read_json(path: str) -> dict:
    with FileSystems.open(path) as f:
        return json.load(f)


def read_text(path: str) -> str:
    """A file's text, or "" when there is none."""
    if not FileSystems.exists(path):
        return ""
    with FileSystems.open(path) as f:
        return f.read().decode("utf-8")


def write_text(path: str, text: str) -> None:
    with create(path) as f:
        f.write(text.encode("utf-8"))
