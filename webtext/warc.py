"""Pages from WARC files, the web archive format, instead of the network.

The bundled sample is a WARC; so are Common Crawl's files and the archive the
fetch stage can keep. Only `response` records carry pages.
"""

import io
import uuid
from typing import BinaryIO, Iterator, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from webtext.config import Config
from webtext.fetch import response_error
from webtext.records import Link, Page


class WarcResponse(NamedTuple):
    url: str
    status: int
    content_type: str
    body: bytes


def iter_responses(stream: BinaryIO) -> Iterator[WarcResponse]:
    """Each HTTP response in a WARC (gzipped or not), body decoded."""
    for record in ArchiveIterator(stream):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        yield WarcResponse(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            status=int(record.http_headers.get_statuscode()),
            content_type=record.http_headers.get_header("Content-Type") or "",
            body=record.content_stream().read(),
        )


def page_from_response(link: Link, response: WarcResponse, config: Config) -> Page:
    """The Page a live fetch would have given, read from the archive."""
    error = response_error(response.status, response.content_type)
    if not error and len(response.body) > config.max_page_bytes:
        error = "too_large"
    body = b"" if error else response.body
    return Page(link, response.url, response.status, response.content_type, body, "warc", error)


def page_missing(link: Link) -> Page:
    """The Page for a link the archive has no response for."""
    return Page(link, link.url, 0, "", b"", "warc", "not_in_warc")


def write_response(writer: WARCWriter, url: str, status: int, content_type: str, body: bytes,
                   date: str | None = None) -> None:
    """Append one HTTP response record, as a crawler keeping its pages would.

    With a `date` (ISO 8601) the record is reproducible: that date, and a record
    id derived from the URL and date, instead of now and a random id.
    """
    reason = {200: "OK", 404: "Not Found"}.get(status, "Status")
    headers = StatusAndHeaders(
        f"{status} {reason}",
        [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    fixed = None
    if date:
        record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{date} {url}")
        fixed = {"WARC-Date": date, "WARC-Record-ID": f"<urn:uuid:{record_id}>"}
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                       warc_headers_dict=fixed)
    writer.write_record(record)

