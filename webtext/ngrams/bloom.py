"""A Bloom filter over n-gram hashes, cut into parts so that no worker holds all of it.

Sizing (the textbook optimum): for n items and a false positive rate p, m = -n ln p / (ln 2)^2
bits and k = (m / n) ln 2 hash functions; p = 1e-8 takes 38.3 bits and 27 hashes per item.
An item's k bit positions come from its 128-bit hash by double hashing (Kirsch and
Mitzenmacher): h1 + i * h2 mod m for i < k, with h2 made odd. The filter is cut into
`parts` equal filters of m / parts bits; an item goes to the part picked by the top 32
bits of h2, so each part holds about n / parts items at the same bits per item, and the
same false positive rate. Parts are built and queried independently (Beam groups by part).

A BloomBuilder keeps the hashes it is given until they take as much memory as the filter
would, then sets their bits: a builder that sees a few documents stays small, and merging
builders (a CombineFn's partial results) is a concatenation or a bitwise OR.
"""

import math
from dataclasses import dataclass

import numpy as np

CHUNK = 1 << 16  # items whose bit positions are computed at once: (CHUNK, k) uint64 in memory
HASH_BYTES = 16  # what a pending item costs a BloomBuilder: its two 64-bit halves


@dataclass(frozen=True)
class BloomSpec:
    """The shape of a partitioned Bloom filter: bits per part, hashes per item, parts."""

    bits: int
    hashes: int
    parts: int = 1

    @classmethod
    def sized(cls, items: int, fp_rate: float, max_part_bits: int = 1 << 31) -> "BloomSpec":
        """The smallest filter for `items` items (an upper bound is fine) at fp_rate."""
        if not 0 < fp_rate < 1:
            raise ValueError(f"a false positive rate is in (0, 1), not {fp_rate}")
        items = max(items, 1)
        total = math.ceil(-items * math.log(fp_rate) / math.log(2) ** 2)
        parts = math.ceil(total / max_part_bits)
        hashes = max(1, round(total / items * math.log(2)))
        return cls(bits=math.ceil(total / parts), hashes=hashes, parts=parts)

    @property
    def part_bytes(self) -> int:
        return (self.bits + 7) // 8

    def expected_fp_rate(self, items: int) -> float:
        """(1 - e^(-k n / m))^k for n items spread evenly over the parts."""
        per_part = items / self.parts
        return (1 - math.exp(-self.hashes * per_part / self.bits)) ** self.hashes

    def split(self, hashes: np.ndarray) -> dict[int, np.ndarray]:
        """{part: the rows of hashes that belong to it}, parts with no rows left out."""
        return split_by_part(hashes, self.parts)

    def positions(self, hashes: np.ndarray) -> np.ndarray:
        """(len(hashes), k) bit positions in a part: h1 + i * h2 mod bits (uint64 arithmetic wraps)."""
        h1, h2 = hashes[:, :1], hashes[:, 1:] | np.uint64(1)
        steps = np.arange(self.hashes, dtype=np.uint64)[None, :]
        with np.errstate(over="ignore"):
            return (h1 + steps * h2) % np.uint64(self.bits)


def part_of(hashes: np.ndarray, parts: int) -> np.ndarray:
    """The part each hash (a row of two uint64) belongs to: multiply-shift of h2's top 32 bits."""
    top = hashes[:, 1] >> np.uint64(32)
    return ((top * np.uint64(parts)) >> np.uint64(32)).astype(np.int64)


def split_by_part(hashes: np.ndarray, parts: int) -> dict[int, np.ndarray]:
    """{part: the rows of hashes that belong to it}, parts with no rows left out (exact sets
    are cut into parts the same way)."""
    if parts == 1:
        return {0: hashes} if len(hashes) else {}
    each = part_of(hashes, parts)
    return {int(p): hashes[each == p] for p in np.unique(each)}


class BloomFilter:
    """One part of a partitioned Bloom filter: its bits, and how many items went in."""

    def __init__(self, spec: BloomSpec, bits: np.ndarray | None = None, items: int = 0):
        self.spec = spec
        self.bits = np.zeros(spec.part_bytes, dtype=np.uint8) if bits is None else bits
        self.items = items

    def add(self, hashes: np.ndarray) -> None:
        for start in range(0, len(hashes), CHUNK):
            positions = self.spec.positions(hashes[start : start + CHUNK]).ravel()
            byte = (positions >> np.uint64(3)).astype(np.intp)
            bit = (positions & np.uint64(7)).astype(np.uint8)
            # One bit value at a time: positions sharing a byte then set the same bit, so plain
            # fancy indexing (twice as fast as np.bitwise_or.at) loses none of them.
            for value in range(8):
                same = byte[bit == value]
                self.bits[same] |= np.uint8(1 << value)
        self.items += len(hashes)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """A bool per row of hashes: in the filter (or a false positive), or surely not."""
        found = np.empty(len(hashes), dtype=bool)
        for start in range(0, len(hashes), CHUNK):
            byte, mask = self._bits_of(hashes[start : start + CHUNK])
            found[start : start + CHUNK] = ((self.bits[byte] & mask) != 0).all(axis=1)
        return found

    def _bits_of(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(byte index, bit mask) of each of the rows' k bits, each (rows, k)."""
        positions = self.spec.positions(hashes)
        byte = (positions >> np.uint64(3)).astype(np.intp)  # intp: numpy's fast path for indexing and .at
        mask = np.left_shift(np.uint8(1), (positions & np.uint64(7)).astype(np.uint8))
        return byte, mask

    def merge(self, other: "BloomFilter") -> "BloomFilter":
        """This filter with other's items too (a bitwise OR), in place."""
        np.bitwise_or(self.bits, other.bits, out=self.bits)
        self.items += other.items
        return self

    def fill(self) -> float:
        """The share of bits set."""
        return int(np.unpackbits(self.bits).sum()) / self.spec.bits

    def fp_rate(self) -> float:
        """The false positive rate measured from the bits: fill^k."""
        return self.fill() ** self.spec.hashes


class BloomBuilder:
    """Hashes bound for one part: kept as they come while smaller than the filter, then its bits."""

    def __init__(self, spec: BloomSpec):
        self.spec = spec
        self.pending: list[np.ndarray] = []
        self.pending_items = 0
        self.filter: BloomFilter | None = None

    def add(self, hashes: np.ndarray) -> "BloomBuilder":
        self.pending.append(hashes)
        self.pending_items += len(hashes)
        if self.filter is not None or self.pending_items * HASH_BYTES >= self.spec.part_bytes:
            self._set_bits()
        return self

    def _set_bits(self) -> None:
        if self.filter is None:
            self.filter = BloomFilter(self.spec)
        for hashes in self.pending:
            self.filter.add(hashes)
        self.pending, self.pending_items = [], 0

    def merge(self, other: "BloomBuilder") -> "BloomBuilder":
        if other.filter is not None:
            if self.filter is None:
                self.filter = BloomFilter(self.spec)
            self.filter.merge(other.filter)
        for hashes in other.pending:
            self.add(hashes)
        return self

    def build(self) -> BloomFilter:
        self._set_bits()
        return self.filter
