"""Links stage speed: dump files to links.parquet through Beam, against a bare zstandard + json.loads loop.

    PYTHONPATH=. python benchmarks/links_stage.py [--records 300000] [--files 2] [--reposts 0.15] [--repeats 3]
                                                  [--workers 1,2] [--runners direct,dask]

Writes generated RS_2017-style dumps (benchmarks/reddit_reader.py's records,
with a share of the link posts reposting an earlier link, as variants that
normalise to it) into a temporary folder, as --files monthly files, then times
over those files:

  - the bare loop: zstandard's stream_reader (2 GiB window), lines, json.loads;
  - webtext's reader with the post rules, and with the URL rules too, no Beam;
  - the whole links stage, as the command builds it (`--until links`), from
    the dumps to links.parquet and links.txt, on Beam's local runner
    (FnApiRunner) and on Beam's Dask runner (a LocalCluster on 127.0.0.1,
    started before each run, outside the times, and stopped after it), with
    each worker count (each file is read by one worker). Each stage run is
    followed by one on tiny dumps (TINY_RECORDS records, as many files): its
    CPU time is the stage's fixed cost (building and translating the
    pipeline, starting the local runner's worker processes, a Dask worker's
    first imports, scheduling), shown apart.

The contenders take turns, one run each per round, so a change in the
machine's load falls on all of them alike. Every run of the stage must give the
same counters. The table quotes medians and each contender's speed as a ratio
to the bare loop's, by the clock and by CPU time (this process's, its ended
worker processes' and its live ones', the Dask workers): on a shared, loaded
machine the clock moves with the others' load, CPU time far less. The CPU
ratio is the speed per core; less the fixed cost, it is the speed per record
at any size.
"""

import argparse
import contextlib
import glob
import logging
import os
import resource
import statistics
import tempfile
import time

import psutil
import pyarrow.parquet as pq

from benchmarks import reddit_reader
from pipelines.pipeline import build
from pipelines.runners.engine import Engine
from pipelines.runners.engine import engine as engine_for
from webtext import counts, layout
from webtext.config import Config
from webtext.run.plan import Inputs

RUNNER_NAMES = {"direct": "local runner", "dask": "Dask"}
TINY_RECORDS = 200


def links_stage(dumps: str, out: str, engine: Engine) -> dict:
    """The command's links stage (`--until links`) from the dumps (a glob) to links.parquet and links.txt,
    without progress lines; its counters."""
    pipeline = engine.new_pipeline()
    build(pipeline, Inputs([dumps], [], out), Config(), "links", "links")
    result = pipeline.run()
    result.wait_until_finish()
    found = engine.read_counters(result)
    rows = pq.read_metadata(os.path.join(out, layout.table(layout.LINKS))).num_rows
    assert rows == found[counts.LINKS_KEPT], (rows, found)
    return found


def cpu_seconds() -> float:
    """CPU time of this process and its ended children, and of its live descendants (Dask's workers, the local
    runner's fork server) and their ended children (the fork server's workers)."""
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0.0
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            live += times.user + times.system + times.children_user + times.children_system
    return time.process_time() + ended.ru_utime + ended.ru_stime + live


def timed_once(run) -> tuple[float, float, str]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = repr(run())
    return time.perf_counter() - wall, cpu_seconds() - cpu, result


def contenders(folder: str, engines: list[tuple[str, int]]) -> list:
    """(name, run) of each contender; a run gives its (seconds, CPU seconds, result) and, for a stage, those of
    its run on the tiny input, or None."""
    runs = 0

    def every_file(reader):
        paths = sorted(glob.glob(os.path.join(folder, "RS_*.zst")))
        return lambda: (timed_once(lambda: sum(reader(path) for path in paths)), None)

    def stage_on(engine, dumps: str):
        nonlocal runs
        runs += 1
        return links_stage(os.path.join(folder, dumps), os.path.join(folder, f"out-{runs}"), engine)

    def stage(runner: str, workers: int):
        def on_a_fresh_engine(dumps: str):
            # The command's engine, made for this run alone, as a command run makes it: a Dask cluster's
            # workers import the stage's modules in its first run, and one idle beside another contender
            # would add its CPU to that contender's.
            with engine_for(runner, workers, None, []) as engine:
                return timed_once(lambda: stage_on(engine, dumps))
        return lambda: (on_a_fresh_engine("RS_*.zst"), on_a_fresh_engine("tiny/RS_*.zst"))

    return [
        ("bare zstandard + json.loads (baseline)", every_file(reddit_reader.bare_loop)),
        ("reader + post rules, no Beam", every_file(reddit_reader.webtext_reader)),
        ("reader + post + URL rules, no Beam", every_file(reddit_reader.webtext_reader_and_urls)),
        *[(f"links stage, {RUNNER_NAMES[runner]}, {n} worker{'s' * (n > 1)}", stage(runner, n))
          for runner, n in engines],
    ]


def write_inputs(folder: str, args) -> None:
    """The dumps, and the same number of tiny ones (TINY_RECORDS in all) for the stage's fixed cost."""
    months = [f"RS_2017-{month + 1:02d}.zst" for month in range(args.files)]
    reddit_reader.write_dumps([os.path.join(folder, name) for name in months], args.records, args.reposts)
    os.mkdir(os.path.join(folder, "tiny"))
    reddit_reader.write_dumps([os.path.join(folder, "tiny", name) for name in months], TINY_RECORDS, args.reposts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--files", type=int, default=2, help="dump files the records are spread over")
    parser.add_argument("--reposts", type=float, default=0.15, help="share of link posts that repost an earlier link")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="worker processes of the Beam runs")
    parser.add_argument("--runners", default="direct,dask", help="direct (Beam's local runner), dask, or both")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the runners' workers warn of nothing that matters here
    with tempfile.TemporaryDirectory() as folder:
        write_inputs(folder, args)
        size = sum(os.path.getsize(path) for path in glob.glob(os.path.join(folder, "RS_*.zst")))
        print(f"{args.records:,} records ({args.reposts:.0%} of link posts reposts) in {args.files} files, "
              f"{size / 2**20:.0f} MiB zstd; median of {args.repeats}, contenders in turn\n")
        engines = [(runner, int(n)) for runner in args.runners.split(",") for n in args.workers.split(",")]
        named = contenders(folder, engines)
        timings = {name: ([], []) for name, _ in named}
        for _ in range(args.repeats):
            for name, run in named:
                timed, tiny_timed = run()
                timings[name][0].append(timed)
                if tiny_timed:
                    timings[name][1].append(tiny_timed)
        print_table(timings, args.records)


def print_table(timings: dict, records: int) -> None:
    """Medians, ratios to the first contender (the baseline), and each stage's fixed cost (its tiny run's CPU)."""
    print(f"{'contender':<42}{'seconds':>9}{'records/s':>12}{'vs baseline':>13}{'CPU s':>9}{'CPU vs baseline':>17}"
          f"{'fixed CPU s':>13}{'CPU vs baseline, less fixed':>29}")
    baseline = None
    for name, (runs, tiny_runs) in timings.items():
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        baseline = baseline or (wall, cpu)
        line = (f"{name:<42}{wall:>9.2f}{records / wall:>12,.0f}{baseline[0] / wall:>12.2f}x"
                f"{cpu:>9.2f}{baseline[1] / cpu:>16.2f}x")
        if tiny_runs:
            fixed = statistics.median(r[1] for r in tiny_runs)
            line += f"{fixed:>13.2f}{baseline[1] / (cpu - fixed):>28.2f}x"
        print(line)
    stage_counters = {r[2] for name, (runs, _) in timings.items() if name.startswith("links stage") for r in runs}
    assert len(stage_counters) == 1, f"the stage's counters differ between runs: {stage_counters}"
    print(f"\ncounters of every stage run: {stage_counters.pop()}")


if __name__ == "__main__":
    main()
