"""Extraction test sets, each page with what its main text is known to be, and how to score against it.

Two kinds of truth. trafilatura's evaluation set gives snippets per page ("with":
must appear, "without": must not); the other sets give the article's whole text,
scored as the Scrapinghub article-extraction benchmark scores: 4-gram shingles of
the output against those of the truth, precision and recall per page, averaged over
pages (as there, a page given no text counts in recall, as 0, and not in precision).
"""

import csv
import gzip
import json
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import NamedTuple

SPACES = re.compile(r"\s+")
WORD = re.compile(r"\w+")
SHINGLE = 4


class ScoredPage(NamedTuple):
    url: str
    html: bytes
    truth: str = ""  # the article's text, where the set gives it
    with_snippets: tuple[str, ...] = ()  # where the set gives snippets instead
    without_snippets: tuple[str, ...] = ()
    lang: str = ""


def load_trafilatura_eval(folder: Path) -> list[ScoredPage]:
    """../shared/data/extraction/trafilatura_eval: 990 pages, snippets."""
    snippets = json.loads((folder / "evaldata.json").read_text())
    with open(folder / "index.tsv", newline="") as f:
        index = {row["url"]: row for row in csv.DictReader(f, delimiter="\t")}
    return [ScoredPage(url, gzip.decompress((folder / "html" / index[url]["html_gz"]).read_bytes()),
                       with_snippets=tuple(item["with"]), without_snippets=tuple(item["without"]),
                       lang=index[url]["html_lang_attr"]) for url, item in snippets.items()]


def every_page():
    """The run settings that score every page: every language kept, no length minimum."""
    from webtext.config import Config  # at call time: a benchmark's process may import an earlier revision

    return Config(languages="all", min_tokens=0)


def as_page(page: ScoredPage):
    """The page as the fetch stage hands it to extraction."""
    from webtext.records import Link, Page

    link = Link(page.url, [page.url], 0, 0, 0, [], [])
    return Page(link, page.url, 200, "text/html", page.html, "warc", "")


def add_set_arguments(parser) -> None:
    parser.add_argument("--trafilatura-eval", type=Path, help="../shared/data/extraction/trafilatura_eval")
    parser.add_argument("--generated", type=Path, action="append", default=[],
                        help="a folder benchmarks/modern_pages.py wrote (repeatable): tuning sets")
    parser.add_argument("--scrapinghub", type=Path, help="the Scrapinghub benchmark's folder: checking only")
    parser.add_argument("--wcxb", type=Path, help="WCXB's folder (its article pages, both splits): checking only")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages of each set")


def load_sets(args) -> dict[str, list[ScoredPage]]:
    """The sets named on a benchmark's command line (add_set_arguments), by name."""
    from heldout_sets import load_scrapinghub, load_wcxb
    sets = {}
    if args.trafilatura_eval:
        sets["trafilatura eval"] = load_trafilatura_eval(args.trafilatura_eval)
    for folder in args.generated:
        from modern_pages import load_generated
        sets[f"generated {folder.name}"] = load_generated(folder)
    if args.scrapinghub:
        sets["Scrapinghub (checking)"] = load_scrapinghub(args.scrapinghub)
    if args.wcxb:
        sets["WCXB articles (checking)"] = load_wcxb(args.wcxb, split="all", page_types=("article",))
    return {name: pages[: args.limit or None] for name, pages in sets.items()}


def _found(snippet: str, text: str) -> bool:
    return SPACES.sub(" ", snippet).strip() in text


def snippet_counts(text: str, page: ScoredPage) -> tuple[float, float, float]:
    """(tp, fp, fn) as trafilatura's evaluation counts them: snippets, summed over the set."""
    text = SPACES.sub(" ", text or "").strip()
    hits = sum(_found(s, text) for s in page.with_snippets)
    return hits, sum(_found(s, text) for s in page.without_snippets), len(page.with_snippets) - hits


def _shingles(text: str) -> Counter:
    words = WORD.findall(text or "")
    return Counter(tuple(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1)) if words[i:i + SHINGLE])


def shingle_counts(text: str, page: ScoredPage) -> tuple[float, float, float]:
    """(tp, fp, fn) of 4-gram shingles, as shares of their sum, so every page weighs the same."""
    true, predicted = _shingles(page.truth), _shingles(text)
    tp = sum((true & predicted).values())
    fp, fn = sum((predicted - true).values()), sum((true - predicted).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _share(hit: float, miss: float, other_miss: float) -> float:
    if miss == other_miss == 0:
        return 1.0
    return 0.0 if hit == miss == 0 else hit / (hit + miss)


def score(texts: list[str], pages: list[ScoredPage]) -> dict:
    """precision, recall, F1: snippets summed over the set, or shingles averaged over pages."""
    if pages and not pages[0].truth:
        tp, fp, fn = (sum(column) for column in zip(*(snippet_counts(t, p) for t, p in zip(texts, pages))))
        precision, recall = tp / (tp + fp), tp / (tp + fn)
    else:
        counts = [shingle_counts(t, p) for t, p in zip(texts, pages)]
        precision = statistics.mean(_share(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
        recall = statistics.mean(_share(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}
