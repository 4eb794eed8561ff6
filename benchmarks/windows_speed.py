"""Random training windows per second: model.data over the Arrow shards vs nanoGPT's np.memmap.

    python benchmarks/windows_speed.py [--tokens 50000000] [--batches 300] [--repeats 5]

One dataset of random GPT-2 tokens is written as shards (4 of them, as a
pipeline run would) and as nanoGPT's train.bin by `python -m webtext.export
nanogpt`, so both read the same tokens from the page cache. The baseline is
nanoGPT's `get_batch` as train.py has it (a new np.memmap per batch,
torch.randint starts, a stack of int64 copies); ours is TokenWindows.batch, and
the `stream` the trainer reads from (the next batches drawn on a thread while
the caller works). Batches of 12 windows of 1024 tokens, nanoGPT's defaults.
"""

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np
import torch

from model.data import TokenWindows, stream
from webtext import export, layout
from webtext.records import Document, TokenizedDocument
from webtext.shards.shard_format import FORMAT, shard_bytes

BATCH, BLOCK = 12, 1024


def write_shards(root: str, tokens: int, shards: int = 4, doc_tokens: int = 1000) -> None:
    rng = np.random.default_rng(0)
    os.makedirs(os.path.join(root, layout.SHARD_DIR))
    entries = []
    for index in range(shards):
        docs = [TokenizedDocument(Document(f"https://a.com/{index}/{i}", "a.com", "", "", "en", 0, 3, 3, 0, []),
                                  rng.integers(0, 50256, doc_tokens, dtype=np.uint16))
                for i in range(tokens // shards // doc_tokens)]
        data, n_docs, n_tokens = shard_bytes(docs)
        name = layout.shard("train", index, shards)
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
        entries.append({"name": name, "split": "train", "documents": n_docs, "tokens": n_tokens})
    with open(os.path.join(root, layout.MANIFEST), "w") as f:
        json.dump({"format": FORMAT, "shards": entries, "token_dtype": "uint16"}, f)


def nanogpt_get_batch(bin_path: str):
    """nanoGPT train.py's get_batch, verbatim but for the device transfer."""
    data = np.memmap(bin_path, dtype=np.uint16, mode="r")  # recreated per batch, as nanoGPT does (a leak otherwise)
    ix = torch.randint(len(data) - BLOCK, (BATCH,))
    x = torch.stack([torch.from_numpy((data[i : i + BLOCK]).astype(np.int64)) for i in ix])
    y = torch.stack([torch.from_numpy((data[i + 1 : i + 1 + BLOCK]).astype(np.int64)) for i in ix])
    return x, y


def windows_per_s(next_batch, batches: int) -> float:
    started = time.perf_counter()
    for i in range(batches):
        x, _ = next_batch(i)
    return batches * len(x) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=50_000_000)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as root:
        write_shards(root, args.tokens)
        export.export_nanogpt(root, os.path.join(root, "nanogpt"))
        bin_path = os.path.join(root, "nanogpt", "train.bin")
        windows = TokenWindows(root, "train", BLOCK, seed=1)
        batches = stream(windows, BATCH, 0, 1, torch.device("cpu"))
        runs = {"nanoGPT get_batch (np.memmap)": lambda i: nanogpt_get_batch(bin_path),
                "TokenWindows.batch": lambda i: windows.batch(BATCH, i),
                "model.data stream (prefetching)": lambda i: next(batches)}
        results = {name: [] for name in runs}
        for _ in range(args.repeats):  # interleaved, so drift in machine load hits all alike
            for name, run in runs.items():
                results[name].append(windows_per_s(run, args.batches))
        print(f"{windows.tokens:,} tokens in 4 shards; batches of {BATCH} x {BLOCK}; median of {args.repeats} x {args.batches} batches\n")
        base = statistics.median(results["nanoGPT get_batch (np.memmap)"])
        print(f"{'loader':<34}{'windows/s':>12}{'vs nanoGPT':>12}")
        for name, values in results.items():
            print(f"{name:<34}{statistics.median(values):>12,.0f}{statistics.median(values) / base:>11.2f}x")


if __name__ == "__main__":
    main()
