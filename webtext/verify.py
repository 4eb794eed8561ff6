"""Check a dataset folder against its manifest: `python -m webtext.verify OUT`.

Every shard listed must be there, byte for byte (size and SHA-256), readable
as Arrow with the manifest's token type, hold the documents and tokens the
manifest says, end every document with <|endoftext|>, and put each URL in the
split its hash assigns. Shard files the manifest does not list (left by an
earlier run) are reported too. Exit status 1 when anything is wrong.

`--against OLD` compares OUT with another dataset (an earlier run, a run under
other package versions): shards sha256-equal or not, and each document that
changed (with the columns that differ), went or came. Exit status 1 too when
they differ.
"""

import hashlib
import sys

import numpy as np
import pyarrow as pa

from webtext import cli, layout
from webtext.shards import compare, shard_format

CHUNK = 1 << 20


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with shard_format.open_file(path) as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def shard_problems(out_dir: str, entry: dict, manifest: dict) -> list[str]:
    """What is wrong with one shard, as sentences; empty when it checks out."""
    name, path = entry["name"], shard_format.join(out_dir, entry["name"])
    try:
        if _sha256(path) != entry["sha256"]:
            return [f"{name}: sha256 differs from the manifest (corrupt or rewritten)"]
        batch = shard_format.open_shard(path)
    except (OSError, pa.ArrowInvalid) as err:
        return [f"{name}: cannot be read ({err})"]
    tokens = batch.column("tokens")
    problems = []
    if tokens.type.value_type != pa.from_numpy_dtype(np.dtype(manifest["token_dtype"])):
        problems.append(f"{name}: tokens are {tokens.type.value_type}, the manifest says {manifest['token_dtype']}")
    if (batch.num_rows, len(tokens.values)) != (entry["documents"], entry["tokens"]):
        problems.append(f"{name}: {batch.num_rows} documents and {len(tokens.values)} tokens, "
                        f"the manifest says {entry['documents']} and {entry['tokens']}")
    ends = tokens.offsets.to_numpy()[1:] - 1
    if len(ends) and not (tokens.values.to_numpy()[ends] == manifest["tokenizer"]["eot_token"]).all():
        problems.append(f"{name}: a document does not end with <|endoftext|>")
    fraction = manifest["config"]["val_fraction"]
    if any(shard_format.split_of(url, fraction) != entry["split"] for url in batch.column("url").to_pylist()):
        problems.append(f"{name}: holds URLs whose hash puts them in the other split")
    return problems


def verify(out_dir: str) -> tuple[list[str], str]:
    """(problems, summary) for the dataset in out_dir."""
    manifest = shard_format.load_manifest(out_dir)
    problems = [p for entry in manifest["shards"] for p in shard_problems(out_dir, entry, manifest)]
    listed = {entry["name"] for entry in manifest["shards"]}
    problems += [f"{name}: in {layout.SHARD_DIR}/ but not in the manifest (an earlier run's?)"
                 for name in shard_format.shard_files(out_dir) if name not in listed]
    totals = manifest["totals"]
    summary = (f"{len(manifest['shards'])} shards, "
               f"{sum(t['documents'] for t in totals.values()):,} documents, "
               f"{sum(t['tokens'] for t in totals.values()):,} {manifest['tokenizer']['name']} tokens")
    return problems, summary


PROG = "python -m webtext.verify"


def main(argv=None) -> int:
    parser = cli.new_parser(PROG, __doc__)
    parser.add_argument("out", help="dataset folder holding manifest.json")
    parser.add_argument("--against", metavar="OLD",
                        help="another dataset folder: say whether the shards are sha256-equal and which documents differ")
    args = parser.parse_args(argv)
    for folder in filter(None, [args.out, args.against]):
        shard_format.check_dataset_folder(folder)
    problems, summary = verify(args.out)
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{'FAILED' if problems else 'OK'}: {summary}")
    if not args.against:
        return 1 if problems else 0
    comparison = compare.compare(args.against, args.out)
    print(f"against {args.against}:")
    print("\n".join(compare.describe(comparison)))
    return 1 if problems or not comparison.same else 0


if __name__ == "__main__":
    sys.exit(cli.run_command(PROG, main))
