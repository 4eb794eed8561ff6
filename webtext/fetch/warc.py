"""Pages from WARC files, the web archive format, instead of the network.

The bundled sample is a WARC; so are Common Crawl's files and the archive the
fetch stage can keep. Only `response` records carry pages.
"""

import io
import uuid
from http import HTTPStatus
from typing import BinaryIO, Iterator, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from webtext.config import Config
from webtext.fetch.client import response_error, signal_headers
from webtext.records import Link, Page

# Our own header: the normalised URL of the link a response was fetched for
# (the target URI may be a redirect's end or an archive capture).
LINK_HEADER = "WARC-Webtext-Link"


class WarcResponse(NamedTuple):
    url: str
    status: int
    content_type: str
    body: bytes
    link_url: str = ""  # LINK_HEADER, when we wrote the record
    headers: tuple[str, ...] = ()  # the response's opt-out signal headers (client.signal_headers)


class DamagedWarc(Exception):
    """A WARC cut short or corrupt; the records before the damage were read."""


def iter_responses(stream: BinaryIO) -> Iterator[WarcResponse]:
    """Each HTTP response in a WARC (gzipped or not), body decoded.

    A file cut short (a crawler killed mid-write) yields what came before, then
    raises DamagedWarc.
    """
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            yield WarcResponse(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(record.http_headers.get_statuscode()),
                content_type=record.http_headers.get_header("Content-Type") or "",
                body=record.content_stream().read(),
                link_url=record.rec_headers.get_header(LINK_HEADER) or "",
                headers=signal_headers(record.http_headers.headers),
            )
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as err:
        raise DamagedWarc(str(err)) from err


def page_from_response(link: Link, response: WarcResponse, config: Config) -> Page:
    """The Page a live fetch would have given, read from the archive."""
    error = response_error(response.status, response.content_type)
    if not error and len(response.body) > config.max_page_bytes:
        error = "too_large"
    body = b"" if error else response.body
    return Page(link, response.url, response.status, response.content_type, body, "warc", error,
                headers=response.headers)


def page_missing(link: Link) -> Page:
    """The Page for a link the archive has no response for."""
    return Page(link, link.url, 0, "", b"", "warc", "not_in_warc")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def write_response(writer: WARCWriter, url: str, status: int, content_type: str, body: bytes,
                   date: str | None = None, link_url: str = "", headers: tuple[str, ...] = ()) -> None:
    """Append one HTTP response record, as a crawler keeping its pages would.

    With a `date` (ISO 8601) the record is reproducible: that date, and a record
    id derived from the URL and date, instead of now and a random id.
    """
    headers = StatusAndHeaders(
        f"{status} {_phrase(status)}",
        [("Content-Type", content_type), ("Content-Length", str(len(body))),
         *(tuple(header.split(": ", 1)) for header in headers)],
        protocol="HTTP/1.1",
    )
    extra = {LINK_HEADER: link_url} if link_url else {}
    if date:
        record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{date} {url}")
        extra.update({"WARC-Date": date, "WARC-Record-ID": f"<urn:uuid:{record_id}>"})
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                       warc_headers_dict=extra or None)
    writer.write_record(record)

