"""Dedup speed: MinHash signatures against datasketch, and the whole Beam stage at scale.

    python benchmarks/dedup_speed.py [--docs 2000] [--stage-sizes 10000,30000,100000] [--repeats 3]

Signatures: every contender starts from the document text (shingling included)
and produces 128-permutation affine32 MinHashes of word 5-grams; accuracy is
the mean absolute error of the estimated against the true Jaccard similarity
over (original, edited copy) pairs. Stage: the Beam dedup (exact + near) on
generated corpora (an eighth of the documents edited copies) on the local
FnApiRunner, one process.
"""

import argparse
import json
import os
import statistics
import tempfile
import time

import apache_beam as beam
import numpy as np
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from datasketch import MinHash
from dedup_corpus import corpus

from pipelines.stages.dedup import Deduplicate
from webtext.config import Config
from webtext.dedup import duplicates, minhash
from webtext.records import Document

NUM_PERM = 128


def datasketch_loop(texts):
    out = []
    for text in texts:
        m = MinHash(num_perm=NUM_PERM, seed=minhash.SEED, scheme="affine32")
        for shingle in duplicates.shingles(text, 5):
            m.update(shingle)
        out.append(m.hashvalues)
    return out


def datasketch_bulk(texts):
    sets = [duplicates.shingles(t, 5) for t in texts]
    return [m.hashvalues for m in MinHash.bulk(sets, num_perm=NUM_PERM, seed=minhash.SEED, scheme="affine32")]


def webtext_batch(texts):
    return list(minhash.signatures(texts, 5, NUM_PERM))


def median_seconds(fn, texts, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn(texts)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def estimate_error(fn, pairs_text):
    errors = []
    for original, copy, truth in pairs_text:
        a, b = fn([original, copy])
        errors.append(abs(duplicates.similarity(a, b) - truth))
    return float(np.mean(errors))


def signature_table(docs_n: int, repeats: int) -> None:
    docs, pairs = corpus(docs_n // 9, 8, seed=1)
    # Two articles per document: about 800 words, the size the issue quotes.
    texts = [a.text + " " + b.text for a, b in zip(docs[::2], docs[1::2])]
    shingles = statistics.mean(len(duplicates.shingles(t, 5)) for t in texts[:200])
    text_of = {d.url: d.text for d in docs}
    pairs_text = [(text_of[o], text_of[c], j) for o, c, j in pairs[:300]]
    print(f"signatures: {len(texts):,} documents of ~{shingles:.0f} shingles, {NUM_PERM} permutations, median of {repeats}\n")
    print(f"{'method':<34}{'docs/s':>9}{'ms/doc':>9}{'vs loop':>9}{'vs bulk':>9}{'|J error|':>11}")
    rows = [("datasketch update() loop", datasketch_loop, texts[:100]),
            ("datasketch MinHash.bulk", datasketch_bulk, texts),
            ("webtext.dedup.minhash (batched numpy)", webtext_batch, texts)]
    measured = [(name, len(subset) / median_seconds(fn, subset, repeats), estimate_error(fn, pairs_text))
                for name, fn, subset in rows]
    loop, bulk = measured[0][1], measured[1][1]
    for name, rate, error in measured:
        print(f"{name:<34}{rate:>9.0f}{1000 / rate:>9.2f}{rate / loop:>8.1f}x{rate / bulk:>8.2f}x{error:>11.4f}")


def write_corpus(size: int, path: str) -> int:
    docs, _ = corpus(size // 9, 8, seed=2)
    with open(path, "w") as f:
        for doc in docs:
            f.write(json.dumps(doc._asdict()) + "\n")
    return len(docs)


def stage_table(sizes: list[int]) -> None:
    print("\nBeam dedup stage (FnApiRunner, one process), reading the documents from JSONL\n")
    print(f"{'documents':>10}{'seconds':>9}{'docs/s':>9}{'removed':>9}{'per doc vs first':>18}")
    base = None
    for size in sizes:
        path = os.path.join(tempfile.mkdtemp(), "docs.jsonl")
        n = write_corpus(size, path)
        started = time.perf_counter()
        p = beam.Pipeline(runner=FnApiRunner())
        _ = (p | beam.io.ReadFromText(path) | beam.Map(lambda line: Document(**json.loads(line)))
             | Deduplicate(Config()))
        result = p.run()
        result.wait_until_finish()
        seconds = time.perf_counter() - started
        removed = sum(c.committed for c in result.metrics().query()["counters"] if c.key.metric.name.startswith("removed:"))
        per_doc = seconds / n
        base = base or per_doc
        print(f"{n:>10,}{seconds:>9.1f}{n / seconds:>9.0f}{removed:>9,}{per_doc / base:>17.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--stage-sizes", default="10000,30000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    signature_table(args.docs, args.repeats)
    stage_table([int(s) for s in args.stage_sizes.split(",") if s])


if __name__ == "__main__":
    main()
