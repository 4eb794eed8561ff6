"""Time per stage on the bundled sample and on generated larger inputs, 1 and 2 workers, per runner.

    python benchmarks/scaling.py [--scales 1,10] [--workers 1,2] [--runners direct,dask] [--repeats 3]

Each input is written by `python -m webtext.sample.make --scale N` (N batches
of the sample's make-up, pages read from its WARC, so no network). Each run
builds a fresh output folder one stage at a time (`--until links`, then
`--from fetch --until fetch`, ...), all in this process, so a stage's time is
its pipeline's construction and run, without Python's start-up. The `whole`
row is one run of every stage in one pipeline. The baseline for the worker
ratio is the 1-worker run of the same input, in the same script. `dask` runs
on a LocalCluster of that many worker processes, started for each run (its
start-up is in the times). CPU seconds are summed over this process and every
process it started (`Usage`), so two cores shared with a scheduler do not
hide the cost per core. Peak RSS is the largest resident set of any one
process (this one, which is the worker of a 1-worker local run, or a worker
process) in the whole run, sampled every 0.1 s. --json writes the medians
and each input's links and documents, for benchmarks/projection.py.
"""

import argparse
import contextlib
import io
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil

from webtext import collect
from webtext.run import stages
from webtext.sample import make


def write_input(folder: Path, scale: int) -> Path:
    make.main([str(folder), "--scale", str(scale)])
    return folder


class Usage:
    """Wall seconds, CPU seconds of this process and every process it started (summed: a LocalCluster's
    scheduler in this process, its workers, the local runner's workers) and the largest resident set of any
    one of them, while in the with block. The others' CPU is sampled every 0.1 s: a process's last tenth
    of a second before it ends may be missed."""

    def __enter__(self):
        self.me = psutil.Process()
        self.peak, self.done = 0, threading.Event()
        self.before = {p.pid: self._cpu(p) for p in self.me.children(recursive=True)}
        self.latest = dict(self.before)
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.own_cpu, self.started = self._cpu(self.me), time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.wall = time.perf_counter() - self.started
        self.done.set()
        self.thread.join()
        others = sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.latest.items())
        self.cpu = self._cpu(self.me) - self.own_cpu + others

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def _sample(self):
        while not self.done.wait(0.1):
            for process in [self.me, *self.me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    self.peak = max(self.peak, process.memory_info().rss)
                    if process.pid != self.me.pid:
                        self.latest[process.pid] = self._cpu(process)


def measured_run(argv: list[str]) -> Usage:
    with Usage() as usage, contextlib.redirect_stdout(io.StringIO()):
        collect.run(argv)
    return usage


def stage_times(sample: Path, out: Path, runner: str, workers: int) -> dict[str, float]:
    """Wall and CPU seconds per stage, each stage its own run over what the one before kept, the whole, and
    the whole run's peak RSS."""
    common = ["--dumps", str(sample / "RS_*"), "--warc", str(sample / "pages.warc.gz"), "--val-fraction", "0.1",
              "--runner", runner, "--workers", str(workers), "--progress-s", "0"]
    times = {}
    for stage in [*stages.STAGES, "whole"]:
        folder, flags = ("whole", []) if stage == "whole" else ("staged", ["--from", stage, "--until", stage])
        usage = measured_run([str(out / folder), *common, *flags])
        times[stage], times[f"{stage} CPU"] = usage.wall, usage.cpu
    times["peak MB"] = usage.peak / 1e6
    return times


def written(out: Path) -> dict[str, int]:
    """The whole run's dump lines read, links kept, documents extracted and documents written."""
    counters = json.loads((out / "whole" / "manifest.json").read_text())["counters"]
    return {"lines": counters["links/lines"], "links kept": counters["links/kept"], "extracted": counters["extract/documents"],
            "documents": counters["shards/documents"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--runners", default="direct", help="direct, dask, or both: direct,dask")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the measurements here too")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    runners = args.runners.split(",")
    steps = ["links", "fetch", "extract", "dedup", "shards", "whole"]
    rows = [*steps, *[f"{step} CPU" for step in steps], "peak MB"]
    columns = [(s, r, w) for s in scales for r in runners for w in worker_counts]
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for scale in scales:
            sample = write_input(Path(tmp) / f"input-{scale}", scale)
            for _, runner, workers in [c for c in columns if c[0] == scale]:
                runs = []
                for repeat in range(args.repeats):
                    out = Path(tmp) / f"out-{scale}-{runner}-{workers}-{repeat}"
                    runs.append(stage_times(sample, out, runner, workers))
                results[scale, runner, workers] = {row: statistics.median(r[row] for r in runs) for row in rows}
                results[scale, runner, workers].update(written(out))
        if args.json:
            args.json.write_text(json.dumps([{"scale": s, "runner": r, "workers": w, **results[s, r, w]}
                                             for s, r, w in columns], indent=1))
        print(f"seconds per stage, wall and CPU, median of {args.repeats} (pages read from WARC)\n")
        print(f"{'stage':<10}" + "".join(f"{f'{s}x {r} {w}w':>16}" for s, r, w in columns))
        for row in rows:
            print(f"{row:<10}" + "".join(f"{results[c][row]:>16.2f}" for c in columns))
        print(f"{'documents':<10}" + "".join(f"{results[c]['documents']:>16,}" for c in columns))
        print()
        for scale, runner, workers in columns:
            base = results[scale, runners[0], worker_counts[0]]["whole"]
            print(f"{scale}x {runner} {workers}w: {base / results[scale, runner, workers]['whole']:.2f}x the speed of "
                  f"{runners[0]} {worker_counts[0]}w (whole run)")


if __name__ == "__main__":
    main()
