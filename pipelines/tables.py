"""Each stage's output as a Parquet table under OUT, for users and reruns.

A table's schema is its row record's (webtext.records.TABLE_RECORDS), so a field
is stated once, in the record.

Written and read with plain ParDos, a combine and one GroupByKey, not Beam's
file IO: Beam's sinks finalise through side inputs and its Parquet source
through an Impulse, which Beam's Dask runner recomputes or does not run
(docs/distributed.md).
"""

import collections.abc
import functools
import itertools
import operator
import typing

import apache_beam as beam
import msgspec
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.neutral import Widen
from webtext import layout
from webtext.links.posts import fetch_url
from webtext.records import TABLE_RECORDS, arrow_schema

BATCH_ROWS = 10_000
# Keys the elements of one file are batched under, taken in turn: each key's lists hold 1/SPREAD of them.
SPREAD = 256


class _ToLists(beam.CombineFn):
    """Elements to lists of at most BATCH_ROWS."""

    def create_accumulator(self):
        return []

    def add_input(self, elements, element):
        elements.append(element)
        return elements

    def merge_accumulators(self, accumulators):
        merged, *others = accumulators
        for elements in others:
            merged.extend(elements)
        return merged

    def extract_output(self, elements):
        return [elements[i:i + BATCH_ROWS] for i in range(0, len(elements), BATCH_ROWS)]


class _KeyInTurn(beam.DoFn):
    """(key, prepare(element)), the keys taken in turn from range(SPREAD)."""

    def __init__(self, prepare):
        self.prepare = prepare

    def start_bundle(self):
        self.key = 0

    def process(self, element):
        self.key = (self.key + 1) % SPREAD
        yield self.key, self.prepare(element)


class WriteOneFile(beam.PTransform):
    """All elements (each made by prepare(element) first) to one call of write(path, elements), made even when
    there are none.

    One worker writes the file, as Beam's own sinks do for one shard. The one
    GroupByKey that brings the elements to it moves them in lists, filled by a
    combine: runners that lift combiners (the local runner, Dataflow) fill
    them before any shuffle, and move one list per key and bundle rather than
    each element. (Beam's BatchElements emits its last list from
    finish_bundle, whose output Beam's Dask runner drops.)
    """

    def __init__(self, path: str, write, prepare=None, batched: bool = False):
        super().__init__()
        self.path, self.write, self.prepare = path, write, prepare or (lambda element: element)
        self.batched = batched  # whether the elements are lists already: each goes to the writer as it is

    def expand(self, elements):
        path, write, prepare = self.path, self.write, self.prepare
        if self.batched:
            lists = elements | "Prepare" >> beam.Map(lambda batch: (path, [prepare(element) for element in batch]))
        else:
            lists = (
                elements
                | "KeyInTurn" >> beam.ParDo(_KeyInTurn(prepare))
                | "ToLists" >> beam.CombinePerKey(_ToLists())
                | "OneKey" >> beam.FlatMapTuple(lambda _, lists: [(path, elements) for elements in lists])
            )
        return (
            (lists, elements.pipeline | "Always" >> beam.Create([(path, [])]))
            | "WithAlways" >> beam.Flatten()
            | "Gather" >> beam.GroupByKey()
            | "WriteFile" >> beam.MapTuple(lambda path, lists: write(path, itertools.chain.from_iterable(lists)))
        )


def create(path: str):
    # UNCOMPRESSED: Beam would otherwise pick a codec from the file name.
    return FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED)


def write_parquet(path: str, rows, schema: pa.Schema) -> str:
    """rows: records, or sequences of their field values in the schema's order."""
    with create(path) as f, pq.ParquetWriter(f, schema) as writer:
        rows = iter(rows)
        while batch := list(itertools.islice(rows, BATCH_ROWS)):
            # Column by column, not zip(*batch): that holds an iterator per row, for the garbage collector to walk.
            columns = [pa.array(map(operator.itemgetter(i), batch), type) for i, type in enumerate(schema.types)]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
    return path


def write_lines(path: str, lines) -> str:
    with create(path) as f:
        f.writelines(f"{line}\n".encode() for line in lines)
    return path


class WriteTable(beam.PTransform):
    """OUT/<name>.parquet, one file, from records of the table's row type."""

    def __init__(self, out: str, name: str, batched: bool = False):
        super().__init__()
        self.path = FileSystems.join(out, layout.table(name))
        self.record = TABLE_RECORDS[name]
        self.batched = batched  # lists of records

    def expand(self, records):
        record = self.record
        return records | WriteOneFile(self.path, lambda path, rows: write_packed_rows(path, rows, record),
                                      prepare=packed_row, batched=self.batched)


def packed_row(record) -> bytes:
    """A record's field values as msgpack bytes, the form its row waits in to be written.

    Beam moves bytes as they are, where it pickles a record; and thousands of
    byte strings waiting in a list are nothing to the garbage collector, where
    as many tuples and lists set off collections that walk the whole worker.
    """
    return msgspec.msgpack.encode(record)


def write_packed_rows(path: str, packed_rows, record: type) -> str:
    """The table of a record type from its rows as packed_row() packs them."""
    return write_parquet(path, map(_row_decoder(record).decode, packed_rows), arrow_schema(record))


@functools.cache
def _row_decoder(record: type) -> msgspec.msgpack.Decoder:
    """Packed rows of a record type back to tuples, its sequences as tuples too: the garbage collector stops
    following a tuple of strings and numbers at its first look, where it keeps following a list."""
    fields = [_as_tuples(hint) for hint in typing.get_type_hints(record).values()]
    return msgspec.msgpack.Decoder(tuple[tuple(fields)])


def _as_tuples(annotation):
    if typing.get_origin(annotation) in (collections.abc.Sequence, list, tuple):
        (item,) = typing.get_args(annotation)
        return tuple[_as_tuples(item), ...]
    return annotation


def read_parquet(path: str, record: type):
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        for batch in pq.ParquetFile(f).iter_batches(BATCH_ROWS):
            for row in batch.to_pylist():
                yield record(**row)


class ReadTable(beam.PTransform):
    """The records of a table an earlier run kept: OUT/<name>.parquet."""

    def __init__(self, out: str, name: str):
        super().__init__()
        self.path = FileSystems.join(out, layout.table(name))
        self.record = TABLE_RECORDS[name]

    def expand(self, pbegin):
        return (
            pbegin
            | "Table" >> beam.Create([self.path])
            | "Read" >> beam.FlatMap(read_parquet, record=self.record).with_output_types(self.record)
            | "Widen" >> Widen()  # the table is one partition on Dask
        )


class WriteUrlList(beam.PTransform):
    """OUT/links.txt: the URL to fetch for each link, one per line, for other tools."""

    def __init__(self, out: str, batched: bool = False):
        super().__init__()
        self.path = FileSystems.join(out, layout.URL_LIST)
        self.batched = batched  # lists of links

    def expand(self, links):
        return links | WriteOneFile(self.path, write_lines, prepare=fetch_url, batched=self.batched)
