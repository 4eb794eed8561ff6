"""Near-duplicate detection quality of the Beam dedup stage, by true Jaccard band.

    python benchmarks/dedup_quality.py [--originals 300] [--copies 8]

Originals (generated articles) each get copies with 0-25% of their words
replaced, so true Jaccard similarities (word 5-grams, computed exactly) spread
over 0.2-1.0. Originals carry the most karma, so each cluster should keep its
original. Recall: of the (original, copy) pairs in a band, the share whose copy
was removed into the original's cluster. Precision: of the removed documents,
the share with a true Jaccard at or above the threshold to some other member
of their cluster.
"""

import argparse
import json
import os
import tempfile
from collections import defaultdict

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from dedup_corpus import corpus, true_jaccard

from pipelines.stages.dedup import Deduplicate
from webtext.config import Config

BANDS = [(0.0, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]


def removed_rows(docs, config: Config) -> list[dict]:
    path = os.path.join(tempfile.mkdtemp(), "duplicates.jsonl")
    with beam.Pipeline(runner=FnApiRunner()) as p:
        _, duplicates = p | beam.Create(docs) | Deduplicate(config)
        duplicates | beam.Map(json.dumps) | beam.io.WriteToText(path, shard_name_template="")
    with open(path) as f:
        return [json.loads(line) for line in f]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--originals", type=int, default=300)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    config = Config(dedup_threshold=args.threshold)
    docs, pairs = corpus(args.originals, args.copies)
    text_of = {d.url: d.text for d in docs}
    removed = {row["url"]: row["duplicate_of"] for row in removed_rows(docs, config)}
    members = defaultdict(set)
    for url, kept in removed.items():
        members[kept].add(url)
    found = defaultdict(lambda: [0, 0])
    for original, copy, jaccard in pairs:
        band = next(b for b in BANDS if b[0] <= jaccard < b[1])
        found[band][0] += 1
        found[band][1] += removed.get(copy) == original
    correct = sum(
        any(true_jaccard(text_of[url], text_of[other]) >= args.threshold for other in members[kept] | {kept} if other != url)
        for url, kept in removed.items()
    )
    print(f"{len(docs):,} documents, {len(pairs):,} (original, copy) pairs; threshold {args.threshold}, {config.num_perm} permutations\n")
    print(f"{'true Jaccard':<14}{'pairs':>7}{'detected':>10}{'rate':>8}")
    for band in BANDS:
        total, hit = found[band]
        if total:
            print(f"{band[0]:.1f}-{min(band[1], 1.0):.1f}{'':<7}{total:>7}{hit:>10}{hit / total:>8.3f}")
    high = [(o, c) for o, c, j in pairs if j >= args.threshold + 0.1]
    recall = sum(removed.get(c) == o for o, c in high) / len(high)
    print(f"\nrecall at Jaccard >= {args.threshold + 0.1:.1f}: {recall:.4f} ({len(high)} pairs)")
    print(f"precision: {correct / len(removed):.4f} ({correct} of {len(removed)} removed documents "
          f"have a true duplicate >= {args.threshold} in their cluster)")


if __name__ == "__main__":
    main()
