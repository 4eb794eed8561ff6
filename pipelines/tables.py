"""Each stage's output as a Parquet table under OUT, for users and reruns."""

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from webtext.links.posts import fetch_url

LINKS = pa.schema([
    ("url", pa.string()), ("original_urls", pa.list_(pa.string())),
    ("max_karma", pa.int64()), ("total_karma", pa.int64()), ("first_created_utc", pa.int64()),
    ("subreddits", pa.list_(pa.string())), ("post_ids", pa.list_(pa.string())),
])
# The per-URL outcome of fetching: which links died, and why.
PAGES = pa.schema([
    ("url", pa.string()), ("final_url", pa.string()), ("status", pa.int64()),
    ("content_type", pa.string()), ("error", pa.string()), ("live_error", pa.string()),
    ("source", pa.string()), ("bytes", pa.int64()), ("elapsed_s", pa.float64()),
])
DOCUMENTS = pa.schema([
    ("url", pa.string()), ("domain", pa.string()), ("title", pa.string()), ("text", pa.string()),
    ("language", pa.string()), ("word_count", pa.int64()), ("karma", pa.int64()),
    ("total_karma", pa.int64()), ("created_utc", pa.int64()), ("subreddits", pa.list_(pa.string())),
])
DUPLICATES = pa.schema([
    ("url", pa.string()), ("duplicate_of", pa.string()), ("similarity", pa.float64()),
    ("kind", pa.string()),
])


def record_row(record) -> dict:
    row = record._asdict()
    return {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in row.items()}


class WriteTable(beam.PTransform):
    """OUT/<name>.parquet, one file, from records turned into rows."""

    def __init__(self, out: str, name: str, schema: pa.Schema, to_row=record_row):
        super().__init__()
        self.path = FileSystems.join(out, f"{name}.parquet")
        self.schema = schema
        self.to_row = to_row

    def expand(self, records):
        return (
            records
            | "Rows" >> beam.Map(self.to_row)
            | "Write" >> beam.io.WriteToParquet(
                self.path, self.schema, num_shards=1, shard_name_template=""
            )
        )


class WriteUrlList(beam.PTransform):
    """OUT/links.txt: the URL to fetch for each link, one per line, for other tools."""

    def __init__(self, out: str):
        super().__init__()
        self.path = FileSystems.join(out, "links.txt")

    def expand(self, links):
        return (
            links
            | "FetchUrls" >> beam.Map(fetch_url)
            | "Write" >> beam.io.WriteToText(self.path, num_shards=1, shard_name_template="")
        )
