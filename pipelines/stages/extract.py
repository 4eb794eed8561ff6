"""Pages -> Documents with trafilatura, each drop counted; with --respect-optouts, pages that opt out
of AI training dropped first (webtext/extract/optouts.py: each host's files kept under OUT/optouts/)."""

import json
from urllib.parse import quote

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count, count_loss
from webtext import counts, layout
from webtext.config import Config
from webtext.drops import Dropped
from webtext.extract import extraction, optouts
from webtext.extract.deadline import TimeLimited
from webtext.fetch.netguard import guarded_session
from webtext.links.posts import fetch_url
from webtext.records import Document

STAGE = "extract"


class KeptHostFiles:
    """A host's opt-out files, kept as OUT/optouts/<origin>.json."""

    def __init__(self, out: str):
        self.folder = FileSystems.join(out, layout.OPTOUT_DIR)

    def _path(self, origin: str) -> str:
        return FileSystems.join(self.folder, quote(origin, safe="") + ".json")

    def load(self, origin: str) -> dict | None:
        path = self._path(origin)
        if not FileSystems.exists(path):
            return None
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            return json.loads(f.read())

    def save(self, origin: str, files: dict) -> None:
        with FileSystems.create(self._path(origin), compression_type=CompressionTypes.UNCOMPRESSED) as f:
            f.write(json.dumps(files).encode())


class ExtractDocument(beam.DoFn):
    def __init__(self, config: Config, out: str):
        self.config = config
        self.out = out
        # Runs on the calling thread, in any worker (daemonic ones included), so a page
        # that hangs extraction is stopped (dropped:timeout) whatever the runner.
        self.extract_main_text = TimeLimited(extraction.extract_main_text, config.extract_time_limit_s)

    def setup(self):
        self.host_files = None
        if self.config.respect_optouts:
            kept = KeptHostFiles(self.out)
            session = guarded_session(self.config, pool_size=16)
            timeout = (self.config.connect_timeout_s, self.config.read_timeout_s)
            self.host_files = optouts.HostFiles(session, timeout, kept.load, kept.save)

    def process(self, page):
        if self.host_files is not None:
            url = fetch_url(page.link)
            html = page.body[: optouts.HEAD_CHARS].decode("utf-8", errors="replace")
            reason = optouts.optout_reason(url, tuple(page.headers), html, self.host_files.of(url))
            if reason:
                count_loss(STAGE, counts.DROPPED, Dropped(reason))
                return
        document = extraction.extract_document(page, self.config, self.extract_main_text)
        if isinstance(document, Dropped):
            count_loss(STAGE, counts.DROPPED, document)
            return
        count(counts.DOCUMENTS)
        yield document


class ExtractDocuments(beam.PTransform):
    def __init__(self, config: Config, out: str):
        super().__init__()
        self.config = config
        self.out = out

    def expand(self, pages):
        return (
            pages
            | "Fetched" >> beam.Filter(lambda page: not page.error)
            | "Extract" >> beam.ParDo(ExtractDocument(self.config, self.out)).with_output_types(Document)
        )
