"""The columnar lookup (pipelines/stages/columnar.py) on a generated index: seconds, rows/s, peak RSS.

    PYTHONPATH=. python benchmarks/columnar_join.py [--rows 1000000] [--links 100000] [--present 0.3]
        [--parts 4] [--workers 1,2] [--repeats 1] [--without-key-filter] [--inputs DIR]

A child process writes --rows index rows in Common Crawl's layout and schema
(two crawls, CC-MAIN-2017-26 and -30, --parts part files each, rows sorted by
SURT key across a crawl's parts as Common Crawl's are, Spark's INT96 times,
row groups of 65,536 rows): URLs of ~20,000 hosts with dated article paths,
some with queries; ~8% not 200, ~10% not HTML. Of --links links, --present
have their URL in the index (a capture in the crawl before the post, half of
them one in the crawl after too). It also reports the size of the index as
Arrow tables in memory, all columns and the columns the join reads.

Each run builds and runs the lookup through Beam (FnApiRunner, `direct_num_workers`
W, W worker processes for W > 1, as pipelines/runners/engine.py makes it) from the index
files and a links file up to the choice of each link's capture: no range read.
With --without-key-filter each is run again passing every usable row to the
join (the links' key filter off: webtext/fetch/keyfilter.py says why it is on).
Peak RSS is the largest resident set of this process or any child (the
runner's workers), sampled every 0.1 s (benchmarks/scaling.py's PeakRss).
"""

import argparse
import contextlib
import functools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import apache_beam as beam

sys.path.insert(0, str(Path(__file__).parent))
from scaling import PeakRss  # benchmarks/ is a folder of scripts, not a package

from pipelines.runners.engine import counters_of, make_pipeline
from pipelines.stages.columnar import ColumnarLookup, index_plan
from webtext.config import Config

CRAWLS = [("CC-MAIN-2017-26", "2017-06-22T00:00:00", "2017-06-30T00:00:00"),
          ("CC-MAIN-2017-30", "2017-07-20T00:00:00", "2017-07-28T00:00:00")]
CRAWL_START = {"CC-MAIN-2017-26": 1498089600, "CC-MAIN-2017-30": 1500508800}
POSTS_FROM, POSTS_TO = 1498867200, 1500422400  # 2017-07-01 .. 2017-07-19: between the two crawls
WORDS = ("city council budget vote school storm river police market music film league court study "
         "health water road energy river bank festival report election science space museum").split()
TLDS = ("com", "com", "com", "org", "net", "co.uk", "de", "com.au", "ca", "io")


@functools.cache
def host_of(i: int) -> str:
    rng = random.Random(i)
    name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 12)))
    sub = rng.choice(("www.", "www.", "", "news.", "blog."))
    return f"{sub}{name}.{TLDS[i % len(TLDS)]}"


def url_of(i: int, hosts: int = 20_000) -> str:
    """The i-th URL: a dated article path on one of `hosts` hosts, some with a query."""
    rng = random.Random(i * 7919)
    slug = "-".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
    query = f"?id={i}&ref=rss" if i % 9 == 0 else ""
    return f"https://{host_of(rng.randrange(hosts))}/2017/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{slug}-{i}{query}"


def generate(folder: Path, rows: int, links: int, present: float, parts: int) -> dict:
    """The index under folder/index, the links in folder/links.parquet; sizes as Arrow in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from webtext.fetch.surt import surt_key

    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.test_columnar import SCHEMA, index_row
    from webtext.fetch.columnar import COLUMNS, STATUS

    rng = random.Random(1)
    linked = int(links * present)
    # Index rows: every linked URL in the first crawl (half of them in the second too), the rest other URLs.
    planned = {crawl: [] for crawl, _, _ in CRAWLS}
    for i in range(linked):
        planned["CC-MAIN-2017-26"].append(i)
        if i % 2 == 0:
            planned["CC-MAIN-2017-30"].append(i)
    others = rows - sum(len(v) for v in planned.values())
    for j in range(others):
        planned[CRAWLS[j % 2][0]].append(links + j)  # URL ids past the links': in no link
    statuses = (200,) * 23 + (301, 404)
    mimes = ("text/html",) * 17 + ("application/xhtml+xml", "application/pdf", "application/rss+xml")
    sizes = {"all columns": 0, "columns read": 0}
    files = 0
    for crawl, ids in planned.items():
        keyed = sorted((surt_key(url_of(i)), i) for i in ids)
        folder_of = folder / "index" / f"crawl={crawl}" / "subset=warc"
        folder_of.mkdir(parents=True)
        per_part = -(-len(keyed) // parts)
        for part in range(parts):
            chunk = keyed[part * per_part:(part + 1) * per_part]
            filename = f"crawl-data/{crawl}/segments/1500000000{part:03d}.0/warc/{crawl}-2017072000000{part}-00000.warc.gz"
            table = pa.Table.from_pylist([
                index_row(url_of(i), CRAWL_START[crawl] + rng.randrange(8 * 86_400), rng.choice(statuses),
                          rng.choice(mimes), filename, rng.randrange(1 << 30), rng.randrange(2_000, 60_000))
                for _, i in chunk], schema=SCHEMA)
            pq.write_table(table, folder_of / f"part-{part:05d}-bench.c000.gz.parquet", row_group_size=65_536,
                           compression="gzip", use_deprecated_int96_timestamps=True)
            sizes["all columns"] += table.nbytes
            sizes["columns read"] += table.select([*COLUMNS, STATUS]).nbytes
            files += 1
            del table
    posts = [(url_of(i if i < linked else links * 10 + rows + i), rng.randrange(POSTS_FROM, POSTS_TO)) for i in range(links)]
    pq.write_table(pa.table({"url": [u for u, _ in posts], "created": [c for _, c in posts]}), folder / "links.parquet")
    index_bytes = sum(p.stat().st_size for p in (folder / "index").rglob("*.parquet"))
    return {"rows": rows, "links": links, "linked": linked, "files": files, "parquet bytes": index_bytes, **sizes}


def read_links(path: str):
    """Links of the benchmark's links file, as the links stage makes them."""
    import pyarrow.parquet as pq

    from webtext.records import Link

    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        for url, created in zip(batch.column("url").to_pylist(), batch.column("created").to_pylist()):
            yield Link(url, (url,), 5, 5, created, ("news",), ("bench",))


def run_lookup(folder: Path, workers: int, key_filter: bool = True) -> dict:
    """The lookup through Beam, built and run in this process; seconds, counters, peak RSS.

    The links' key filter is written to folder (the pipeline's OUT/fetch/).
    """
    config = Config(commoncrawl_columnar=str(folder / "index"))
    from webtext.fetch.commoncrawl import parse_collinfo

    listed = parse_collinfo(json.dumps([{"id": i, "from": f, "to": t} for i, f, t in CRAWLS]).encode())
    with PeakRss() as rss:
        started = time.perf_counter()
        pipeline = make_pipeline("direct", workers, [])
        files, crawls = index_plan(config, listed)
        (pipeline
         | "LinksFile" >> beam.Create([str(folder / "links.parquet")])
         | "ReadLinks" >> beam.FlatMap(read_links)
         | "Lookup" >> ColumnarLookup(config, files, crawls, str(folder), key_filter)
         | "Drop" >> beam.Map(lambda pair: None))
        with contextlib.redirect_stderr(open(os.devnull, "w")):
            result = pipeline.run()
            result.wait_until_finish()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak": rss.peak, "counters": counters_of(result)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--present", type=float, default=0.3)
    parser.add_argument("--parts", type=int, default=4, help="part files per crawl (two crawls)")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--without-key-filter", action="store_true",
                        help="also run each without the links' key filter (every usable row to the join)")
    parser.add_argument("--inputs", help="keep the generated inputs in this folder (reused if already there)")
    parser.add_argument("--generate", help=argparse.SUPPRESS)  # the child's mode: write the inputs there
    args = parser.parse_args()
    if args.generate:
        made = generate(Path(args.generate), args.rows, args.links, args.present, args.parts)
        (Path(args.generate) / "made.json").write_text(json.dumps(made))
        return
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.inputs or scratch
        started = time.perf_counter()
        if not (Path(tmp) / "made.json").exists():
            # A child writes the inputs, so that building them leaves nothing in this process's memory.
            subprocess.run([sys.executable, __file__, "--generate", tmp, "--rows", str(args.rows), "--links",
                            str(args.links), "--present", str(args.present), "--parts", str(args.parts)], check=True,
                           env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
        made = json.loads((Path(tmp) / "made.json").read_text())
        print(f"index: {made['rows']:,} rows in {made['files']} files, {made['parquet bytes'] / 1e6:.1f} MB of Parquet; "
              f"as Arrow in memory {made['all columns'] / 1e6:.0f} MB (all columns), "
              f"{made['columns read'] / 1e6:.0f} MB (the columns read); "
              f"{made['links']:,} links, {made['linked']:,} in the index (written in {time.perf_counter() - started:.0f} s)\n")
        runs = []
        for key_filter in (True, False) if args.without_key_filter else (True,):
            for workers in [int(w) for w in args.workers.split(",")]:
                for _ in range(args.repeats):
                    runs.append((workers, key_filter, run_lookup(Path(tmp), workers, key_filter)))
        print(f"{'key filter':>11}{'workers':>8}{'seconds':>9}{'rows/s':>10}{'links/s':>9}{'peak RSS MB':>13}{'usable rows':>13}"
              f"{'to the join':>13}{'found':>8}{'not_in_index':>14}")
        for workers, key_filter, run in runs:
            c = run["counters"]
            print(f"{'yes' if key_filter else 'no':>11}{workers:>8}{run['seconds']:>9.1f}{made['rows'] / run['seconds']:>10,.0f}"
                  f"{made['links'] / run['seconds']:>9,.0f}{run['peak'] / 1e6:>13.0f}"
                  f"{c.get('fetch/columnar_rows', 0):>13,}{c.get('fetch/columnar_candidates', 0):>13,}"
                  f"{c.get('fetch/columnar_lookup:found', 0):>8,}{c.get('fetch/columnar_lookup:not_in_index', 0):>14,}")


if __name__ == "__main__":
    main()
