"""Links stage speed: dump files to links.parquet through Beam, against a bare zstandard + json.loads loop.

    PYTHONPATH=. python benchmarks/links_stage.py [--records 300000] [--files 2] [--reposts 0.15] [--repeats 3]

Writes generated RS_2017-style dumps (benchmarks/reddit_reader.py's records,
with a share of the link posts reposting an earlier link, as variants that
normalise to it) into a temporary folder, as --files monthly files, then times
over those files:

  - the bare loop: zstandard's stream_reader (2 GiB window), lines, json.loads;
  - webtext's reader with the post rules, and with the URL rules too, no Beam;
  - the whole links stage on Beam's local runner (FnApiRunner), from the dumps
    to links.parquet and links.txt, with 1 worker process and with 2 (each
    file is read by one worker).

Every run of the stage must give the same counters. The table quotes medians
and each contender's speed as a ratio to the bare loop's, by the clock and by
CPU time (this process's and its worker processes'): on a shared, loaded
machine the clock moves with the others' load, CPU time far less.
"""

import argparse
import logging
import os
import resource
import statistics
import tempfile
import time

import pyarrow.parquet as pq

from benchmarks import reddit_reader
from pipelines.links import LinkPosts, MergeByUrl
from pipelines.run import counters_of, make_pipeline
from pipelines.tables import WriteTable, WriteUrlList
from webtext import counts, layout
from webtext.config import Config


def links_stage(dumps: str, out: str, workers: int) -> dict:
    """The links stage from the dumps (a glob) to links.parquet and links.txt, without progress lines; its counters."""
    pipeline = make_pipeline("direct", workers, [])
    config = Config()
    links = pipeline | "Posts" >> LinkPosts([dumps], None, config) | "Links" >> MergeByUrl(config)
    links | "LinksTable" >> WriteTable(out, layout.LINKS)
    links | "UrlList" >> WriteUrlList(out)
    result = pipeline.run()
    result.wait_until_finish()
    found = counters_of(result)
    rows = pq.read_metadata(os.path.join(out, layout.table(layout.LINKS))).num_rows
    assert rows == found[counts.LINKS_KEPT], (rows, found)
    return found


def cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the local runner's worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(run, repeats: int) -> tuple[float, float, set]:
    """The median wall-clock and CPU seconds of `repeats` runs, and the distinct results they returned."""
    walls, cpus, results = [], [], set()
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), cpu_seconds()
        results.add(repr(run()))
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus), results


def contenders(dumps: list[str], folder: str, workers: list[int]) -> list:
    """(name, run) of each contender; a stage run writes into a fresh folder."""
    runs = 0

    def every_file(reader):
        return lambda: sum(reader(path) for path in dumps)

    def stage(n: int):
        def run():
            nonlocal runs
            runs += 1
            return links_stage(os.path.join(folder, "RS_*.zst"), os.path.join(folder, f"out-{runs}"), n)
        return run

    return [
        ("bare zstandard + json.loads (baseline)", every_file(reddit_reader.bare_loop)),
        ("reader + post rules, no Beam", every_file(reddit_reader.webtext_reader)),
        ("reader + post + URL rules, no Beam", every_file(reddit_reader.webtext_reader_and_urls)),
        *[(f"links stage, Beam, {n} worker{'s' * (n > 1)}", stage(n)) for n in workers],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--files", type=int, default=2, help="dump files the records are spread over")
    parser.add_argument("--reposts", type=float, default=0.15, help="share of link posts that repost an earlier link")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="worker processes of the Beam runs")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the local runner's worker processes warn of nothing that matters here
    with tempfile.TemporaryDirectory() as folder:
        dumps = [os.path.join(folder, f"RS_2017-{month + 1:02d}.zst") for month in range(args.files)]
        reddit_reader.write_dumps(dumps, args.records, args.reposts)
        size = sum(os.path.getsize(path) for path in dumps)
        print(f"{args.records:,} records ({args.reposts:.0%} of link posts reposts) in {args.files} files, "
              f"{size / 2**20:.0f} MiB zstd; median of {args.repeats}\n")
        print(f"{'contender':<42}{'seconds':>9}{'records/s':>12}{'vs baseline':>13}{'CPU s':>9}{'CPU vs baseline':>17}")
        baseline, stage_counters = None, set()
        for name, run in contenders(dumps, folder, [int(w) for w in args.workers.split(",")]):
            wall, cpu, results = timed(run, args.repeats)
            baseline = baseline or (wall, cpu)
            if name.startswith("links stage"):
                stage_counters |= results
            print(f"{name:<42}{wall:>9.2f}{args.records / wall:>12,.0f}{baseline[0] / wall:>12.2f}x"
                  f"{cpu:>9.2f}{baseline[1] / cpu:>16.2f}x")
        assert len(stage_counters) == 1, f"the stage's counters differ between runs: {stage_counters}"
        print(f"\ncounters of every stage run: {stage_counters.pop()}")


if __name__ == "__main__":
    main()
