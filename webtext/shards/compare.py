"""Two datasets compared, shard by shard and document by document: what an upgrade or a rerun changed.

Shards are equal when both manifests list the same shard names with the same
sha256. Documents are matched by URL (a dataset holds each URL once); a
document present in both is identical when every shard column is, and
otherwise named with the columns that differ.
"""

from typing import NamedTuple

import numpy as np

from webtext.shards import shard_format

LISTED = 10  # documents named per kind of difference; the rest are counted


class Comparison(NamedTuple):
    shards: dict[str, tuple[str | None, str | None]]  # shard name -> (old sha256, new sha256); None: absent
    old_documents: int
    new_documents: int
    identical: int
    changed: dict[str, list[str]]  # url -> the columns that differ ("split" when it moved)
    only_old: list[str]
    only_new: list[str]

    @property
    def shards_equal(self) -> bool:
        return all(old == new for old, new in self.shards.values())

    @property
    def same(self) -> bool:
        return self.shards_equal and not (self.changed or self.only_old or self.only_new)


def _shard_hashes(out_dir: str) -> dict[str, str]:
    return {entry["name"]: entry["sha256"] for entry in shard_format.load_manifest(out_dir)["shards"]}


def _documents(out_dir: str) -> dict[str, dict]:
    """{url: the document's columns and its split}."""
    return {row["url"]: {**row, "split": split}
            for split in shard_format.SPLITS for row in shard_format.iter_documents(out_dir, split)}


def _differing_columns(old: dict, new: dict) -> list[str]:
    return [column for column in old
            if not (np.array_equal(old[column], new[column]) if column == "tokens" else old[column] == new[column])]


def compare(old_dir: str, new_dir: str) -> Comparison:
    old_hashes, new_hashes = _shard_hashes(old_dir), _shard_hashes(new_dir)
    shards = {name: (old_hashes.get(name), new_hashes.get(name)) for name in sorted(old_hashes | new_hashes)}
    old, new = _documents(old_dir), _documents(new_dir)
    both = sorted(old.keys() & new.keys())
    changed = {url: columns for url in both if (columns := _differing_columns(old[url], new[url]))}
    return Comparison(shards, len(old), len(new), len(both) - len(changed), changed,
                      sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys()))


def _listed(title: str, lines: list[str]) -> list[str]:
    more = [f"    ... and {len(lines) - LISTED} more"] if len(lines) > LISTED else []
    return [f"  {title}:"] + [f"    {line}" for line in lines[:LISTED]] + more if lines else []


def _shard_line(name: str, old: str | None, new: str | None) -> str:
    if old == new:
        return f"    {name}: same ({old[:12]})"
    return f"    {name}: {old[:12] if old else 'absent'} -> {new[:12] if new else 'absent'}"


def describe(c: Comparison) -> list[str]:
    """The comparison as lines a person reads: the verdict, each shard, each differing document."""
    lines = [f"shards: {'sha256-equal' if c.shards_equal else 'differ'}"]
    lines += [_shard_line(name, old, new) for name, (old, new) in c.shards.items()]
    lines.append(f"documents: {c.identical} of {c.new_documents} identical ({c.old_documents} before); "
                 f"{len(c.changed)} changed, {len(c.only_old)} gone, {len(c.only_new)} new")
    lines += _listed("changed", [f"{url}: {', '.join(columns)}" for url, columns in c.changed.items()])
    lines += _listed("gone", c.only_old)
    lines += _listed("new", c.only_new)
    return lines
