"""Where the extract stage's time goes, step by step, on each set of pages.

    python benchmarks/extract_profile.py --trafilatura-eval ../shared/data/extraction/trafilatura_eval \
        --generated GEN [--limit N]
    PYTHONPATH=FOLDER python benchmarks/extract_profile.py ...   (FOLDER: an earlier revision's webtext/)

Runs the pipeline's extract_document (every language kept, no length minimum, so
every page goes through every check) on each page, with a timer around each step:
ours (decoding, parsing, title, each trafilatura pass, cleaning, each check) and
trafilatura's inside a pass (tree copies, cleaning and tag conversion, pruning, its
main extractor, readability, jusText, its baseline, tree to text). Each step's time
is its own, not its callees' (a pass's own line is what is left of it once the
steps inside it are taken out), so the column sums to the whole. One process, one
pass over the pages after a warm-up; the shares are what to read.
"""

import argparse
import logging
import time
from collections import defaultdict

import trafilatura.core
import trafilatura.external

from extract_sets import ScoredPage, add_set_arguments, as_page, every_page, load_sets
from webtext.extract import extraction

WARM_UP_PAGES = 20
EVERY_PAGE = every_page()


class StepTimer:
    """Own time per step: a step's wall time less that of the timed steps it calls."""

    def __init__(self):
        self.own = defaultdict(float)
        self.calls = defaultdict(int)
        self._callee_time = [0.0]

    def wrap(self, step: str, function):
        def timed(*args, **kwargs):
            self._callee_time.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.own[step] += elapsed - self._callee_time.pop()
                self.calls[step] += 1
                self._callee_time[-1] += elapsed
        return timed


def _patch(timer: StepTimer, module, name: str, step: str, patched: list) -> None:
    original = getattr(module, name)
    patched.append((module, name, original))
    setattr(module, name, timer.wrap(step, original))


# (module, function, step): each is patched where it is looked up.
STEPS = [
    (extraction, "decode_html", "bytes to text (charset)"),
    (extraction, "load_html", "parse (lxml)"),  # before parse_html (a revision given as --before)
    (extraction, "parse_html", "parse (lxml)"),
    (extraction, "prune_never_text", "prune scripts, styles, svg"),
    (extraction, "page_title", "title (meta, h1, title)"),
    (extraction, "clean_text", "cleaning (ad labels, ftfy)"),
    (trafilatura.core, "copy", "trafilatura: tree copies"),
    (trafilatura.core, "_forum_thread_page", "trafilatura: forum test"),
    (trafilatura.core, "prune_unwanted_nodes", "trafilatura: pruning xpaths"),
    (trafilatura.core, "tree_cleaning", "trafilatura: tree cleaning"),
    (trafilatura.core, "convert_tags", "trafilatura: tag conversion"),
    (trafilatura.core, "extract_content", "trafilatura: main extractor"),
    (trafilatura.external, "try_readability", "trafilatura: readability"),
    (trafilatura.core, "justext_rescue", "trafilatura: jusText"),
    (trafilatura.external, "justext_rescue", "trafilatura: jusText"),
    (trafilatura.core, "baseline", "trafilatura: baseline"),
    (trafilatura.core, "html2txt", "trafilatura: page text (recall test)"),
    (trafilatura.core, "_recall_retry", "trafilatura: recall retry"),
    (trafilatura.core, "xmltotxt", "trafilatura: tree to text"),
]


def instrument(timer: StepTimer) -> list:
    patched = []
    for module, name, step in STEPS:
        if hasattr(module, name):  # a revision without the step
            _patch(timer, module, name, step, patched)
    original_pass = extraction._trafilatura_text
    patched.append((extraction, "_trafilatura_text", original_pass))
    passes = {id(extraction.PRECISE): "trafilatura: precise pass, rest",
              id(extraction.BALANCED): "trafilatura: full pass, rest"}
    wrapped = {label: timer.wrap(label, original_pass) for label in passes.values()}
    extraction._trafilatura_text = lambda tree, url, options: wrapped[passes[id(options)]](tree, url, options)
    if hasattr(extraction, "CHECKS"):
        checks = extraction.CHECKS
        patched.append((extraction, "CHECKS", checks))
        extraction.CHECKS = [check._replace(drop_reason=timer.wrap(f"check: {check.drop_reason.__name__}",
                                                                   check.drop_reason)) for check in checks]
    else:  # a revision whose checks were inline: its language and token count
        _patch(timer, extraction, "identify_language", "check: other_language", patched)
        _patch(timer, extraction, "wall_reason", "check: gate", patched)
    return patched


def restore(patched: list) -> None:
    for module, name, original in reversed(patched):
        setattr(module, name, original)


def profile(pages: list[ScoredPage]) -> tuple[StepTimer, float]:
    for page in pages[:WARM_UP_PAGES]:
        extraction.extract_document(as_page(page), EVERY_PAGE)
    timer = StepTimer()
    document = timer.wrap("extract_document, rest (record, word count)", extraction.extract_document)
    patched = instrument(timer)
    try:
        started = time.perf_counter()
        for page in pages:
            document(as_page(page), EVERY_PAGE)
        return timer, time.perf_counter() - started
    finally:
        restore(patched)


def table(name: str, pages: list[ScoredPage], timer: StepTimer, seconds: float) -> str:
    megabytes = sum(len(page.html) for page in pages) / 1e6
    lines = [f"{name}: {len(pages)} pages, {megabytes:.1f} MB of HTML, {seconds:.1f} s, "
             f"{len(pages) / seconds:.1f} docs/s",
             f"  {'step':<46}{'calls':>7}{'seconds':>9}{'ms/page':>9}{'share':>8}"]
    for step, own in sorted(timer.own.items(), key=lambda item: -item[1]):
        lines.append(f"  {step:<46}{timer.calls[step]:>7}{own:>9.2f}{own / len(pages) * 1e3:>9.2f}"
                     f"{own / seconds:>8.1%}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_set_arguments(parser)
    args = parser.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    for name, pages in load_sets(args).items():
        print(table(name, pages, *profile(pages)))


if __name__ == "__main__":
    main()
