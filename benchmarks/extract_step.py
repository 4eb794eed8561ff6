"""The whole extract stage on a set of pages, as a user runs it, against trafilatura.extract alone.

    python benchmarks/extract_step.py --trafilatura-eval ../shared/data/extraction/trafilatura_eval \
        --generated GEN [--before REV] [--repeats 3]

Each set becomes a run's input: one Reddit post per page (a Pushshift dump) and a
WARC holding each page as it was served. The links and fetch stages run once (not
timed); then `python -m webtext.collect OUT --from extract --until extract
--workers 1` is timed as a whole process (Python's start-up, Beam, reading the
WARC, extraction with the pipeline's defaults, writing documents.parquet). Against
it: trafilatura.extract with its defaults over the same pages in one process,
the extraction calls only (its start-up and reading the pages not counted). One
worker against one process: the ratio is per core. --before REV times the stage as
it was at that revision too (its webtext/ and pipelines/ checked out beside this
one). Repeats take turns; medians.
"""

import argparse
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import zstandard
from warcio.warcwriter import WARCWriter

from extract_sets import ScoredPage, add_set_arguments, load_sets
from extraction import checkout
from webtext.fetch.warc import write_response

POSTED = 1500000000  # July 2017: inside GPT-2's window
CRAWLED = "2017-08-01T00:00:00Z"


def write_input(pages: list[ScoredPage], folder: Path) -> list[str]:
    """A dump of one post per page and a WARC of the pages: the arguments that read them."""
    folder.mkdir(parents=True)
    posts = [json.dumps({"id": f"b{n:06x}", "url": page.url, "score": 10, "created_utc": POSTED,
                         "subreddit": "news", "is_self": False, "over_18": False}) for n, page in enumerate(pages)]
    (folder / "RS_2017-07.zst").write_bytes(zstandard.ZstdCompressor().compress("\n".join(posts).encode() + b"\n"))
    warc = io.BytesIO()
    writer = WARCWriter(warc, gzip=True)
    for page in pages:
        write_response(writer, page.url, 200, "text/html", page.html, date=CRAWLED)
    (folder / "pages.warc.gz").write_bytes(warc.getvalue())
    return ["--dumps", str(folder / "RS_*"), "--warc", str(folder / "pages.warc.gz"), "--workers", "1",
            "--progress-s", "0"]


def collect(out: Path, inputs: list[str], stages: list[str], source: str | None = None) -> float:
    """Seconds of one `python -m webtext.collect` process; source: another revision's tree."""
    env = dict(os.environ, PYTHONPATH=source) if source else None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "webtext.collect", str(out), *inputs, *stages], check=True,
                   stdout=subprocess.DEVNULL, env=env, cwd=source)
    return time.perf_counter() - started


def trafilatura_seconds(pages: list[ScoredPage]) -> float:
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page.html, url=page.url)
    return time.perf_counter() - started


def documents(out: Path) -> int:
    return json.loads((out / "_stages" / "extract.json").read_text())["counters"].get("extract/documents", 0)


def measure(name: str, pages: list[ScoredPage], folder: Path, before: str | None, repeats: int) -> str:
    inputs = write_input(pages, folder / "input")
    runs = {"ours": (folder / "out", None)} | ({"ours before": (folder / "out-before", before)} if before else {})
    for out, source in runs.values():
        collect(out, inputs, ["--until", "fetch"], source)
    seconds = {"trafilatura.extract alone": [], **{label: [] for label in runs}}
    for _ in range(repeats):
        seconds["trafilatura.extract alone"].append(trafilatura_seconds(pages))
        for label, (out, source) in runs.items():
            seconds[label].append(collect(out, inputs, ["--from", "extract", "--until", "extract"], source))
    base = statistics.median(seconds["trafilatura.extract alone"])
    lines = [f"{name}: {len(pages)} pages, median of {repeats}",
             f"  {'':<28}{'seconds':>9}{'docs/s':>8}{'x traf.':>9}{'documents':>11}"]
    for label, values in seconds.items():
        median = statistics.median(values)
        kept = documents(runs[label][0]) if label in runs else ""
        lines.append(f"  {label:<28}{median:>9.1f}{len(pages) / median:>8.1f}{base / median:>9.2f}{kept:>11}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_set_arguments(parser)
    parser.add_argument("--before", help="a git revision: the stage as it was then, beside it as it is")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        before = args.before and checkout(args.before, tmp, ("webtext", "pipelines"))
        for n, (name, pages) in enumerate(load_sets(args).items()):
            print(measure(name, pages, Path(tmp) / f"set{n}", before, args.repeats), flush=True)


if __name__ == "__main__":
    main()
