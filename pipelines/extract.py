"""Pages -> Documents with trafilatura, each drop counted."""

import apache_beam as beam

from pipelines.counters import count, count_loss
from webtext import counts
from webtext.config import Config
from webtext.drops import Dropped
from webtext.extract import extraction
from webtext.extract.deadline import TimeLimited
from webtext.records import Document

STAGE = "extract"


class ExtractDocument(beam.DoFn):
    def __init__(self, config: Config):
        self.config = config
        # Runs on the calling thread, in any worker (daemonic ones included), so a page
        # that hangs extraction is stopped (dropped:timeout) whatever the runner.
        self.extract_main_text = TimeLimited(extraction.extract_main_text, config.extract_time_limit_s)

    def process(self, page):
        document = extraction.extract_document(page, self.config, self.extract_main_text)
        if isinstance(document, Dropped):
            count_loss(STAGE, counts.DROPPED, document)
            return
        count(counts.DOCUMENTS)
        yield document


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
