"""A recipe: what anyone needs to rebuild a dataset from public archives, and to check that they did.

OUT/recipe/ holds documents.parquet, one row per document in the shards (its
link: URL, the posts' URLs, ids, subreddits and karma; its split; where its
page came from: the source, the capture's address and time; the sha256 of the
page's payload as read and of the text in the shards), and recipe.json: every
setting, the versions of every package that shapes the output with the
tokenizer's and language model's file hashes, and the manifest's shard hashes.
No text: the pages belong to their authors, the recipe only says where they are.

A recipe comes from a stranger, so load() checks it as untrusted input: a
folder that is not one, a truncated file, a missing column or a wrong type is
one clear error (RecipeError); what its capture addresses may name is checked
where they are read (webtext.fetch.rebuild).
"""

import hashlib
import json
import os
from collections import Counter
from typing import NamedTuple, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from webtext import environment, layout
from webtext.records import arrow_schema
from webtext.shards import shard_format

FORMAT = "webtext-recipe/1"
FOLDER = "recipe"
TABLE = "documents.parquet"
META = "recipe.json"
# Sources whose captures a rebuild reads from the archives; the others' pages came from WARC files.
ARCHIVES = ("commoncrawl", "wayback")


class RecipeRow(NamedTuple):
    """One document of the dataset, as a rebuild needs it."""

    url: str  # the link's normalised URL
    original_urls: Sequence[str]  # as posted, earliest post first (the first is the one fetched)
    post_ids: Sequence[str]
    subreddits: Sequence[str]
    karma: int  # the link's highest post karma
    total_karma: int
    created_utc: int  # the earliest post's time
    split: str
    source: str  # commoncrawl, wayback, live or warc
    capture: str  # Common Crawl's crawl-data/...warc.gz@OFFSET+LENGTH, the Wayback id_ URL, or ""
    capture_time: str  # YYYYmmddHHMMSS
    payload_sha256: str  # of the page's body as read
    text_sha256: str  # of the document's text in the shards


SCHEMA = arrow_schema(RecipeRow)


class RecipeError(ValueError):
    """A recipe that cannot be read or is not one: the message says what, in one line."""


class Recipe(NamedTuple):
    meta: dict
    table: pa.Table  # RecipeRow's columns

    def rows(self) -> list[RecipeRow]:
        return [RecipeRow(**row) for row in self.table.to_pylist()]


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shard_documents(out_dir: str) -> pa.Table:
    """(url, split, text_sha256) of every document in the shards."""
    urls, splits, hashes = [], [], []
    for split in shard_format.SPLITS:
        for path in shard_format.shard_paths(out_dir, split):
            batch = shard_format.open_shard(path)
            for url, text in zip(batch.column("url").to_pylist(), batch.column("text").to_pylist()):
                urls.append(url)
                splits.append(split)
                hashes.append(text_sha256(text))
    return pa.table({"url": urls, "split": splits, "text_sha256": hashes})


def _eval_files(out_dir: str) -> list[list[str]]:
    """[name, sha256] of each eval file the shards were decontaminated with (the decontaminate marker's)."""
    marker = shard_format.join(out_dir, layout.marker("decontaminate"))
    try:
        with shard_format.open_file(marker) as f:
            evals = json.loads(f.read())["inputs"].get("evals") or []
    except (FileNotFoundError, OSError):
        return []
    return [[path.rsplit("/", 1)[-1], sha] for path, sha in evals]


def _rows_of(urls: pa.ChunkedArray, table: pa.Table, name: str) -> pa.Table:
    """table's rows for urls, in their order (a take by index: Arrow's join holds no list column)."""
    at = pc.index_in(urls, value_set=table["url"])
    if at.null_count:
        raise ValueError(f"{name}.parquet has no row for {at.null_count:,} documents of the shards")
    return table.take(at)


def build(out_dir: str) -> Recipe:
    """The recipe of the dataset in out_dir: its shards joined with links.parquet and pages.parquet by URL."""
    manifest = shard_format.load_manifest(out_dir)
    links = pq.read_table(shard_format.join(out_dir, layout.table(layout.LINKS))).rename_columns(
        {"max_karma": "karma", "first_created_utc": "created_utc"})
    pages = pq.read_table(shard_format.join(out_dir, layout.table(layout.PAGES)),
                          columns=["url", "source", "capture", "capture_time", "payload_sha256"])
    documents = _shard_documents(out_dir)
    columns = {}
    for name, kept in ((layout.LINKS, links), (layout.PAGES, pages)):
        rows = _rows_of(documents["url"], kept, name)
        columns.update({column: rows[column] for column in kept.column_names if column != "url"})
    table = pa.table({**{c: documents[c] for c in documents.column_names}, **columns})
    table = table.select(SCHEMA.names).cast(SCHEMA).sort_by("url")
    sources = dict(Counter(table.column("source").to_pylist()))
    meta = {
        "format": FORMAT, "pipeline_version": manifest["pipeline_version"], "documents": table.num_rows,
        "evals": _eval_files(out_dir),
        "sources": sources, "not_in_archives": sum(n for s, n in sources.items() if s not in ARCHIVES),
        "config": manifest["config"], "tokenizer": manifest["tokenizer"],
        "environment": manifest.get("environment") or environment.describe(),
        "shards": manifest["shards"], "totals": manifest["totals"],
    }
    return Recipe(meta, table)


def write(recipe: Recipe, dest: str) -> dict:
    """dest/documents.parquet and dest/recipe.json; {file: bytes}."""
    os.makedirs(dest, exist_ok=True)
    table_path, meta_path = os.path.join(dest, TABLE), os.path.join(dest, META)
    pq.write_table(recipe.table, table_path, compression="zstd", compression_level=19)
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(recipe.meta, f, indent=1, sort_keys=True)
    return {TABLE: os.path.getsize(table_path), META: os.path.getsize(meta_path)}


def _read_meta(folder: str) -> dict:
    try:
        with open(f"{folder}/{META}", encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise RecipeError(f"{folder}: no {META}: a recipe is the folder `python -m webtext.export recipe` "
                          "writes") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise RecipeError(f"{folder}/{META}: not JSON ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RecipeError(f"{folder}/{META}: not a {FORMAT} recipe")
    for key, kind in (("config", dict), ("shards", list), ("environment", dict), ("documents", int)):
        if not isinstance(meta.get(key), kind):
            raise RecipeError(f"{folder}/{META}: {key!r} missing or not a {kind.__name__}")
    return meta


def _read_table(folder: str) -> pa.Table:
    path = f"{folder}/{TABLE}"
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise RecipeError(f"{folder}: no {TABLE}") from None
    except (pa.ArrowException, OSError) as err:
        raise RecipeError(f"{path}: not a readable Parquet file ({' '.join(str(err).split())[:200]})") from None
    missing = [name for name in SCHEMA.names if name not in table.column_names]
    if missing:
        raise RecipeError(f"{path}: columns missing: {', '.join(missing)}")
    wrong = [f"{f.name} is {table.schema.field(f.name).type}, not {f.type}" for f in SCHEMA
             if not table.schema.field(f.name).type.equals(f.type)]
    if wrong:
        raise RecipeError(f"{path}: wrong types: {'; '.join(wrong)}")
    return table.select(SCHEMA.names)


def check_evals(meta: dict, evals: tuple) -> None:
    """RecipeError unless the eval files given ((path, sha256) pairs) are those the recipe's dataset was
    decontaminated with (none, if it was not)."""
    wanted = {sha: name for name, sha in meta.get("evals", [])}
    given = {sha for _, sha in evals}
    if set(wanted) != given:
        names = ", ".join(f"{name} (sha256 {sha[:12]})" for sha, name in wanted.items()) or "none"
        raise RecipeError(f"the dataset was decontaminated with these eval files: {names}; give the same with "
                          "--decontaminate")


def load(folder: str) -> Recipe:
    """The recipe in folder, checked; RecipeError naming the first thing wrong."""
    folder = folder.rstrip("/")
    meta, table = _read_meta(folder), _read_table(folder)
    if table.num_rows != meta["documents"]:
        raise RecipeError(f"{folder}: {META} says {meta['documents']:,} documents, {TABLE} holds {table.num_rows:,}")
    if table.num_rows == 0:
        raise RecipeError(f"{folder}/{TABLE}: no document")
    return Recipe(meta, table)


class Verdict(NamedTuple):
    identical: int  # documents whose text hashes as the recipe's
    documents: int  # the recipe's
    differences: list[tuple[str, str]]  # (URL, why it differs), the recipe's documents first
    shards_equal: bool  # the shards' names and sha256 exactly the recipe's

    def lines(self) -> list[str]:
        listed = [f"  {url}: {why}" for url, why in self.differences[:20]]
        more = [f"  ... and {len(self.differences) - 20:,} more"] if len(self.differences) > 20 else []
        head = (f"rebuild verdict: documents identical {self.identical:,} of {self.documents:,}; "
                f"shards sha256-equal: {'yes' if self.shards_equal else 'no'}")
        return [head] + listed + more


def _column(out_dir: str, name: str, columns: list[str]) -> pa.Table:
    try:
        return pq.read_table(shard_format.join(out_dir, layout.table(name)), columns=columns)
    except (FileNotFoundError, OSError):
        return pa.table({c: pa.array([], pa.string()) for c in columns})


def why_missing(url: str, pages: dict, extracted: set, duplicates: dict) -> str:
    """Why a recipe's document is not in the rebuilt shards, from what the rebuild's stages kept."""
    if pages.get(url):
        return f"no page: {pages[url]}"
    if url not in extracted:
        return "dropped at extract (its page gave no document)"
    if url in duplicates:
        return f"removed as a duplicate of {duplicates[url]}"
    return "not in the shards"


def verdict(expected: Recipe, out_dir: str) -> Verdict:
    """How the dataset rebuilt in out_dir compares with the recipe it was rebuilt from."""
    rebuilt = _shard_documents(out_dir)
    texts = dict(zip(rebuilt["url"].to_pylist(), rebuilt["text_sha256"].to_pylist()))
    pages_table = _column(out_dir, layout.PAGES, ["url", "error"])
    pages = dict(zip(pages_table["url"].to_pylist(), pages_table["error"].to_pylist()))
    extracted = set(_column(out_dir, layout.DOCUMENTS, ["url"])["url"].to_pylist())
    removed = _column(out_dir, layout.DUPLICATES, ["url", "duplicate_of"])
    duplicates = dict(zip(removed["url"].to_pylist(), removed["duplicate_of"].to_pylist()))
    identical, differences = 0, []
    for url, text in zip(expected.table["url"].to_pylist(), expected.table["text_sha256"].to_pylist()):
        if texts.get(url) == text:
            identical += 1
        else:
            why = "text differs" if url in texts else why_missing(url, pages, extracted, duplicates)
            differences.append((url, why))
    wanted = set(expected.table["url"].to_pylist())
    differences += [(url, "not in the recipe") for url in sorted(texts) if url not in wanted]
    shards = [(s["name"], s["sha256"]) for s in shard_format.load_manifest(out_dir)["shards"]]
    return Verdict(identical, expected.table.num_rows, differences,
                   shards == [(s["name"], s["sha256"]) for s in expected.meta["shards"]])
