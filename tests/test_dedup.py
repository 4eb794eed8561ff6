"""Exact and MinHash near-duplicate detection (datasketch)."""

import numpy as np
from datasketch import LeanMinHash, MinHash

from webtext.dedup import duplicates, minhash
from webtext.records import Document
from webtext.sample.prose import article, edited


def _doc(url, karma, created=1, text="x"):
    return Document(url, "a.com", "", text, "en", 1, karma, karma, created, [])


def test_normalisation_folds_case_punctuation_and_digits():
    assert duplicates.normalise_text("Hello, World! It's 2017.") == "hello world it s 0000"
    assert duplicates.words("Grüße, «Ünïcödé» — 東京 snake_case") == ["grüße", "ünïcödé", "東京", "snake", "case"]
    assert duplicates.exact_key("The cat sat.") == duplicates.exact_key("the  CAT -- sat")
    assert duplicates.exact_key("The cat sat.") != duplicates.exact_key("The dog sat.")


def _jaccard(a: str, b: str) -> float:
    sa, sb = set(duplicates.shingles(a, 5)), set(duplicates.shingles(b, 5))
    return len(sa & sb) / len(sa | sb)


def test_signatures_estimate_jaccard_similarity():
    story = article(1).text
    for changes in (1, 4, 12):
        copy = edited(article(1), seed=changes, changes=changes).text
        sig_a, sig_b = minhash.signatures([story, copy], 5, 256)
        assert abs(duplicates.similarity(sig_a, sig_b) - _jaccard(story, copy)) < 0.1


def test_signatures_are_datasketchs_with_the_word_hash():
    texts = [article(i).text for i in range(5)] + ["", "too short", "exactly five words here now"]
    for text, sig in zip(texts, minhash.signatures(texts, 5, 128)):
        reference = MinHash(num_perm=128, seed=minhash.SEED, scheme="affine32", hashfunc=minhash.shingle_hash32)
        reference.update_batch(duplicates.shingles(text, 5))
        assert (reference.hashvalues == sig).all()
        assert minhash.lean_minhash(sig).jaccard(LeanMinHash(reference)) == 1.0


def test_signatures_do_not_depend_on_the_batch():
    texts = [article(i).text for i in range(40)]
    whole = minhash.signatures(texts, 5, 128)
    one_by_one = np.vstack([minhash.signatures([t], 5, 128) for t in texts])
    assert (whole == one_by_one).all()


def test_lsh_bands_make_pairs_above_the_threshold_likely_candidates():
    bands, rows = duplicates.lsh_shape(0.5, 128)
    assert bands * rows <= 128 and bands > 1

    def candidate_probability(jaccard):
        return 1 - (1 - jaccard**rows) ** bands

    assert candidate_probability(0.7) > 0.98 and candidate_probability(0.2) < 0.05


def _rank(url, karma, created=1):
    return duplicates.Rank(-karma, created, url)


def test_small_buckets_give_every_pair_worse_to_better():
    ranks = [_rank("c", 1), _rank("a", 9), _rank("b", 5)]
    assert sorted(duplicates.bucket_pairs(ranks)) == [("b", "a"), ("c", "a"), ("c", "b")]


def test_hot_buckets_give_at_most_top_k_pairs_per_member():
    ranks = [_rank(f"u{i}", i) for i in range(1000)]
    pairs = list(duplicates.bucket_pairs(ranks))
    assert len(pairs) == sum(min(i, duplicates.TOP_K) for i in range(1000))
    assert {better for _, better in pairs} == {f"u{i}" for i in range(1000 - duplicates.TOP_K, 1000)}


def test_rank_prefers_karma_then_earliest_then_url():
    docs = [_doc("https://z.com", 5, 1), _doc("https://b.com", 9, 3), _doc("https://a.com", 9, 3), _doc("https://c.com", 9, 2)]
    assert [d.url for d in sorted(docs, key=duplicates.rank)] == ["https://c.com", "https://a.com", "https://b.com", "https://z.com"]
