"""Reddit submissions from Pushshift-format dumps: streaming, typed, filtered.

Dumps are NDJSON, compressed as zstd (with a 2 GiB window: the real files need
max_window_size=2**31), bz2, xz, gz, or plain. They are read as streams of
lines, never whole files. Real records drift in type across the years
(created_utc as int, float or string; score null; url null; subreddit missing),
so parsing is lenient where the meaning is clear and otherwise raises
BadRecord with a reason the pipeline counts.
"""

import bz2
import gzip
import io
import json
import lzma
from typing import BinaryIO, Iterator

import zstandard

from webtext.config import Config
from webtext.records import Submission
from webtext.urls import host_of

ZSTD_MAX_WINDOW = 2**31
READ_CHUNK = 1 << 20


class BadRecord(ValueError):
    """A dump line that is not a usable submission; args[0] is the reason."""

    @property
    def reason(self) -> str:
        return self.args[0]


class ZstdStream(io.RawIOBase):
    """Decompressed zstd frames, raising EOFError when the last one is cut short.

    zstandard's own stream_reader ends quietly at a truncated frame, which would
    hide a damaged dump; a decompressobj tells us whether each frame finished.
    """

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self.frame = self.decompressor.decompressobj()
        self.in_frame = False
        self.pending, self.offset = b"", 0

    def readable(self) -> bool:
        return True

    def _decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            self.in_frame = True
            out.append(self.frame.decompress(data))
            data = self.frame.unused_data if self.frame.eof else b""
            if self.frame.eof:
                self.frame, self.in_frame = self.decompressor.decompressobj(), False
        return b"".join(out)

    def readinto(self, buffer) -> int:
        while self.offset == len(self.pending):
            chunk = self.raw.read(READ_CHUNK)
            if not chunk:
                if self.in_frame:
                    raise EOFError("zstd frame cut short")
                return 0
            self.pending, self.offset = self._decompress(chunk), 0
        n = min(len(buffer), len(self.pending) - self.offset)
        buffer[:n] = memoryview(self.pending)[self.offset : self.offset + n]
        self.offset += n
        return n


def decompressed(raw: BinaryIO, name: str) -> BinaryIO:
    """A binary stream of the dump's NDJSON, chosen by the file name's suffix."""
    if name.endswith(".zst"):
        return io.BufferedReader(ZstdStream(raw), READ_CHUNK)
    if name.endswith(".bz2"):
        return bz2.BZ2File(raw)
    if name.endswith(".xz"):
        return lzma.LZMAFile(raw)
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)
    return raw


# What a damaged compressed file raises part way through.
DAMAGE = (zstandard.ZstdError, OSError, EOFError, lzma.LZMAError)


def iter_lines(raw: BinaryIO, name: str) -> Iterator[bytes]:
    """Each non-empty line of the dump.

    Lines are split on bytes, so a UTF-8 character can never be cut in two.
    A file damaged part way yields the lines before the damage, then raises
    BadRecord("damaged_file") so the caller can count it and go on.
    """
    stream = decompressed(raw, name)
    try:
        for line in stream:
            if line.strip():
                yield line
    except DAMAGE as err:
        raise BadRecord("damaged_file") from err


def _as_int(value, reason: str) -> int:
    """Pushshift's numbers arrive as int, float or numeric string."""
    if isinstance(value, bool) or value is None:
        raise BadRecord(reason)
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise BadRecord(reason) from None


def parse_submission(line: bytes) -> Submission:
    """One dump line as a Submission, or BadRecord(reason)."""
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRecord("bad_json") from None
    if not isinstance(record, dict):
        raise BadRecord("bad_json")
    if not record.get("id"):
        raise BadRecord("missing_id")
    url = record.get("url") or ""
    return Submission(
        id=str(record["id"]),
        url=url,
        domain=record.get("domain") or host_of(url),
        subreddit=record.get("subreddit") or "",
        score=_as_int(record.get("score"), "missing_score"),
        created_utc=_as_int(record.get("created_utc"), "bad_created_utc"),
        is_self=bool(record.get("is_self")),
        over_18=bool(record.get("over_18")),
    )


def drop_reason(sub: Submission, config: Config) -> str | None:
    """Why this post cannot give WebText a link, or None if it can."""
    if sub.is_self:
        return "self_post"
    if not sub.url:
        return "missing_url"
    if sub.over_18 and not config.keep_nsfw:
        return "nsfw"
    if sub.created_utc >= config.created_before:
        return "too_new"
    # Under the summed rule a low-karma repost still counts towards its URL.
    if config.karma_rule == "per_post" and sub.score < config.min_score:
        return "low_score"
    return None
