"""The dataset as users keep it: verified, exported, and read by other tools."""

import hashlib
import json
import shutil

import numpy as np
import pyarrow as pa
import pytest

from webtext import collect, export, layout, verify
from webtext.cli import UsageError
from webtext.records import Document, TokenizedDocument
from webtext.shards import shard_format, tokens


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("dataset")
    collect.run(["--out", str(out)])
    return out


def _copy(dataset, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(dataset, copy)
    return copy


def test_a_fresh_dataset_verifies(dataset, capsys):
    assert verify.main([str(dataset)]) == 0
    assert capsys.readouterr().out.startswith("OK: 2 shards, 98 documents")


def test_verification_catches_a_corrupted_shard(dataset, tmp_path, capsys):
    copy = _copy(dataset, tmp_path)
    shard = copy / shard_format.load_manifest(str(copy))["shards"][0]["name"]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    assert verify.main([str(copy)]) == 1
    assert "sha256 differs" in capsys.readouterr().out


def test_verification_catches_a_manifest_that_lies(dataset, tmp_path):
    copy = _copy(dataset, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    entry = manifest["shards"][0]
    entry["tokens"] += 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    (copy / "shards" / "train-00001-of-00002.arrow").write_bytes(b"stale")
    problems, _ = verify.verify(str(copy))
    assert any("the manifest says" in p for p in problems)
    assert any("not in the manifest" in p for p in problems)


def test_nanogpt_export_holds_every_token_in_manifest_order(dataset, tmp_path):
    written = export.export_nanogpt(str(dataset), str(tmp_path / "nanogpt"))
    for split in shard_format.SPLITS:
        data = np.memmap(tmp_path / "nanogpt" / f"{split}.bin", dtype=np.uint16, mode="r")
        expected = np.concatenate([shard_format.token_array(p) for p in shard_format.shard_paths(str(dataset), split)])
        assert written[split] == len(data) and (data == expected).all()
    text = tokens.gpt2_encoding().decode(data[: int(np.argmax(data == 50256))].tolist())
    assert text == next(shard_format.iter_documents(str(dataset), "val"))["text"]


def split_stream(dataset, split: str) -> np.ndarray:
    """Every token of a split's Arrow shards, back to back, as the manifest orders them."""
    return np.concatenate([shard_format.token_array(p) for p in shard_format.shard_paths(str(dataset), split)])


def load_llmc_shard(path) -> np.ndarray:
    """A shard as llm.c's train_gpt2.py reads one: 256 int32 of header (magic, version, count), uint16 tokens."""
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(256 * 4), dtype=np.int32)
        assert header[0] == 20240520, "magic number mismatch in the data .bin file"
        assert header[1] == 1, "unsupported version"
        tokens = np.frombuffer(f.read(), dtype=np.uint16)
    assert len(tokens) == header[2], "number of tokens read does not match header"
    return tokens


def test_llmc_export_reads_back_as_the_shards_token_stream(dataset, tmp_path):
    export.export_llmc(str(dataset), str(tmp_path / "llmc"), shard_tokens=20_000)
    for split in shard_format.SPLITS:
        files = sorted((tmp_path / "llmc").glob(f"webtext_{split}_*.bin"))
        stream = split_stream(dataset, split)
        assert len(files) == -(-len(stream) // 20_000)  # full shards of 20,000, the last one the rest
        assert (np.concatenate([load_llmc_shard(f) for f in files]) == stream).all()


def test_megatron_export_reads_back_in_megatron_cores_indexed_dataset(dataset, tmp_path):
    import warnings

    with warnings.catch_warnings():  # "Transformer Engine and Apex are not installed": nothing to do with data
        warnings.simplefilter("ignore")
        from megatron.core.datasets.indexed_dataset import IndexedDataset

    export.main(["megatron", str(dataset), "--dest", str(tmp_path / "megatron")])
    for split in shard_format.SPLITS:
        documents = [row["tokens"] for row in shard_format.iter_documents(str(dataset), split)]
        read = IndexedDataset(str(tmp_path / "megatron" / f"webtext_{split}_text_document"))
        assert len(read) == len(documents) and (read.document_indices == np.arange(len(documents) + 1)).all()
        assert all((read[i] == doc).all() for i, doc in enumerate(documents))
        assert (np.concatenate([read[i] for i in range(len(read))]) == split_stream(dataset, split)).all()


def test_nanogpt_export_refuses_tokens_that_do_not_fit_uint16(tmp_path):
    doc = Document("https://a.com/x", "a.com", "", "hello", "en", 1, 5, 5, 1, ["news"])
    data, n_docs, n_tokens = shard_format.shard_bytes([TokenizedDocument(doc, [100_000, 100_257])], np.uint32)
    (tmp_path / "shards").mkdir()
    (tmp_path / layout.shard("train", 0, 1)).write_bytes(data)
    info = {"name": layout.shard("train", 0, 1), "split": "train", "documents": n_docs, "tokens": n_tokens,
            "sha256": hashlib.sha256(data).hexdigest()}
    manifest = shard_format.build_manifest([info], {"val_fraction": 0.0}, tokens.describe(tokens.get_encoding("cl100k_base")), {}, "t")
    (tmp_path / layout.MANIFEST).write_text(json.dumps(manifest))
    assert shard_format.token_array(str(tmp_path / info["name"])).tolist() == [100_000, 100_257]
    assert verify.verify(str(tmp_path))[0] == []
    with pytest.raises(ValueError, match="uint16"):
        export.export_nanogpt(str(tmp_path), str(tmp_path / "nanogpt"))


def _shard_files(dataset):
    return [str(dataset / s["name"]) for s in shard_format.load_manifest(str(dataset))["shards"]]


def test_shards_load_in_hugging_face_datasets(dataset, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from datasets import load_dataset

    manifest = shard_format.load_manifest(str(dataset))
    loaded = load_dataset("arrow", data_files={"train": _shard_files(dataset)}, split="train",
                          cache_dir=str(dataset.parent / "hf-cache"))
    assert loaded.num_rows == sum(s["documents"] for s in manifest["shards"])
    assert sum(len(t) for t in loaded["tokens"]) == sum(s["tokens"] for s in manifest["shards"])


def test_shards_load_in_polars(dataset):
    import polars as pl

    frame = pl.concat([pl.read_ipc(path) for path in _shard_files(dataset)])
    assert frame.height == 98 and frame["tokens"].dtype == pl.List(pl.UInt16)
    assert frame.filter(pl.col("domain").str.contains("wikipedia")).height == 0


def test_shards_query_in_duckdb(dataset):
    import duckdb

    connection = duckdb.connect()
    connection.register("shards", pa.concat_tables(pa.ipc.open_file(path).read_all() for path in _shard_files(dataset)))
    [(documents, tokens_total, domains)] = connection.sql(
        "select count(*), sum(len(tokens)), count(distinct domain) from shards").fetchall()
    manifest = shard_format.load_manifest(str(dataset))
    assert (documents, tokens_total) == (98, sum(s["tokens"] for s in manifest["shards"]))
    assert domains > 5


def test_manifest_is_byte_identical_across_runs_and_worker_counts(dataset, tmp_path):
    again = tmp_path / "again"
    collect.run(["--out", str(again), "--workers", "2"])
    assert (again / "manifest.json").read_bytes() == (dataset / "manifest.json").read_bytes()
    for entry in shard_format.load_manifest(str(dataset))["shards"]:
        assert (again / entry["name"]).read_bytes() == (dataset / entry["name"]).read_bytes()


def _rewrite_train_shard(copy, change) -> None:
    """The copy's train shard with its rows passed through change(rows), and the manifest made to match."""
    manifest = shard_format.load_manifest(str(copy))
    entry = next(s for s in manifest["shards"] if s["split"] == "train")
    path = copy / entry["name"]
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    rows = change(table.to_pylist())
    batch = pa.Table.from_pylist(rows, schema=table.schema).combine_chunks().to_batches()[0]
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_batch(batch)
    entry.update(documents=len(rows), tokens=sum(len(r["tokens"]) for r in rows),
                 sha256=hashlib.sha256(path.read_bytes()).hexdigest(), bytes=path.stat().st_size)
    manifest["totals"]["train"].update(documents=entry["documents"], tokens=entry["tokens"])
    (copy / layout.MANIFEST).write_text(json.dumps(manifest))


def test_verify_against_an_identical_dataset_says_so(dataset, capsys):
    assert verify.main([str(dataset), "--against", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert "shards: sha256-equal" in out and "documents: 98 of 98 identical (98 before); 0 changed, 0 gone, 0 new" in out


def test_verify_against_names_each_document_that_changed_went_or_came(dataset, tmp_path, capsys):
    copy = _copy(dataset, tmp_path)
    edited = {}

    def change(rows):
        edited.update(changed=rows[0]["url"], gone=rows[1]["url"], new=rows[2]["url"] + "-new")
        rows[0]["text"] += " An added sentence."
        rows[0]["tokens"] = rows[0]["tokens"][:-1] + [13, 50256]
        rows[2] = {**rows[2], "url": edited["new"]}
        return [rows[0]] + rows[2:]

    _rewrite_train_shard(copy, change)
    assert verify.main([str(copy), "--against", str(dataset)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("OK: 2 shards, 97 documents")  # the copy itself is sound
    assert "shards: differ" in out and "val-00000-of-00001.arrow: same" in out
    assert "documents: 95 of 97 identical (98 before); 1 changed, 2 gone, 1 new" in out
    assert f"    {edited['changed']}: text, tokens\n" in out
    gone = out.split("  gone:\n")[1].split("  new:\n")
    assert edited["gone"] in gone[0] and edited["new"] in gone[1]


def test_verify_against_a_folder_that_is_no_dataset_is_one_line(dataset, tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        verify.main([str(dataset), "--against", str(tmp_path / "missing")])
