"""Deduplication in a real Beam pipeline: which documents survive, in any order."""

import random

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipelines.stages.dedup import Deduplicate
from webtext.config import Config
from webtext.records import Document
from webtext.sample.prose import article, edited


def _doc(url, text, karma, created=1500000000):
    return Document(url, "a.com", "", text, "en", len(text.split()), karma, karma, created, [])


def _corpus():
    """Documents and the URLs that must survive, by construction."""
    docs, survivors = [], []
    for i in range(20):  # unrelated articles: all survive
        docs.append(_doc(f"https://a.com/unique/{i}", article(i).text, 10))
        survivors.append(f"https://a.com/unique/{i}")
    for i in range(5):  # syndicated: the copy with most karma survives
        text = article(100 + i).text
        docs += [_doc(f"https://b.com/exact/{i}/low", text, 5), _doc(f"https://c.com/exact/{i}/high", text + " ", 50)]
        survivors.append(f"https://c.com/exact/{i}/high")
    for i in range(5):  # edited copies: same karma, so the earliest post survives
        story = article(200 + i)
        docs += [_doc(f"https://d.com/near/{i}/later", edited(story, i).text, 30, created=1500000500),
                 _doc(f"https://e.com/near/{i}/first", story.text, 30, created=1500000000)]
        survivors.append(f"https://e.com/near/{i}/first")
    # A chain a ~ b ~ c: one cluster, whose best-ranked member alone survives.
    story = article(300)
    step1 = edited(story, 1, changes=3)
    docs += [_doc("https://f.com/chain/a", story.text, 99), _doc("https://f.com/chain/b", step1.text, 1),
             _doc("https://f.com/chain/c", edited(step1, 2, changes=3).text, 2)]
    survivors.append("https://f.com/chain/a")
    return docs, survivors


def assert_survivors(docs, survivors) -> dict:
    """Run the dedup stage; its unique documents must be exactly `survivors`. Returns its counters."""
    p = beam.Pipeline(runner=FnApiRunner())
    unique, _ = p | beam.Create(docs) | Deduplicate(Config())
    assert_that(unique | beam.Map(lambda d: d.url), equal_to(survivors))
    result = p.run()
    result.wait_until_finish()
    return {c.key.metric.name: c.committed for c in result.metrics().query()["counters"]}


def test_exact_and_near_duplicates_are_removed_keeping_the_best_ranked():
    docs, survivors = _corpus()
    assert_survivors(docs, survivors)


def test_the_same_documents_survive_whatever_the_input_order():
    docs, survivors = _corpus()
    for seed in (1, 2):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        assert_survivors(shuffled, survivors)


def test_the_duplicates_table_names_the_kept_copy_and_similarity():
    docs, _ = _corpus()
    with beam.Pipeline(runner=FnApiRunner()) as p:
        _, duplicates = p | beam.Create(docs) | Deduplicate(Config())
        rows = duplicates | beam.Map(lambda r: (r.url, r.duplicate_of, r.kind, r.similarity >= 0.5 or r.kind == "near"))
        expected = [(f"https://b.com/exact/{i}/low", f"https://c.com/exact/{i}/high", "exact", True) for i in range(5)]
        expected += [(f"https://d.com/near/{i}/later", f"https://e.com/near/{i}/first", "near", True) for i in range(5)]
        expected += [("https://f.com/chain/b", "https://f.com/chain/a", "near", True),
                     ("https://f.com/chain/c", "https://f.com/chain/a", "near", True)]
        assert_that(rows, equal_to(expected))


def test_a_hot_bucket_of_boilerplate_stays_linear():
    # 400 pages that are the same boilerplate with a few words of their own: huge
    # buckets. Each member meets at most TOP_K others per bucket, not all 399; one survives.
    boilerplate = article(400).text
    docs = [_doc(f"https://g.com/page/{i}", f"{boilerplate} {article(1000 + i).title}", 100 - i % 50, created=1500000000 + i)
            for i in range(400)]
    counters = assert_survivors(docs, ["https://g.com/page/0"])
    all_pairs = len(docs) * (len(docs) - 1) // 2
    assert counters["candidate_pairs"] < all_pairs / 4
    assert counters["removed:near"] + counters.get("removed:exact", 0) == len(docs) - 1
