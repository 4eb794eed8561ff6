"""Evaluation sets as the overlap report reads them: a file of texts, in one of three formats.

- Parquet (`.parquet`): one text per row, from a column (`text` unless told otherwise).
- JSONL (`.jsonl`, `.ndjson`, `.json`): one JSON object per line, its text in a field.
- Anything else is plain UTF-8 text, the whole file one text (WikiText's wiki.test.tokens,
  PTB's ptb.test.txt, enwik8, text8): n-grams run across its lines, as through the benchmark.

Paths may be local or any URI pyarrow.fs knows (gs://, s3://).
"""

import hashlib
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq

from webtext.ngrams import grams
from webtext.shards.shard_format import open_file

JSONL = (".jsonl", ".ndjson", ".json")
PARQUET = (".parquet",)
PLAIN = (".txt",)  # dropped from a set's name; other plain files keep their whole name (wiki.test.tokens)


def set_name(path: str) -> str:
    """What the report calls the set: the file's name, without a known extension."""
    name = os.path.basename(path.rstrip("/"))
    stem, extension = os.path.splitext(name)
    return stem if extension.lower() in JSONL + PARQUET + PLAIN else name


def named_sets(paths: list[str], field: str, n: int) -> dict[str, str]:
    """{set name: path}, each file read now, so that a bad one is one error before a job starts.

    ValueError (naming the file) for a file that cannot be read, two files of one name, or a
    file without a single n-gram (it could never collide with anything)."""
    named = {}
    for path in paths:
        name = set_name(path)
        if name in named:
            raise ValueError(f"{named[name]} and {path} are both called {name!r}: rename one")
        try:
            texts = read_texts(path, field)
        except OSError as e:
            raise ValueError(f"{path}: {e.strerror or e}") from None
        if not any(len(grams.words(text)) >= n for text in texts):
            raise ValueError(f"{path}: no {n}-gram in it (no text of {n} words or more)")
        named[name] = path
    return named


def sha256_of(path: str) -> str:
    """The file's content hash: what a staged run's fingerprint holds, so an edited file reruns."""
    digest = hashlib.sha256()
    with open_file(path) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_texts(path: str, field: str = "text") -> list[str]:
    """The file's texts; a ValueError naming the file (and line) when they cannot be read."""
    extension = os.path.splitext(path)[1].lower()
    if extension in PARQUET:
        return _parquet_texts(path, field)
    with open_file(path) as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return _jsonl_texts(path, text, field) if extension in JSONL else [text]


def _jsonl_texts(path: str, text: str, field: str) -> list[str]:
    texts = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{number}: not JSON ({e.msg})") from None
        if not isinstance(value, dict) or not isinstance(value.get(field), str):
            raise ValueError(f"{path}:{number}: no text in a {field!r} field")
        texts.append(value[field])
    return texts


def _parquet_texts(path: str, field: str) -> list[str]:
    with open_file(path) as f:
        try:
            parquet = pq.ParquetFile(f)
        except Exception as e:  # pyarrow raises several kinds for a file that is no Parquet
            raise ValueError(f"{path}: not a Parquet file ({str(e).splitlines()[0]})") from None
        schema = parquet.schema_arrow
        if field not in schema.names:
            raise ValueError(f"{path}: no {field!r} column (it has {', '.join(schema.names)})")
        if not (pa.types.is_string(schema.field(field).type) or pa.types.is_large_string(schema.field(field).type)):
            raise ValueError(f"{path}: column {field!r} holds {schema.field(field).type}, not text")
        column = parquet.read(columns=[field]).column(field)
    return [text for text in column.to_pylist() if text is not None]
