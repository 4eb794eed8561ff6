"""Common Crawl range reads per second against a loopback data server that answers after a delay.

The server (its own process, so it does not share our GIL) holds one WARC file
built as Common Crawl builds them and answers each Range request after
--latency seconds. The reads go through the source's own path: the guarded,
bounded ArchiveClient and webtext.fetch.ranges (one range request, warcio
parse), --concurrency threads as the fetch stage runs them. The bound is
concurrency / latency; the result is reported as a share of it.

    python benchmarks/range_reads.py --records 2000 --concurrency 64 --latency 0.1
"""

import argparse
import io
import multiprocessing
import re
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from warcio.warcwriter import WARCWriter

from webtext.config import Config
from webtext.fetch import ranges
from webtext.fetch.capture import Capture
from webtext.fetch.deadline import Watchdog
from webtext.fetch.polite import ArchiveClient
from webtext.fetch.warc import write_response

FILENAME = "crawl-data/CC-MAIN-2017-30/segments/0/warc/bench.warc.gz"


def build_warc(records: int) -> tuple[bytes, list[Capture]]:
    out, captures = io.BytesIO(), []
    writer = WARCWriter(out, gzip=True)
    for i in range(records):
        url = f"http://bench.example.com/{i}"
        offset = out.tell()
        write_response(writer, url, 200, "text/html", b"<html><body>" + b"word " * 2000 + b"</body></html>",
                       date="2017-07-21T00:00:00Z")
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
    config = Config(allow_loopback=True, fetch_concurrency=args.concurrency)
    client = ArchiveClient(config, Watchdog())
    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        read = list(pool.map(lambda c: ranges.read_record(client, base, c), captures))
    seconds = time.perf_counter() - started
    client.close()
    server.terminate()
    assert all(r.status == 200 and r.body.startswith(b"<html>") for r in read)
    rate, bound = len(read) / seconds, args.concurrency / args.latency
    print(f"| {args.records} | {args.concurrency} | {args.latency * 1000:.0f} ms | {rate:.0f}/s | {bound:.0f}/s | {rate / bound:.2f} |")


if __name__ == "__main__":
    main()
