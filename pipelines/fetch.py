"""Links -> Pages: fetched live, or read from WARC files."""

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count
from pipelines.reddit import match_files
from webtext import fetch, urls, warc
from webtext.config import Config
from webtext.records import Page

STAGE = "fetch"


def count_outcome(page: Page) -> Page:
    if page.error:
        count(STAGE, f"failed:{page.error}")
    else:
        count(STAGE, f"fetched:{page.source}")
    return page


class FetchLive(beam.DoFn):
    """One requests session per worker, reused for its connection pool."""

    def __init__(self, config: Config):
        self.config = config

    def setup(self):
        self.session = fetch.new_session(self.config)

    def process(self, link):
        yield count_outcome(fetch.fetch_page(self.session, link, self.config))

    def teardown(self):
        self.session.close()


def read_warc(path: str):
    """(normalised URL, response) for each response in one WARC file."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
        for response in warc.iter_responses(raw):
            count(STAGE, "warc_responses")
            try:
                yield urls.normalise_url(response.url), response
            except ValueError:
                count(STAGE, "warc_skipped:invalid_url")


def _preferred(responses: list) -> warc.WarcResponse:
    """A 200 if the archive has one (crawls repeat URLs), else the first."""
    return next((r for r in responses if r.status == 200), responses[0])


class JoinArchive(beam.DoFn):
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


class FetchPages(beam.PTransform):
    """Live fetches when warc_patterns is empty, else pages from those WARCs."""

    def __init__(self, config: Config, warc_patterns: list[str]):
        super().__init__()
        self.config = config
        self.warc_files = sorted({p for pattern in warc_patterns for p in match_files(pattern)})

    def expand(self, links):
        if not self.warc_files:
            spread = links | "SpreadLinks" >> beam.Reshuffle()
            return spread | "FetchLive" >> beam.ParDo(FetchLive(self.config)).with_output_types(Page)
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
