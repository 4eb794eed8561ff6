"""Extraction quality and speed on trafilatura's 990 evaluation pages: ours against trafilatura's defaults.

    python benchmarks/extraction.py ../shared/data/extraction/trafilatura_eval [--rounds 3] [--alternatives]

Each page comes with snippets its main text must contain and boilerplate it must
not. Scored as in the trafilatura repository: a "with" snippet found is a true
positive, missed a false negative; a "without" snippet found is a false
positive; substrings after collapsing whitespace. "Ours" is the pipeline's
extract_document (decoding, trafilatura, cleaning, wall, language and length
checks) with every language kept and no minimum length, so that the German
majority of the set is scored; a page it drops scores as empty text. Ours runs
twice, called bare and under the time limit as the pipeline calls it
(webtext.extract.deadline): the ratio of the two is the limit's cost. Speed is
documents per second over the whole set, the median of --rounds interleaved
rounds, all in this one process. --alternatives adds the trafilatura settings
the choice was made from.
"""

import argparse
import csv
import gzip
import json
import logging
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import trafilatura

from webtext.config import Config
from webtext.drops import Dropped
from webtext.extract.deadline import TimeLimited
from webtext.extract.extraction import extract_document, extract_main_text
from webtext.records import Link, Page

SPACES = re.compile(r"\s+")
WARM_UP_PAGES = 20
CHUNK_PAGES = 50
BARE, LIMITED = "ours, bare call", "ours, time-limited (as the pipeline runs)"
# Keep every page: the set is mostly German, and its short pages are scored too.
SCORED = Config(languages="all", min_tokens=0)
ALTERNATIVES = {
    "comments off": dict(include_comments=False),
    "comments off, fast": dict(include_comments=False, fast=True),
    "comments off, precision": dict(include_comments=False, favor_precision=True),
    "comments off, recall": dict(include_comments=False, favor_recall=True),
    "comments off, no tables": dict(include_comments=False, include_tables=False),
    "comments off, fast, precision": dict(include_comments=False, fast=True, favor_precision=True),
    "comments off, fast, recall": dict(include_comments=False, fast=True, favor_recall=True),
}


def load_pages(folder: Path) -> list[dict]:
    snippets = json.loads((folder / "evaldata.json").read_text())
    with open(folder / "index.tsv", newline="") as f:
        index = {row["url"]: row for row in csv.DictReader(f, delimiter="\t")}
    return [{"url": url, "html": gzip.decompress((folder / "html" / index[url]["html_gz"]).read_bytes()),
             "lang": index[url]["html_lang_attr"], **item} for url, item in snippets.items()]


def _found(snippet: str, text: str) -> bool:
    return SPACES.sub(" ", snippet).strip() in text


def score(texts: list[str], pages: list[dict]) -> dict:
    tp = fn = fp = 0
    for text, page in zip(texts, pages):
        text = SPACES.sub(" ", text or "").strip()
        hits = sum(_found(s, text) for s in page["with"])
        tp, fn = tp + hits, fn + len(page["with"]) - hits
        fp += sum(_found(s, text) for s in page["without"])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def as_page(page: dict) -> Page:
    link = Link(page["url"], [page["url"]], 0, 0, 0, [], [])
    return Page(link, page["url"], 200, "text/html", page["html"], "warc", "")


class Ours:
    """The pipeline's extraction of each page; why each dropped page was dropped."""

    def __init__(self, extractor):
        self.extractor, self.dropped = extractor, {}

    def __call__(self, page: dict) -> str:
        document = extract_document(as_page(page), SCORED, self.extractor)
        if isinstance(document, Dropped):
            self.dropped[page["url"]] = document.reason
            return ""
        return document.text


def trafilatura_with(**options):
    return lambda page: trafilatura.extract(page["html"], url=page["url"], **options)


def interleaved_rounds(contenders: dict, pages: list[dict], rounds: int) -> tuple[dict, dict]:
    """Each contender's texts and median docs/s. Contenders take turns on each chunk
    of pages, so a burst of load from other processes falls on all of them alike."""
    speeds = {name: [] for name in contenders}
    for _ in range(rounds):
        texts = {name: [] for name in contenders}
        seconds = dict.fromkeys(contenders, 0.0)
        for start in range(0, len(pages), CHUNK_PAGES):
            chunk = pages[start:start + CHUNK_PAGES]
            for name, extract in contenders.items():
                started = time.perf_counter()
                texts[name] += [extract(page) for page in chunk]
                seconds[name] += time.perf_counter() - started
        for name in contenders:
            speeds[name].append(len(pages) / seconds[name])
    return texts, {name: statistics.median(values) for name, values in speeds.items()}


def table(rows: list[tuple], pages: list[dict], baseline: str) -> str:
    english = [i for i, p in enumerate(pages) if p["lang"] == "en"]
    base = dict((r[0], r) for r in rows)[baseline]
    lines = [f"{'extractor':<42}{'precision':>10}{'recall':>8}{'F1':>8}{'F1 (en)':>9}{'docs/s':>8}{'x speed':>9}"]
    for name, texts, speed in rows:
        s = score(texts, pages)
        en = score([texts[i] for i in english], [pages[i] for i in english])
        lines.append(f"{name:<42}{s['precision']:>10.4f}{s['recall']:>8.4f}{s['f1']:>8.4f}{en['f1']:>9.4f}"
                     f"{speed:>8.1f}{speed / base[2]:>9.2f}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="the trafilatura_eval folder (evaldata.json, index.tsv, html/)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (a quick look)")
    parser.add_argument("--alternatives", action="store_true", help="also score the settings the choice was made from")
    args = parser.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    pages = load_pages(args.data)[: args.limit or None]
    contenders = {"trafilatura defaults": trafilatura_with(), BARE: Ours(extract_main_text),
                  LIMITED: Ours(TimeLimited(extract_main_text, SCORED.extract_time_limit_s))}
    if args.alternatives:
        contenders |= {f"trafilatura, {name}": trafilatura_with(**options) for name, options in ALTERNATIVES.items()}
    for extract in contenders.values():  # lazy imports, caches, the watchdog thread: not timed
        [extract(page) for page in pages[:WARM_UP_PAGES]]
    texts, speeds = interleaved_rounds(contenders, pages, args.rounds)
    rows = [(name, texts[name], speeds[name]) for name in contenders]
    print(f"{len(pages)} pages, {args.rounds} rounds (docs/s: median)")
    print(table(rows, pages, "trafilatura defaults"))
    print(f"the time limit's cost: {LIMITED} at {speeds[LIMITED] / speeds[BARE]:.3f}x the speed of the bare call")
    dropped = Counter(contenders[LIMITED].dropped.values())
    print("ours, pages dropped:", dict(dropped.most_common()))


if __name__ == "__main__":
    main()
