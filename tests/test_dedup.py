"""Exact and MinHash near-duplicate detection (datasketch)."""

import itertools
import random

import numpy as np

from webtext import dedup
from webtext.records import Document
from webtext.sample.prose import article, edited


def _doc(url, karma, created=1, text="x"):
    return Document(url, "a.com", "", text, "en", 1, karma, karma, created, [])


def test_normalisation_folds_case_punctuation_and_digits():
    assert dedup.normalise_text("Hello, World! It's 2017.") == "hello world it s 0000"
    assert dedup.exact_key("The cat sat.") == dedup.exact_key("the  CAT -- sat")
    assert dedup.exact_key("The cat sat.") != dedup.exact_key("The dog sat.")


def _jaccard(a: str, b: str) -> float:
    sa, sb = set(dedup.shingles(a, 5)), set(dedup.shingles(b, 5))
    return len(sa & sb) / len(sa | sb)


def test_signatures_estimate_jaccard_similarity():
    story = article(1).text
    for changes in (1, 4, 12):
        copy = edited(article(1), seed=changes, changes=changes).text
        estimate = dedup.similarity(dedup.signature(story, 5, 256), dedup.signature(copy, 5, 256))
        assert abs(estimate - _jaccard(story, copy)) < 0.1


def test_lsh_bands_make_pairs_above_the_threshold_likely_candidates():
    bands, rows = dedup.lsh_shape(0.5, 128)
    assert bands * rows <= 128 and bands > 1

    def candidate_probability(jaccard):
        return 1 - (1 - jaccard**rows) ** bands

    assert candidate_probability(0.7) > 0.98 and candidate_probability(0.2) < 0.05


def _candidates(docs):
    return [dedup.Candidate(dedup.rank(d), d.url, dedup.signature(d.text, 5, 128)) for d in docs]


def test_in_a_bucket_the_best_ranked_copy_survives_whatever_the_order():
    story = article(3)
    docs = [
        _doc("https://b.com/copy", 10, text=edited(story, seed=1).text),
        _doc("https://a.com/original", 50, text=story.text),
        _doc("https://c.com/other", 99, text=article(4).text),
        _doc("https://d.com/copy-same-karma-later", 50, created=5, text=edited(story, seed=2).text),
    ]
    results = set()
    for order in itertools.permutations(_candidates(docs)):
        dups = sorted(dedup.duplicates_in_bucket(order, 0.5))
        results.add(tuple((d.url, d.kept_url) for d in dups))
    assert results == {(
        ("https://b.com/copy", "https://a.com/original"),
        ("https://d.com/copy-same-karma-later", "https://a.com/original"),
    )}


def test_huge_buckets_compare_a_bounded_number_of_pairs():
    sig = np.zeros(128, dtype=np.uint32)
    members = [dedup.Candidate((-i, 0, f"u{i}"), f"u{i}", sig + random.Random(i).randrange(2)) for i in range(2000)]
    dups = list(dedup.duplicates_in_bucket(members, 0.5))
    assert len(dups) == 2000 - 2  # all but the best of each of the two distinct signatures


def test_rank_prefers_karma_then_earliest_then_url():
    docs = [_doc("https://z.com", 5, 1), _doc("https://b.com", 9, 3), _doc("https://a.com", 9, 3), _doc("https://c.com", 9, 2)]
    assert [d.url for d in sorted(docs, key=dedup.rank)] == ["https://c.com", "https://a.com", "https://b.com", "https://z.com"]
