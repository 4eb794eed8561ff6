"""The decontaminate stage (GPT-3's 13-gram rule): word offsets, spans and pieces; planted
collisions at known places through the real Beam transform, every span, row and counter
checked against offsets computed here; and the staged run on the bundled sample: what the
shards lose, what reruns when the eval files change, and shards identical without them."""

import hashlib
import json
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.runners.engine import counters_of, make_pipeline
from pipelines.stages.decontaminate import Decontaminate
from pipelines.tables import WriteTable
from webtext import collect, counts, layout
from webtext.cli import UsageError
from webtext.config import Config
from webtext.ngrams import grams
from webtext.ngrams.decontaminate import Rule, cut, kept_text, removed_spans
from webtext.records import Document, Removal
from webtext.run import stages
from webtext.shards import shard_format, tokens

# Rules -----------------------------------------------------------------------------------


def test_word_spans_are_the_overlap_words_at_their_places_in_the_original_text():
    for text in ["Hello, World!  It's 2017 -- the_end", "İstanbul, ΟΔΟΣ and ﬁne STRASSE", "", "...!"]:
        spans = grams.word_spans(text)
        assert spans.words == grams.words(text)
        # Each word is its original characters, lower-cased (İ lower-cases to two characters).
        assert [text[s:e].lower().startswith(w) for w, s, e in zip(*spans)] == [True] * len(spans.words)
    spans = grams.word_spans("İstanbul ΟΔΟΣ x")
    assert spans.words == ["i", "stanbul", "οδος", "x"] and spans.starts == [0, 1, 9, 14]
    assert spans.ends == [1, 8, 13, 15]


def test_spans_widen_clip_and_merge():
    text = " ".join(f"w{i}" for i in range(100))  # "w0 w1 ...": word i starts at a known place
    words = grams.word_spans(text)
    rule = Rule(n=3, margin=10)
    # Words 20-22 and 24-26: widened spans overlap, so one span; word 0-2 clipped at the start.
    spans = removed_spans(words, [24, 20, 0, 20], rule, len(text))
    assert spans == [(0, words.ends[2] + 10), (words.starts[20] - 10, words.ends[26] + 10)]
    done = cut(text, words, [20, 24], rule._replace(min_piece_chars=100))
    (start, end), = done.spans
    assert done.pieces == [text[:start].strip(), text[end:].strip()]  # characters, as GPT-3 counted: "w1" of w17
    assert done.kept == [done.pieces[1]]  # the first piece is under 100 characters


def test_too_many_pieces_or_too_little_left_drops_the_document():
    text = " ".join(f"w{i}" for i in range(400))
    words = grams.word_spans(text)
    rule = Rule(n=2, margin=5, min_piece_chars=20, max_pieces=3)
    count = len  # characters stand in for tokens here
    assert kept_text(cut(text, words, [50, 150, 250], rule), rule, count).reason == "too_many_splits"  # 4 pieces
    three = kept_text(cut(text, words, [150, 250], rule), rule, count)
    assert three.count("\n\n") == 2 and "w148" in three and "w149" not in three and "w152" not in three
    assert "\n\nw153 w154" in three  # the span: w149 (5 characters before w150) to w152 (5 after w151)
    assert kept_text(cut(text, words, [150, 250], rule._replace(min_tokens=10**6)), rule._replace(min_tokens=10**6),
                     count).reason == "too_short"
    everything = kept_text(cut(text, words, list(range(0, 399, 5)), rule), rule._replace(max_pieces=100), count)
    assert everything.reason == "too_short"


def test_an_eval_files_content_shapes_only_decontaminate_and_shards():
    inputs = {"dumps": ["RS_2017-12.zst"], "listings": None, "warcs": [], "out": "run1", "evals": ()}
    plain = stages.fingerprints(inputs, Config().to_dict())
    given = stages.fingerprints({**inputs, "evals": (("eval.jsonl", "1" * 64),)}, Config().to_dict())
    edited = stages.fingerprints({**inputs, "evals": (("eval.jsonl", "2" * 64),)}, Config().to_dict())
    knob = stages.fingerprints({**inputs, "evals": (("eval.jsonl", "2" * 64),)}, Config(max_pieces=3).to_dict())
    for before, after in [(plain, given), (given, edited), (edited, knob)]:
        assert [s for s in stages.STAGES if before[s] != after[s]] == ["decontaminate", "shards"]


# Planted collisions, through Beam ---------------------------------------------------------

P1 = ("the lighthouse keeper counted seventeen ships passing the granite point before the storm "
      "closed the harbour for the winter")
P2 = ("a quiet committee of beekeepers voted to move every hive from the orchard to the hill "
      "above the old mill race")
P4 = ("nine violinists rehearsed the forgotten sonata in a cold chapel while the organist "
      "slept through the second movement")
Q = "all rights reserved no part of this article may be reproduced without the written permission of the publisher"


def filler(tag: str, chars: int) -> str:
    """Words no eval text holds ("a0 a1 ..." with a full stop every eighth), at least chars long."""
    words, i = [], 0
    while len(" ".join(words)) < chars:
        words.append(f"{tag}{i}." if i % 8 == 7 else f"{tag}{i}")
        i += 1
    return " ".join(words)


def planted(*parts: str) -> tuple[str, dict[str, list[int]]]:
    """The parts joined by spaces, and where each passage (P1, P2, P4, Q) starts in the text."""
    text, places = " ".join(parts), {}
    at = 0
    for part in parts:
        places.setdefault(part, []).append(at)
        at += len(part) + 1
    return text, places


def document(url: str, text: str) -> Document:
    return Document(url, "example.com", "A title", text, "en", len(text.split()), 5, 5, 1500000000, ["news"])


def ngram_count(passage: str) -> int:
    return len(grams.words(passage)) - 12


def spans_of(text: str, places: dict, passages: list[str]) -> list[tuple[int, int]]:
    """Each planted passage's characters and 200 either side, clipped and merged: computed from the
    places the passages were planted at, not from any n-gram."""
    spans = sorted((max(0, at - 200), min(len(text), at + len(p) + 200)) for p in passages for at in places[p])
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def pieces_left(text: str, spans: list[tuple[int, int]]) -> list[str]:
    bounds = [0, *(edge for span in spans for edge in span), len(text)]
    return [p for p in (text[a:b].strip() for a, b in zip(bounds[::2], bounds[1::2])) if p]


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    (folder / "A.jsonl").write_text(json.dumps({"text": P1}) + "\n" + json.dumps({"text": "Too few words."}) + "\n"
                                    + json.dumps({"text": P4}) + "\n")
    (folder / "B.txt").write_text(P2 + "\n")
    pq.write_table(pa.table({"text": [Q]}), folder / "boilerplate.parquet")
    texts = {
        "middle": planted(filler("a", 1000), P1, filler("b", 1000)),
        "start": planted(filler("c", 50), P2, filler("d", 1000)),
        "near": planted(filler("e", 800), P1, filler("f", 100), P2, filler("g", 800)),  # 102 chars apart: one span
        "splits": planted(filler("h", 300), *[part for _ in range(11) for part in (P1, filler("i", 450))]),
        "short": planted(filler("j", 350), P4, filler("k", 350)),  # two pieces of ~150 characters
        "lean": planted(filler("l", 450), P4, filler("m", 150)),  # one piece of ~250 characters
        "clean": planted(filler("n", 2000)),
        **{f"boiler{i}": planted(filler(f"o{i}x", 600), Q, filler(f"p{i}x", 600)) for i in range(4)},
    }
    encoding = tokens.get_encoding("gpt2")
    lean_tokens = len(encoding.encode_ordinary(pieces_left(texts["lean"][0], spans_of(*texts["lean"], [P4]))[0]))
    config = Config(min_tokens=lean_tokens + 1, max_collision_documents=3)  # Q is in 4 documents: common
    pipeline = make_pipeline("direct", 1, [])
    docs = pipeline | beam.Create([document(f"https://example.com/{name}", text) for name, (text, _) in texts.items()])
    kept, removals = docs | Decontaminate([str(folder / name) for name in ("A.jsonl", "B.txt", "boilerplate.parquet")],
                                          config)
    _ = kept | "WriteKept" >> WriteTable(str(folder), layout.DECONTAMINATED)
    _ = removals | "WriteRemovals" >> WriteTable(str(folder), layout.CONTAMINATION)
    result = pipeline.run()
    result.wait_until_finish()
    kept_rows = pq.read_table(folder / "decontaminated.parquet").to_pylist()
    kept_docs = {row["url"].rsplit("/", 1)[1]: row for row in kept_rows}
    rows = pq.read_table(folder / "contamination.parquet").to_pylist()
    return texts, kept_docs, rows, counters_of(result), config


def test_exactly_the_planted_spans_are_cut_and_the_pieces_left_joined(planted_run):
    texts, kept, _, _, config = planted_run
    planted_passages = {"middle": [P1], "start": [P2], "near": [P1, P2]}
    for name, passages in planted_passages.items():
        text, places = texts[name]
        expected = "\n\n".join(pieces_left(text, spans_of(text, places, passages)))
        assert kept[name]["text"] == expected, name
        assert kept[name]["word_count"] == len(expected.split())
    assert kept["middle"]["text"].count("\n\n") == 1 and "\n\n" not in kept["start"]["text"]
    # Untouched: no collision, or common n-grams only (Q is in 4 documents, more than 3).
    for name in ("clean", "boiler0", "boiler3"):
        assert kept[name]["text"] == texts[name][0]
    assert set(kept) == {"middle", "start", "near", "clean", "boiler0", "boiler1", "boiler2", "boiler3"}
    assert all(row["title"] == "A title" and row["karma"] == 5 for row in kept.values())


def test_every_cut_is_a_row_of_the_removals_table(planted_run):
    texts, _, rows, _, _ = planted_run
    first = {p: " ".join(grams.words(p)[:13]) for p in (P1, P2, P4)}
    expected = []
    cases = [("middle", [P1], "kept"), ("start", [P2], "kept"), ("splits", [P1], "too_many_splits"),
             ("short", [P4], "too_short"), ("lean", [P4], "too_short")]
    for name, passages, outcome in cases:
        text, places = texts[name]
        for start, end in spans_of(text, places, passages):
            expected.append((f"https://example.com/{name}", "B" if passages == [P2] else "A", first[passages[0]],
                             ngram_count(passages[0]), start, end, end - start, outcome))
    text, places = texts["near"]
    [(start, end)] = spans_of(text, places, [P1, P2])  # one span, two sets colliding in it: two rows
    expected += [("https://example.com/near", "A", first[P1], ngram_count(P1), start, end, end - start, "kept"),
                 ("https://example.com/near", "B", first[P2], ngram_count(P2), start, end, end - start, "kept")]
    assert sorted(tuple(row.values()) for row in rows) == sorted(expected)
    assert list(rows[0]) == list(Removal._fields)


def test_the_counters_account_for_every_document_and_cut(planted_run):
    texts, _, rows, counters, _ = planted_run
    spans = {name: spans_of(texts[name][0], texts[name][1], passages) for name, passages in
             [("middle", [P1]), ("start", [P2]), ("near", [P1, P2]), ("splits", [P1]), ("short", [P4]), ("lean", [P4])]}
    short = sum(len([p for p in pieces_left(texts[name][0], s) if len(p) < 200]) for name, s in spans.items())
    decontaminate = {k: v for k, v in counters.items() if counts.stage_of(k) == "decontaminate"}
    assert decontaminate == {
        counts.DECONTAMINATE_CHECKED: 11,
        counts.COMMON_NGRAMS: ngram_count(Q),
        counts.CONTAMINATED: 6,
        counts.with_reason(counts.COLLISIONS, "A"): ngram_count(P1) * 13 + ngram_count(P4) * 2,
        counts.with_reason(counts.COLLISIONS, "B"): ngram_count(P2) * 2,
        counts.with_reason(counts.REMOVALS, "A"): 15,
        counts.with_reason(counts.REMOVALS, "B"): 2,
        counts.SPANS_REMOVED: sum(len(s) for s in spans.values()),
        counts.CHARS_REMOVED: sum(end - start for s in spans.values() for start, end in s),
        counts.SHORT_PIECES: short,
        counts.lost("decontaminate", counts.DROPPED, "too_many_splits"): 1,
        counts.lost("decontaminate", counts.DROPPED, "too_short"): 2,
        counts.DECONTAMINATED: 8,
    }
    assert len(rows) == 17 and short == 13  # 11 in the split document, 2 in the short one


# The staged run on the bundled sample ------------------------------------------------------


def shard_hashes(out: Path) -> list[str]:
    return [shard["sha256"] for shard in shard_format.load_manifest(str(out))["shards"]]


def markers(out: Path) -> dict[str, bytes]:
    return {path.stem: path.read_bytes() for path in (out / "_stages").glob("*.json")}


def run_stages(out: Path, *flags: str, capsys) -> tuple[str, dict]:
    """(the stages the run says it ran, its counters)."""
    counters = collect.run([str(out), "--progress-s", "0", *flags])["counters"]
    printed = capsys.readouterr().out
    ran = printed.split(f"{out} (", 1)[1].split(")", 1)[0] if f"{out} (" in printed else "up to date"
    return ran, counters


def eval_ngrams(path: Path) -> set[str]:
    return {gram for line in path.read_text().splitlines() for gram in grams.ngrams(json.loads(line)["text"], 13)}


def test_a_staged_run_decontaminates_and_reruns_only_from_the_stage(tmp_path, capsys):
    out = tmp_path / "sample"
    run_stages(out, capsys=capsys)
    plain, before = shard_hashes(out), markers(out)
    documents = {d["url"]: d["text"] for d in pq.read_table(out / "documents.parquet").to_pylist()}
    train = [doc["text"] for doc in shard_format.iter_documents(str(out), "train")]
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json.dumps({"text": train[3][600:1100]}) + "\n")
    second.write_text(json.dumps({"text": train[40][:900]}) + "\n")

    ran, counters = run_stages(out, "--decontaminate", str(first), capsys=capsys)
    assert ran == "decontaminate to shards"
    after = markers(out)
    assert {s for s in after if after[s] != before.get(s)} == {"decontaminate", "shards"}
    rows = pq.read_table(out / "contamination.parquet").to_pylist()
    kept = {d["url"]: d["text"] for d in pq.read_table(out / "decontaminated.parquet").to_pylist()}
    assert counters[counts.with_reason(counts.REMOVALS, "first")] == len(rows) > 0
    assert counters[counts.CONTAMINATED] == len({row["url"] for row in rows})
    assert counters[counts.CHARS_REMOVED] == sum(row["chars_removed"] for row in rows)  # one eval set: no shared span
    # The table says what was cut: the documents' texts less its spans, short pieces discarded.
    for url, outcome in {row["url"]: row["outcome"] for row in rows}.items():
        spans = sorted((row["start"], row["end"]) for row in rows if row["url"] == url)
        left = [piece for piece in pieces_left(documents[url], spans) if len(piece) >= 200]
        assert kept[url] == "\n\n".join(left) if outcome == "kept" else url not in kept
    # No 13-gram of the eval file is left in the shards (the sample has no common ones).
    assert counters.get(counts.COMMON_NGRAMS, 0) == 0
    shard_texts = [d["text"] for split in shard_format.SPLITS for d in shard_format.iter_documents(str(out), split)]
    assert not eval_ngrams(first) & {g for text in shard_texts for g in grams.ngrams(text, 13)}
    manifest = shard_format.load_manifest(str(out))
    marker = json.loads((out / "_stages" / "decontaminate.json").read_text())
    assert {k: v for k, v in manifest["counters"].items() if k.startswith("decontaminate/")} == marker["counters"]
    assert marker["inputs"]["evals"] == [[str(first), hashlib.sha256(first.read_bytes()).hexdigest()]]
    assert "## Decontamination" in (out / "report.md").read_text()
    assert f"| first | {counters[counts.with_reason(counts.COLLISIONS, 'first')]:,} | {len(rows):,} |" in (
        out / "report.md").read_text()

    # Other eval files, then the same file edited: decontaminate and shards rerun, nothing before them.
    ran, _ = run_stages(out, "--decontaminate", str(second), capsys=capsys)
    assert ran == "decontaminate to shards" and markers(out)["dedup"] == before["dedup"]
    assert {row["eval_set"] for row in pq.read_table(out / "contamination.parquet").to_pylist()} == {"second"}
    assert run_stages(out, capsys=capsys)[0] == "up to date"  # the recorded eval files are reused
    second.write_text(json.dumps({"text": train[41][:900]}) + "\n")
    assert run_stages(out, capsys=capsys)[0] == "decontaminate to shards"
    assert {s for s, data in markers(out).items() if data != before[s]} == {"decontaminate", "shards"}

    # Without eval files the shards are those of a run that never decontaminated, byte for byte,
    # and the tables of the earlier decontamination are gone.
    assert run_stages(out, "--no-decontaminate", capsys=capsys)[0] == "decontaminate to shards"
    assert shard_hashes(out) == plain
    assert not (out / "decontaminated.parquet").exists() and not (out / "contamination.parquet").exists()
    assert run_stages(out, "--from", "decontaminate", "--until", "decontaminate", capsys=capsys)[0] == "decontaminate"


def test_mistakes_with_eval_files_are_one_line(tmp_path, capsys):
    out = tmp_path / "sample"
    (tmp_path / "short.txt").write_text("twelve words are not enough for a collision of thirteen here")
    with pytest.raises(UsageError, match=f"--decontaminate: {tmp_path}/missing.txt"):
        collect.run([str(out), "--decontaminate", str(tmp_path / "missing.txt")])
    with pytest.raises(UsageError, match="no 13-gram in it"):
        collect.run([str(out), "--decontaminate", str(tmp_path / "short.txt")])
    with pytest.raises(UsageError, match="give one"):
        collect.run([str(out), "--decontaminate", str(tmp_path / "short.txt"), "--no-decontaminate"])
    run_stages(out, "--until", "dedup", capsys=capsys)
    (tmp_path / "eval.txt").write_text(" ".join(f"word{i}" for i in range(40)))
    with pytest.raises(UsageError, match="--from shards reads what decontaminate kept"):
        collect.run([str(out), "--from", "shards", "--decontaminate", str(tmp_path / "eval.txt")])
    ran, counters = run_stages(out, "--until", "decontaminate", "--decontaminate", str(tmp_path / "eval.txt"),
                               capsys=capsys)
    assert ran == "decontaminate" and counters[counts.DECONTAMINATED] == counters[counts.UNIQUE]
    assert not (out / "manifest.json").exists() and (out / "decontaminated.parquet").exists()
