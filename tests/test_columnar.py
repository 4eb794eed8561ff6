"""Common Crawl's columnar URL index as a join: real Parquet files in Common Crawl's layout
(every column of its flat schema, its types, INT96 times as Spark writes them, parts sorted by
SURT key), records served by range from the fake archives on 127.0.0.1 (tests/conftest.py)."""

import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from tests.test_sources import CRAWLS, DAY, POSTED, add_crawl_file, page_html
from webtext import collect, layout
from webtext.cli import UsageError
from webtext.config import Config
from webtext.fetch import columnar, keyfilter
from webtext.fetch.capture import stamp, unix_time
from webtext.fetch.netguard import FetchError
from webtext.fetch.surt import surt_key
from webtext.urls import normalise_url

# Common Crawl's flat schema (cc-index-table's cc-index-schema-flat.json), less the partition columns.
STRING = pa.string()
SCHEMA = pa.schema(
    [(name, STRING) for name in ("url_surtkey", "url", "url_host_name", "url_host_tld", "url_host_2nd_last_part",
                                 "url_host_3rd_last_part", "url_host_4th_last_part", "url_host_5th_last_part",
                                 "url_host_registry_suffix", "url_host_registered_domain", "url_host_private_suffix",
                                 "url_host_private_domain", "url_host_name_reversed", "url_protocol")]
    + [("url_port", pa.int32()), ("url_path", STRING), ("url_query", STRING),
       ("fetch_time", pa.timestamp("us", tz="UTC")), ("fetch_status", pa.int16())]
    + [(name, STRING) for name in ("fetch_redirect", "content_digest", "content_mime_type", "content_mime_detected",
                                   "content_charset", "content_languages", "content_truncated", "warc_filename")]
    + [("warc_record_offset", pa.int32()), ("warc_record_length", pa.int32()), ("warc_segment", STRING)])


def index_row(url: str, when: int, status: int, mime: str, filename: str, offset: int, length: int) -> dict:
    parts = urlsplit(url)
    labels = parts.hostname.split(".")
    padded = list(reversed(labels)) + [None] * 5
    return {
        "url_surtkey": surt_key(url), "url": url, "url_host_name": parts.hostname, "url_host_tld": padded[0],
        "url_host_2nd_last_part": padded[1], "url_host_3rd_last_part": padded[2], "url_host_4th_last_part": padded[3],
        "url_host_5th_last_part": padded[4], "url_host_registry_suffix": labels[-1],
        "url_host_registered_domain": ".".join(labels[-2:]), "url_host_private_suffix": labels[-1],
        "url_host_private_domain": ".".join(labels[-2:]), "url_host_name_reversed": ".".join(reversed(labels)),
        "url_protocol": parts.scheme, "url_port": parts.port, "url_path": parts.path or "/",
        "url_query": parts.query or None, "fetch_time": when * 1_000_000, "fetch_status": status,
        "fetch_redirect": None, "content_digest": "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ",
        "content_mime_type": mime, "content_mime_detected": mime, "content_charset": "UTF-8",
        "content_languages": "eng", "content_truncated": None, "warc_filename": filename,
        "warc_record_offset": offset, "warc_record_length": length, "warc_segment": filename.split("/")[3],
    }


def filler_rows(crawl: str, n: int, start: int) -> list[dict]:
    """Rows of URLs no link has, of every kind the table holds."""
    statuses, mimes = (200, 200, 200, 301, 404), ("text/html", "text/html", "application/pdf", "image/jpeg")
    filename = f"crawl-data/{crawl}/segments/1500000000001.0/warc/{crawl}-20170720000000-00001.warc.gz"
    return [index_row(f"https://site{i % 37}.example.org/page/{i}?b=2&a={i}", start + i * 60, statuses[i % 5],
                      mimes[i % 4], filename, 1000 * i, 900 + i) for i in range(n)]


def write_crawl(root: Path, crawl: str, rows: list[dict], parts: int = 3, mime_detected: bool = True) -> list[Path]:
    """ROOT/crawl=CRAWL/subset=warc/part-*.c000.gz.parquet, rows sorted by SURT key across the parts,
    small row groups, times as INT96 (Spark's default)."""
    folder = root / f"crawl={crawl}" / "subset=warc"
    folder.mkdir(parents=True)
    rows = sorted(rows, key=lambda r: (r["url_surtkey"], r["fetch_time"]))
    schema = SCHEMA if mime_detected else SCHEMA.remove(SCHEMA.get_field_index("content_mime_detected"))
    if not mime_detected:
        rows = [{k: v for k, v in r.items() if k != "content_mime_detected"} for r in rows]
    paths = []
    for part in range(parts):
        chunk = rows[part * len(rows) // parts:(part + 1) * len(rows) // parts]
        path = folder / f"part-{part:05d}-4b2c091d-24db-4248-8c3c-817fd04b7a85.c000.gz.parquet"
        pq.write_table(pa.Table.from_pylist(chunk, schema=schema), path, row_group_size=40, compression="gzip",
                       use_deprecated_int96_timestamps=True)
        paths.append(path)
    return paths


def rows_from_cdx(fake, crawl: str, overrides: dict | None = None) -> list[dict]:
    """The columnar rows of the captures add_crawl_file put in the fake CDX index (same records)."""
    rows = []
    for url, cdx_rows in fake.cc_index.get(crawl, {}).items():
        for r in cdx_rows:
            status, mime = overrides.get((url, r["timestamp"]), (int(r["status"]), r["mime"])) if overrides else (
                int(r["status"]), r["mime"])
            rows.append(index_row(url, unix_time(r["timestamp"]), status, mime, r["filename"], int(r["offset"]), int(r["length"])))
    return rows


def dump_of(path: Path, posts: list[tuple[str, int]]) -> Path:
    lines = [json.dumps({"id": f"p{i}", "url": url, "score": 10, "created_utc": when}) for i, (url, when) in enumerate(posts)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


NEAR = "http://news.example.com/near"  # a capture before the post and one after: before wins
AFTER = "http://news.example.com/after"  # only after the post
# Posted first, so the link's fetch URL: the same SURT key as NEAR's rows (one link after normalising).
VARIANT = "https://www.news.example.com/near"
ABSENT = "http://news.example.com/absent"  # in no crawl
UNUSABLE = "http://news.example.com/unusable"  # only a 404 and a PDF
OLD = "http://news.example.com/old"  # posted 2010: no crawl within two years
LATER = "http://news.example.com/later"  # the nearest captures a 404 and a PDF; a good one a crawl later


def build_index(fake, root: Path) -> dict:
    """Three crawls near the post and one far before; what each link must get."""
    add_crawl_file(fake, "CC-MAIN-2017-26", [
        (NEAR, POSTED - 15 * DAY, 200, page_html("near, as posted")),
        (NEAR, POSTED - 40 * DAY, 200, page_html("near, older")),
        (NEAR, POSTED - 1 * DAY, 404, page_html("near, gone")),  # nearer, but 404
        (NEAR, POSTED - 2 * DAY, 200, page_html("near, a pdf")),  # nearer, but listed as a PDF
        (UNUSABLE, POSTED - 3 * DAY, 404, page_html("gone")),
        (UNUSABLE, POSTED - 4 * DAY, 200, page_html("a pdf")),
        (OLD, POSTED - 5 * DAY, 200, page_html("old, crawled 2017")),
    ])
    add_crawl_file(fake, "CC-MAIN-2017-30", [
        (NEAR, POSTED + 8 * DAY, 200, page_html("near, edited")),
        (AFTER, POSTED + 9 * DAY, 200, page_html("after, later")),
        (AFTER, POSTED + 7 * DAY, 200, page_html("after, first")),
        (AFTER, POSTED + 6 * DAY, 500, page_html("after, error")),  # nearest after, but a 500
        (LATER, POSTED + 7 * DAY, 404, page_html("later, gone")),
        (LATER, POSTED + 8 * DAY, 200, page_html("later, a pdf")),
    ])
    add_crawl_file(fake, "CC-MAIN-2017-34", [(LATER, POSTED + 38 * DAY, 200, page_html("later, the page"))])
    pdf = {(NEAR, stamp(POSTED - 2 * DAY)): (200, "application/pdf"), (UNUSABLE, stamp(POSTED - 4 * DAY)): (200, "application/pdf"),
           (LATER, stamp(POSTED + 8 * DAY)): (200, "application/pdf")}
    parts = {}
    for crawl, start in (("CC-MAIN-2017-26", POSTED - 20 * DAY), ("CC-MAIN-2017-30", POSTED + 6 * DAY),
                         ("CC-MAIN-2017-34", POSTED + 33 * DAY), ("CC-MAIN-2013-20", 1368403200)):
        rows = rows_from_cdx(fake, crawl, pdf) + filler_rows(crawl, 150, start)
        parts[crawl] = write_crawl(root, crawl, rows)
    return {
        "parts": parts,
        "expected": {NEAR: stamp(POSTED - 15 * DAY), AFTER: stamp(POSTED + 7 * DAY), LATER: stamp(POSTED + 38 * DAY)},
        "missing": {ABSENT: "not_in_index", UNUSABLE: "not_in_index", OLD: "no_crawl"},
    }


def run_fetch(tmp_path: Path, base: str, root: str, posts: list[tuple[str, int]], *more) -> dict:
    dump = dump_of(tmp_path / "RS_2017-07.gz", posts)
    out = tmp_path / "out"
    counters = collect.run([
        "--dumps", str(dump), "--out", str(out), "--until", "fetch", "--pages", "commoncrawl", "--allow-loopback",
        "--commoncrawl-index-url", base, "--commoncrawl-data-url", base, "--commoncrawl-columnar", root,
        "--commoncrawl-index-rate", "200", "--progress-s", "0", *more])["counters"]
    rows = {r["url"]: r for r in pq.read_table(out / "pages.parquet").to_pylist()}
    return {"counters": counters, "rows": rows, "out": out}


POSTS = [(NEAR, POSTED), (VARIANT, POSTED - 3600), (AFTER, POSTED), (ABSENT, POSTED), (UNUSABLE, POSTED),
         (OLD, 1270000000), (LATER, POSTED)]


def cdx_row_of(fake, url: str, timestamp: str) -> dict:
    """The fake CDX index's row of url's capture at timestamp, in whichever crawl holds it."""
    url = urlsplit(url)._replace(scheme="http", netloc="news.example.com").geturl()
    return next(r for crawl in fake.cc_index.values() for r in crawl.get(url, []) if r["timestamp"] == timestamp)


def test_the_join_gives_each_link_the_capture_nearest_its_post_and_never_asks_the_cdx_api(archives, tmp_path, capsys):
    fake, base = archives
    fake.collinfo = [{"id": i, "from": f, "to": t} for i, f, t in CRAWLS]
    index = build_index(fake, tmp_path / "cc-index" / "table" / "cc-main" / "warc")
    run = run_fetch(tmp_path, base, str(tmp_path / "cc-index" / "table" / "cc-main" / "warc"), POSTS)
    counters, rows = run["counters"], run["rows"]
    for url, want in index["expected"].items():
        row = rows[normalise_url(url)]
        assert (row["error"], row["source"], row["capture_time"]) == ("", "commoncrawl", want), url
        cdx_row = cdx_row_of(fake, url, want)
        assert row["capture"] == f"{cdx_row['filename']}@{cdx_row['offset']}+{cdx_row['length']}"
    for url, reason in index["missing"].items():
        row = rows[normalise_url(url)]
        assert (row["error"], row["attempts"]) == (reason, [f"commoncrawl:{reason}"]), url
    assert normalise_url(VARIANT) == normalise_url(NEAR) and len(rows) == 6
    assert counters["fetch/columnar_lookup:found"] == 3
    assert counters["fetch/columnar_lookup:not_in_index"] == 2 and counters["fetch/columnar_lookup:no_crawl"] == 1
    assert counters["fetch/failed:not_in_index"] == 2 and counters["fetch/failed:no_crawl"] == 1
    assert counters["fetch/fetched:commoncrawl"] == 3
    # Every crawl within two years of a post was read (2017-26, -30 and -34, not 2013-20), only its usable rows.
    near = ("CC-MAIN-2017-26", "CC-MAIN-2017-30", "CC-MAIN-2017-34")
    assert counters["fetch/columnar_files"] == sum(len(index["parts"][crawl]) for crawl in near)
    usable = sum(1 for crawl in near for part in index["parts"][crawl]
                 for r in pq.read_table(part).to_pylist()
                 if r["fetch_status"] == 200 and r["content_mime_detected"] in ("text/html", "application/xhtml+xml"))
    assert counters["fetch/columnar_rows"] == usable
    # Of them, only rows whose key may be a link's reach the join: NEAR's 3, AFTER's 2, OLD's 1, LATER's 1
    # (and a Bloom filter's rare false positive).
    assert 7 <= counters["fetch/columnar_candidates"] <= 9 < usable
    # Never a CDX request; the crawl list once; one range read per page.
    assert not [h for h in fake.hits if "-index" in h]
    assert len([h for h in fake.hits if h.startswith("/crawl-data/")]) == 3
    # The pages are kept in OUT/fetch like the CDX path's: the next stage reads them from there.
    assert list((run["out"] / layout.FETCH_DIR).glob("pages-*.warc.gz"))
    assert (run["out"] / layout.FETCH_DIR / layout.COLUMNAR_KEY_FILTER).exists()
    # The summary shows the index read and each link's lookup, as other stages' counts.
    printed = " ".join(capsys.readouterr().out.split())
    assert (f"pages fetched 3 commoncrawl 3 columnar index rows {usable} {counters['fetch/columnar_files']} files, "
            f"{counters['fetch/columnar_candidates']} passed to the join "
            "columnar lookups 6 found 3, not_in_index 2, no_crawl 1") in printed


def test_an_https_root_is_listed_from_each_crawls_paths_file_and_read_by_range(archives, tmp_path):
    fake, base = archives
    fake.collinfo = [{"id": i, "from": f, "to": t} for i, f, t in CRAWLS]
    local = tmp_path / "mirror"
    index = build_index(fake, local / columnar.TABLE)
    for crawl in ("CC-MAIN-2017-26", "CC-MAIN-2017-30"):  # 2017-34's list is missing: a 404, skipped
        listed = [str(p.relative_to(local)) for p in index["parts"][crawl]]
        listed.append(f"{columnar.TABLE}/crawl={crawl}/subset=crawldiagnostics/part-00000.c000.gz.parquet")
        fake.files[f"crawl-data/{crawl}/cc-index-table.paths.gz"] = gzip.compress("\n".join(listed).encode())
        for path in index["parts"][crawl]:
            fake.files[str(path.relative_to(local))] = path.read_bytes()
    run = run_fetch(tmp_path, base, f"{base}/{columnar.TABLE}/", [(NEAR, POSTED), (AFTER, POSTED), (ABSENT, POSTED)])
    assert {url: run["rows"][normalise_url(url)]["capture_time"] for url in (NEAR, AFTER)} == {
        NEAR: index["expected"][NEAR], AFTER: index["expected"][AFTER]}
    assert run["rows"][normalise_url(ABSENT)]["error"] == "not_in_index"
    assert run["counters"]["fetch/columnar_files"] == 6 and not [h for h in fake.hits if "-index?" in h]
    assert any(h.startswith(f"/{columnar.TABLE}/") for h in fake.hits)


def test_an_s3_root_is_listed_and_read_through_arrows_s3_filesystem(archives, tmp_path, monkeypatch):
    """s3:// against an S3-compatible server on 127.0.0.1 (moto's): the code path of s3://commoncrawl,
    Arrow's S3FileSystem from the root's URI, pointed at the server by the URI's own options."""
    from moto.server import ThreadedMotoServer

    fake, base = archives
    fake.collinfo = [{"id": i, "from": f, "to": t} for i, f, t in CRAWLS]
    local = tmp_path / "copy"
    index = build_index(fake, local)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "test")  # any key: the server checks none, and none is looked up elsewhere
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        endpoint = f"127.0.0.1:{server.get_host_and_port()[1]}"
        bucket = pafs.S3FileSystem(endpoint_override=endpoint, scheme="http", region="us-east-1",
                                   allow_bucket_creation=True)
        bucket.create_dir("commoncrawl")
        pafs.copy_files(str(local), f"commoncrawl/{columnar.TABLE}", source_filesystem=pafs.LocalFileSystem(),
                        destination_filesystem=bucket)
        root = f"s3://commoncrawl/{columnar.TABLE}?endpoint_override={endpoint}&scheme=http&region=us-east-1"
        run = run_fetch(tmp_path, base, root, [(NEAR, POSTED), (AFTER, POSTED), (ABSENT, POSTED)])
    finally:
        server.stop()
    assert {url: run["rows"][normalise_url(url)]["capture_time"] for url in (NEAR, AFTER)} == {
        NEAR: index["expected"][NEAR], AFTER: index["expected"][AFTER]}
    assert run["rows"][normalise_url(ABSENT)]["error"] == "not_in_index"
    assert run["counters"]["fetch/columnar_files"] == 9 and not [h for h in fake.hits if "-index?" in h]
    # A mirror on a private address is refused as the archives' are, unless --allow-loopback.
    with pytest.raises(FetchError, match="private_address"):
        columnar.check_root(root, Config())


def test_the_scan_keeps_only_usable_rows_and_reads_a_crawl_without_detected_types(tmp_path):
    filename = "crawl-data/CC-MAIN-2014-10/segments/1393999642168/warc/CC-MAIN-20140305060042-00000-ip-10-183-142-35.ec2.internal.warc.gz"
    rows = [index_row(f"http://a.example.com/{i}", POSTED + i, status, mime, filename, i * 100, 50)
            for i, (status, mime) in enumerate([(200, "text/html"), (404, "text/html"), (200, "application/pdf"),
                                                (200, "application/xhtml+xml"), (301, "text/html"), (200, "text/html")])]
    for detected in (True, False):
        root = tmp_path / str(detected)
        write_crawl(root, "CC-MAIN-2014-10", rows, parts=1, mime_detected=detected)
        [index_file] = columnar.list_files(str(root))
        batches = list(columnar.read_rows(columnar.fragment(str(root), index_file.path), index_file.crawl, batch_rows=2))
        read = [pair for _, pairs in batches for pair in pairs]
        assert sum(scanned for scanned, _ in batches) == 3
        assert [(key, row[1]) for key, row in read] == [(surt_key(f"http://a.example.com/{i}"), POSTED + i) for i in (0, 3, 5)]
        assert read[1][1] == ("CC-MAIN-2014-10", POSTED + 3, "application/xhtml+xml", filename, 300, 50)


def test_the_key_filter_holds_every_link_key_and_few_others():
    links = [surt_key(f"https://news{i % 50}.example.com/story/{i}") for i in range(20_000)]
    others = [surt_key(f"https://news{i % 50}.example.com/story/{i}") for i in range(20_000, 120_000)]
    key_filter = keyfilter.KeyFilter.from_bytes(keyfilter.KeyFilter.of(np.unique(keyfilter.hashes(links))).to_bytes())
    assert key_filter.may_hold(keyfilter.hashes(links)).all()
    assert key_filter.may_hold(keyfilter.hashes(others)).mean() < 0.01  # ~0.3% at 12 bits and 8 probes a key
    # The combine's accumulator: chunks and merges give the distinct hashes, sorted.
    acc = keyfilter.Hashes.create()
    for h in [5, 3, 5] * 30_000:
        acc = keyfilter.Hashes.add(acc, h)
    merged = keyfilter.Hashes.merge([acc, keyfilter.Hashes.add(keyfilter.Hashes.create(), 9), keyfilter.Hashes.create()])
    assert keyfilter.Hashes.result(merged).tolist() == [3, 5, 9]


def test_a_columnar_root_with_no_index_files_is_a_usage_error(archives, tmp_path):
    _, base = archives
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no crawl=\\*/subset=warc/\\*.parquet"):
        run_fetch(tmp_path, base, str(tmp_path / "empty"), [(NEAR, POSTED)])
    with pytest.raises(UsageError, match="must end in /cc-index/table/cc-main/warc"):
        run_fetch(tmp_path, base, f"{base}/somewhere", [(NEAR, POSTED)])
