"""Arrow IPC shards: deterministic bytes, zero-copy tokens, stable splits."""

import json
import random

import numpy as np
import pyarrow as pa

from webtext import layout
from webtext.records import Document, TokenizedDocument
from webtext.sample.prose import article
from webtext.shards import shard_format, tokens


def _tokenized(n: int) -> list[TokenizedDocument]:
    enc = tokens.gpt2_encoding()
    docs = []
    for i in range(n):
        text = article(i).text
        doc = Document(f"https://a.com/{i}", "a.com", f"T{i}", text, "en", 1, i, i, 1500000000 + i, ["news"])
        docs.append(TokenizedDocument(doc, tokens.encode_documents(enc, [text])[0]))
    return docs


def _write(folder, docs) -> dict:
    data, n_docs, n_tokens = shard_format.shard_bytes(docs)
    name = layout.shard("train", 0, 1)
    (folder / "shards").mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    info = {"name": name, "split": "train", "documents": n_docs, "tokens": n_tokens, "sha256": shard_format.sha256_hex(data)}
    manifest = shard_format.build_manifest([info], {}, tokens.describe(tokens.gpt2_encoding()), {}, "test")
    (folder / layout.MANIFEST).write_text(json.dumps(manifest))
    return info


def test_shard_bytes_do_not_depend_on_document_order():
    docs = _tokenized(6)
    shuffled = docs[:]
    random.Random(1).shuffle(shuffled)
    assert shard_format.shard_bytes(docs)[0] == shard_format.shard_bytes(shuffled)[0]


def test_text_round_trips_through_a_shard(tmp_path):
    docs = _tokenized(4)
    info = _write(tmp_path, docs)
    assert info["tokens"] == sum(len(d.tokens) for d in docs)
    rows = list(shard_format.iter_documents(str(tmp_path), "train"))
    assert [r["url"] for r in rows] == sorted(d.document.url for d in docs)
    for row in rows:
        assert row["tokens"][-1] == 50256
        assert tokens.gpt2_encoding().decode(row["tokens"][:-1].tolist()) == row["text"]


def test_the_token_array_is_a_zero_copy_memory_map(tmp_path):
    docs = _tokenized(3)
    _write(tmp_path, docs)
    [path] = shard_format.shard_paths(str(tmp_path), "train")
    flat = shard_format.token_array(path)
    assert flat.dtype == np.uint16 and not flat.flags.owndata and not flat.flags.writeable
    assert flat.tolist() == [t for d in sorted(docs, key=lambda d: d.document.url) for t in d.tokens]


def test_shards_are_plain_arrow_files(tmp_path):
    _write(tmp_path, _tokenized(2))
    table = pa.ipc.open_file(str(tmp_path / layout.shard("train", 0, 1))).read_all()
    assert table.schema == shard_format.schema(np.uint16) and table.num_rows == 2


def test_split_and_shard_depend_only_on_the_url():
    urls = [f"https://a.com/{i}" for i in range(20000)]
    val = [u for u in urls if shard_format.split_of(u, 0.1) == "val"]
    assert 0.08 < len(val) / len(urls) < 0.12
    assert val == [u for u in urls if shard_format.split_of(u, 0.1) == "val"]
    assert all(shard_format.split_of(u, 0.0) == "train" for u in urls[:100])
    counts = np.bincount([shard_format.shard_index(u, 4) for u in urls], minlength=4)
    assert counts.min() > 0.9 * len(urls) / 4
    assert shard_format.shard_count(0, 100) == 1 and shard_format.shard_count(250, 100) == 3
