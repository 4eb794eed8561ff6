"""Time per stage on the bundled sample and on generated larger inputs, 1 and 2 local workers.

    python benchmarks/scaling.py [--scales 1,10] [--workers 1,2] [--repeats 3]

Each input is written by `python -m webtext.sample.make --scale N` (N batches
of the sample's make-up, pages read from its WARC, so no network). Each run
builds a fresh output folder one stage at a time (`--until links`, then
`--from fetch --until fetch`, ...), all in this process, so a stage's time is
its pipeline's construction and run, without Python's start-up. The `whole`
row is one run of every stage in one pipeline. The baseline for the worker
ratio is the 1-worker run of the same input, in the same script.
"""

import argparse
import contextlib
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from webtext import collect
from webtext.run import stages
from webtext.sample import make


def write_input(folder: Path, scale: int) -> Path:
    make.main([str(folder), "--scale", str(scale)])
    return folder


def timed_run(argv: list[str]) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        collect.run(argv)
    return time.perf_counter() - started


def stage_times(sample: Path, out: Path, workers: int) -> dict[str, float]:
    """Seconds per stage, each stage its own run over what the one before kept, and the whole."""
    common = ["--dumps", str(sample / "RS_*"), "--warc", str(sample / "pages.warc.gz"), "--val-fraction", "0.1",
              "--workers", str(workers), "--progress-s", "0"]
    times = {stage: timed_run([str(out / "staged"), *common, "--from", stage, "--until", stage])
             for stage in stages.STAGES}
    times["whole"] = timed_run([str(out / "whole"), *common])
    return times


def documents_written(out: Path) -> int:
    return json.loads((out / "whole" / "manifest.json").read_text())["counters"]["shards/documents"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    rows = ["links", "fetch", "extract", "dedup", "shards", "whole"]
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for scale in scales:
            sample = write_input(Path(tmp) / f"input-{scale}", scale)
            for workers in worker_counts:
                runs = []
                for repeat in range(args.repeats):
                    out = Path(tmp) / f"out-{scale}-{workers}-{repeat}"
                    runs.append(stage_times(sample, out, workers))
                results[scale, workers] = {row: statistics.median(r[row] for r in runs) for row in rows}
                results[scale, workers]["documents"] = documents_written(out)
        print(f"seconds per stage, median of {args.repeats} (FnApiRunner; pages read from WARC)\n")
        columns = [(s, w) for s in scales for w in worker_counts]
        print(f"{'stage':<10}" + "".join(f"{f'{s}x, {w} worker' + ('s' if w > 1 else ''):>18}" for s, w in columns))
        for row in rows:
            print(f"{row:<10}" + "".join(f"{results[c][row]:>18.2f}" for c in columns))
        print(f"{'documents':<10}" + "".join(f"{results[c]['documents']:>18,}" for c in columns))
        print()
        for scale in scales:
            base = results[scale, worker_counts[0]]["whole"]
            for workers in worker_counts[1:]:
                print(f"{scale}x: {workers} workers / {worker_counts[0]}: {base / results[scale, workers]['whole']:.2f}x faster (whole run)")
            if scale != scales[0]:
                growth = results[scale, worker_counts[0]]["whole"] / results[scales[0], worker_counts[0]]["whole"]
                print(f"{scale}x input / {scales[0]}x: {growth:.2f}x the time for {scale / scales[0]:.0f}x the records")


if __name__ == "__main__":
    main()
