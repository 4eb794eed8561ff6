"""One WARC record out of a Common Crawl file, by one HTTP range request.

Common Crawl's WARC files are ~1 GiB of gzip members, one per record, and its
index gives each record's offset and length: so a page costs one request for
exactly its bytes. A server that ignores Range (200 and the whole file) is
refused before its body is read; a reply shorter than the record is
"truncated_record" (retried: a cut connection usually is transient).
"""

import io

from webtext.fetch import warc
from webtext.fetch.capture import Capture
from webtext.fetch.netguard import FetchError
from webtext.fetch.polite import ArchiveClient

# A record's compressed length, at most: Common Crawl truncates payloads at 1 MiB.
MAX_RECORD_BYTES = 8 * 2**20


def record_url(data_url: str, capture: Capture) -> str:
    return f"{data_url.rstrip('/')}/{capture.filename}"


def byte_range(capture: Capture) -> str:
    return f"bytes={capture.offset}-{capture.offset + capture.length - 1}"


def read_record(client: ArchiveClient, data_url: str, capture: Capture) -> warc.WarcResponse:
    """The response record at the capture's offset, decompressed and parsed; FetchError(reason) if not."""
    if not 0 < capture.length <= MAX_RECORD_BYTES:
        raise FetchError("bad_record")
    url = record_url(data_url, capture)
    for _ in range(client.config.retries + 1):
        try:
            reply = client.get(url, headers={"Range": byte_range(capture)}, accept=(206,), max_bytes=capture.length)
        except FetchError as err:
            if err.args[0] == "http_200":  # the whole file is coming: not one byte of it is read
                raise FetchError("range_ignored") from None
            if err.args[0] != "connection_error":  # a connection cut mid-record is worth another try
                raise
            continue
        if len(reply.body) == capture.length:
            return parse_record(reply.body)
    raise FetchError("truncated_record")


def parse_record(member: bytes) -> warc.WarcResponse:
    """The one response record in a gzip member of a WARC file."""
    try:
        responses = list(warc.iter_responses(io.BytesIO(member)))
    except warc.DamagedWarc:
        raise FetchError("bad_record") from None
    if not responses:
        raise FetchError("bad_record")
    return responses[0]
