"""Each stage's output as a Parquet table under OUT, for users and reruns.

A table's schema is its row record's (webtext.records.TABLE_RECORDS), so a field
is stated once, in the record.

Written and read with plain ParDos and one GroupByKey, not Beam's file IO:
Beam's sinks finalise through side inputs and its Parquet source through an
Impulse, which Beam's Dask runner recomputes or does not run (docs/distributed.md).
"""

import itertools

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from webtext import layout
from webtext.links.posts import fetch_url
from webtext.records import TABLE_RECORDS, arrow_schema, as_row

BATCH_ROWS = 10_000
_NOTHING = None  # joins every table's records, so an empty table is still written


class WriteOneFile(beam.PTransform):
    """All elements to one call of write(path, elements), made even when there are none.

    One worker writes the file, as Beam's own sinks do for one shard.
    """

    def __init__(self, path: str, write):
        super().__init__()
        self.path, self.write = path, write

    def expand(self, elements):
        path, write = self.path, self.write
        return (
            (elements, elements.pipeline | "Always" >> beam.Create([_NOTHING]))
            | "WithAlways" >> beam.Flatten()
            | "OneKey" >> beam.Map(lambda element: (path, element))
            | "Gather" >> beam.GroupByKey()
            | "WriteFile" >> beam.MapTuple(lambda path, group: write(path, (e for e in group if e is not _NOTHING)))
        )


def create(path: str):
    # UNCOMPRESSED: Beam would otherwise pick a codec from the file name.
    return FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED)


def write_parquet(path: str, records: list, schema: pa.Schema) -> str:
    with create(path) as f, pq.ParquetWriter(f, schema) as writer:
        rows = iter(records)
        while batch := list(itertools.islice(rows, BATCH_ROWS)):
            writer.write_table(pa.Table.from_pylist([as_row(r) for r in batch], schema))
    return path


def write_lines(path: str, lines: list) -> str:
    with create(path) as f:
        f.writelines(f"{line}\n".encode() for line in lines)
    return path


class WriteTable(beam.PTransform):
    """OUT/<name>.parquet, one file, from records of the table's row type."""

    def __init__(self, out: str, name: str):
        super().__init__()
        self.path = FileSystems.join(out, layout.table(name))
        self.schema = arrow_schema(TABLE_RECORDS[name])

    def expand(self, records):
        schema = self.schema
        return records | WriteOneFile(self.path, lambda path, rows: write_parquet(path, rows, schema))


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
        )


class WriteUrlList(beam.PTransform):
    """OUT/links.txt: the URL to fetch for each link, one per line, for other tools."""

    def __init__(self, out: str):
        super().__init__()
        self.path = FileSystems.join(out, layout.URL_LIST)

    def expand(self, links):
        return links | "FetchUrls" >> beam.Map(fetch_url) | WriteOneFile(self.path, write_lines)
