"""MinHash signatures of word 5-gram shingles, vectorised over whole batches.

The signatures are datasketch's (scheme "affine32", pinned: datasketch 2.0
changed its default): MinHash(num_perm, seed, scheme="affine32",
hashfunc=shingle_hash32) fed the same shingles gives the same hash values.
They differ from datasketch's defaults only in how a shingle becomes a 32-bit
number: instead of SHA-1 of the shingle's text, each distinct word is hashed
once (xxh64) and a shingle's hash combines its words' hashes, so building and
hashing the shingle strings, the slow part of the plain loop, never happens.
"""

import functools

import numpy as np
import xxhash
from datasketch import LeanMinHash, MinHash

from webtext.dedup.duplicates import word_bytes

SCHEME = "affine32"
SEED = 1
# An odd 64-bit multiplier for the polynomial that combines word hashes.
_BASE = np.uint64(0x9E3779B97F4A7C15)
# Permutation-by-shingle products cover about this many shingles at a time (bounded memory).
_CHUNK = 8192


@functools.lru_cache(maxsize=None)
def permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a odd, b), each (num_perm,) uint32."""
    return MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch pre-mixes affine32 inputs."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _combine(word_hashes: np.ndarray, n: int) -> np.ndarray:
    """uint32 hash of each n-word window: high half of sum(w[i+k] * BASE^(n-1-k))."""
    if len(word_hashes) == 0:
        return np.zeros(0, np.uint32)
    n = min(n, len(word_hashes))  # a text shorter than n words is one shingle
    windows = len(word_hashes) - n + 1
    combined = np.zeros(windows, np.uint64)
    with np.errstate(over="ignore"):  # wrapping is the arithmetic mod 2^64 we want
        for k in range(n):
            combined = combined * _BASE + word_hashes[k : k + windows]
    return (combined >> np.uint64(32)).astype(np.uint32)


def shingle_hashes(text: str, n: int) -> np.ndarray:
    """One uint32 hash per word n-gram of the normalised text (repeats included)."""
    ws = word_bytes(text)
    return _combine(np.fromiter(map(xxhash.xxh64_intdigest, ws), np.uint64, len(ws)), n)


def shingle_hash32(shingle: bytes) -> int:
    """The same hash for one shingle's text ("w1 w2 ... wn"): a datasketch hashfunc."""
    hashes = np.fromiter((xxhash.xxh64_intdigest(w) for w in shingle.split(b" ")), np.uint64)
    return int(_combine(hashes, len(hashes))[0])


def signatures(texts: list[str], n: int, num_perm: int) -> np.ndarray:
    """(len(texts), num_perm) uint32: every text's signature, in one vectorised pass."""
    return signatures_of([shingle_hashes(t, n) for t in texts], num_perm)


def signatures_of(per_text: list[np.ndarray], num_perm: int) -> np.ndarray:
    """Signatures from each text's shingle hashes (see shingle_hashes)."""
    counts = np.array([len(h) for h in per_text], dtype=np.int64)
    out = np.full((len(per_text), num_perm), np.iinfo(np.uint32).max, np.uint32)  # empty: datasketch's
    if counts.sum() == 0:
        return out
    a, b = permutations(num_perm)
    a, b = a[:, None], b[:, None]
    mixed = _fmix32(np.concatenate(per_text))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    groups = list(_chunks(np.flatnonzero(counts), counts, _CHUNK))
    # Permutations x shingles, so each text's columns are contiguous and one
    # minimum.reduceat along rows gives all its values. One buffer reused for every
    # group of texts: fresh multi-MB arrays cost more in page faults than the maths.
    buffer = np.empty((num_perm, max(counts[g].sum() for g in groups)), np.uint32)
    for group in groups:
        lo = starts[group[0]]
        width = counts[group].sum()
        product = buffer[:, :width]
        np.multiply(a, mixed[None, lo : lo + width], out=product)  # wraps mod 2^32, as intended
        np.add(product, b, out=product)
        out[group] = np.minimum.reduceat(product, starts[group] - lo, axis=1).T
    return out


def _chunks(indices: np.ndarray, counts: np.ndarray, limit: int):
    """Runs of consecutive non-empty texts holding about `limit` shingles each."""
    group, size = [], 0
    for i in indices:
        group.append(i)
        size += counts[i]
        if size >= limit:
            yield np.array(group)
            group, size = [], 0
    if group:
        yield np.array(group)


def lean_minhash(signature: np.ndarray) -> LeanMinHash:
    """The signature as datasketch's LeanMinHash, for its LSH indexes and serialisation."""
    return LeanMinHash(seed=SEED, hashvalues=signature, scheme=SCHEME)
