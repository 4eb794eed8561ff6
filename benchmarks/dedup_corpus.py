"""Generated corpora for the dedup benchmarks: originals, edited copies, true Jaccard."""

import random

from webtext.dedup.duplicates import shingles
from webtext.records import Document
from webtext.sample.prose import article

VOCABULARY = [w for i in range(50) for w in article(90_000 + i).text.split()]


def document(url: str, text: str, karma: int) -> Document:
    return Document(url, "bench.example", "", text, "en", len(text.split()), karma, karma, 1500000000, [])


def true_jaccard(a: str, b: str, n: int = 5) -> float:
    sa, sb = set(shingles(a, n)), set(shingles(b, n))
    return len(sa & sb) / len(sa | sb)


def edit(text: str, fraction: float, rng: random.Random) -> str:
    """The text with about `fraction` of its words replaced by others."""
    words = text.split()
    for i in rng.sample(range(len(words)), int(fraction * len(words))):
        words[i] = rng.choice(VOCABULARY)
    return " ".join(words)


def corpus(originals: int, copies_per_original: int, seed: int = 0):
    """Documents (originals rank best) and ground-truth pairs (original url, copy url, true J)."""
    rng = random.Random(seed)
    docs, pairs = [], []
    for i in range(originals):
        text = article(seed * 1_000_000 + i).text
        url = f"https://bench.example/{i}"
        docs.append(document(url, text, 1000))
        for j in range(copies_per_original):
            copy = edit(text, rng.uniform(0.0, 0.25), rng)
            copy_url = f"{url}/copy/{j}"
            docs.append(document(copy_url, copy, 10))
            pairs.append((url, copy_url, true_jaccard(text, copy)))
    return docs, pairs
