"""Reddit submissions from Pushshift-format dumps: streaming, typed, filtered.

Dumps are NDJSON, compressed as zstd (with a 2 GiB window: the real files need
max_window_size=2**31), bz2, xz, gz, or plain. They are read as streams of
lines, never whole files. Real records drift in type across the years
(created_utc as int, float or string; score null; url null; subreddit missing),
so parsing is lenient where the meaning is clear and otherwise raises
Dropped with a reason the pipeline counts.
"""

import bz2
import gzip
import io
import lzma
from typing import BinaryIO, Iterator

import msgspec
import zstandard

from webtext.config import Config
from webtext.drops import Dropped
from webtext.records import Submission
from webtext.urls import host_of

ZSTD_MAX_WINDOW = 2**31
READ_CHUNK = 1 << 20
# Compressed bytes fed to zstd per call: a corrupt frame loses what that call
# would have produced, so small slices keep the records up to the damage.
ZSTD_SLICE = 128 << 10


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
            chunk = self.raw.read(ZSTD_SLICE)
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
# A "line" longer than this is a damaged file, not a submission.
MAX_LINE = 64 * 2**20


def iter_blocks(raw: BinaryIO, name: str) -> Iterator[bytes]:
    """The dump's NDJSON in blocks of whole lines, about READ_CHUNK bytes each.

    Blocks end at a newline byte, so a UTF-8 character is never cut in two. A
    file damaged part way yields the blocks before the damage, then raises
    Dropped("damaged_file") so the caller can count it and go on.
    """
    stream = decompressed(raw, name)
    tail = b""
    try:
        while chunk := stream.read(READ_CHUNK):
            data = tail + chunk
            cut = data.rfind(b"\n") + 1
            block, tail = data[:cut], data[cut:]
            if len(tail) > MAX_LINE:
                raise Dropped("damaged_file")
            if block:
                yield block
    except DAMAGE as err:
        raise Dropped("damaged_file") from err
    if tail.strip():
        yield tail


class _Fields(msgspec.Struct, gc=False):
    """The fields WebText reads; the decoder skips every other field unparsed.

    Untracked by the garbage collector (its fields cannot hold a cycle): a block's
    thousands of them, alive together, would otherwise set off collections
    that walk every object of a Beam worker.
    """

    id: str | None = None
    url: str | None = None
    domain: str | None = None
    subreddit: str | None = None
    score: int | float | None = None
    created_utc: int | float | str | None = None  # a string in 2014-2015 dumps
    is_self: bool | None = None
    over_18: bool | None = None


_DECODER = msgspec.json.Decoder(_Fields)
_ANY = msgspec.json.Decoder()


def _fields_leniently(line: bytes) -> _Fields:
    """The slow path for a line the typed decoder refused: a precise reason, or its fields."""
    try:
        record = _ANY.decode(line)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise Dropped("bad_json") from None
    if not isinstance(record, dict):
        raise Dropped("bad_json")
    try:
        # strict=False accepts "true" for a bool and "7" for a number.
        return msgspec.convert(record, _Fields, strict=False)
    except msgspec.ValidationError:
        raise Dropped("bad_types") from None


def _timestamp(value) -> int:
    if type(value) is int:  # nearly every record's: no float to make
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        raise Dropped("bad_created_utc") from None


def _submission(fields: _Fields) -> Submission:
    if not fields.id:
        raise Dropped("missing_id")
    if fields.score is None:
        raise Dropped("missing_score")
    url = fields.url or ""
    # In the record's field order, not by name: a NamedTuple built by keyword costs twice as much, 300,000
    # times a file.
    return Submission(fields.id, url, fields.domain or host_of(url), fields.subreddit or "", int(fields.score),
                      _timestamp(fields.created_utc), bool(fields.is_self), bool(fields.over_18))


def parse_submission(line: bytes) -> Submission | Dropped:
    """One dump line as a Submission, or why it is none."""
    try:
        try:
            fields = _DECODER.decode(line)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
            fields = _fields_leniently(line)
        return _submission(fields)
    except Dropped as unusable:
        return unusable


def parse_block(block: bytes) -> Iterator[Submission | Dropped]:
    """Each line's Submission, or the Dropped saying why it is none.

    The whole block is decoded in one call, which is most of the speed; a block
    with a bad line is decoded again line by line to find and name it.
    """
    try:
        all_fields = _DECODER.decode_lines(block)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        for line in block.splitlines():
            if line.strip():
                yield parse_submission(line)
        return
    for fields in all_fields:
        try:
            yield _submission(fields)
        except Dropped as bad:
            yield bad


def read_submissions(raw: BinaryIO, name: str) -> Iterator[Submission | Dropped]:
    """Every record of a dump file: a Submission, or a Dropped with its reason
    (the last one "damaged_file" if the file is cut short or corrupt)."""
    try:
        for block in iter_blocks(raw, name):
            yield from parse_block(block)
    except Dropped as damage:
        yield damage


def check_post(sub: Submission, config: Config) -> Dropped | None:
    """Why this post cannot give WebText a link, or None if it can."""
    if sub.is_self:
        return Dropped("self_post")
    if not sub.url:
        return Dropped("missing_url")
    if sub.over_18 and not config.keep_nsfw:
        return Dropped("nsfw")
    if sub.created_utc >= config.created_before:
        return Dropped("too_new")
    # Under the summed rule a low-karma repost still counts towards its URL.
    if config.karma_rule == "per_post" and sub.score < config.min_score:
        return Dropped("low_score")
    return None
