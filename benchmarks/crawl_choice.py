"""Which crawls to ask for a link's capture: yield against cost, on a synthetic Common Crawl.

    PYTHONPATH=. python benchmarks/crawl_choice.py [--links 20000] [--columnar-links 3000] [--seed 1]

A world built to Common Crawl's shape, not tuned to any answer: a crawl a month
from 2013-05 to 2020-12 (each 12 days long; CC-MAIN-2013-20 is the first the
CDX API serves), links posted 2011-2017 (more each year, as Reddit grew). Each
URL is captured by each crawl with its own probability, drawn from 0.05-0.3;
it exists from a day before its post (a fifth of them, homepages and the like,
years before), dies a random 0.5-8 years after it (captures after are 404s);
of the captures of a live URL 8% are redirects, and 3% of URLs are PDFs.

The CDX path: each rule is the code's own choice (webtext.fetch.commoncrawl.
choose_capture) over the world's captures, each crawl asked being one index
request (a URL with fewer captures in a crawl than an index block holds costs
page 0 alone: webtext.fetch.cdx.INDEX_BLOCK_LINES). The bound is
--commoncrawl-max-crawls (0: every crawl in the two-year window). The rule of
0.1, the latest crawl begun by the post and the first after, the second only
without a capture before the post, is the baseline.

The columnar path: the real join (pipelines.stages.columnar.ColumnarLookup through
Beam's local runner) over Parquet files in Common Crawl's layout and schema
holding the same world's captures of --columnar-links links, plus as many
rows of URLs nobody linked, read with every crawl in the window; its choices
are checked equal to the in-memory rule's with no bound, and its counters give
the rows scanned and joined.
"""

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import apache_beam as beam
import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent))
from pipelines.stages.columnar import ColumnarLookup, index_plan  # noqa: E402
from pipelines.runners.engine import counters_of, make_pipeline  # noqa: E402
from webtext.config import Config  # noqa: E402
from webtext.fetch.capture import DAY_S, Capture, nearest, stamp, unix_time  # noqa: E402
from webtext.fetch.commoncrawl import Crawl, choose_capture  # noqa: E402
from webtext.records import Link  # noqa: E402

WINDOW_S = Config().capture_window_days * DAY_S
YEAR_S = 365.25 * DAY_S
BOUNDS = (1, 2, 4, 8, 12, 16, 24, 0)


def monthly_crawls() -> tuple[Crawl, ...]:
    """CC-MAIN-YYYY-WW crawls, one a month from 2013-05 to 2020-12, each 12 days long."""
    import datetime

    crawls = []
    for year in range(2013, 2021):
        for month in range(5 if year == 2013 else 1, 13):
            start = datetime.datetime(year, month, 10, tzinfo=datetime.timezone.utc)
            week = start.isocalendar()[1]
            crawls.append(Crawl(f"CC-MAIN-{year}-{week:02d}", int(start.timestamp()), int(start.timestamp()) + 12 * DAY_S))
    return tuple(crawls)


class World(NamedTuple):
    urls: list[str]
    posted: list[int]
    captures: list[dict[str, list[Capture]]]  # per link: crawl id -> its captures of the URL


def make_world(links: int, crawls: tuple[Crawl, ...], seed: int) -> World:
    rng = np.random.default_rng(seed)
    years = np.arange(2011, 2018)
    weights = np.linspace(1, 4, len(years))
    year = rng.choice(years, size=links, p=weights / weights.sum())
    posted = [int((y - 1970) * YEAR_S + rng.uniform(0, YEAR_S)) for y in year]
    urls, captures = [], []
    for i, post in enumerate(posted):
        url = f"https://news{i % 997}.example.com/{year[i]}/story-{i}" + (".pdf" if rng.random() < 0.03 else "")
        born = post - (rng.uniform(1, 6) * YEAR_S if rng.random() < 0.2 else DAY_S)
        dies = post + rng.uniform(0.5, 8) * YEAR_S
        coverage = rng.uniform(0.05, 0.3)
        held = {}
        for crawl in crawls:
            if crawl.end < born or rng.random() >= coverage:
                continue
            when = int(rng.uniform(max(crawl.start, born), crawl.end))
            if when > dies:
                status, mime = 404, "text/html"
            elif rng.random() < 0.08:
                status, mime = 301, "text/html"
            else:
                status, mime = 200, "application/pdf" if url.endswith(".pdf") else "text/html"
            held[crawl.id] = [Capture(url, stamp(when), status, mime, f"crawl-data/{crawl.id}/segments/1/warc/x.warc.gz", i, 1000)]
        urls.append(url)
        captures.append(held)
    return World(urls, posted, captures)


def two_crawl_rule(crawls: tuple[Crawl, ...], created: int, captures_of) -> tuple[Capture | None, int]:
    """The baseline, 0.1's rule: the latest crawl begun by the post and the first after it, in the
    window, the second asked only without a capture before the post."""
    before = [c for c in crawls if c.start <= created and c.end >= created - WINDOW_S]
    after = [c for c in crawls if created < c.start <= created + WINDOW_S]
    found, asked = [], 0
    for crawl in before[-1:] + after[:1]:
        found += captures_of(crawl)
        asked += 1
        best = nearest(found, created, WINDOW_S)
        if best is not None and unix_time(best.timestamp) <= created:
            return best, asked
    return nearest(found, created, WINDOW_S), asked


def measure(world: World, crawls: tuple[Crawl, ...], choose) -> dict:
    """Links with a page, mean and median days between post and capture, index requests per link."""
    found, days, requests = 0, [], 0
    for held, created in zip(world.captures, world.posted):
        capture, asked = choose(created, lambda crawl, held=held: held.get(crawl.id, []))
        requests += asked
        if capture is not None:
            found += 1
            days.append(abs(unix_time(capture.timestamp) - created) / DAY_S)
    n = len(world.posted)
    return {"yield": found / n, "found": found, "mean days": statistics.fmean(days) if days else 0.0,
            "median days": statistics.median(days) if days else 0.0, "requests": requests / n}


def cdx_rules(world: World, crawls: tuple[Crawl, ...]) -> list[tuple[str, dict]]:
    rows = [("0.1: two crawls", measure(world, crawls, lambda c, of: two_crawl_rule(crawls, c, of)))]
    for bound in BOUNDS:
        label = f"nearest first, at most {bound}" if bound else "nearest first, every crawl"
        rows.append((label, measure(world, crawls, lambda c, of, b=bound: choose_capture(crawls, c, WINDOW_S, of, b))))
    return rows


def write_index(world: World, links: int, root: Path, seed: int) -> int:
    """Every capture of the first `links` links, and as many rows of URLs no link has, as Parquet in
    Common Crawl's layout (one file per crawl); the rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.test_columnar import SCHEMA, index_row

    rng = np.random.default_rng(seed + 1)
    by_crawl = {}
    for i in range(links):
        for crawl_id, captures in world.captures[i].items():
            by_crawl.setdefault(crawl_id, []).extend(captures)
    written = 0
    for crawl_id, captures in by_crawl.items():
        rows = [index_row(c.url, unix_time(c.timestamp), c.status, c.mime, c.filename, c.offset, c.length)
                for c in captures]
        rows += [index_row(f"https://other{j % 311}.example.org/page/{crawl_id}/{j}", unix_time(captures[0].timestamp),
                           200, "text/html", captures[0].filename, j, 1000) for j in range(len(captures))]
        rng.shuffle(rows)
        rows.sort(key=lambda r: r["url_surtkey"])
        folder = root / f"crawl={crawl_id}" / "subset=warc"
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), folder / "part-00000.c000.gz.parquet",
                       use_deprecated_int96_timestamps=True)
        written += len(rows)
    return written


def run_join(world: World, links: int, crawls: tuple[Crawl, ...], folder: Path) -> tuple[dict, dict]:
    """The real columnar lookup over the index written for the first `links` links: (counters, {url: the
    chosen capture's timestamp, or None})."""
    config = Config(commoncrawl_columnar=str(folder / "index"))
    collinfo = json.dumps([{"id": c.id, "from": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(c.start)),
                            "to": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(c.end))} for c in crawls])
    from webtext.fetch.commoncrawl import parse_collinfo

    files, index_crawls = index_plan(config, parse_collinfo(collinfo.encode()))
    pipeline = make_pipeline("direct", 1, [])
    (pipeline
     | "Links" >> beam.Create([Link(world.urls[i], (world.urls[i],), 5, 5, world.posted[i], ("news",), ("b",))
                               for i in range(links)])
     | "Lookup" >> ColumnarLookup(config, files, index_crawls, str(folder))
     | "Keep" >> beam.Map(lambda pair: json.dumps([pair[0].url, pair[1].timestamp if isinstance(pair[1], Capture)
                                                   else None]))
     | "Write" >> beam.io.WriteToText(str(folder / "chosen"), shard_name_template=""))
    with contextlib.redirect_stderr(open(os.devnull, "w")):
        result = pipeline.run()
        result.wait_until_finish()
    chosen = dict(json.loads(line) for line in (folder / "chosen").read_text().splitlines())
    return counters_of(result), chosen


def columnar_row(world: World, links: int, crawls: tuple[Crawl, ...], seed: int) -> dict:
    subset = World(world.urls[:links], world.posted[:links], world.captures[:links])
    expected = measure(subset, crawls, lambda c, of: choose_capture(crawls, c, WINDOW_S, of, 0))
    with tempfile.TemporaryDirectory() as tmp:
        written = write_index(world, links, Path(tmp) / "index", seed)
        started = time.perf_counter()
        counters, chosen = run_join(world, links, crawls, Path(tmp))
        seconds = time.perf_counter() - started
    agree = 0
    for i in range(links):
        of = lambda crawl, i=i: world.captures[i].get(crawl.id, [])  # noqa: E731
        capture, _ = choose_capture(crawls, world.posted[i], WINDOW_S, of, 0)
        agree += chosen[world.urls[i]] == (capture.timestamp if capture else None)
    return {**expected, "rows written": written, "rows scanned": counters.get("fetch/columnar_rows", 0),
            "rows joined": counters.get("fetch/columnar_candidates", 0), "files": counters.get("fetch/columnar_files", 0),
            "agree": agree, "links": links, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=20_000)
    parser.add_argument("--columnar-links", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    crawls = monthly_crawls()
    world = make_world(args.links, crawls, args.seed)
    held = [sum(1 for c in h.values() for x in c) for h in world.captures]
    print(f"{len(crawls)} crawls {crawls[0].id} .. {crawls[-1].id}; {args.links:,} links posted 2011-2017, "
          f"{statistics.fmean(held):.1f} captures each in the crawls (median {statistics.median(held):.0f})\n")
    print("CDX path (one index request per crawl asked)")
    print(f"{'rule':<30}{'links with a page':>18}{'vs 0.1':>8}{'mean days':>11}{'median days':>13}{'requests/link':>15}"
          f"{'pages/request':>15}")
    rows = cdx_rules(world, crawls)
    base = rows[0][1]["found"]
    for label, m in rows:
        print(f"{label:<30}{m['found']:>9,} ({m['yield']:>5.1%}){m['found'] / base:>8.2f}x{m['mean days']:>11.0f}"
              f"{m['median days']:>13.0f}{m['requests']:>15.2f}{m['found'] / (m['requests'] * args.links):>15.3f}")
    c = columnar_row(world, args.columnar_links, crawls, args.seed)
    print(f"\ncolumnar join, every crawl in the window ({c['links']:,} links; {c['rows written']:,} index rows in "
          f"{c['files']} crawl files read, {c['seconds']:.0f} s)")
    print(f"{'links with a page':>18}{'mean days':>11}{'rows scanned':>14}{'rows joined':>13}{'joined/link':>13}"
          f"{'same choice as the rule':>25}")
    print(f"{c['found']:>9,} ({c['yield']:>5.1%}){c['mean days']:>11.0f}{c['rows scanned']:>14,}{c['rows joined']:>13,}"
          f"{c['rows joined'] / c['links']:>13.1f}{c['agree']:>15,} of {c['links']:,}")


if __name__ == "__main__":
    main()
