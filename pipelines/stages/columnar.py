"""Links -> (link, what Common Crawl's columnar index gives it): the lookup as a join.

In place of one CDX request per URL and crawl (webtext.fetch.commoncrawl), the
index files of the crawls the links need are read (one element per file, listed
when the pipeline is built, each scanned in Arrow batches with only the usable
rows coming out: webtext.fetch.columnar), keyed by SURT key, and joined with
the links keyed the same way. Each link gets the capture nearest its post, by
the CDX path's rule, or the reason it has none; the fetch then reads the record
by range as the CDX path does.

Before the scan, the links' keys become a Bloom filter (webtext.fetch.keyfilter)
written to the work folder (OUT/fetch/, shared by every worker); each reader
passes on only the rows a link may want, so the join's shuffle carries about
the links' captures, not the index. Runner-neutral: joins only (the filter's
path reaches the readers by WithValue), no side input, one output per step
(docs/distributed.md).
"""

import zlib

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count
from pipelines.neutral import WithValue, only_one
from webtext import counts, layout
from webtext.cli import UsageError
from webtext.config import Config
from webtext.fetch import columnar, keyfilter
from webtext.fetch.capture import DAY_S, Capture
from webtext.fetch.commoncrawl import Crawl
from webtext.fetch.deadline import Watchdog
from webtext.fetch.netguard import FetchError
from webtext.fetch.polite import ArchiveClient
from webtext.fetch.surt import surt_key
from webtext.links.posts import fetch_url

# The key of links whose URL has no SURT form (no row can have it: SURT keys have no NUL).
NO_KEY = "\0"


def index_plan(config: Config, listed: tuple[Crawl, ...] | None) -> tuple[list[columnar.IndexFile], tuple[Crawl, ...]]:
    """The index files under --commoncrawl-columnar and the crawls they hold, when the pipeline is built.

    listed: the crawl list (collinfo.json) if it could be read: the crawls' dates, and for an
    http(s) root the crawls whose file lists are asked for (those a post before --created-before
    can reach). UsageError when the root cannot be read or holds no file.
    """
    root = config.commoncrawl_columnar
    window = config.capture_window_days * DAY_S
    try:
        columnar.check_root(root, config)
        if columnar.is_http(root):
            if listed is None:
                raise ValueError("an http(s) root needs the crawl list (collinfo.json from --commoncrawl-index-url, "
                                 "or kept in OUT/fetch/) to know which crawls to list")
            client = ArchiveClient(config, Watchdog())
            try:
                reach = columnar.crawls_in_reach(listed, config.created_before, window)
                files = columnar.list_files(root, client, [crawl.id for crawl in reach])
            finally:
                client.close()
        else:
            files = columnar.list_files(root)
    except FetchError as err:
        raise UsageError(f"--commoncrawl-columnar {root}: {err.args[0]}") from None
    except (ValueError, OSError) as err:
        raise UsageError(str(err) if str(err).startswith("--") else f"--commoncrawl-columnar {root}: {err}") from None
    if not files:
        raise UsageError(f"--commoncrawl-columnar {root}: no crawl=*/{columnar.SUBSET}/*.parquet file there")
    return files, columnar.crawls_of(files, listed)


class LinkKeyHashes(beam.CombineFn):
    """The distinct hashes of the links' SURT keys, as one sorted array."""

    def create_accumulator(self):
        return keyfilter.Hashes.create()

    def add_input(self, accumulator, key_hash):
        return keyfilter.Hashes.add(accumulator, key_hash)

    def merge_accumulators(self, accumulators):
        return keyfilter.Hashes.merge(accumulators)

    def extract_output(self, accumulator):
        return keyfilter.Hashes.result(accumulator)


class WriteKeyFilter(beam.DoFn):
    """The Bloom filter of the key hashes, written to the work folder; yields its path."""

    def __init__(self, folder: str):
        self.folder = folder

    def process(self, key_hashes):
        path = FileSystems.join(self.folder, layout.COLUMNAR_KEY_FILTER)
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            f.write(keyfilter.KeyFilter.of(key_hashes).to_bytes())
        yield path


class ReadIndexFile(beam.DoFn):
    """(SURT key, row) for each usable row of one index file whose key may be a link's, read in batches."""

    def __init__(self, root: str, config: Config):
        self.root, self.config = root, config

    def setup(self):
        # An https root is read by Range through the guarded archive client, as WARC records are.
        self.client = ArchiveClient(self.config, Watchdog()) if columnar.is_http(self.root) else None
        self.filters = {}  # path -> KeyFilter: loaded once per DoFn instance, not per file

    def process(self, file_and_filter):
        (crawl, path), filter_path = file_and_filter
        part = columnar.fragment(self.root, path, self.client)
        for scanned, rows in columnar.read_rows(part, crawl, self._filter(filter_path)):
            count(counts.COLUMNAR_ROWS, scanned)
            count(counts.COLUMNAR_CANDIDATES, len(rows))
            yield from rows
        count(counts.COLUMNAR_FILES)

    def _filter(self, path: str | None) -> keyfilter.KeyFilter | None:
        if path is None:
            return None
        if path not in self.filters:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                self.filters[path] = keyfilter.KeyFilter.from_bytes(f.read())
        return self.filters[path]

    def teardown(self):
        if self.client is not None:
            self.client.close()


def key_link(link):
    try:
        return surt_key(fetch_url(link)), link
    except ValueError:  # a port out of range, say
        return NO_KEY, link


def choose_for_key(key_and_group, crawls: tuple[Crawl, ...], window_s: int):
    """(link, capture or reason) for each link of a key; a key no link has gives nothing."""
    key, group = key_and_group
    links = list(group["links"])  # none for most keys: the index's rows of URLs no one linked, never looked at
    rows = list(group["rows"]) if links and key != NO_KEY else []
    for link in links:
        if key == NO_KEY:
            found = columnar.BAD_URL
        else:
            found = columnar.choose(fetch_url(link), link.first_created_utc, rows, crawls, window_s)
        count(counts.with_reason(counts.COLUMNAR_LOOKUP, columnar.FOUND if isinstance(found, Capture) else found))
        yield link, found


def _if_wanted(crawl_and_group):
    _, group = crawl_and_group
    return list(group["files"]) if any(True for _ in group["wanted"]) else []


class ColumnarLookup(beam.PTransform):
    """Links -> (link, Capture or the reason there is none), from the index files given.

    work_dir: where the links' key filter is written (OUT/fetch/: storage every worker reads).
    key_filter=False passes every usable row to the join (benchmarks/columnar_join.py compares).
    """

    def __init__(self, config: Config, files: list[columnar.IndexFile], crawls: tuple[Crawl, ...], work_dir: str,
                 key_filter: bool = True):
        super().__init__()
        self.config, self.files, self.crawls, self.work_dir = config, files, crawls, work_dir
        self.key_filter = key_filter

    def expand(self, links):
        crawls, window = self.crawls, self.config.capture_window_days * DAY_S
        keyed = links | "KeyBySurt" >> beam.Map(key_link)
        # Only the crawls some link may be given a capture from are read: a join of the files with those
        # crawls, found from the posts' months (a few hundred values, not one per link).
        wanted = (
            links
            | "PostMonths" >> beam.Map(lambda link: columnar.post_month(link.first_created_utc))
            | "EachMonthOnce" >> beam.Distinct()
            | "WantedCrawls" >> beam.FlatMap(lambda month: columnar.wanted_crawls(crawls, month, window))
            | "EachCrawlOnce" >> beam.Distinct()
            | "KeyWanted" >> beam.Map(lambda crawl: (crawl, True))
        )
        files = links.pipeline | "IndexFiles" >> beam.Create([(f.crawl, (f.crawl, f.path)) for f in self.files])
        to_read = {"wanted": wanted, "files": files} | "FilesOfWantedCrawls" >> beam.CoGroupByKey()
        to_read = to_read | "KeepWanted" >> beam.FlatMap(_if_wanted)
        if self.key_filter:
            key_hashes = keyed | "KeyHashes" >> beam.FlatMap(
                lambda kl: [] if kl[0] == NO_KEY else [keyfilter.key_hash(kl[0])])
            key_filter = only_one(key_hashes, "LinkKeys", LinkKeyHashes()) | "WriteKeyFilter" >> beam.ParDo(
                WriteKeyFilter(self.work_dir))
            # Each file with the filter's path; the join also spreads the files over the workers.
            to_read = to_read | "WithKeyFilter" >> WithValue(key_filter, lambda f: zlib.crc32(f[1].encode()))
        else:
            to_read = (to_read
                       | "ByFile" >> beam.Map(lambda index_file: (index_file[1], index_file))
                       | "SpreadFiles" >> beam.GroupByKey()  # one group per file: spread over the workers
                       | "NoKeyFilter" >> beam.FlatMap(lambda path_and_files: [(f, None) for f in path_and_files[1]]))
        rows = to_read | "ReadIndex" >> beam.ParDo(ReadIndexFile(self.config.commoncrawl_columnar, self.config))
        return (
            {"links": keyed, "rows": rows}
            | "JoinIndex" >> beam.CoGroupByKey()
            | "Choose" >> beam.FlatMap(choose_for_key, crawls, window)
        )
