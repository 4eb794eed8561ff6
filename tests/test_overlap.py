"""The train/test overlap report (python -m webtext.overlap): n-gram rules, the Bloom filter,
and the whole command on the bundled sample, its shares checked against ones computed here
from the n-gram definition alone (a plain set of strings, no hashing, no Beam)."""

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.runners.engine import make_pipeline
from pipelines.stages.overlap import Overlap
from webtext import collect, layout
from webtext import overlap as command
from webtext.cli import run_command
from webtext.ngrams import eval_sets, grams, report
from webtext.ngrams.bloom import BloomBuilder, BloomFilter, BloomSpec
from webtext.ngrams.exact import ExactSpec, NgramSet, NgramSetBuilder
from webtext.ngrams.report import VAL_SET
from webtext.shards import shard_format
from webtext.shards.tokens import gpt2_encoding

# The definition, written out again without a regex: lower-case, keep runs of letters and
# digits (str.isalnum), join n of them with single spaces.


def reference_words(text: str) -> list[str]:
    found, word = [], ""
    for ch in text.lower():
        if ch.isalnum():
            word += ch
        elif word:
            found.append(word)
            word = ""
    return found + [word] if word else found


def reference_ngrams(text: str, n: int = 8) -> list[str]:
    w = reference_words(text)
    return [" ".join(w[i : i + n]) for i in range(len(w) - n + 1)]


# n-grams ------------------------------------------------------------------------------


def test_text_is_normalised_to_lower_cased_alphanumeric_words_and_single_spaces():
    text = "Hello, World!  It's 2017 -- the_end; naïve café\tÜBER\n\nline"
    assert grams.normalise(text) == "hello world it s 2017 the end naïve café über line"
    assert grams.words(text) == reference_words(text)
    assert grams.ngrams("one two three four", 3) == ["one two three", "two three four"]
    assert grams.ngrams("seven words are not enough for eight", 8) == []
    assert grams.ngrams("A b, C d e F g h I", 8) == ["a b c d e f g h", "b c d e f g h i"]


def test_ngram_hashes_are_stable_and_distinct():
    text = "the river runs past the old mill and under the stone bridge before it reaches the town"
    hashes = grams.ngram_hashes(text)
    assert hashes.shape == (len(grams.ngrams(text)), 2) and hashes.dtype == np.uint64
    assert np.array_equal(hashes, grams.ngram_hashes(text.upper().replace(" ", "  ")))  # normalised first
    assert len({tuple(row) for row in hashes.tolist()}) == len(set(grams.ngrams(text)))
    # Fixed by xxh3-128 of the n-gram's UTF-8 bytes: the same on every machine and run.
    assert grams.hash_strings(["a b c d e f g h"]).tolist() == grams.hash_strings(["a b c d e f g h"]).tolist()


def test_a_documents_words_are_never_more_than_its_gpt2_tokens():
    """The filter is sized from the train split's token count: that bounds its n-grams."""
    encoding = gpt2_encoding()
    texts = ["Hello world", "It's 1,234.5 km-long -- naïve café!", "abc123def 456", "don't  stop\n\nnow_or never",
             "日本語のテキスト", "x" * 50 + " y2k", "a.b.c.d.e"]
    for text in texts:
        assert len(grams.words(text)) <= len(encoding.encode_ordinary(text)), text


# The Bloom filter ---------------------------------------------------------------------


def test_the_filter_is_sized_as_the_textbook_says():
    spec = BloomSpec.sized(1_000_000, 1e-8)
    assert spec.hashes == 27 and spec.parts == 1
    assert spec.bits / 1_000_000 == pytest.approx(-math.log(1e-8) / math.log(2) ** 2, rel=1e-6)  # 38.3 bits each
    assert spec.expected_fp_rate(1_000_000) == pytest.approx(1e-8, rel=0.01)
    parted = BloomSpec.sized(1_000_000, 1e-8, max_part_bits=10_000_000)
    assert parted.parts == 4 and parted.bits * 4 >= spec.bits and parted.hashes == 27
    with pytest.raises(ValueError, match="false positive rate"):
        BloomSpec.sized(10, 0)


def random_hashes(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**64, size=(count, 2), dtype=np.uint64)


def test_the_filter_never_forgets_and_rarely_imagines():
    spec = BloomSpec.sized(20_000, 1e-3)
    bloom = BloomFilter(spec)
    present, absent = random_hashes(20_000, 0), random_hashes(200_000, 1)
    bloom.add(present)
    assert bloom.contains(present).all() and bloom.items == 20_000
    false_positives = int(bloom.contains(absent).sum())
    assert 100 < false_positives < 320  # 1e-3 of 200,000 is 200; a wide band for chance
    assert bloom.fp_rate() == pytest.approx(1e-3, rel=0.15)


def test_partial_filters_merge_into_the_filter_built_at_once():
    spec = BloomSpec.sized(10_000, 1e-6)
    hashes = random_hashes(10_000, 2)
    whole = BloomFilter(spec)
    whole.add(hashes)
    # Small builders keep hashes; big ones have set their bits; merging mixes both kinds.
    small, big, other = BloomBuilder(spec).add(hashes[:10]), BloomBuilder(spec).add(hashes[10:9000]), BloomBuilder(spec)
    assert small.filter is None and small.pending_items == 10 and big.filter is not None
    other.add(hashes[9000:])
    merged = small.merge(big).merge(other).build()
    assert np.array_equal(merged.bits, whole.bits) and merged.items == 10_000


def test_parts_split_the_hashes_evenly_and_completely():
    spec = BloomSpec.sized(100_000, 1e-8, max_part_bits=500_000)
    hashes = random_hashes(100_000, 3)
    parts = spec.split(hashes)
    assert sorted(parts) == list(range(spec.parts))
    assert sum(len(h) for h in parts.values()) == 100_000
    assert max(len(h) for h in parts.values()) < 1.2 * 100_000 / spec.parts


def test_an_exact_set_says_which_sets_hold_an_ngram_and_never_imagines():
    a, b = grams.hash_strings(["a b", "c d", "e f"]), grams.hash_strings(["c d", "x y"])
    held = NgramSetBuilder().add(a, 0).merge(NgramSetBuilder().add(b, 1).add(b[:1], 1)).build()
    assert len(held) == 4  # "c d" is in both sets, and twice in the second: one n-gram
    rows, labels = held.matches(grams.hash_strings(["x y", "c d", "zz", "a b"]))
    assert list(zip(rows.tolist(), labels.tolist())) == [(0, 1), (1, 0), (1, 1), (3, 0)]
    present, absent = random_hashes(20_000, 4), random_hashes(200_000, 5)
    big = NgramSet(present)
    assert big.contains(present).all() and not big.contains(absent).any()
    # Rows sharing their first half are told apart by the second.
    twins = np.array([[7, 1], [7, 2]], dtype=np.uint64)
    assert NgramSet(twins[:1]).contains(twins).tolist() == [True, False]
    assert not NgramSetBuilder().build().contains(present).any()


def test_exact_parts_split_as_the_filter_does():
    spec = ExactSpec.sized(1_000_000, max_part_bytes=4 * 2**20)
    hashes = random_hashes(10_000, 6)
    assert spec.parts == 4 and {p: len(h) for p, h in spec.split(hashes).items()} == {
        p: len(h) for p, h in BloomSpec(bits=8, hashes=1, parts=4).split(hashes).items()}


# Evaluation files ---------------------------------------------------------------------


def test_eval_files_are_read_in_three_formats(tmp_path):
    (tmp_path / "wiki.test.tokens").write_text("one text\nover lines\n")
    (tmp_path / "set.jsonl").write_text('{"text": "first"}\n\n{"text": "second", "id": 2}\n')
    pq.write_table(pa.table({"passage": ["a", None, "b"]}), tmp_path / "set.parquet")
    assert eval_sets.read_texts(str(tmp_path / "wiki.test.tokens")) == ["one text\nover lines\n"]
    assert eval_sets.read_texts(str(tmp_path / "set.jsonl")) == ["first", "second"]
    assert eval_sets.read_texts(str(tmp_path / "set.parquet"), "passage") == ["a", "b"]
    assert [eval_sets.set_name(p) for p in ("d/wiki.test.tokens", "d/lambada_test.jsonl", "x.parquet", "t.txt")] == [
        "wiki.test.tokens", "lambada_test", "x", "t"]


def test_the_report_section_is_replaced_not_repeated():
    results = {"n": 8, "fp_rate": 1e-8, "sets": [{"name": "a", "ngrams": 200, "in_train": 3}],
               "bloom": {"bits": 383, "hashes": 27, "parts": 1, "sized_for": 10, "items": 9, "fp_rate": 1e-12}}
    once = report.replace_section("# Report\n\ntext\n\n## Later\n\nmore\n", report.markdown_section(results))
    assert "| a | 200 | 3 | 1.50% |" in once
    again = report.replace_section(once, report.markdown_section({**results, "sets": [{**results["sets"][0], "in_train": 4}]}))
    assert again.count("## 8-gram overlap") == 1 and "| a | 200 | 4 | 2.00% |" in again and "## Later" in again


# The command on the bundled sample ----------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("sample")
    collect.run(["--out", str(out), "--progress-s", "0"])
    return str(out)


def split_texts(out: str, split: str) -> list[str]:
    return [doc["text"] for doc in shard_format.iter_documents(out, split)]


# Passages of the sample's train articles, copied whole (and one cut mid-sentence), with
# text no article holds between them; and text of the same kind that no article holds.
UNSEEN = ("Quantum chromodynamics describes the strong interaction between quarks and gluons, which make up "
          "hadrons such as the proton, the neutron and the pion. Penguins are a group of aquatic flightless "
          "birds living almost only in the Southern Hemisphere, especially in Antarctica; the emperor penguin "
          "is the tallest and heaviest of all living penguin species.")


@pytest.fixture(scope="module")
def eval_files(sample, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("evals")
    train = split_texts(sample, "train")
    copied = [train[3][:700], "An aside no article holds, about lighthouses on granite islands far out at sea.",
              train[10], train[25][100:900]]
    (folder / "copied.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in copied))
    pq.write_table(pa.table({"text": [UNSEEN, UNSEEN.upper()]}), folder / "unseen.parquet")
    return {"copied": (str(folder / "copied.jsonl"), copied), "unseen": (str(folder / "unseen.parquet"), [UNSEEN] * 2)}


def expected_shares(sample: str, eval_files: dict) -> dict[str, tuple[int, int]]:
    """(n-grams, found in train) per set, from the definition: a set of strings, counted per position."""
    train = {gram for text in split_texts(sample, "train") for gram in reference_ngrams(text)}
    sets = {name: texts for name, (_, texts) in eval_files.items()} | {VAL_SET: split_texts(sample, "val")}
    expected = {}
    for name, texts in sets.items():
        positions = [gram for text in texts for gram in reference_ngrams(text)]
        expected[name] = (len(positions), sum(gram in train for gram in positions))
    return expected


def test_the_overlap_table_has_the_shares_the_definition_gives(sample, eval_files, capsys):
    """The paper's Bloom filter (--exact-max-mib 0: the sample is small enough for an exact set)."""
    paths = [path for path, _ in eval_files.values()]
    assert command.main([sample, "--eval", *paths, "--exact-max-mib", "0"]) == 0
    printed = capsys.readouterr().out
    with open(f"{sample}/overlap.json") as f:
        results = json.load(f)
    got = {s["name"]: (s["ngrams"], s["in_train"]) for s in results["sets"]}
    expected = expected_shares(sample, eval_files)
    assert got == expected
    copied, unseen, val = expected["copied"], expected["unseen"], expected[VAL_SET]
    assert unseen[1] == 0 and unseen[0] == 2 * len(reference_ngrams(UNSEEN))
    assert 0.85 < copied[1] / copied[0] < 1  # all but the aside and the seams around it
    print(f"\ncopied {copied[1]}/{copied[0]} = {copied[1] / copied[0]:.2%}; unseen 0/{unseen[0]}; "
          f"val {val[1]}/{val[0]} = {val[1] / val[0]:.2%}")
    for name, (total, found) in expected.items():
        assert f"{name}" in printed and f"{100 * found / total:.2f}%" in printed
    bloom = results["bloom"]
    train_tokens = shard_format.load_manifest(sample)["totals"]["train"]["tokens"]
    assert bloom["sized_for"] == train_tokens and bloom["items"] <= train_tokens and bloom["hashes"] == 27
    assert bloom["items"] == sum(len(reference_ngrams(t)) for t in split_texts(sample, "train"))
    assert bloom["fp_rate"] < 1e-8 and results["method"] == "bloom" and "Bloom filter over" in printed
    with open(f"{sample}/{layout.REPORT}") as f:
        markdown = f.read()
    assert markdown.count("## 8-gram overlap with the train split") == 1
    assert f"| copied | {copied[0]:,} | {copied[1]:,} | {100 * copied[1] / copied[0]:.2f}% |" in markdown
    card = Path(sample, layout.CARD).read_text()  # the dataset card has the same table, once
    assert card.count("## 8-gram overlap with the train split") == 1 and card.startswith("---\n")
    assert f"| copied | {copied[0]:,} | {copied[1]:,} | {100 * copied[1] / copied[0]:.2f}% |" in card


def test_small_train_splits_get_an_exact_set_with_the_definitions_counts(sample, eval_files, capsys):
    paths = [path for path, _ in eval_files.values()]
    assert command.main([sample, "--eval", *paths]) == 0  # the sample's 50k train tokens: 0.8 MiB exact
    printed = capsys.readouterr().out
    results = json.loads(Path(sample, layout.OVERLAP).read_text())
    assert results["method"] == "exact" and "bloom" not in results
    assert {s["name"]: (s["ngrams"], s["in_train"]) for s in results["sets"]} == expected_shares(sample, eval_files)
    distinct = {gram for text in split_texts(sample, "train") for gram in reference_ngrams(text)}
    assert results["exact"]["items"] == len(distinct) and results["exact"]["parts"] == 1
    assert f"Exact set of {len(distinct):,} distinct train 8-grams" in printed
    assert "Exact set of" in Path(sample, layout.REPORT).read_text()


@pytest.mark.parametrize("method", ["bloom", "exact"])
def test_a_filter_in_parts_counts_the_same(sample, eval_files, tmp_path, method):
    """The Beam transform with the filter (or exact set) cut in three parts: the same counts as in one."""
    evals = {name: path for name, (path, _) in eval_files.items()}
    train_tokens = shard_format.load_manifest(sample)["totals"]["train"]["tokens"]
    spec = (BloomSpec.sized(train_tokens, 1e-8, max_part_bits=train_tokens * 14) if method == "bloom"
            else ExactSpec.sized(train_tokens, max_part_bytes=train_tokens * 6))
    assert spec.parts == 3
    method, shape = command.describe_spec(spec)
    settings = {"n": 8, "fp_rate": 1e-8, "sized_for": train_tokens, "sets": list(evals), "method": method,
                "spec": shape}
    pipeline = make_pipeline("direct", 1, [])
    _ = pipeline | Overlap(sample, evals, "text", 8, spec, str(tmp_path / "overlap.json"), settings)
    pipeline.run().wait_until_finish()
    results = json.loads((tmp_path / "overlap.json").read_text())
    assert {s["name"]: (s["ngrams"], s["in_train"]) for s in results["sets"]} == expected_shares(sample, eval_files)
    assert results[method]["parts"] == 3


# Mistakes: one line, exit status 2 ---------------------------------------------------------


def test_mistakes_are_one_line(sample, eval_files, tmp_path, capsys):
    copied = eval_files["copied"][0]
    (tmp_path / "bad.jsonl").write_text('{"text": "fine"}\nnot json\n')
    (tmp_path / "short.txt").write_text("only five words in here")
    (tmp_path / "empty").mkdir()
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "body.parquet")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "copied.jsonl").write_text(Path(copied).read_text())
    cases = [
        ([sample], "the following arguments are required: --eval"),
        ([sample, "--eval", str(tmp_path / "missing.txt")], f"--eval: {tmp_path}/missing.txt:"),
        ([sample, "--eval", str(tmp_path / "bad.jsonl")], f"--eval: {tmp_path}/bad.jsonl:2: not JSON"),
        ([sample, "--eval", str(tmp_path / "body.parquet")], f"--eval: {tmp_path}/body.parquet: no 'text' column"),
        ([sample, "--eval", str(tmp_path / "short.txt")], f"--eval: {tmp_path}/short.txt: no 8-gram in it"),
        ([sample, "--eval", copied, str(tmp_path / "other" / "copied.jsonl")], "--eval: "),
        ([str(tmp_path / "empty"), "--eval", copied], f"{tmp_path}/empty: no manifest.json in it"),
        ([sample, "--eval", copied, "--fp-rate", "2"], "--fp-rate must be in (0, 1)"),
        ([sample, "--eval", copied, "--fp", "0.1"], "unrecognized arguments: --fp 0.1"),
    ]
    for args, says in cases:
        assert run_command(command.PROG, lambda: command.main(args)) == 2, args
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"{command.PROG}: error: {says}"), line


def test_layering_of_the_overlap_modules():
    """The rules import no Beam and no command; the command is imported by nothing (tests/test_layers.py's
    rules, for these modules: webtext.overlap is a command, like webtext.collect)."""
    from tests.test_layers import modules, offending

    rules = {m: i for m, i in modules("webtext").items() if m.startswith("webtext.ngrams")}
    assert rules and offending(rules, ("apache_beam", "torch", "pipelines", "model", "webtext.overlap")) == {}
    everything = {**modules("webtext"), **modules("pipelines"), **modules("model")}
    assert offending({m: i for m, i in everything.items() if m != "webtext.overlap"}, ("webtext.overlap",)) == {}
    assert offending({"pipelines.stages.overlap": modules("pipelines")["pipelines.stages.overlap"]}, ("torch", "model")) == {}
