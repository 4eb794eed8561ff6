"""An exact set of n-gram hashes, each held with the label of the set it came from.

Where a set fits in memory it needs no Bloom filter: 16 bytes per n-gram (its 128-bit
hash as two sorted uint64 columns) and no false positive beyond a 128-bit hash collision
(~2^-128 a pair). Decontamination holds every evaluation set's n-grams this way, labelled
by set, to say which set a document collides with; the overlap report holds a small train
split's n-grams this way instead of a filter.

Looking up is vectorised: a binary search on the first half, the second half compared on
the (almost always one) rows that share it. The same n-gram in two sets is two rows.
"""

import math
from typing import NamedTuple

import numpy as np

from webtext.ngrams.bloom import split_by_part

BYTES_PER_NGRAM = 16


class ExactSpec(NamedTuple):
    """An exact set cut into parts as a Bloom filter is (by the top bits of h2), a part per worker."""

    parts: int = 1

    @classmethod
    def sized(cls, items: int, max_part_bytes: int) -> "ExactSpec":
        return cls(max(1, math.ceil(items * BYTES_PER_NGRAM / max_part_bytes)))

    def split(self, hashes: np.ndarray) -> dict[int, np.ndarray]:
        return split_by_part(hashes, self.parts)


class NgramSet:
    """Distinct (hash, label) rows, sorted by hash; built from (hashes, labels) arrays."""

    def __init__(self, hashes: np.ndarray, labels: np.ndarray | None = None):
        labels = np.zeros(len(hashes), dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
        rows = np.column_stack([hashes.astype(np.uint64), labels.astype(np.uint64)]) if len(hashes) else (
            np.zeros((0, 3), dtype=np.uint64))
        rows = np.unique(rows, axis=0)  # sorted by h1, then h2, then label
        self.h1, self.h2, self.labels = rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].astype(np.int64)

    def __len__(self) -> int:
        """Distinct n-grams (an n-gram in two sets counted once)."""
        if not len(self.h1):
            return 0
        new = (self.h1[1:] != self.h1[:-1]) | (self.h2[1:] != self.h2[:-1])
        return int(new.sum()) + 1

    def matches(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row of hashes, label) for every set that holds a row's n-gram, ordered by row."""
        left = np.searchsorted(self.h1, hashes[:, 0], "left")
        right = np.searchsorted(self.h1, hashes[:, 0], "right")
        runs = right - left
        rows = np.repeat(np.arange(len(hashes)), runs)
        within = np.arange(len(rows)) - np.repeat(np.cumsum(runs) - runs, runs)
        candidates = np.repeat(left, runs) + within
        same = self.h2[candidates] == hashes[rows, 1]
        return rows[same], self.labels[candidates[same]]

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """A bool per row of hashes: in the set or not (the BloomFilter's question, answered exactly)."""
        found = np.zeros(len(hashes), dtype=bool)
        found[self.matches(hashes)[0]] = True
        return found


class NgramSetBuilder:
    """(hashes, labels) arrays as they come, made into one NgramSet at the end; merging concatenates."""

    def __init__(self):
        self.hashes: list[np.ndarray] = []
        self.labels: list[np.ndarray] = []

    def add(self, hashes: np.ndarray, label: int = 0) -> "NgramSetBuilder":
        self.hashes.append(hashes)
        self.labels.append(np.full(len(hashes), label, dtype=np.int64))
        return self

    def merge(self, other: "NgramSetBuilder") -> "NgramSetBuilder":
        self.hashes += other.hashes
        self.labels += other.labels
        return self

    def build(self) -> NgramSet:
        if not self.hashes:
            return NgramSet(np.zeros((0, 2), dtype=np.uint64))
        return NgramSet(np.concatenate(self.hashes), np.concatenate(self.labels))
