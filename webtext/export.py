"""Export a dataset: `python -m webtext.export FORMAT OUT` (into OUT/FORMAT/, or --dest).

nanogpt: `train.bin` and `val.bin`, every token of the split's shards back to
back as uint16, the files nanoGPT's data/openwebtext/prepare.py writes and its
train.py memory-maps.

llmc: llm.c's token shards, `webtext_{split}_{NNNNNN}.bin` of at most 10^8
tokens each (its fineweb.py's size): a header of 256 int32 (magic 20240520,
version 1, the token count), then the tokens as uint16, as llm.c's
train_gpt2.py and its C dataloader read them.

megatron: Megatron-LM's (and NeMo's) indexed dataset,
`webtext_{split}_text_document.bin` (the tokens) and `.idx` (header MMIDIDX,
version 1, the dtype's code, then each document's length, byte offset and the
document index), one sequence per document, as megatron.core.datasets'
IndexedDataset reads it.

recipe: what anyone needs to rebuild the dataset from public archives and check
that they did, no text (webtext/recipe.py; docs/rebuild.md).

Token exports are written shard by shard, never whole in memory, and hold the
same token stream as the Arrow shards, each document ending with <|endoftext|>.
"""

import contextlib
import os
import struct
import sys

import numpy as np

from webtext import cli, recipe
from webtext.shards import shard_format

LLMC_MAGIC, LLMC_VERSION, LLMC_HEADER_INTS = 20240520, 1, 256
LLMC_SHARD_TOKENS = 10**8
MEGATRON_HEADER = b"MMIDIDX\x00\x00"
MEGATRON_UINT16 = 8  # megatron.core.datasets' DType code for uint16


def _uint16_manifest(out_dir: str, trainer: str) -> dict:
    manifest = shard_format.load_manifest(out_dir)
    if np.dtype(manifest["token_dtype"]) != np.uint16:
        raise ValueError(f"{trainer}'s files hold uint16 tokens; {manifest['tokenizer']['name']} "
                         f"needs {manifest['token_dtype']}")
    return manifest


@contextlib.contextmanager
def replaced(path: str):
    """A file written as path.tmp and moved to path once whole: a reader never sees half of one."""
    with open(path + ".tmp", "wb") as f:
        yield f
    os.replace(path + ".tmp", path)


def _tokens_line(written: dict) -> str:
    return ", ".join(f"{split} {n:,} tokens" for split, n in written.items())


def export_nanogpt(out_dir: str, dest: str) -> dict:
    """dest/train.bin and dest/val.bin; tokens written per split."""
    _uint16_manifest(out_dir, "nanoGPT")
    os.makedirs(dest, exist_ok=True)
    written = {}
    for split in shard_format.SPLITS:
        path = os.path.join(dest, f"{split}.bin")
        with replaced(path) as f:
            for shard in shard_format.shard_paths(out_dir, split):
                shard_format.token_array(shard).tofile(f)
        written[split] = os.path.getsize(path) // 2
    return written


def _write_llmc_shard(path: str, tokens: list[np.ndarray]) -> int:
    count = sum(len(t) for t in tokens)
    header = np.zeros(LLMC_HEADER_INTS, dtype=np.int32)
    header[:3] = (LLMC_MAGIC, LLMC_VERSION, count)
    with replaced(path) as f:
        f.write(header.tobytes())
        for part in tokens:
            part.astype(np.uint16, copy=False).tofile(f)
    return count


def _llmc_split(arrays, prefix: str, shard_tokens: int) -> tuple[int, int]:
    """One split's token arrays as llm.c shards prefix_NNNNNN.bin; (tokens, files) written."""
    written, files, pending, held = 0, 0, [], 0
    for tokens in arrays:
        while len(tokens):
            take = tokens[: shard_tokens - held]
            pending.append(take)
            held, tokens = held + len(take), tokens[len(take):]
            if held == shard_tokens:
                written += _write_llmc_shard(f"{prefix}_{files:06d}.bin", pending)
                files, pending, held = files + 1, [], 0
    if held or not files:
        written += _write_llmc_shard(f"{prefix}_{files:06d}.bin", pending)
        files += 1
    return written, files


def export_llmc(out_dir: str, dest: str, shard_tokens: int = LLMC_SHARD_TOKENS) -> dict:
    """dest/webtext_{split}_{NNNNNN}.bin, each at most shard_tokens tokens; tokens written per split."""
    _uint16_manifest(out_dir, "llm.c")
    os.makedirs(dest, exist_ok=True)
    written = {}
    for split in shard_format.SPLITS:
        arrays = (shard_format.token_array(path) for path in shard_format.shard_paths(out_dir, split))
        written[split], _ = _llmc_split(arrays, os.path.join(dest, f"webtext_{split}"), shard_tokens)
    return written


def _megatron_index(path: str, lengths: np.ndarray) -> None:
    pointers = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1] * 2, out=pointers[1:])  # bytes: two per uint16 token
    documents = np.arange(len(lengths) + 1, dtype=np.int64)  # one sequence per document
    with replaced(path) as f:
        f.write(MEGATRON_HEADER + struct.pack("<Q", 1) + struct.pack("<B", MEGATRON_UINT16))
        f.write(struct.pack("<Q", len(lengths)) + struct.pack("<Q", len(documents)))
        f.write(lengths.astype(np.int32).tobytes() + pointers.tobytes() + documents.tobytes())


def export_megatron(out_dir: str, dest: str) -> dict:
    """dest/webtext_{split}_text_document.bin and .idx; tokens written per split."""
    _uint16_manifest(out_dir, "Megatron")
    os.makedirs(dest, exist_ok=True)
    written = {}
    for split in shard_format.SPLITS:
        prefix = os.path.join(dest, f"webtext_{split}_text_document")
        lengths = []
        with replaced(prefix + ".bin") as f:
            for path in shard_format.shard_paths(out_dir, split):
                column = shard_format.open_shard(path).column("tokens")
                column.values.to_numpy(zero_copy_only=True).tofile(f)
                lengths.append(np.diff(column.offsets.to_numpy()))
        lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        _megatron_index(prefix + ".idx", lengths)
        written[split] = int(lengths.sum())
    return written


def export_recipe(out_dir: str, dest: str) -> dict:
    """dest/documents.parquet and dest/recipe.json; {file: bytes, "documents", "not_in_archives"}."""
    made = recipe.build(out_dir)
    return {**recipe.write(made, dest), "documents": made.meta["documents"],
            "not_in_archives": made.meta["not_in_archives"]}


def _recipe_line(written: dict) -> str:
    n, table = written["documents"], written[recipe.TABLE]
    return (f"{n:,} documents: {table:,} bytes of {recipe.TABLE} ({table / n:.0f} a document: ~{table / n * 8e6 / 1e9:.1f} "
            f"GB for WebText's 8 M) and {written[recipe.META]:,} of {recipe.META}; {written['not_in_archives']:,} not "
            "in an archive (fetched live or read from WARC files: a rebuild needs their WARC, --warc)")


FORMATS = {"nanogpt": export_nanogpt, "llmc": export_llmc, "megatron": export_megatron, "recipe": export_recipe}


PROG = "python -m webtext.export"


def main(argv=None) -> int:
    parser = cli.new_parser(PROG, __doc__)
    parser.add_argument("format", choices=sorted(FORMATS))
    parser.add_argument("out", help="dataset folder holding manifest.json")
    parser.add_argument("--dest", help="where to write (default: OUT/<format>)")
    args = parser.parse_args(argv)
    shard_format.check_dataset_folder(args.out)
    dest = args.dest or os.path.join(args.out, args.format)
    written = FORMATS[args.format](args.out, dest)
    print(f"{args.format}: {dest}: {_recipe_line(written) if args.format == 'recipe' else _tokens_line(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_command(PROG, main))
