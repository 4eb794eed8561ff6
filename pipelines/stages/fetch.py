"""Links -> Pages: from WARC files given, then from the page sources in the order
asked (Common Crawl, the Wayback Machine, live: webtext.fetch.chain), resumably.
With --commoncrawl-columnar, Common Crawl's lookup is a join with its columnar
index before the fetch (pipelines/stages/columnar.py), and the fetch only reads records.

Fetching groups links by a hash of their host, so all of a host's links meet on
one worker and its per-host limit holds for the whole run; each group is
fetched by a pool of threads (webtext.fetch.crawl). Every fetch, from whichever
source, is written to OUT/fetch/ (WARC + outcome lines) as it completes. On a
rerun, links with an outcome there are not fetched again: their pages are
rebuilt from those files, and no archive is asked again.
"""

import time
import zlib

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count
from pipelines.files import input_files, matching
from pipelines.neutral import Select, WithValue, only_one
from pipelines.stages.columnar import ColumnarLookup, index_plan
from pipelines.stages.rebuild import RecipeCaptures, with_captures
from webtext import counts, layout, urls
from webtext.cli import UsageError
from webtext.config import Config
from webtext.fetch import commoncrawl, crawl, outcomes, warc
from webtext.fetch.capture import distance_bucket
from webtext.fetch.netguard import FetchError
from webtext.fetch.chain import PageChain, page_order
from webtext.fetch.sources import checked_payload
from webtext.links.posts import fetch_url
from webtext.records import Page

STAGE = "fetch"
# Links per host-hash bucket: enough hosts in each for the threads to stay busy.
LINKS_PER_BUCKET = 20_000


def count_outcome(page: Page) -> Page:
    created = page.link.first_created_utc
    year = time.gmtime(created).tm_year
    count(counts.with_reason(counts.YEAR_LINKS, str(year)))
    if page.error:
        count(counts.lost(STAGE, counts.FAILED, page.error))
    else:
        count(counts.with_reason(counts.FETCHED, page.source))
        count(counts.with_reason(counts.YEAR_PAGES, f"{year}.{page.source}"))
        if page.capture_time:
            count(counts.with_reason(counts.CAPTURE_DAYS, f"{page.source}.{distance_bucket(page.capture_time, created)}"))
    if page.live_error and not page.error:
        count(counts.with_reason(counts.ARCHIVE_RESCUED, page.live_error))
    for attempt in page.attempts[:-1]:  # sources that had nothing, before the one that settled it
        count(counts.with_reason(counts.SOURCE_MISSED, attempt.replace(":", ".", 1)))
    return page


def count_cost(page: Page) -> None:
    """The sources a link fetched now was asked of, and their index requests (a resumed link costs nothing)."""
    for attempt, requests in zip(page.attempts, page.index_requests):
        source = attempt.split(":", 1)[0]
        count(counts.with_reason(counts.ASKED, source))
        if requests:
            count(counts.with_reason(counts.INDEX_REQUESTS, source), requests)


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


TODO, RESUMED, FOUND = "todo", "resumed", "found"


class JoinArchive(beam.DoFn):
    """Pages for links from WARC files someone else wrote (or the sample's).

    With sources after warc, a link the files lack is passed on as (TODO, link)
    and a page as (FOUND, page). In a rebuild, each page's payload is checked
    against its recipe row's hash.
    """

    def __init__(self, config: Config, more_sources: bool = False):
        self.config = config
        self.more_sources = more_sources

    def process(self, joined):
        _, group = joined
        responses = list(group["responses"])
        expected = [capture.payload_sha256 for capture in group.get("captures", ())]
        for link in group["links"]:
            if responses:
                page = warc.page_from_response(link, _preferred(responses), self.config)
                page = count_outcome(checked_payload(page, expected[0]) if expected else page)
                yield (FOUND, page) if self.more_sources else page
            elif self.more_sources:
                count(counts.with_reason(counts.SOURCE_MISSED, "warc.not_in_warc"))
                yield TODO, link
            else:
                yield count_outcome(warc.page_missing(link))


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
    """All links of a bucket of hosts, many threads at once, a few per host, each from its sources in order.

    Elements are (link, found): found is what the columnar join gave the link (None without one).
    """

    def __init__(self, config: Config, fetch_dir: str, order: tuple[str, ...], crawls):
        self.config = config
        self.fetch_dir = fetch_dir
        self.order = order
        self.crawls = crawls

    def setup(self):
        self.fetcher = PageChain(self.config, self.order, self.crawls)

    def process(self, bucket_and_items):
        _, items = bucket_and_items
        log = outcomes.FetchLog(self._create)
        try:
            pages = crawl.run_concurrently(
                items, lambda item: self.fetcher.fetch(*item), lambda item: urls.host_of(fetch_url(item[0])),
                self.config.fetch_concurrency, self.config.max_per_host)
            for page in pages:
                log.write(page)
                count_cost(page)
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


def crawl_list(config: Config, fetch_dir: str):
    """Common Crawl's crawls, from OUT/fetch/collinfo.json, else from the index (then kept there).

    None when neither can be read: the source then fails each link as no_crawl_list, counted.
    """
    path = FileSystems.join(fetch_dir, layout.CRAWL_LIST)
    try:
        if FileSystems.exists(path):
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                return commoncrawl.parse_collinfo(f.read())
        body = commoncrawl.fetch_collinfo(config)
        crawls = commoncrawl.parse_collinfo(body)
    except (FetchError, ValueError, KeyError):
        return None
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(body)
    return crawls


class FetchByHost(beam.PTransform):
    """Links grouped into host-hash buckets, each bucket fetched by one FetchBucket."""

    def __init__(self, config: Config, fetch_dir: str, order: tuple[str, ...], recipe: str = ""):
        super().__init__()
        self.config = config
        self.fetch_dir = fetch_dir
        self.order = order
        self.recipe = recipe  # a rebuild: each link's capture is the recipe's (pipelines/stages/rebuild.py)
        # Read here, at construction, like the inputs: once per run, never per worker.
        self.crawls = crawl_list(config, fetch_dir) if "commoncrawl" in order else None
        # The columnar index's files (listed now) and its crawls: the lookup becomes a join.
        self.index_files = None
        if "commoncrawl" in order and config.commoncrawl_columnar:
            self.index_files, self.crawls = index_plan(config, self.crawls)

    def expand(self, links):
        if self.index_files is not None:
            items = links | "LookUpColumnar" >> ColumnarLookup(self.config, self.index_files, self.crawls,
                                                                 self.fetch_dir)
        elif self.recipe:
            items = with_captures(links, self.recipe)
        else:
            items = links | "NoLookup" >> beam.Map(lambda link: (link, None))
        total = only_one(items, "CountLinks", beam.combiners.CountCombineFn())
        return (
            items
            | "WithTotal" >> WithValue(total, lambda item: zlib.crc32(item[0].url.encode()))
            | "ByHost" >> beam.MapTuple(lambda item, n: (_host_bucket(item[0], max(1, n // LINKS_PER_BUCKET)), item))
            | "GroupHosts" >> beam.GroupByKey()
            | "Fetch" >> beam.ParDo(FetchBucket(self.config, self.fetch_dir, self.order, self.crawls))
            .with_output_types(Page)
        )


class FetchLive(beam.PTransform):
    """Links to pages from the sources of `order` (warc aside), resuming what OUT/fetch/ holds."""

    def __init__(self, config: Config, out: str, order: tuple[str, ...], fetch_new: bool = True, recipe: str = ""):
        super().__init__()
        self.config = config
        self.order = order
        self.fetch_new = fetch_new
        self.recipe = recipe
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
            fetched = links | "FetchNew" >> FetchByHost(self.config, self.fetch_dir, self.order, self.recipe)
        else:
            fetched = links | "NotFetched" >> beam.Map(_not_fetched).with_output_types(Page)
        if resumed is None:
            return fetched
        return (fetched, resumed) | "AllPages" >> beam.Flatten()


class FetchPages(beam.PTransform):
    """Pages from the sources in the order asked: the WARC files given first, if any, then fetched."""

    def __init__(self, config: Config, warc_patterns: list[str], out: str, fetch_new: bool = True,
                 dumps_given: bool = True, recipe: str = ""):
        super().__init__()
        self.config = config
        self.out = out
        self.fetch_new = fetch_new
        self.recipe = recipe  # a rebuild's recipe folder: its captures, read exactly and checked
        self.warc_files = input_files(warc_patterns, "--warc")
        try:
            self.order = page_order(config, bool(self.warc_files), dumps_given, rebuild=bool(recipe))
        except ValueError as err:
            raise UsageError(str(err)) from None

    def expand(self, links):
        if self.order[0] != "warc":
            return links | "Live" >> FetchLive(self.config, self.out, self.order, self.fetch_new, self.recipe)
        responses = (
            links.pipeline
            | "WarcFiles" >> beam.Create(self.warc_files)
            | "ReadWarc" >> beam.FlatMap(read_warc)
        )
        keyed_links = links | "KeyLinks" >> beam.Map(lambda link: (link.url, link))
        more = len(self.order) > 1
        to_pages = beam.ParDo(JoinArchive(self.config, more))
        joining = {"links": keyed_links, "responses": responses}
        if self.recipe:
            joining["captures"] = links.pipeline | "ExpectedPayloads" >> RecipeCaptures(self.recipe)
        joined = (
            joining
            | "JoinArchive" >> beam.CoGroupByKey()
            | "ToPages" >> (to_pages if more else to_pages.with_output_types(Page))
        )
        if not more:
            return joined
        found = joined | "Found" >> Select(FOUND, Page)
        fetched = joined | "NotInWarc" >> Select(TODO) | "Fetch" >> FetchLive(self.config, self.out, self.order[1:],
                                                                              self.fetch_new, self.recipe)
        return (found, fetched) | "AllPages" >> beam.Flatten()
