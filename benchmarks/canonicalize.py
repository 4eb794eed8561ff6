"""webtext.canonical against w3lib's canonicalize_url on real Reddit URLs: same output, and how much faster.

    PYTHONPATH=. python benchmarks/canonicalize.py [--data /work/shared/data] [--repeats 5]

Takes every string that starts with "http" in every record of the real Reddit
data (the Pushshift importer's fixtures and the submissions from PRAW's
cassettes: the link, the preview and thumbnail images, media embeds, ...),
and the extraction corpus's page URLs, and checks that each gets:

  - the same canonical form from webtext.canonical as from w3lib's
    canonicalize_url (or, where ours refuses one, that w3lib's form names no
    http(s) host either, so WebText could not have used it);
  - the same normalised URL from webtext.urls.normalise_url as from the
    w3lib-based normalisation it replaced (tests/test_canonical.py's reference).

Then it times the canonical forms and the normalisations, ours and w3lib's, in
turns, on these URLs and on benchmarks/reddit_reader.py's generated links;
medians of --repeats, microseconds a URL.
"""

import argparse
import gzip
import json
import pathlib
import random
import statistics
import sys
import time

from benchmarks import reddit_reader
from tests.test_canonical import normalised_with_w3lib, outcome, same_canonical_form, w3lib_canonical  # the reference
from webtext import canonical, urls

RECORD_FILES = ["reddit/paul-e_pushshift_importer/test_submissions.ndjson",
                "reddit/praw_cassettes/praw_cassette_submissions.jsonl.gz"]


def strings(value):
    """Every string anywhere in a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def reddit_urls(data: pathlib.Path) -> set[str]:
    found = set()
    for name in RECORD_FILES:
        with (gzip.open if name.endswith(".gz") else open)(data / name, "rt", encoding="utf-8") as f:
            for line in f:
                found.update(s for s in strings(json.loads(line)) if s[:4].lower() == "http")
    return found


def page_urls(data: pathlib.Path) -> set[str]:
    return set(json.loads((data / "extraction/trafilatura_eval/evaldata.json").read_text()))


def generated_urls(n: int) -> list[str]:
    rng = random.Random(2017)
    return [reddit_reader._record(rng, i)["url"] for i in range(n)]


def check(found: list[str]) -> int:
    """How many URLs ours and w3lib treat differently (each printed)."""
    differ = 0
    for url in found:
        if not (same_canonical_form(url) and outcome(urls.normalise_url, url) == outcome(normalised_with_w3lib, url)):
            differ += 1
            print(f"differs: {url!r}: {outcome(canonical.canonicalize_url, url)!r}, "
                  f"w3lib's {outcome(w3lib_canonical, url)!r}")
    return differ


def clear_caches() -> None:
    """Each timed pass starts cold, as a worker does (hosts are cached on both sides)."""
    for cached in (canonical.canonical_netloc, urls._normal_netloc):
        cached.cache_clear()


def timings(found: list[str], repeats: int) -> dict[str, float]:
    contenders = {"canonical form, w3lib": w3lib_canonical, "canonical form, ours": canonical.canonicalize_url,
                  "normalised, with w3lib": normalised_with_w3lib, "normalised, ours": urls.normalise_url}
    seconds = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, function in contenders.items():
            clear_caches()
            started = time.perf_counter()
            for url in found:
                outcome(function, url)
            seconds[name].append(time.perf_counter() - started)
    return {name: statistics.median(s) / len(found) * 1e6 for name, s in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/work/shared/data", type=pathlib.Path)
    parser.add_argument("--generated", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from_reddit, pages = reddit_urls(args.data), page_urls(args.data)
    found = sorted(from_reddit | pages)
    differ = check(found)
    print(f"{len(found):,} distinct real URLs ({len(from_reddit):,} in the Reddit records, {len(pages):,} pages of "
          f"the extraction corpus): {differ} treated differently\n")
    sets = {"real URLs": found, "generated links": generated_urls(args.generated)}
    print(f"{'µs a URL, median of ' + str(args.repeats):<26}" + "".join(f"{name:>22}" for name in sets))
    results = {name: timings(urls_of, args.repeats) for name, urls_of in sets.items()}
    for row in results["real URLs"]:
        print(f"{row:<26}" + "".join(f"{results[name][row]:>22.1f}" for name in sets))
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
