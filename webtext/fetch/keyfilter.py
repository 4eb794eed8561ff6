"""A Bloom filter of the links' SURT keys: what a reader of the columnar index passes on.

A crawl's index has ~3 billion rows and the links want a few of them; a join
that shuffled every usable row would move terabytes (and, on one machine,
hold them: Beam's local runner keeps a shuffle in memory). So the links' keys
are gathered first (a combine of their 64-bit hashes), made into a Bloom
filter of BITS_PER_KEY bits per key and HASHES probes (~0.3% false positives),
written once to shared storage, and each index reader loads it once per
process and passes on only the rows whose key may be a link's. A false
positive costs one row in the join, never a capture; there are no false
negatives, since both sides hash the same SURT string.
"""

import io

import numpy as np
import xxhash

BITS_PER_KEY = 12
HASHES = 8
_MIX = np.uint64(0x9E3779B97F4A7C15)


def key_hash(key: str) -> int:
    return xxhash.xxh3_64_intdigest(key.encode())


def hashes(keys: list[str]) -> np.ndarray:
    return np.fromiter((xxhash.xxh3_64_intdigest(key.encode()) for key in keys), dtype=np.uint64, count=len(keys))


def _probes(h: np.ndarray, bits: int) -> np.ndarray:
    """HASHES bit positions per hash (rows): double hashing, the second hash a mix of the first."""
    with np.errstate(over="ignore"):
        second = ((h ^ (h >> np.uint64(31))) * _MIX) | np.uint64(1)
        steps = np.arange(HASHES, dtype=np.uint64)
        return (h[:, None] + steps[None, :] * second[:, None]) % np.uint64(bits)


class KeyFilter:
    """A Bloom filter over key hashes."""

    def __init__(self, bitmap: np.ndarray):
        self.bitmap = bitmap  # uint8, little-endian bit order
        self.bits = len(bitmap) * 8

    @classmethod
    def of(cls, key_hashes: np.ndarray) -> "KeyFilter":
        bits = max(64, BITS_PER_KEY * len(key_hashes))
        bitmap = np.zeros((bits + 7) // 8, dtype=np.uint8)
        for start in range(0, len(key_hashes), 1 << 20):  # a million keys at a time: bounded temporaries
            where = _probes(key_hashes[start:start + (1 << 20)], len(bitmap) * 8).ravel()
            np.bitwise_or.at(bitmap, (where >> np.uint64(3)).astype(np.intp),
                             np.left_shift(1, (where & np.uint64(7)).astype(np.uint8)).astype(np.uint8))
        return cls(bitmap)

    def may_hold(self, key_hashes: np.ndarray) -> np.ndarray:
        """A boolean mask: True where the key may be in the filter, False where it surely is not."""
        if not len(key_hashes):
            return np.zeros(0, dtype=bool)
        where = _probes(key_hashes, self.bits)
        set_bits = (self.bitmap[(where >> np.uint64(3)).astype(np.intp)] >> (where & np.uint64(7)).astype(np.uint8)) & 1
        return set_bits.all(axis=1)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.save(out, self.bitmap, allow_pickle=False)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "KeyFilter":
        return cls(np.load(io.BytesIO(data), allow_pickle=False))


class Hashes:
    """The distinct key hashes seen, as a sorted uint64 array (the accumulator of a Beam combine)."""

    CHUNK = 65_536

    @staticmethod
    def create() -> tuple[list, list]:
        return [], []  # (arrays, hashes not yet in one)

    @staticmethod
    def add(accumulator, key_hash_value: int):
        arrays, pending = accumulator
        pending.append(key_hash_value)
        if len(pending) >= Hashes.CHUNK:
            arrays.append(np.unique(np.array(pending, dtype=np.uint64)))
            pending.clear()
        return accumulator

    @staticmethod
    def merge(accumulators) -> tuple[list, list]:
        parts = []
        for arrays, pending in accumulators:
            parts += arrays
            if pending:
                parts.append(np.array(pending, dtype=np.uint64))
        return ([np.unique(np.concatenate(parts))] if parts else []), []

    @staticmethod
    def result(accumulator) -> np.ndarray:
        arrays, _ = Hashes.merge([accumulator])
        return arrays[0] if arrays else np.zeros(0, dtype=np.uint64)
