"""Common Crawl range reads per second against a loopback data server that answers after a delay,
ours against cdx_toolkit's own WARC-record fetch, on the same server in the same run.

The server (its own process, so it does not share our GIL) holds one WARC file
built as Common Crawl builds them and answers each Range request after
--latency seconds. Our reads go through the source's own path: the guarded,
bounded ArchiveClient and webtext.fetch.ranges (one range request, warcio
parse), --concurrency threads as the fetch stage runs them. cdx_toolkit's go
through `cdx_toolkit.fetch_warc_record(capture, prefix)`, the call its `warc`
command makes for each capture, its prefix pointed at the server (no patch
needed). It is serial by design ("polite ... by being single-threaded and
serial") and spaces requests to one host: 0.55 s for data.commoncrawl.org, 3 s
for a host it does not know, such as 127.0.0.1. Its rows: as it ships, with
data.commoncrawl.org's spacing given to the loopback host (its documented
CDXT_DEFAULT_MIN_RETRY_INTERVAL); serial with no spacing (its fetch path
alone); and, not as it ships, our thread count with no spacing. Each cdx_toolkit
row runs in a fresh process, as its spacing is read when it is imported.

The bound is concurrency / (latency + spacing); every row is reported as a share
of it and as a ratio to ours. Each row reads at most what its bound allows in
~10 s (and at most --records).

    pip install -e '.[bench]'   # cdx_toolkit, for its rows
    python benchmarks/range_reads.py --records 2000 --concurrency 64 --latency 0.1
"""

import argparse
import importlib.util
import io
import multiprocessing
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

from warcio.warcwriter import WARCWriter

from webtext.config import Config
from webtext.fetch import ranges
from webtext.fetch.capture import Capture
from webtext.fetch.deadline import Watchdog
from webtext.fetch.polite import ArchiveClient
from webtext.fetch.warc import write_response

FILENAME = "crawl-data/CC-MAIN-2017-30/segments/0/warc/bench.warc.gz"
PAGE = b"<html><body>" + b"word " * 2000 + b"</body></html>"
# cdx_toolkit's spacing between two requests to data.commoncrawl.org (its settings.py default).
CDX_TOOLKIT_CC_DATA_SPACING_S = 0.55
# Each row reads about this many seconds' worth at its bound.
SECONDS_PER_ROW = 10


class Row(NamedTuple):
    reader: str
    how: str
    concurrency: int
    spacing_s: float  # the reader's own pause between two requests to one host
    reads: int = 0
    seconds: float = 0.0


def build_warc(records: int) -> tuple[bytes, list[Capture]]:
    out, captures = io.BytesIO(), []
    writer = WARCWriter(out, gzip=True)
    for i in range(records):
        url = f"http://bench.example.com/{i}"
        offset = out.tell()
        write_response(writer, url, 200, "text/html", PAGE, date="2017-07-21T00:00:00Z")
        captures.append(Capture(url, "20170721000000", 200, "text/html", FILENAME, offset, out.tell() - offset))
    return out.getvalue(), captures


def serve(data: bytes, latency: float, port, ready) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            start, end = map(int, re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers["Range"]).groups())
            time.sleep(latency)
            self.send_response(206)
            self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            self.wfile.write(data[start : end + 1])

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.request_queue_size = 1024
    port.value = httpd.server_address[1]
    ready.set()
    httpd.serve_forever()


def read_ours(base: str, captures: list[Capture], concurrency: int) -> float:
    """Seconds for our reader to read every capture, `concurrency` threads sharing one client."""
    client = ArchiveClient(Config(allow_loopback=True, fetch_concurrency=concurrency), Watchdog())
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        read = list(pool.map(lambda c: ranges.read_record(client, base, c), captures))
    seconds = time.perf_counter() - started
    client.close()
    assert all(r.status == 200 and r.body == PAGE for r in read)
    return seconds


def read_cdx_toolkit(base: str, captures: list[Capture], concurrency: int, spacing_s: float) -> float:
    """Seconds for cdx_toolkit's fetch_warc_record to read every capture (and its payload).

    In a fresh process only: cdx_toolkit reads its spacing from the environment when imported.
    """
    os.environ["CDXT_DEFAULT_MIN_RETRY_INTERVAL"] = str(spacing_s)  # the spacing of hosts it does not know
    import cdx_toolkit

    def fetch(capture: Capture) -> bytes:
        record = cdx_toolkit.fetch_warc_record(
            {"url": capture.url, "filename": capture.filename, "offset": capture.offset, "length": capture.length},
            base)
        return record.content_stream().read()

    started = time.perf_counter()
    if concurrency == 1:
        read = [fetch(c) for c in captures]  # its own loop: one capture after another
    else:
        with ThreadPoolExecutor(concurrency) as pool:
            read = list(pool.map(fetch, captures))
    seconds = time.perf_counter() - started
    assert all(body == PAGE for body in read)
    return seconds


def in_fresh_process(function, *args):
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def measure(row: Row, base: str, captures: list[Capture], latency: float) -> Row:
    bound = row.concurrency / (latency + row.spacing_s)
    reads = captures[: max(10, min(len(captures), int(bound * SECONDS_PER_ROW)))]
    if row.reader == "ours":
        seconds = read_ours(base, reads, row.concurrency)
    else:
        seconds = in_fresh_process(read_cdx_toolkit, base, reads, row.concurrency, row.spacing_s)
    return row._replace(reads=len(reads), seconds=seconds)


def rows_to_measure(concurrency: int) -> list[Row]:
    rows = [Row("ours", "threads sharing one ArchiveClient", concurrency, 0.0)]
    if importlib.util.find_spec("cdx_toolkit") is None:
        print("cdx_toolkit is not installed, so its rows are left out: pip install -e '.[bench]'")
        return rows
    return rows + [
        Row("cdx_toolkit", "as it ships: serial, data.commoncrawl.org's spacing", 1, CDX_TOOLKIT_CC_DATA_SPACING_S),
        Row("cdx_toolkit", "serial, spacing off", 1, 0.0),
        Row("cdx_toolkit", "not as it ships: threads, spacing off", concurrency, 0.0),
    ]


def print_table(rows: list[Row], latency: float) -> None:
    ours = rows[0].reads / rows[0].seconds
    print("| reader | how | concurrency | spacing | reads | reads/s | bound | of bound | vs ours |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        rate, bound = row.reads / row.seconds, row.concurrency / (latency + row.spacing_s)
        print(f"| {row.reader} | {row.how} | {row.concurrency} | {row.spacing_s:.2f} s | {row.reads} | {rate:.1f} "
              f"| {bound:.1f} | {rate / bound:.2f} | {rate / ours:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    data, captures = build_warc(args.records)
    port, ready = multiprocessing.Value("i", 0), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(data, args.latency, port, ready), daemon=True)
    server.start()
    ready.wait()
    base = f"http://127.0.0.1:{port.value}"
    try:
        measured = [measure(row, base, captures, args.latency) for row in rows_to_measure(args.concurrency)]
    finally:
        server.terminate()
    print(f"{args.latency * 1000:.0f} ms a read; bound = concurrency / (latency + the reader's spacing)")
    print_table(measured, args.latency)


if __name__ == "__main__":
    main()
