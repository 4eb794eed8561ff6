"""Pages -> Documents with trafilatura, each drop counted."""

import logging

import apache_beam as beam

from pipelines.counters import count, dropped
from webtext import extract
from webtext.config import Config
from webtext.records import Document

STAGE = "extract"


class ExtractDocument(beam.DoFn):
    def __init__(self, config: Config):
        self.config = config

    def setup(self):
        # trafilatura logs a warning per page it discards; we count those instead.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)

    def process(self, page):
        try:
            document = extract.extract_document(page, self.config)
        except extract.Dropped as drop:
            dropped(STAGE, drop.args[0])
            return
        count(STAGE, "documents")
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
