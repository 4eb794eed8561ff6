"""The whole flow through real Beam: the bundled sample, live fetching, stages.

The sample's expected counts come from how webtext.sample.make built it, not
from running the pipeline, so each equality below checks a rule end to end.
"""

import gzip
import hashlib
import json
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import Route
from webtext import collect, environment
from webtext.cli import UsageError
from webtext.run import plan
from webtext.sample import make
from webtext.sample.make import GOOD, SITES
from webtext.sample.pages import article_page
from webtext.sample.prose import article
from webtext.shards import shard_format, tokens

EXPECTED = json.loads((resources.files("webtext") / "sample" / "expected.json").read_text())
DROP_PREFIXES = ("skipped:", "dropped:", "failed:", "removed:")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    result = collect.run(["--out", str(out)])
    return out, result["counters"], result["manifest"]


def test_sample_counts_equal_the_expected_ones(sample):
    _, counters, _ = sample
    assert {k: counters.get(k, 0) for k in EXPECTED} == EXPECTED
    drops = {k for k in counters if k.split("/", 1)[1].startswith(DROP_PREFIXES)}
    assert drops <= set(EXPECTED), f"unexpected drop reasons: {drops - set(EXPECTED)}"


def test_a_generated_input_twice_the_sample_reaches_twice_its_counts(tmp_path):
    make.main([str(tmp_path / "input"), "--scale", "2"])
    expected = json.loads((tmp_path / "input" / "expected.json").read_text())
    counters = collect.run(["--dumps", str(tmp_path / "input" / "RS_*"), "--warc", str(tmp_path / "input" / "pages.warc.gz"),
                            str(tmp_path / "out")])["counters"]
    assert {k: counters.get(k, 0) for k in expected} == expected
    assert expected["shards/documents"] == 2 * EXPECTED["shards/documents"]
    assert expected["links/files"] == EXPECTED["links/files"]


def test_manifest_describes_the_shards_on_disk(sample):
    out, counters, manifest = sample
    assert manifest == shard_format.load_manifest(str(out))
    for shard in manifest["shards"]:
        assert hashlib.sha256((out / shard["name"]).read_bytes()).hexdigest() == shard["sha256"]
    totals = manifest["totals"]
    assert totals["train"]["documents"] + totals["val"]["documents"] == counters["shards/documents"] == EXPECTED["shards/documents"]
    assert totals["train"]["tokens"] + totals["val"]["tokens"] == counters["shards/tokens"]
    assert totals["val"]["documents"] > 0
    assert manifest["tokenizer"]["name"] == "gpt2" and manifest["counters"] == counters
    assert manifest["config"]["val_fraction"] == plan.SAMPLE_OVERRIDES["val_fraction"]


def test_the_sample_shards_are_byte_for_byte_the_recorded_ones(sample):
    """Under the lock, the sample's bytes are known: a change of code or of package version that moves them
    is a decision, recorded by updating tests/fixtures/sample_shards.sha256 (.ci/upgrade-lock does it for
    versions, and says which documents changed)."""
    _, _, manifest = sample
    recorded = (Path(__file__).parent / "fixtures" / "sample_shards.sha256").read_text().splitlines()
    drift = environment.warning(environment.lock_differences())
    assert [f"{s['sha256']}  {s['name']}" for s in manifest["shards"]] == recorded, drift or "under the locked versions"


def _all_rows(out: Path) -> list[dict]:
    return [row for split in shard_format.SPLITS for row in shard_format.iter_documents(str(out), split)]


def test_shards_decode_back_to_the_sample_articles(sample):
    out, _, _ = sample
    by_url = {row["url"]: row for row in _all_rows(out)}
    enc = tokens.gpt2_encoding()
    found = 0
    for i in range(GOOD):
        story = article(i)
        rows = [r for url, r in by_url.items() if url.endswith(f"/story-{i}")]
        if rows:
            text = enc.decode(rows[0]["tokens"][:-1].tolist())
            assert all(paragraph in text for paragraph in story.paragraphs)
            found += 1
    assert found == GOOD


def test_no_wikipedia_reddit_or_media_reaches_the_shards(sample):
    out, _, _ = sample
    domains = {row["domain"] for row in _all_rows(out)}
    assert domains <= {d for d in SITES}
    assert all(row["karma"] >= 3 and row["created_utc"] < 1514764800 for row in _all_rows(out))


def test_of_each_duplicate_the_copy_with_most_karma_is_kept(sample):
    out, _, _ = sample
    duplicates = pq.read_table(out / "duplicates.parquet").to_pylist()
    documents = {d["url"]: d for d in pq.read_table(out / "documents.parquet").to_pylist()}
    written = {row["url"] for row in _all_rows(out)}
    assert sorted(d["kind"] for d in duplicates) == ["exact"] * 4 + ["near"] * 4
    for dup in duplicates:
        removed, kept = documents[dup["url"]], documents[dup["duplicate_of"]]
        assert dup["url"] not in written and dup["duplicate_of"] in written
        assert (-kept["karma"], kept["created_utc"]) < (-removed["karma"], removed["created_utc"])
        assert dup["similarity"] >= 0.5


def test_stage_tables_are_written(sample):
    out, counters, _ = sample
    assert pq.read_table(out / "links.parquet").num_rows == counters["links/kept"]
    assert len((out / "links.txt").read_text().split()) == counters["links/kept"]
    pages = pq.read_table(out / "pages.parquet").to_pylist()
    assert len(pages) == counters["links/kept"]
    assert sum(p["error"] == "not_in_warc" for p in pages) == EXPECTED["fetch/failed:not_in_warc"]


def test_the_same_inputs_give_the_same_shards_with_two_worker_processes(sample, tmp_path):
    out, _, manifest = sample
    again = collect.run(["--out", str(tmp_path), "--workers", "2"])["manifest"]
    assert [s["sha256"] for s in again["shards"]] == [s["sha256"] for s in manifest["shards"]]


def test_until_stops_after_a_stage(tmp_path):
    result = collect.run(["--out", str(tmp_path), "--until", "links"])
    assert result["manifest"] is None and not (tmp_path / "manifest.json").exists()
    assert pq.read_table(tmp_path / "links.parquet").num_rows == EXPECTED["links/kept"]
    assert "fetch/fetched:warc" not in result["counters"]


def test_live_fetching_from_a_dump(http_server, tmp_path):
    base, routes = http_server
    records = []
    for i in range(3):
        routes[f"/story/{i}"] = Route(article_page(article(900 + i), "Local News", 2017, [], seed=i))
        records.append({"id": f"l{i}", "url": f"{base}/story/{i}", "score": 10 + i, "created_utc": 1500000000 + i})
    records.append({"id": "l9", "url": f"{base}/gone", "score": 50, "created_utc": 1500000000})
    dump = tmp_path / "RS_2017-06.gz"
    dump.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    result = collect.run(["--dumps", str(dump), "--out", str(tmp_path / "out"), "--allow-loopback", "--pages", "live"])
    counters = result["counters"]
    assert counters["fetch/fetched:live"] == 3 and counters["fetch/failed:http_404"] == 1
    assert counters["shards/documents"] == 3
    # Not the sample's split: a real run keeps GPT-2-scale defaults.
    assert result["manifest"]["config"]["val_fraction"] == 0.01


def test_unknown_until_and_missing_dumps_are_clear_errors(tmp_path):
    with pytest.raises(UsageError, match="--until: invalid choice"):
        collect.run(["--until", "nowhere"])
    with pytest.raises(UsageError, match="--dumps .* matches no file"):
        collect.run(["--dumps", str(tmp_path / "RS_*.zst"), "--out", str(tmp_path)])


def test_a_tiny_gpt_learns_from_the_sample_shards(sample, tmp_path, capsys):
    from model import sample as sampler
    from model import train

    out, _, _ = sample
    gpt_out = tmp_path / "gpt"
    train.main(["--data", str(out), "--out", str(gpt_out), "--steps", "30", "--batch-size", "4",
                "--block-size", "64", "--lr", "3e-3", "--warmup-steps", "5", "--log-interval", "5"])
    log = [json.loads(line) for line in (gpt_out / "log.jsonl").read_text().splitlines()]
    losses = [e["train_loss"] for e in log if "train_loss" in e]
    assert losses[0] > 10.0 and losses[-1] < losses[0] - 3.0
    assert [e["val_loss"] for e in log if "val_loss" in e][-1] < losses[0] - 3.0
    capsys.readouterr()
    sampler.main(["--ckpt", str(gpt_out / "ckpt.pt"), "--prompt", "The city council", "--max-new-tokens", "20"])
    printed = capsys.readouterr().out
    assert printed.startswith("The city council") and len(printed) > len("The city council") + 10
