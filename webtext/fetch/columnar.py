"""Common Crawl's columnar URL index: which files to read, what is read of them, which row stands for a page.

The index is a table of Parquet files, one partition per crawl:
`ROOT/crawl=CC-MAIN-YYYY-WW/subset=warc/part-*.parquet`, ROOT being
`cc-index/table/cc-main/warc` on S3 (`s3://commoncrawl/...`), on
data.commoncrawl.org (`https://data.commoncrawl.org/cc-index/table/cc-main/warc`,
where each crawl's files are listed in `crawl-data/CRAWL/cc-index-table.paths.gz`,
since HTTP has no directory listing) or in a local copy of the same layout.
Each file is sorted by `url_surtkey` and has ~30 columns; of them only the
key, the capture's time and type and the WARC record's location are read
(COLUMNS), and only rows with status 200 and an HTML type come out of the scan
(usable_rows, evaluated by Arrow batch by batch: a file is never held whole),
and of those only rows whose key may be a link's (webtext.fetch.keyfilter).

The Beam side (pipelines/stages/columnar.py) joins these rows with the links by SURT
key; here are the rules it applies: the files, the crawls, the rows, and the
capture chosen per link (the CDX path's rule: webtext.fetch.commoncrawl).
"""

import gzip
import io
import json
import os
from typing import Iterator, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from webtext.config import Config
from webtext.fetch.capture import DAY_S, HTML_TYPES, Capture, stamp
from webtext.fetch.commoncrawl import Crawl, choose_capture, crawls_in_window, parse_collinfo
from webtext.fetch.keyfilter import KeyFilter, hashes
from webtext.fetch.netguard import FetchError, checked_address
from webtext.fetch.polite import ArchiveClient

# Where the table sits below a bucket or a server's root.
TABLE = "cc-index/table/cc-main/warc"
SUBSET = "subset=warc"
# The columns read; every other column of the table is never read (Parquet is columnar).
KEY, TIME, MIME_TYPE, MIME_DETECTED = "url_surtkey", "fetch_time", "content_mime_type", "content_mime_detected"
FILENAME, OFFSET, LENGTH, STATUS = "warc_filename", "warc_record_offset", "warc_record_length", "fetch_status"
COLUMNS = (KEY, TIME, MIME_TYPE, MIME_DETECTED, FILENAME, OFFSET, LENGTH)
# Rows per Arrow batch: a few MB of the projected columns at a time.
BATCH_ROWS = 16_384
# Why a link has no capture from the join, as the commoncrawl source's reason (and the lookup counter's).
FOUND, NOT_IN_INDEX, OUTSIDE_WINDOW = "found", "not_in_index", "outside_window"
NO_CRAWL, BAD_URL = "no_crawl", "bad_url"


def usable_rows() -> ds.Expression:
    """Status 200 and an HTML type, as the CDX path asks (webtext.fetch.capture.usable): the
    detected type, or the served one where the index has no detected type (older crawls)."""
    detected = ds.field(MIME_DETECTED)
    html = list(HTML_TYPES)
    return (ds.field(STATUS) == 200) & (detected.isin(html) | (detected.is_null() & ds.field(MIME_TYPE).isin(html)))


class IndexFile(NamedTuple):
    crawl: str  # CC-MAIN-YYYY-WW, from the partition the file is in
    path: str  # as the root's filesystem names it (an https URL for an https root)


def is_http(root: str) -> bool:
    return urlsplit(root).scheme in ("http", "https")


def filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    """Arrow's filesystem for a local path or URI (file://, s3://, gs://, hdfs://) and the root's path on it."""
    if "://" not in root:
        return pafs.LocalFileSystem(), os.path.abspath(root)
    return pafs.FileSystem.from_uri(root)


def server_of(root: str) -> str:
    """The server's base URL of an https root ending in cc-index/table/cc-main/warc."""
    trimmed = root.rstrip("/")
    if not trimmed.endswith("/" + TABLE):
        raise ValueError(f"--commoncrawl-columnar {root}: an http(s) root must end in /{TABLE}")
    return trimmed[: -len(TABLE) - 1]


def list_files(root: str, client: ArchiveClient | None = None, crawl_ids=()) -> list[IndexFile]:
    """The subset=warc Parquet files under root, by crawl, sorted.

    An http(s) root has no listing: the files of each of crawl_ids come from the
    crawl's cc-index-table.paths.gz on the same server, read through client.
    """
    if is_http(root):
        return _listed_over_http(root, client, crawl_ids)
    fs, base = filesystem(root)
    files = []
    for entry in fs.get_file_info(pafs.FileSelector(base, allow_not_found=True)):
        name = entry.base_name
        if entry.type != pafs.FileType.Directory or not name.startswith("crawl="):
            continue
        subset = fs.get_file_info(pafs.FileSelector(f"{entry.path}/{SUBSET}", allow_not_found=True))
        files += [IndexFile(name[len("crawl="):], f.path) for f in subset
                  if f.type == pafs.FileType.File and f.base_name.endswith(".parquet")]
    return sorted(files)


def _listed_over_http(root: str, client: ArchiveClient, crawl_ids) -> list[IndexFile]:
    server = server_of(root)
    files = []
    for crawl in crawl_ids:
        try:
            listing = client.get(f"{server}/crawl-data/{crawl}/cc-index-table.paths.gz", accept=(200, 404),
                                 max_bytes=2**24)
        except FetchError as err:
            raise ValueError(f"--commoncrawl-columnar {root}: the file list of {crawl} could not be read "
                             f"({err.args[0]})") from None
        if listing.status != 200:
            continue  # a crawl without a columnar index (none was built for it)
        lines = gzip.decompress(listing.body).decode().split()
        wanted = f"/crawl={crawl}/{SUBSET}/"
        files += [IndexFile(crawl, f"{server}/{line}") for line in lines
                  if wanted in line and line.endswith(".parquet")]
    return sorted(files)


def crawls_of(files: list[IndexFile], listed: tuple[Crawl, ...] | None) -> tuple[Crawl, ...]:
    """The crawls the index holds, with their dates from the crawl list where it has them,
    else from the id's ISO week (parse_collinfo's rule for a list without dates)."""
    known = {crawl.id: crawl for crawl in listed or ()}
    ids = sorted({f.crawl for f in files})
    guessed = parse_collinfo(json.dumps([{"id": i} for i in ids if i not in known]).encode())
    return tuple(sorted([known[i] for i in ids if i in known] + list(guessed), key=lambda c: c.start))


def crawls_in_reach(crawls: tuple[Crawl, ...], created_before: int, window_s: int) -> tuple[Crawl, ...]:
    """The crawls any post made before created_before can be given (crawls_in_window looks no further)."""
    return tuple(c for c in crawls if c.start <= created_before + window_s)


MONTH_S = 31 * DAY_S


def post_month(created: int) -> int:
    """A post's month (31-day periods since 1970): the links' many post times as a few hundred values."""
    return created // MONTH_S


def wanted_crawls(crawls: tuple[Crawl, ...], month: int, window_s: int) -> list[str]:
    """The ids of every crawl a post of that month may be given a capture from: all within the window."""
    start, end = month * MONTH_S, (month + 1) * MONTH_S - 1
    return sorted(c.id for c in crawls if c.end >= start - window_s and c.start <= end + window_s)


# Reading ----------------------------------------------------------------------------------------


class RangeFile(io.RawIOBase):
    """A file on an HTTP server, read by Range requests through the guarded archive client,
    for Arrow (which asks for the footer, then one range per column chunk it needs)."""

    def __init__(self, client: ArchiveClient, url: str):
        super().__init__()
        self.client, self.url, self.position = client, url, 0
        first = self._get(0, 0)
        total = first.headers.get("Content-Range", "").rpartition("/")[2]
        if not total.isdigit():
            raise OSError(f"{url}: the server answered no Content-Range: it does not serve ranges")
        self.size = int(total)

    def _get(self, start: int, end: int):
        try:
            return self.client.get(self.url, headers={"Range": f"bytes={start}-{end}"}, accept=(206,),
                                   max_bytes=end - start + 1)
        except FetchError as err:
            raise OSError(f"{self.url}: {err.args[0]}") from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def read(self, size: int = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self.position + size)
        if end <= self.position:
            return b""
        body = self._get(self.position, end - 1).body
        if len(body) != end - self.position:
            raise OSError(f"{self.url}: {len(body)} bytes for a range of {end - self.position}")
        self.position = end
        return body


def fragment(root: str, path: str, client: ArchiveClient | None = None) -> ds.ParquetFileFragment:
    """One index file as an Arrow dataset fragment: nothing is read until it is scanned."""
    if is_http(root):
        return ds.ParquetFileFormat().make_fragment(pa.PythonFile(RangeFile(client, path), mode="r"))
    fs, _ = filesystem(root)
    return ds.ParquetFileFormat().make_fragment(path, filesystem=fs)


def _seconds(times: pa.Array) -> pa.Array:
    """fetch_time (a timestamp of any unit: Spark writes INT96, read as ns) as Unix seconds."""
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[times.type.unit]
    return pc.divide(times.cast(pa.int64()), per_second)


def read_rows(part: ds.ParquetFileFragment, crawl: str, key_filter: KeyFilter | None = None,
              batch_rows: int = BATCH_ROWS) -> Iterator[tuple[int, list]]:
    """(usable rows scanned, [(SURT key, row)] of those whose key may be a link's) per Arrow batch of one index file.

    row: (crawl, Unix time, MIME type, WARC filename, offset, length), what a Capture needs.
    A crawl whose files lack content_mime_detected reads it as null (the served type decides).
    Without a key filter every usable row is passed on.
    """
    schema = part.physical_schema
    for name in (MIME_TYPE, MIME_DETECTED):
        if schema.get_field_index(name) < 0:
            schema = schema.append(pa.field(name, pa.string()))
    batches = part.to_batches(schema=schema, columns=list(COLUMNS), filter=usable_rows(), batch_size=batch_rows,
                              batch_readahead=1, use_threads=False)
    for batch in batches:
        scanned = batch.num_rows
        if scanned and key_filter is not None:
            keys = batch.column(KEY).to_pylist()
            batch = batch.filter(pa.array(key_filter.may_hold(hashes(keys))))
        if not batch.num_rows:
            yield scanned, []
            continue
        mime = pc.coalesce(batch.column(MIME_DETECTED), batch.column(MIME_TYPE))
        columns = [batch.column(KEY), _seconds(batch.column(TIME)), mime, batch.column(FILENAME),
                   batch.column(OFFSET), batch.column(LENGTH)]
        keys, times, mimes, names, offsets, lengths = (c.to_pylist() for c in columns)
        yield scanned, [(key, (crawl, t, m, name, offset, length))
                        for key, t, m, name, offset, length in zip(keys, times, mimes, names, offsets, lengths)]


# Choosing ---------------------------------------------------------------------------------------


def capture_of(url: str, row: tuple) -> Capture:
    """A row as the capture the CDX path would have listed (status 200: the scan kept no other)."""
    _, unix_s, mime, filename, offset, length = row
    return Capture(url, stamp(unix_s), 200, mime, filename, offset, length)


def choose(url: str, created: int, rows: list[tuple], crawls: tuple[Crawl, ...], window_s: int) -> Capture | str:
    """The capture standing for the link's page among its key's rows, or why there is none.

    The CDX path's rule (choose_capture) over every crawl in the window the index holds: a join
    pays nothing per crawl, so no bound.
    """
    near = crawls_in_window(crawls, created, window_s)
    if not near:
        return NO_CRAWL
    by_crawl = {}
    for row in rows:
        by_crawl.setdefault(row[0], []).append(row)
    if not any(crawl.id in by_crawl for crawl in near):
        return NOT_IN_INDEX
    chosen, _ = choose_capture(crawls, created, window_s,
                               lambda crawl: [capture_of(url, row) for row in by_crawl.get(crawl.id, ())])
    return chosen or OUTSIDE_WINDOW


def check_root(root: str, config: Config) -> None:
    """The root's server passes the guard the archives' hosts pass (loopback only if allowed): an
    http(s) root's host, or the endpoint_override an s3:// or gs:// URI names (a mirror's, for Arrow)."""
    parts = urlsplit(root)
    if not is_http(root):
        endpoint = parse_qs(parts.query).get("endpoint_override", [""])[0]
        if not endpoint:
            return  # the store's own service (AWS, Google), or a local path
        parts = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    checked_address(parts.hostname or "", parts.port or (80 if parts.scheme == "http" else 443), config.allow_loopback)
