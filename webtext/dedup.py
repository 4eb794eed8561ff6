"""Duplicate detection: exact (normalised text hash) and near (MinHash + LSH).

Everything here is per document or per LSH bucket, so a pipeline can spread it
over any number of workers. Whichever copy of a duplicate pair has the better
rank (most karma, then earliest post, then URL) is kept, so the result does not
depend on the order documents arrive in.
"""

import hashlib
import re
from typing import Iterable, Iterator, NamedTuple

import numpy as np
from datasketch import MinHash, MinHashLSH

from webtext.records import Document

# datasketch 2.0 changed its default; pin the scheme so signatures stay comparable.
MINHASH_SCHEME = "affine32"
MINHASH_SEED = 1
# A boilerplate page can put thousands of documents in one bucket: each is
# compared with at most this many better-ranked members, never all pairs.
MAX_COMPARISONS_PER_MEMBER = 50

_NOT_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")


def normalise_text(text: str) -> str:
    """Lowercase words with punctuation removed and digits folded to 0."""
    return _NOT_WORD.sub(" ", _DIGIT.sub("0", text.lower())).strip()


def exact_key(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def rank(doc: Document) -> tuple:
    """Sort key of the copy to keep: most karma, then earliest post, then URL."""
    return (-doc.karma, doc.created_utc, doc.url)


def shingles(text: str, n: int) -> list[bytes]:
    """The distinct word n-grams of the normalised text."""
    words = normalise_text(text).split()
    grams = {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}
    return [g.encode("utf-8") for g in grams]


def signature(text: str, shingle_words: int, num_perm: int) -> np.ndarray:
    """The MinHash signature (uint32 per permutation) of the text's shingles."""
    minhash = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
    minhash.update_batch(shingles(text, shingle_words))
    return minhash.hashvalues


def lsh_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) minimising false positives plus negatives at the threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(sig: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One bucket key per band: documents sharing any key are candidates."""
    return [i.to_bytes(2, "big") + sig[i * rows : (i + 1) * rows].tobytes() for i in range(bands)]


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the fraction of equal MinHash values."""
    return float(np.mean(sig_a == sig_b))


class Candidate(NamedTuple):
    rank: tuple
    url: str
    signature: np.ndarray


class Duplicate(NamedTuple):
    url: str  # the document removed
    kept_rank: tuple
    kept_url: str  # a better-ranked document it duplicates
    similarity: float


def duplicates_in_bucket(members: Iterable[Candidate], threshold: float) -> Iterator[Duplicate]:
    """Each member that truly duplicates (by signature) a better-ranked one."""
    ordered = sorted(members, key=lambda m: m.rank)
    for i, member in enumerate(ordered):
        for better in ordered[max(0, i - MAX_COMPARISONS_PER_MEMBER) : i]:
            sim = similarity(member.signature, better.signature)
            if sim >= threshold:
                yield Duplicate(member.url, better.rank, better.url, sim)
                break
