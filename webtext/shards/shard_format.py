"""Token shards: Arrow IPC files plus a manifest, and the API to read them.

A shard is one Arrow record batch, so its `tokens` column's values are one flat
array (uint16 for GPT-2, uint32 for larger vocabularies): training memory-maps
the file and reads windows from that array without a copy. Which split and
which shard a document lands in depends only on a hash of its URL, so the same
inputs give the same shards on any runner. Paths may be local or any URI
pyarrow.fs knows (gs://, s3://).
"""

import hashlib
import json
import math
import os
from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs

from webtext import layout
from webtext.cli import UsageError
from webtext.records import TokenizedDocument

FORMAT = "webtext-shards/1"
SPLITS = ("train", "val")

METADATA_COLUMNS = [
    ("url", pa.string()),
    ("domain", pa.string()),
    ("subreddit", pa.string()),
    ("karma", pa.int64()),
    ("created_utc", pa.int64()),
    ("title", pa.string()),
    ("text", pa.string()),
]


def schema(dtype=np.uint16) -> pa.Schema:
    """The shard schema for a token dtype (see webtext.shards.tokens.token_dtype)."""
    return pa.schema(METADATA_COLUMNS + [("tokens", pa.list_(pa.from_numpy_dtype(np.dtype(dtype))))])



def _url_hash(url: str) -> bytes:
    return hashlib.sha256(url.encode("utf-8")).digest()


def split_of(url: str, val_fraction: float) -> str:
    """'val' for a stable val_fraction of URLs, 'train' for the rest."""
    position = int.from_bytes(_url_hash(url)[:8], "big") / 2**64
    return "val" if position < val_fraction else "train"


def shard_count(tokens: int, shard_tokens: int) -> int:
    return max(1, math.ceil(tokens / shard_tokens))


def shard_index(url: str, count: int) -> int:
    # Different hash bytes from split_of, so shards are not skewed by the split.
    return int.from_bytes(_url_hash(url)[8:16], "big") % count


def shard_bytes(docs: Iterable[TokenizedDocument], dtype=np.uint16) -> tuple[bytes, int, int]:
    """One shard's Arrow IPC file (rows sorted by URL): bytes, documents, tokens."""
    rows = sorted(docs, key=lambda d: d.document.url)
    token_lists = [np.asarray(d.tokens, dtype=dtype) for d in rows]
    offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum([len(t) for t in token_lists], out=offsets[1:])
    flat = np.concatenate(token_lists) if token_lists else np.zeros(0, dtype)
    columns = {
        "url": [d.document.url for d in rows],
        "domain": [d.document.domain for d in rows],
        "subreddit": [d.document.subreddits[0] if d.document.subreddits else "" for d in rows],
        "karma": [d.document.karma for d in rows],
        "created_utc": [d.document.created_utc for d in rows],
        "title": [d.document.title for d in rows],
        "text": [d.document.text for d in rows],
    }
    shard_schema = schema(dtype)
    arrays = [pa.array(columns[name], type=type_) for name, type_ in METADATA_COLUMNS]
    arrays.append(pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat)))
    batch = pa.RecordBatch.from_arrays(arrays, schema=shard_schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, shard_schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes(), len(rows), int(offsets[-1])


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Reading -------------------------------------------------------------------


def join(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}" if "://" in base else os.path.join(base, name)


def open_file(path: str):
    """A readable Arrow file: memory-mapped when local, through pyarrow.fs for URIs."""
    if "://" in path:
        fs, inner = pafs.FileSystem.from_uri(path)
        return fs.open_input_file(inner)
    return pa.memory_map(path, "r")


WHAT_A_DATASET_IS = f"a dataset is the folder python -m webtext.collect writes (it holds {layout.MANIFEST})"


def dataset_problem(out_dir: str) -> str | None:
    """What makes out_dir (when local) no dataset folder, or None."""
    if "://" in out_dir:
        return None  # remote: the first read says what is wrong
    if not os.path.isdir(out_dir):
        return f"{out_dir}: no such folder; {WHAT_A_DATASET_IS}"
    if not os.path.isfile(os.path.join(out_dir, layout.MANIFEST)):
        return f"{out_dir}: no {layout.MANIFEST} in it; {WHAT_A_DATASET_IS}"
    return None


def check_dataset_folder(out_dir: str) -> None:
    """A UsageError unless out_dir is a dataset folder."""
    problem = dataset_problem(out_dir)
    if problem:
        raise UsageError(problem)


def load_manifest(out_dir: str) -> dict:
    with open_file(join(out_dir, layout.MANIFEST)) as f:
        manifest = json.loads(f.read())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{out_dir}: not a {FORMAT} dataset (format={manifest.get('format')!r})")
    return manifest


def shard_files(out_dir: str) -> list[str]:
    """Every *.arrow file under OUT/shards/, as names relative to OUT (local folders only)."""
    folder = os.path.join(out_dir, layout.SHARD_DIR)
    if "://" in out_dir or not os.path.isdir(folder):
        return []
    return sorted(f"{layout.SHARD_DIR}/{name}" for name in os.listdir(folder) if name.endswith(".arrow"))


def shard_paths(out_dir: str, split: str) -> list[str]:
    """The split's shard files, in manifest order."""
    manifest = load_manifest(out_dir)
    return [join(out_dir, s["name"]) for s in manifest["shards"] if s["split"] == split]


def open_shard(path: str) -> pa.RecordBatch:
    """The shard's single record batch, memory-mapped (nothing is read yet)."""
    reader = pa.ipc.open_file(open_file(path))
    if reader.num_record_batches != 1:
        raise ValueError(f"{path}: expected one record batch, found {reader.num_record_batches}")
    return reader.get_batch(0)


def token_array(path: str) -> np.ndarray:
    """Every token of the shard, documents back to back: a zero-copy memory map."""
    tokens = open_shard(path).column("tokens")
    return tokens.values.to_numpy(zero_copy_only=True)


def iter_documents(out_dir: str, split: str) -> Iterator[dict]:
    """Each document of a split as a dict of its columns (tokens as a numpy view)."""
    for path in shard_paths(out_dir, split):
        batch = open_shard(path)
        flat = batch.column("tokens").values.to_numpy(zero_copy_only=True)
        offsets = batch.column("tokens").offsets.to_numpy()
        plain = batch.drop_columns(["tokens"]).to_pylist()
        for i, row in enumerate(plain):
            row["tokens"] = flat[offsets[i] : offsets[i + 1]]
            yield row


def build_manifest(index: list[dict], config: dict, tokenizer: dict, counters: dict, version: str,
                   environment: dict | None = None) -> dict:
    """The dataset's self-description: shards with hashes, totals, how it was made (and with what:
    webtext.environment.describe())."""
    totals = {
        split: {
            "shards": sum(1 for s in index if s["split"] == split),
            "documents": sum(s["documents"] for s in index if s["split"] == split),
            "tokens": sum(s["tokens"] for s in index if s["split"] == split),
        }
        for split in SPLITS
    }
    return {
        "format": FORMAT,
        "pipeline_version": version,
        "tokenizer": tokenizer,
        "token_dtype": tokenizer["dtype"],
        "shards": index,
        "totals": totals,
        "config": config,
        "counters": counters,
        "environment": environment or {},
    }
