"""Random training windows read zero-copy from memory-mapped token shards."""

import numpy as np
import torch

from webtext.shards import shard_paths, token_array


class TokenWindows:
    """Windows of block_size + 1 consecutive tokens from one split of a dataset folder.

    A window may cross a document boundary, as in GPT-2: documents end with
    <|endoftext|>, so the model learns where one stops. A window never crosses
    a shard boundary.
    """

    def __init__(self, data_dir: str, split: str, block_size: int, seed: int):
        paths = shard_paths(data_dir, split)
        if not paths:
            raise ValueError(f"{data_dir}: no {split!r} shards in the manifest")
        self.block_size = block_size
        self.shards = [token_array(p) for p in paths]  # uint16 memory maps, nothing read yet
        # Window starts per shard. Drawing a shard in proportion to this (its token
        # count less block_size) makes every window of the split equally likely.
        self.starts = np.array([max(len(s) - block_size, 0) for s in self.shards])
        if self.starts.sum() == 0:
            largest = max(len(s) for s in self.shards)
            raise ValueError(
                f"{data_dir}: {split!r} has no shard of {block_size + 1} tokens "
                f"(block_size + 1); the largest holds {largest}"
            )
        self.weights = self.starts / self.starts.sum()
        self.rng = np.random.default_rng(seed)

    @property
    def tokens(self) -> int:
        return sum(len(s) for s in self.shards)

    def batch(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """x, y: (batch_size, block_size) int64, y is x shifted one token left."""
        shards = self.rng.choice(len(self.shards), size=batch_size, p=self.weights)
        starts = self.rng.integers(self.starts[shards])  # one start per row, within its shard
        rows = [self.shards[s][i : i + self.block_size + 1] for s, i in zip(shards, starts)]
        windows = np.stack(rows).astype(np.int64)  # (batch_size, block_size + 1)
        # Contiguous copies: a column slice is strided, and the model .view()s targets.
        return torch.from_numpy(windows[:, :-1].copy()), torch.from_numpy(windows[:, 1:].copy())
