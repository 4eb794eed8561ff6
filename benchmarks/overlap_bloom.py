"""The overlap report's Bloom filter: its false positive rate against the target, and what
building it for a dataset costs.

    python benchmarks/overlap_bloom.py [--items 1000000] [--absent 10000000]
    python benchmarks/overlap_bloom.py --dataset OUT --eval FILE [--workers 1]

Without --dataset: `--items` distinct 8-grams go into a filter sized for them at each
target rate (webtext.ngrams.bloom.BloomSpec.sized), and `--absent` other 8-grams, none of
them inserted, are looked up; every hit is a false positive. The 8-grams are real strings
(eight words drawn from a 20,000-word vocabulary, tagged so the two sets cannot meet),
hashed as the report hashes them (xxh3-128 of the normalised text).

With --dataset: the filter for the dataset's train split, built twice, each in a fresh
process whose peak memory (max RSS) is read when it ends: by the rules alone (read the
shards' text, normalise, hash, set bits; each step timed), then by the whole command,
`python -m webtext.overlap OUT --eval FILE`, the Beam pipeline on the local runner.
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webtext.ngrams import grams  # noqa: E402
from webtext.ngrams.bloom import BloomFilter, BloomSpec  # noqa: E402

TARGETS = (1e-2, 1e-4, 1e-6, 1e-8)
VOCABULARY = 20_000
BATCH = 1_000_000


def synthetic_hashes(count: int, tag: str, seed: int) -> np.ndarray:
    """Hashes of `count` distinct 8-grams: a tag word, then seven random words, then the index."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(VOCABULARY)]
    parts = []
    for start in range(0, count, BATCH):
        chunk = [f"{tag} {' '.join(rng.choices(words, k=6))} {i}" for i in range(start, min(start + BATCH, count))]
        parts.append(grams.hash_strings(chunk))
    return np.concatenate(parts)


def false_positive_table(items: int, absent: int) -> None:
    started = time.perf_counter()
    present, queries = synthetic_hashes(items, "present", 1), synthetic_hashes(absent, "absent", 2)
    print(f"{items:,} 8-grams inserted, {absent:,} absent 8-grams looked up "
          f"(hashing {items + absent:,} strings: {time.perf_counter() - started:.1f} s)\n")
    print(f"{'target':>8}{'bits/item':>11}{'hashes':>8}{'expected':>11}{'observed':>10}{'measured rate':>15}"
          f"{'rate from bits':>16}{'insert/s':>12}{'lookup/s':>12}")
    for target in TARGETS:
        spec = BloomSpec.sized(items, target)
        bloom = BloomFilter(spec)
        started = time.perf_counter()
        bloom.add(present)
        inserted = time.perf_counter() - started
        assert bloom.contains(present[:100_000]).all()  # no false negatives
        started = time.perf_counter()
        hits = int(bloom.contains(queries).sum())
        looked_up = time.perf_counter() - started
        print(f"{target:>8.0e}{spec.bits / items:>11.1f}{spec.hashes:>8}{target * absent:>11,.1f}{hits:>10,}"
              f"{hits / absent:>15.2e}{bloom.fp_rate():>16.2e}{items / inserted:>12,.0f}{absent / looked_up:>12,.0f}")


def build_with_rules(out: str) -> dict:
    """The train split's filter built by the rules alone, each step timed."""
    from webtext.shards import shard_format

    manifest = shard_format.load_manifest(out)
    spec = BloomSpec.sized(manifest["totals"]["train"]["tokens"], 1e-8)
    timings = {"read": 0.0, "normalise": 0.0, "hash": 0.0, "set bits": 0.0}
    bloom, documents = BloomFilter(spec), 0

    def timed(step: str, fn, *args):
        started = time.perf_counter()
        value = fn(*args)
        timings[step] += time.perf_counter() - started
        return value

    for path in shard_format.shard_paths(out, "train"):
        for text in timed("read", lambda p: shard_format.open_shard(p).column("text").to_pylist(), path):
            ngrams = timed("normalise", grams.ngrams, text)
            timed("set bits", bloom.add, timed("hash", grams.hash_strings, ngrams))
            documents += 1
    return {"documents": documents, "ngrams": bloom.items, "filter_mib": spec.part_bytes * spec.parts / 2**20,
            "timings": timings, "fp_rate": bloom.fp_rate(), "max_rss_mib": peak_rss_mib()}


def peak_rss_mib() -> float:
    """This process's peak RSS and its children's (ru_maxrss: KiB on Linux)."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


# Runs the command in this process (the local runner with one worker runs the pipeline here),
# then prints the peak RSS of the process and of any worker processes it started.
COMMAND = """
import runpy, sys
sys.argv = ["webtext.overlap", *sys.argv[1:]]
try:
    runpy.run_module("webtext.overlap", run_name="__main__")
except SystemExit as e:
    if e.code:
        raise
from benchmarks.overlap_bloom import peak_rss_mib
print(f"PEAK_RSS_MIB {peak_rss_mib():.0f}")
"""


def dataset_costs(out: str, eval_file: str, workers: int) -> None:
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    train = manifest["totals"]["train"]
    print(f"{out}: train split {train['documents']:,} documents, {train['tokens']:,} tokens\n")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--rules-only", out], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    rules = json.loads(done.stdout)
    total = sum(rules["timings"].values())
    print(f"rules alone (one process): {rules['ngrams']:,} 8-grams of {rules['documents']:,} documents "
          f"into {rules['filter_mib']:.1f} MiB in {total:.1f} s ({rules['ngrams'] / total:,.0f} 8-grams/s); "
          f"process {wall:.1f} s with imports, peak RSS {rules['max_rss_mib']:.0f} MiB")
    print("  " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in rules["timings"].items()))
    print(f"  false positive rate from the bits: {rules['fp_rate']:.1e}")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", COMMAND, out, "--eval", eval_file, "--workers", str(workers)],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(done.stderr)
    lines = done.stdout.splitlines()
    peak = lines.pop().split()[1]
    print(f"\npython -m webtext.overlap --workers {workers}: {wall:.1f} s with imports, peak RSS {peak} MiB")
    print("\n".join("  " + line for line in lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--absent", type=int, default=10_000_000)
    parser.add_argument("--dataset", help="a dataset folder: time and memory of building its filter")
    parser.add_argument("--eval", help="with --dataset: an eval file for the command's run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rules-only", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rules_only:
        print(json.dumps(build_with_rules(args.rules_only)))
    elif args.dataset:
        if not args.eval:
            parser.error("--dataset needs --eval")
        dataset_costs(args.dataset, args.eval, args.workers)
    else:
        false_positive_table(args.items, args.absent)


if __name__ == "__main__":
    main()
