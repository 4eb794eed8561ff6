"""Word n-grams as GPT-2 counted train/test overlap: "strings were normalized to contain only
lower-cased alphanumeric words with a single space as a delimiter" (section 4), n = 8.

A word is a run of letters and digits (Unicode's, so "café" is one word); everything else
(punctuation, underscores, whitespace, markup) only separates words. An n-gram is n
consecutive words of one text joined by single spaces; it never spans two texts.
"""

import bisect
import itertools
import re
from typing import NamedTuple

import numpy as np
import xxhash

N = 8  # GPT-2's n; GPT-3 decontaminated with 13
_WORD = re.compile(r"[^\W_]+")  # \w without the underscore: letters and digits


def words(text: str) -> list[str]:
    """The lower-cased alphanumeric words of text, in order."""
    return _WORD.findall(text.lower())


def normalise(text: str) -> str:
    """text as the overlap sees it: its words, single spaces between them."""
    return " ".join(words(text))


def ngrams(text: str, n: int = N) -> list[str]:
    """Every n-gram of text, one per position (repeats kept): len(words) - n + 1 of them, or none."""
    return ngrams_of(words(text), n)


def ngrams_of(w: list[str], n: int = N) -> list[str]:
    """Every n-gram of a list of words, the one at position i starting with word i."""
    return [" ".join(w[i : i + n]) for i in range(len(w) - n + 1)]


class WordSpans(NamedTuple):
    """A text's words (as words() gives them) and where each lies in the text: text[starts[i]:ends[i]]."""

    words: list[str]
    starts: list[int]
    ends: list[int]


def word_spans(text: str) -> WordSpans:
    """The words of text and their character spans in text itself, not in its lower-cased copy.

    Lower-casing can lengthen a character ("İ" becomes "i" and a combining dot), which would
    shift every later offset; then each offset is mapped back through where each character's
    lower-cased form begins. Lower-casing the whole text at once keeps Greek's final sigma
    (a context rule) as words() sees it, so the n-grams and their hashes are the same."""
    lowered = text.lower()
    matches = list(_WORD.finditer(lowered))
    found = [m.group() for m in matches]
    starts, ends = [m.start() for m in matches], [m.end() for m in matches]
    if len(lowered) != len(text):
        begins = list(itertools.accumulate((len(ch.lower()) for ch in text), initial=0))
        starts = [bisect.bisect_right(begins, s) - 1 for s in starts]
        ends = [bisect.bisect_right(begins, e - 1) for e in ends]
    return WordSpans(found, starts, ends)


def hash_strings(grams: list[str]) -> np.ndarray:
    """(len(grams), 2) uint64: each string's 128-bit xxh3 hash as two 64-bit halves.

    The same on every worker and every run (unlike Python's hash()), and wide enough that
    two different n-grams of a corpus share a hash with probability about n^2 / 2^129."""
    if not grams:
        return np.zeros((0, 2), dtype=np.uint64)
    digests = b"".join(xxhash.xxh3_128_digest(gram.encode("utf-8")) for gram in grams)
    return np.frombuffer(digests, dtype="<u8").reshape(-1, 2).astype(np.uint64, copy=False)


def ngram_hashes(text: str, n: int = N) -> np.ndarray:
    """The hashes of text's n-grams, one row per position."""
    return hash_strings(ngrams(text, n))
