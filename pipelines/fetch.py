"""Links -> Pages: fetched live (resumably), or read from WARC files.

Live fetching groups links by a hash of their host, so all of a host's links
meet on one worker and its per-host limit holds for the whole run; each group
is fetched by a pool of threads (webtext.fetch.crawl). Every fetch is written to
OUT/fetch/ (WARC + outcome lines) as it completes. On a rerun, links with an
outcome there are not fetched again: their pages are rebuilt from those files.
"""

import zlib

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count
from pipelines.files import input_files, matching
from pipelines.neutral import Select, WithValue, only_one
from webtext import counts, layout, urls
from webtext.config import Config
from webtext.fetch import crawl, outcomes, warc
from webtext.fetch.client import Fetcher
from webtext.fetch.deadline import Watchdog
from webtext.links.posts import fetch_url
from webtext.records import Page

STAGE = "fetch"
# Links per host-hash bucket: enough hosts in each for the threads to stay busy.
LINKS_PER_BUCKET = 20_000


def count_outcome(page: Page) -> Page:
    if page.error:
        count(counts.lost(STAGE, counts.FAILED, page.error))
    else:
        count(counts.with_reason(counts.FETCHED, page.source))
    if page.live_error and not page.error:
        count(counts.with_reason(counts.ARCHIVE_RESCUED, page.live_error))
    return page


def read_warc(path: str):
    """(link URL, response) for each response in one WARC file; damage counted."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
        try:
            for response in warc.iter_responses(raw):
                count(counts.WARC_RESPONSES)
                try:
                    yield response.link_url or urls.normalise_url(response.url), response
                except ValueError:
                    count(counts.WARC_INVALID_URL)
        except warc.DamagedWarc:
            count(counts.WARC_DAMAGED)


def read_outcomes(path: str):
    """(link URL, outcome row) for each whole line of one outcome file."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        for line in f:
            row = outcomes.parse_outcome(line.decode("utf-8", errors="replace"))
            if row is None:
                count(counts.RESUME_PARTIAL_LINE)
            else:
                yield row["url"], row


def _preferred(responses: list) -> warc.WarcResponse:
    """A 200 if the archive has one (crawls repeat URLs), else the first."""
    return next((r for r in responses if r.status == 200), responses[0])


class JoinArchive(beam.DoFn):
    """Pages for links from WARC files someone else wrote (or the sample's)."""

    def __init__(self, config: Config):
        self.config = config

    def process(self, joined):
        _, group = joined
        responses = list(group["responses"])
        for link in group["links"]:
            if responses:
                page = warc.page_from_response(link, _preferred(responses), self.config)
            else:
                page = warc.page_missing(link)
            yield count_outcome(page)


TODO, RESUMED = "todo", "resumed"


def split_resumed(joined):
    """(RESUMED, page) for a link a previous run has an outcome for; (TODO, link) for the rest."""
    _, group = joined
    kept = list(group["outcomes"])
    for link in group["links"]:
        if not kept:
            yield TODO, link
            continue
        responses = [r for r in group["responses"] if r.url == kept[0]["final_url"]]
        count(counts.RESUMED)
        yield RESUMED, count_outcome(outcomes.page_from_outcome(link, kept[0], responses[0] if responses else None))


def _host_bucket(link, buckets: int) -> int:
    host = urls.host_of(fetch_url(link))
    return zlib.crc32(host.encode()) % buckets


class FetchBucket(beam.DoFn):
    """All links of a bucket of hosts, many threads at once, a few per host."""

    def __init__(self, config: Config, fetch_dir: str):
        self.config = config
        self.fetch_dir = fetch_dir

    def setup(self):
        self.fetcher = Fetcher(self.config, Watchdog())

    def process(self, bucket_and_links):
        _, links = bucket_and_links
        log = outcomes.FetchLog(self._create)
        try:
            pages = crawl.run_concurrently(
                links, self.fetcher.fetch, lambda link: urls.host_of(fetch_url(link)),
                self.config.fetch_concurrency, self.config.max_per_host)
            for page in pages:
                log.write(page)
                yield count_outcome(page)
        finally:
            log.close()

    def _create(self, name: str):
        # UNCOMPRESSED: the WARC writer gzips each record itself, as WARC readers expect.
        return FileSystems.create(FileSystems.join(self.fetch_dir, name), compression_type=CompressionTypes.UNCOMPRESSED)

    def teardown(self):
        self.fetcher.close()


def _not_fetched(link) -> Page:
    """A link with no outcome, in a run told not to fetch (one starting at extract)."""
    return count_outcome(Page(link, fetch_url(link), 0, "", b"", "live", "not_fetched"))


class FetchByHost(beam.PTransform):
    """Links grouped into host-hash buckets, each bucket fetched by one FetchBucket."""

    def __init__(self, config: Config, fetch_dir: str):
        super().__init__()
        self.config = config
        self.fetch_dir = fetch_dir

    def expand(self, links):
        total = only_one(links, "CountLinks", beam.combiners.CountCombineFn())
        return (
            links
            | "WithTotal" >> WithValue(total, lambda link: zlib.crc32(link.url.encode()))
            | "ByHost" >> beam.MapTuple(lambda link, n: (_host_bucket(link, max(1, n // LINKS_PER_BUCKET)), link))
            | "GroupHosts" >> beam.GroupByKey()
            | "Fetch" >> beam.ParDo(FetchBucket(self.config, self.fetch_dir)).with_output_types(Page)
        )


class FetchLive(beam.PTransform):
    def __init__(self, config: Config, out: str, fetch_new: bool = True):
        super().__init__()
        self.config = config
        self.fetch_new = fetch_new
        self.fetch_dir = FileSystems.join(out, layout.FETCH_DIR)
        # What a previous run of this output folder left: read at construction, like inputs.
        self.outcome_files = matching(FileSystems.join(self.fetch_dir, layout.outcome_log("*")))
        self.warc_files = matching(FileSystems.join(self.fetch_dir, layout.fetched_warc("*")))

    def expand(self, links):
        resumed = None
        if self.outcome_files:
            p = links.pipeline
            split = (
                {
                    "links": links | "KeyLinks" >> beam.Map(lambda link: (link.url, link)),
                    "outcomes": p | "OutcomeFiles" >> beam.Create(self.outcome_files) | "ReadOutcomes" >> beam.FlatMap(read_outcomes),
                    "responses": p | "KeptWarcs" >> beam.Create(self.warc_files) | "ReadKept" >> beam.FlatMap(read_warc),
                }
                | "JoinPrevious" >> beam.CoGroupByKey()
                | "SplitResumed" >> beam.FlatMap(split_resumed)
            )
            links = split | "ToFetch" >> Select(TODO)
            resumed = split | "Resumed" >> Select(RESUMED, Page)
        if self.fetch_new:
            fetched = links | "FetchNew" >> FetchByHost(self.config, self.fetch_dir)
        else:
            fetched = links | "NotFetched" >> beam.Map(_not_fetched).with_output_types(Page)
        if resumed is None:
            return fetched
        return (fetched, resumed) | "AllPages" >> beam.Flatten()


class FetchPages(beam.PTransform):
    """Live fetches when warc_patterns is empty, else pages from those WARCs."""

    def __init__(self, config: Config, warc_patterns: list[str], out: str, fetch_new: bool = True):
        super().__init__()
        self.config = config
        self.out = out
        self.fetch_new = fetch_new
        self.warc_files = input_files(warc_patterns, "--warc")

    def expand(self, links):
        if not self.warc_files:
            return links | "Live" >> FetchLive(self.config, self.out, self.fetch_new)
        responses = (
            links.pipeline
            | "WarcFiles" >> beam.Create(self.warc_files)
            | "ReadWarc" >> beam.FlatMap(read_warc)
        )
        keyed_links = links | "KeyLinks" >> beam.Map(lambda link: (link.url, link))
        return (
            {"links": keyed_links, "responses": responses}
            | "JoinArchive" >> beam.CoGroupByKey()
            | "ToPages" >> beam.ParDo(JoinArchive(self.config)).with_output_types(Page)
        )
