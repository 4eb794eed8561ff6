"""Each stage's output as a Parquet table under OUT, for users and reruns.

A table's schema is its row record's (webtext.records.TABLE_RECORDS), so a field
is stated once, in the record.
"""

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from webtext import layout
from webtext.links.posts import fetch_url
from webtext.records import TABLE_RECORDS, arrow_schema, as_row


class WriteTable(beam.PTransform):
    """OUT/<name>.parquet, one file, from records of the table's row type."""

    def __init__(self, out: str, name: str):
        super().__init__()
        self.path = FileSystems.join(out, layout.table(name))
        self.schema = arrow_schema(TABLE_RECORDS[name])

    def expand(self, records):
        return (
            records
            | "Rows" >> beam.Map(as_row)
            | "Write" >> beam.io.WriteToParquet(self.path, self.schema, num_shards=1, shard_name_template="")
        )


class ReadTable(beam.PTransform):
    """The records of a table an earlier run kept: OUT/<name>.parquet."""

    def __init__(self, out: str, name: str):
        super().__init__()
        self.path = FileSystems.join(out, layout.table(name))
        self.record = TABLE_RECORDS[name]

    def expand(self, pbegin):
        record = self.record
        return (
            pbegin
            | "Read" >> beam.io.ReadFromParquet(self.path)
            | "Records" >> beam.Map(lambda row: record(**row)).with_output_types(record)
        )


class WriteUrlList(beam.PTransform):
    """OUT/links.txt: the URL to fetch for each link, one per line, for other tools."""

    def __init__(self, out: str):
        super().__init__()
        self.path = FileSystems.join(out, layout.URL_LIST)

    def expand(self, links):
        return (
            links
            | "FetchUrls" >> beam.Map(fetch_url)
            | "Write" >> beam.io.WriteToText(self.path, num_shards=1, shard_name_template="")
        )
