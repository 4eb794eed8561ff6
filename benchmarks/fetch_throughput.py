"""Fetch throughput of one worker process against a server that answers in 200 ms.

    python benchmarks/fetch_throughput.py [--pages 2000] [--latency 0.2] [--repeats 3]

A separate process serves HTML on 64 loopback addresses (127.0.0.1-64, so the
per-host limit applies as it would across sites), each answer after `latency`.
The bound for a fetcher is concurrency / latency pages per second; a plain
sequential `requests` loop gets 1 / latency. The webtext contender is the
fetch stage's own path: webtext.fetch.crawl's scheduler over the live source (webtext.fetch.live)
(guarded connections, retries, deadline watchdog, byte cap), robots.txt off.
"""

import argparse
import asyncio
import multiprocessing
import statistics
import time

import requests

from webtext.config import Config
from webtext.fetch.live import Live
from webtext.fetch.sources import fetch_from
from webtext.fetch.crawl import run_concurrently
from webtext.fetch.deadline import Watchdog
from webtext.links.posts import merge_posts
from webtext.records import Submission
from webtext.urls import host_of

PORT = 18_931
HOSTS = [f"127.0.0.{i}" for i in range(1, 65)]
BODY = b"<html><body>" + b"<p>Some text of an ordinary page.</p>" * 200 + b"</body></html>"


def serve(latency: float, ready) -> None:
    async def answer(reader, writer):
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(latency)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main():
        server = await asyncio.start_server(answer, host=HOSTS, port=PORT, backlog=1024)
        ready.set()
        await server.serve_forever()

    asyncio.run(main())


def links(n: int) -> list:
    urls = [f"http://{HOSTS[i % len(HOSTS)]}:{PORT}/page/{i}" for i in range(n)]
    return [merge_posts(u, [Submission(str(i), u, "", "", 5, 1, False, False)]) for i, u in enumerate(urls)]


def _host(link) -> str:
    return host_of(link.original_urls[0])


def sequential(pages: list) -> int:
    with requests.Session() as session:
        for link in pages:
            session.get(link.original_urls[0], timeout=5).content
    return len(pages)


def webtext_fetch(pages: list, concurrency: int) -> int:
    config = Config(allow_loopback=True, obey_robots=False, archive_fallback=False,
                    fetch_concurrency=concurrency, max_per_host=2)
    live = Live(config, Watchdog())
    done = [p for p in run_concurrently(pages, lambda link: fetch_from(live, link), _host, concurrency,
                                        config.max_per_host) if not p.error]
    live.close()
    return len(done)


def timed(fn, *args) -> tuple[float, int]:
    started = time.perf_counter()
    n = fn(*args)
    return time.perf_counter() - started, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.latency, ready), daemon=True)
    server.start()
    ready.wait(10)
    rows = [("sequential requests loop", 1, lambda: timed(sequential, links(25)))]
    rows += [(f"webtext fetch, concurrency {c}", c, lambda c=c: timed(webtext_fetch, links(args.pages), c)) for c in (16, 64, 128)]
    print(f"server latency {args.latency * 1000:.0f} ms, {len(HOSTS)} hosts, at most 2 fetches per host; median of {args.repeats}\n")
    print(f"{'fetcher':<34}{'pages':>7}{'pages/s':>10}{'bound':>9}{'of bound':>10}{'vs loop':>9}")
    loop_rate = None
    for name, concurrency, run in rows:
        results = [run() for _ in range(args.repeats)]
        seconds = statistics.median(r[0] for r in results)
        pages = results[0][1]
        rate = pages / seconds
        bound = min(concurrency, 2 * len(HOSTS)) / args.latency
        loop_rate = loop_rate or rate
        print(f"{name:<34}{pages:>7}{rate:>10.1f}{bound:>9.0f}{rate / bound:>10.2f}{rate / loop_rate:>8.1f}x")
    server.terminate()


if __name__ == "__main__":
    main()
