"""Export a dataset to other trainers' formats: `python -m webtext.export nanogpt OUT`.

nanogpt: `train.bin` and `val.bin`, every token of the split's shards back to
back as uint16, the files nanoGPT's data/openwebtext/prepare.py writes and its
train.py memory-maps. Written shard by shard, never whole in memory.
"""

import os
import sys

import numpy as np

from webtext import cli
from webtext.shards import shard_format


def export_nanogpt(out_dir: str, dest: str) -> dict:
    """Write dest/train.bin and dest/val.bin; returns tokens written per split."""
    manifest = shard_format.load_manifest(out_dir)
    if np.dtype(manifest["token_dtype"]) != np.uint16:
        raise ValueError(f"nanoGPT's .bin files hold uint16 tokens; {manifest['tokenizer']['name']} "
                         f"needs {manifest['token_dtype']}")
    os.makedirs(dest, exist_ok=True)
    written = {}
    for split in shard_format.SPLITS:
        path = os.path.join(dest, f"{split}.bin")
        with open(path + ".tmp", "wb") as f:
            for shard in shard_format.shard_paths(out_dir, split):
                shard_format.token_array(shard).tofile(f)
        os.replace(path + ".tmp", path)
        written[split] = os.path.getsize(path) // 2
    return written


FORMATS = {"nanogpt": export_nanogpt}


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
    print(f"{args.format}: {dest}: " + ", ".join(f"{split} {n:,} tokens" for split, n in written.items()))
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_command(PROG, main))
