"""Pages -> Documents with trafilatura, each drop counted."""

import apache_beam as beam

from pipelines.counters import count, count_loss
from webtext import counts
from webtext.config import Config
from webtext.drops import Dropped
from webtext.extract import extraction
from webtext.extract.sandbox import Sandbox
from webtext.records import Document

STAGE = "extract"


class ExtractDocument(beam.DoFn):
    def __init__(self, config: Config):
        self.config = config
        self.sandbox = None

    def setup(self):
        # One child process per DoFn instance runs the extraction, so a page that
        # hangs it is stopped (dropped:timeout) on whatever thread Beam calls us.
        self.sandbox = Sandbox(extraction.extract_main_text, self.config.extract_time_limit_s)

    def process(self, page):
        document = extraction.extract_document(page, self.config, self.sandbox)
        if isinstance(document, Dropped):
            count_loss(STAGE, counts.DROPPED, document)
            return
        count(counts.DOCUMENTS)
        yield document

    def teardown(self):
        if self.sandbox is not None:
            self.sandbox.close()


class ExtractDocuments(beam.PTransform):
    def __init__(self, config: Config):
        super().__init__()
        self.config = config

    def expand(self, pages):
        return (
            pages
            | "Fetched" >> beam.Filter(lambda page: not page.error)
            | "Extract" >> beam.ParDo(ExtractDocument(self.config)).with_output_types(Document)
        )
