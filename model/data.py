"""Random training windows read zero-copy from memory-mapped token shards, prefetched."""

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import count, islice
from typing import Callable, Iterator

import numpy as np
import torch

from webtext.shards.shard_format import dataset_problem, open_shard, shard_paths, token_array


def split_shards(data_dir: str, split: str) -> list[str]:
    """The split's shard files; a ValueError saying what is missing when there are none."""
    problem = dataset_problem(data_dir)
    if problem:
        raise ValueError(problem)
    paths = shard_paths(data_dir, split)
    if not paths:
        raise ValueError(f"{data_dir}: no {split!r} shards in the manifest")
    return paths


def document_starts(path: str, block_size: int) -> np.ndarray:
    """Where the shard's documents begin, for those followed by block_size + 1 tokens."""
    offsets = open_shard(path).column("tokens").offsets.to_numpy()  # (documents + 1,)
    return offsets[:-1][offsets[:-1] + block_size < offsets[-1]]


class TokenWindows:
    """Windows of block_size + 1 consecutive tokens from one split of a dataset folder.

    A window may cross a document boundary, as in GPT-2: documents end with
    <|endoftext|>, so the model learns where one stops. A window never crosses a
    shard boundary. With documents=True every window starts at a document's first
    token, so the model also sees each document's opening at position 0.

    Batch i is drawn from a generator seeded with (seed, i): a batch depends on its
    index only, so where the data stream stands is one number (the next index), and
    processes or a prefetching thread can draw any batch in any order.
    """

    def __init__(self, data_dir: str, split: str, block_size: int, seed: int, documents: bool = False):
        paths = split_shards(data_dir, split)
        self.block_size, self.seed = block_size, seed
        self.shards = [token_array(p) for p in paths]  # uint16 memory maps, nothing read yet
        self.doc_starts = [document_starts(p, block_size) for p in paths] if documents else None
        # Window starts per shard. Drawing a shard in proportion to this makes every
        # window of the split equally likely.
        if documents:
            self.counts = np.array([len(d) for d in self.doc_starts])
        else:
            self.counts = np.array([max(len(s) - block_size, 0) for s in self.shards])
        if self.counts.sum() == 0:  # both kinds: a shard's first document starts a window if any does
            largest = max(len(s) for s in self.shards)
            raise ValueError(
                f"{data_dir}: {split!r} has no shard of {block_size + 1} tokens "
                f"(block_size + 1); the largest holds {largest}"
            )
        self.weights = self.counts / self.counts.sum()

    @property
    def tokens(self) -> int:
        return sum(len(s) for s in self.shards)

    def batch(self, batch_size: int, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch number index: x, y (batch_size, block_size) int64, y is x shifted one token left."""
        rng = np.random.default_rng([self.seed, index])
        shards = rng.choice(len(self.shards), size=batch_size, p=self.weights)
        picks = rng.integers(self.counts[shards])  # one window start per row, within its shard
        starts = picks if self.doc_starts is None else [self.doc_starts[s][i] for s, i in zip(shards, picks)]
        rows = [self.shards[s][i : i + self.block_size + 1] for s, i in zip(shards, starts)]
        windows = np.stack(rows).astype(np.int64)  # (batch_size, block_size + 1)
        # Contiguous copies: a column slice is strided, and the model .view()s targets.
        return torch.from_numpy(windows[:, :-1].copy()), torch.from_numpy(windows[:, 1:].copy())


def prefetch(load: Callable[[int], object], indices: Iterator[int], depth: int = 2) -> Iterator:
    """load(i) for each index in turn, the next `depth` loaded on a background thread meanwhile."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = deque(pool.submit(load, i) for i in islice(indices, depth))
        for i in indices:
            pending.append(pool.submit(load, i))
            yield pending.popleft().result()


def stream(windows: TokenWindows, batch_size: int, first: int, stride: int, device: torch.device) -> Iterator:
    """Batches first, first + stride, ... on device, drawn ahead so the accelerator never waits.

    Prefetching changes nothing a batch holds: each is a function of its index.
    """

    def load(index: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = windows.batch(batch_size, index)
        if device.type == "cuda":  # page-locked memory: the copy below runs asynchronously
            x, y = x.pin_memory(), y.pin_memory()
        return x, y

    for x, y in prefetch(load, count(first, stride)):
        yield x.to(device, non_blocking=True), y.to(device, non_blocking=True)
