"""Reading Pushshift-format dumps: every compression, real-dump quirks, damage."""

import bz2
import gzip
import io
import json
import lzma
import random
from pathlib import Path

import pytest
import zstandard

from webtext.config import Config
from webtext.drops import Dropped
from webtext.links import reddit
from webtext.records import Submission

RECORDS = [
    {"id": "a1", "url": "https://example.com/one", "domain": "example.com", "subreddit": "news",
     "score": 10, "created_utc": 1500000000, "is_self": False, "over_18": False},
    {"id": "a2", "url": "https://example.com/café-ü", "subreddit": "europe", "score": "7",
     "created_utc": "1400000000", "retrieved_utc": 1400000100, "_meta": {"note": "x"}},
    {"id": "a3", "url": "https://example.com/three", "score": 4, "created_utc": 1300000000.0},
]


def _ndjson(records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def _zst_2gib_window(data: bytes) -> bytes:
    """As the dumps were written: `zstd --long=31`, with the CLI's frame checksum."""
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31, enable_ldm=True, write_checksum=True)
    out = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as w:
        w.write(data)
    return out.getvalue()


COMPRESSORS = {
    "RS_2017-01.zst": _zst_2gib_window,
    "RS_2017-01.bz2": bz2.compress,
    "RS_v2_2008-01.xz": lzma.compress,
    "RS_2017-01.gz": gzip.compress,
    "RS_2017-01.ndjson": lambda data: data,
}


def _read(name: str, data: bytes) -> list:
    return list(reddit.read_submissions(io.BytesIO(data), name))


@pytest.mark.parametrize("name", sorted(COMPRESSORS))
def test_every_dump_format_reads_the_same_submissions(name):
    subs = _read(name, COMPRESSORS[name](_ndjson(RECORDS)))
    assert [s.id for s in subs] == ["a1", "a2", "a3"]
    assert subs[1].url == "https://example.com/café-ü"


def test_zst_dumps_need_the_2gib_window_that_default_readers_refuse():
    data = _zst_2gib_window(_ndjson(RECORDS))
    with pytest.raises(zstandard.ZstdError):
        zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    assert len(_read("RS_2017-01.zst", data)) == 3


def test_a_character_split_across_read_chunks_decodes_whole():
    # Put a 4-byte UTF-8 character across the reader's 1 MiB chunk boundary.
    filler = "x" * (reddit.READ_CHUNK - 60)
    record = {"id": "big", "url": "https://example.com/" + filler + "🦀" * 40, "score": 5, "created_utc": 1}
    subs = _read("RS_2017-01.zst", _zst_2gib_window(_ndjson([record, RECORDS[0]])))
    assert subs[0].url.endswith("🦀" * 40) and subs[1].id == "a1"


def test_strings_where_numbers_and_bools_belong_are_read():
    sub = reddit.parse_submission(b'{"id": "x", "url": "https://a.com", "score": "12", "created_utc": "1.5e9", "is_self": "false", "over_18": 0}')
    assert (sub.score, sub.created_utc, sub.is_self, sub.over_18) == (12, 1500000000, False, False)


def test_a_block_with_one_bad_line_loses_only_that_line():
    block = _ndjson(RECORDS[:2]) + b"{broken\n" + _ndjson(RECORDS[2:])
    results = list(reddit.parse_block(block))
    assert [r.id if isinstance(r, Submission) else r.reason for r in results] == ["a1", "a2", "bad_json", "a3"]


def test_corrupt_bytes_mid_file_count_as_damage():
    rng = random.Random(0)
    records = [dict(RECORDS[0], id=f"r{i}", url=f"https://a.com/{rng.getrandbits(160):x}") for i in range(20000)]
    data = bytearray(_zst_2gib_window(_ndjson(records)))
    data[len(data) // 2 : len(data) // 2 + 64] = rng.randbytes(64)
    *kept, damage = _read("RS_2017-01.zst", bytes(data))
    assert damage.reason == "damaged_file" and 0 < len(kept) < len(records)


def test_types_drift_as_in_real_dumps():
    sub = reddit.parse_submission(json.dumps(RECORDS[1]).encode())
    assert (sub.score, sub.created_utc, sub.domain, sub.is_self) == (7, 1400000000, "example.com", False)
    sub = reddit.parse_submission(json.dumps(RECORDS[2]).encode())
    assert (sub.created_utc, sub.subreddit) == (1300000000, "")


@pytest.mark.parametrize("line, reason", [
    (b'{"id": "x", "score": 3, "created_', "bad_json"),
    (b"\xff\xfe not utf-8", "bad_json"),
    (b"[1, 2]", "bad_json"),
    (b'{"id": "x", "url": {"not": "a string"}, "score": 3, "created_utc": 1}', "bad_types"),
    (b'{"url": "https://a.com", "score": 3, "created_utc": 1}', "missing_id"),
    (b'{"id": "x", "url": "https://a.com", "score": null, "created_utc": 1}', "missing_score"),
    (b'{"id": "x", "url": "https://a.com", "score": 3, "created_utc": "soon"}', "bad_created_utc"),
    (b'{"id": "x", "url": "https://a.com", "score": 3}', "bad_created_utc"),
])
def test_unusable_lines_give_a_reason(line, reason):
    dropped = reddit.parse_submission(line)
    assert isinstance(dropped, Dropped) and dropped.reason == reason


@pytest.mark.parametrize("name", ["RS_2017-01.zst", "RS_2017-01.bz2", "RS_v2_2008-01.xz", "RS_2017-01.gz"])
def test_a_truncated_file_keeps_the_records_before_the_damage(name):
    records = [dict(RECORDS[0], id=f"r{i}", url=f"https://example.com/{i}") for i in range(20000)]
    data = COMPRESSORS[name](_ndjson(records))
    *kept, damage = _read(name, data[: len(data) * 2 // 3])
    assert isinstance(damage, Dropped) and damage.reason == "damaged_file"
    # At most the one line cut by the damage is lost; no other record goes missing.
    kept = [r for r in kept if isinstance(r, Submission)]
    assert 0 < len(kept) < len(records)
    assert [s.id for s in kept] == [f"r{i}" for i in range(len(kept))]


def _reason(dropped: Dropped | None) -> str | None:
    return dropped.reason if dropped else None


def _sub(**changes) -> Submission:
    base = Submission("id", "https://a.com/x", "a.com", "news", 3, 1500000000, False, False)
    return base._replace(**changes)


@pytest.mark.parametrize("changes, reason", [
    ({}, None),
    ({"is_self": True}, "self_post"),
    ({"url": ""}, "missing_url"),
    ({"over_18": True}, "nsfw"),
    ({"created_utc": 1514764800}, "too_new"),
    ({"created_utc": 1514764799}, None),
    ({"score": 2}, "low_score"),
])
def test_post_rules_follow_gpt2(changes, reason):
    assert _reason(reddit.check_post(_sub(**changes), Config())) == reason


def test_post_rules_are_configurable():
    assert reddit.check_post(_sub(score=2), Config(karma_rule="summed")) is None
    assert reddit.check_post(_sub(score=4), Config(min_score=5)).reason == "low_score"
    assert reddit.check_post(_sub(over_18=True), Config(keep_nsfw=True)) is None
    assert reddit.check_post(_sub(created_utc=1600000000), Config(created_before=1700000000)) is None


def test_records_from_every_era_read_with_their_quirks():
    # tests/fixtures/submissions_eras.ndjson: hand-written in the shapes of real
    # Pushshift (2005-2019) and Arctic Shift (2024) records.
    path = Path(__file__).parent / "fixtures" / "submissions_eras.ndjson"
    with open(path, "rb") as f:
        results = list(reddit.read_submissions(f, path.name))
    outcome = {}
    for r in results:
        if isinstance(r, Dropped):
            outcome.setdefault("skipped", []).append(r.reason)
        else:
            outcome[r.id] = _reason(reddit.check_post(r, Config()))
    assert outcome == {
        "1a": None, "1xyz": None, "2gk3x1": "low_score", "2gk3x2": "self_post",
        "skipped": ["missing_score"], "7abc02": "missing_url", "7abc03": None,
        "ag1b2c": "nsfw", "1agx0a1": "too_new",
    }
    by_id = {r.id: r for r in results if isinstance(r, Submission)}
    assert by_id["2gk3x1"].created_utc == 1410307200 and by_id["7abc03"].subreddit == ""
    assert by_id["1xyz"].created_utc == 1181001234 and by_id["1a"].over_18 is False
