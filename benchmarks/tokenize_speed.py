"""Tokenise-stage speed: the pipeline's Tokenize DoFn against raw tiktoken.

    python benchmarks/tokenize_speed.py [--docs 3000] [--repeats 5]

Both sides encode the same documents (generated articles), in the same
batches of 256, with the same number of tiktoken threads. The baseline is
`encode_ordinary_batch` alone; the stage adds what it must (the
<|endoftext|> after each document, the TokenizedDocument records).
"""

import argparse
import statistics
import time

from pipelines.stages.shards import Tokenize
from webtext.records import Document
from webtext.sample.prose import article
from webtext.shards import tokens

BATCH = 256


def documents(n: int) -> list[Document]:
    return [Document(f"https://a.com/{i}", "a.com", "", article(i).text, "en", 0, 5, 5, 1, []) for i in range(n)]


def batches(items: list, size: int = BATCH) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def raw_tiktoken(docs, threads: int) -> int:
    encoding = tokens.gpt2_encoding()
    return sum(len(ids) for batch in batches([d.text for d in docs])
               for ids in encoding.encode_ordinary_batch(batch, num_threads=threads))


def tokenize_stage(docs, threads: int) -> int:
    stage = Tokenize("gpt2", threads)
    stage.setup()
    return sum(len(t.tokens) - 1 for batch in batches(docs) for t in stage.process(batch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    docs = documents(args.docs)
    print(f"{len(docs):,} documents, batches of {BATCH}, median of {args.repeats}\n")
    print(f"{'threads':>8}{'raw tokens/s':>15}{'stage tokens/s':>16}{'stage / raw':>13}")
    contenders = {"raw": raw_tiktoken, "stage": tokenize_stage}
    raw_tiktoken(docs[:BATCH], 1)  # build the encoding and warm tiktoken up outside the timings
    for threads in (1, 2):
        times = {name: [] for name in contenders}
        counts = {}
        for _ in range(args.repeats):  # interleaved, so machine noise hits both alike
            for name, fn in contenders.items():
                started = time.perf_counter()
                counts[name] = fn(docs, threads)
                times[name].append(time.perf_counter() - started)
        rates = {name: counts[name] / statistics.median(t) for name, t in times.items()}
        print(f"{threads:>8}{rates['raw']:>15,.0f}{rates['stage']:>16,.0f}{rates['stage'] / rates['raw']:>12.2f}x")


if __name__ == "__main__":
    main()
