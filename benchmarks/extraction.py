"""Extraction quality and speed per set: ours (now and at an earlier revision), trafilatura, other extractors.

    python benchmarks/extraction.py --trafilatura-eval ../shared/data/extraction/trafilatura_eval \
        --generated GEN [--scrapinghub DIR] [--wcxb DIR] \
        [--before REV] [--rounds 3] [--candidates resiliparse]

The sets and their scoring: benchmarks/extract_sets.py (trafilatura's snippets;
the others' 4-gram shingles, as the Scrapinghub benchmark scores). "Ours" is the
pipeline's extract_document as the pipeline runs it, under its time limit (decoding,
trafilatura, cleaning, every check) with every language kept and no length minimum,
so every page is scored; a page it drops scores as empty text. --before REV adds
ours as it was at that git revision (its webtext/ checked out into a temporary
folder). Each contender runs in a process of its own and is sent the same chunk of
pages in turn, so a burst of load from elsewhere falls on all of them alike; its
seconds are counted inside its process, around the extraction calls only. Speed is
documents per second over the set, the median of --rounds rounds; the ratio is to
trafilatura's defaults in the same run. This is the extraction call; the whole
stage (WARC reading, Beam, Parquet) is benchmarks/extract_step.py.
"""

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from extract_sets import ScoredPage, add_set_arguments, as_page, every_page, load_sets, score

PROJECT = Path(__file__).resolve().parent.parent
CHUNK_PAGES = 50
WARM_UP_PAGES = 10
TRAFILATURA = "trafilatura defaults"


def _trafilatura(**options):
    import trafilatura

    return lambda page: trafilatura.extract(page.html, url=page.url, **options) or ""


def _ours():
    from webtext.drops import Dropped
    from webtext.extract.deadline import TimeLimited
    from webtext.extract.extraction import extract_document, extract_main_text

    config = every_page()
    limited = TimeLimited(extract_main_text, config.extract_time_limit_s)

    def extract(page: ScoredPage) -> str:
        document = extract_document(as_page(page), config, limited)
        return "" if isinstance(document, Dropped) else document.text
    return extract


def _resiliparse():
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    return lambda page: extract_plain_text(bytes_to_str(page.html, detect_encoding(page.html)), main_content=True)


FACTORIES = {"trafilatura": _trafilatura, "ours": _ours, "resiliparse": _resiliparse}
CANDIDATES = ["resiliparse"]


def _serve(factory: str, options: dict, source: str | None, connection) -> None:
    """A contender's process: extract each chunk it is sent, answer its texts and seconds."""
    import logging

    if source:  # an earlier revision's webtext/, found before the installed one
        sys.path.insert(0, source)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    extract = FACTORIES[factory](**options)
    while (pages := connection.recv()) is not None:
        started = time.perf_counter()
        texts = [extract(page) for page in pages]
        connection.send((texts, time.perf_counter() - started))


class Contender:
    def __init__(self, factory: str, source: str | None = None, **options):
        self.connection, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(target=_serve,
                                                                    args=(factory, options, source, child))
        self.process.start()

    def extract(self, pages: list[ScoredPage]) -> tuple[list[str], float]:
        self.connection.send(pages)
        return self.connection.recv()

    def close(self) -> None:
        self.connection.send(None)
        self.process.join()


def checkout(revision: str, folder: str, packages: tuple[str, ...] = ("webtext",)) -> str:
    """The project's packages as they were at revision, under folder."""
    archive = subprocess.run(["git", "-C", str(PROJECT), "archive", revision, *packages], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return folder


def contenders(args, before: str | None) -> dict[str, Contender]:
    made = {TRAFILATURA: Contender("trafilatura"),
            "trafilatura, favouring precision": Contender("trafilatura", favor_precision=True)}
    if before:
        made[f"ours before ({args.before})"] = Contender("ours", before)
    made["ours"] = Contender("ours")
    for name in args.candidates:
        made[name] = Contender(name)
    return made


def run_set(pages: list[ScoredPage], extractors: dict[str, Contender], rounds: int) -> dict:
    """Each contender's texts and median docs/s over rounds, taking turns on each chunk."""
    for contender in extractors.values():  # imports, models, caches: not timed
        contender.extract(pages[:WARM_UP_PAGES])
    speeds = {name: [] for name in extractors}
    for _ in range(rounds):
        texts, seconds = {name: [] for name in extractors}, dict.fromkeys(extractors, 0.0)
        for start in range(0, len(pages), CHUNK_PAGES):
            for name, contender in extractors.items():
                chunk_texts, chunk_seconds = contender.extract(pages[start:start + CHUNK_PAGES])
                texts[name] += chunk_texts
                seconds[name] += chunk_seconds
        for name in extractors:
            speeds[name].append(len(pages) / seconds[name])
    return {name: (texts[name], statistics.median(speeds[name])) for name in extractors}


def table(name: str, pages: list[ScoredPage], results: dict, rounds: int) -> str:
    base_speed = results[TRAFILATURA][1]
    base_f1 = score(results[TRAFILATURA][0], pages)["f1"]
    lines = [f"{name}: {len(pages)} pages, docs/s the median of {rounds} rounds",
             f"  {'extractor':<40}{'precision':>10}{'recall':>8}{'F1':>8}{'F1 - traf.':>11}{'docs/s':>8}{'x traf.':>8}"]
    for extractor, (texts, speed) in results.items():
        s = score(texts, pages)
        lines.append(f"  {extractor:<40}{s['precision']:>10.4f}{s['recall']:>8.4f}{s['f1']:>8.4f}"
                     f"{s['f1'] - base_f1:>+11.4f}{speed:>8.1f}{speed / base_speed:>8.2f}")
    before = next((texts for extractor, (texts, _) in results.items() if extractor.startswith("ours before")), None)
    if before is not None:
        same = sum(old == new for old, new in zip(before, results["ours"][0]))
        lines.append(f"  ours and ours before: {same} of {len(pages)} texts identical")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_set_arguments(parser)
    parser.add_argument("--before", help="a git revision: ours as it was then, beside ours now")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--candidates", type=lambda s: s.split(","), default=[],
                        help=f"other extractors, comma-separated: {', '.join(CANDIDATES)}")
    args = parser.parse_args(argv)
    sets = load_sets(args)
    with tempfile.TemporaryDirectory() as folder:
        extractors = contenders(args, args.before and checkout(args.before, folder))
        try:
            for name, pages in sets.items():
                print(table(name, pages, run_set(pages, extractors, args.rounds), args.rounds), flush=True)
        finally:
            for contender in extractors.values():
                contender.close()


if __name__ == "__main__":
    main()
