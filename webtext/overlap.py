"""How much of each evaluation set a dataset's train split already holds:
`python -m webtext.overlap OUT --eval wiki.test.tokens ptb.test.txt lambada.jsonl`.

As the GPT-2 paper measured it (section 4, Table 6): the share of each set's 8-grams of
normalised text (lower-cased alphanumeric words, single spaces) found in a Bloom filter of
every 8-gram of the train split, sized from the split's token count for a false positive
rate of at most --fp-rate; or, when the split is small enough that an exact set of its
8-grams takes at most --exact-max-mib, in that set (no false positive at all). The val
split is looked up too. The filter is built in Beam
(--runner, --workers and Beam's own flags as for webtext.collect), so it scales with the
corpus. Prints the table and puts it in OUT/report.md; the numbers go to OUT/overlap.json.

Evaluation files: Parquet (a --field column), JSONL (a --field field per line), or plain
UTF-8 text (the whole file one text).
"""

import sys
import time
from dataclasses import dataclass

from pipelines.runners.engine import engine, split_beam_flags
from pipelines.stages.overlap import Overlap, read_json, read_text, write_text
from webtext import cli, layout
from webtext.ngrams import eval_sets, grams, report
from webtext.ngrams.bloom import BloomSpec
from webtext.ngrams.exact import BYTES_PER_NGRAM, ExactSpec
from webtext.shards import shard_format

PROG = "python -m webtext.overlap"


@dataclass(frozen=True)
class OverlapConfig:
    """How the overlap is measured: a flag each."""

    n: int = cli.option(grams.N, "words per n-gram (GPT-2: 8; GPT-3 decontaminated with 13)")
    fp_rate: float = cli.option(1e-8, "the Bloom filter's false positive rate, at most (GPT-2: 1e-8)")
    field: str = cli.option("text", "the field (JSONL) or column (Parquet) holding an eval file's texts")
    max_part_mib: int = cli.option(256, "the filter is cut into parts of at most this many MiB, one per worker")
    # Exact costs 16 bytes an n-gram to the filter's 4.8 (at 1e-8): where that is small, be exact.
    exact_max_mib: int = cli.option(64, "an exact set of the train n-grams instead of the filter when it takes "
                                        "at most this many MiB (16 bytes an n-gram; 0: always the filter)")

    def __post_init__(self):
        broken = {"--n must be at least 1": self.n >= 1, "--fp-rate must be in (0, 1)": 0 < self.fp_rate < 1,
                  "--max-part-mib must be at least 1": self.max_part_mib >= 1,
                  "--exact-max-mib must be at least 0": self.exact_max_mib >= 0}
        problems = [rule for rule, holds in broken.items() if not holds]
        if problems:
            raise ValueError("; ".join(problems))


def new_parser():
    parser = cli.new_parser(PROG, __doc__, usage=f"{PROG} OUT --eval FILE [FILE ...] [FLAG ...] [BEAM FLAG ...]")
    parser.add_argument("out", help="dataset folder holding manifest.json (what webtext.collect wrote)")
    parser.add_argument("--eval", nargs="+", action="extend", required=True, metavar="FILE",
                        help="evaluation files: .parquet, .jsonl, or plain text (repeatable)")
    cli.add_fields(parser, OverlapConfig)
    parser.add_argument("--runner", default="direct", help="direct (local), dask, or a Beam runner, e.g. DataflowRunner")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes of the local runner (1)")
    return parser


def parse_args(argv):
    args, rest = new_parser().parse_known_args(argv)
    beam_args, positionals, unknown = split_beam_flags(rest)
    if unknown or positionals:
        raise cli.UsageError(f"unrecognized arguments: {' '.join(unknown + positionals)} (--help lists every flag)")
    if args.workers < 1:
        raise cli.UsageError(f"--workers must be at least 1, not {args.workers}")
    return args, beam_args


def eval_files(paths: list[str], field: str, n: int) -> dict[str, str]:
    """{set name: path}, each file read now, so a bad one is a usage error before the job starts."""
    try:
        return eval_sets.named_sets(paths, field, n)
    except ValueError as e:
        raise cli.UsageError(f"--eval: {e}") from None


def filter_spec(out: str, config: OverlapConfig) -> tuple[BloomSpec | ExactSpec, int]:
    """The filter's (or exact set's) shape, and the n-gram count it is sized for: the train
    split's tokens, which bound its n-grams (a GPT-2 token never holds parts of two words,
    and each document's last token is <|endoftext|>)."""
    manifest = shard_format.load_manifest(out)
    train_tokens = manifest["totals"]["train"]["tokens"]
    if not train_tokens:
        raise cli.UsageError(f"{out}: its train split is empty: there is nothing to overlap with")
    if train_tokens * BYTES_PER_NGRAM <= config.exact_max_mib * 2**20:
        return ExactSpec.sized(train_tokens, config.max_part_mib * 2**20), train_tokens
    spec = BloomSpec.sized(train_tokens, config.fp_rate, max_part_bits=config.max_part_mib * 8 * 2**20)
    return spec, train_tokens


def describe_spec(spec: BloomSpec | ExactSpec) -> tuple[str, dict]:
    """(method, shape) as overlap.json records them."""
    if isinstance(spec, ExactSpec):
        return "exact", {"parts": spec.parts}
    return "bloom", {"bits": spec.bits, "hashes": spec.hashes, "parts": spec.parts}


def main(argv=None) -> int:
    args, beam_args = parse_args(argv)
    config = cli.build(OverlapConfig, {}, cli.given(args, OverlapConfig))
    shard_format.check_dataset_folder(args.out)
    evals = eval_files(args.eval, config.field, config.n)
    spec, sized_for = filter_spec(args.out, config)
    results_path = shard_format.join(args.out, layout.OVERLAP)
    method, shape = describe_spec(spec)
    settings = {"n": config.n, "fp_rate": config.fp_rate, "sized_for": sized_for, "sets": list(evals),
                "method": method, "spec": shape}
    started = time.monotonic()
    with engine(args.runner, args.workers, None, beam_args) as running_on:
        pipeline = running_on.new_pipeline()
        _ = pipeline | Overlap(args.out, evals, config.field, config.n, spec, results_path, settings)
        pipeline.run().wait_until_finish()
    results = read_json(results_path)
    section = report.markdown_section(results)
    for name in (layout.REPORT, layout.CARD):  # the report's table, and the dataset card's
        path = shard_format.join(args.out, name)
        write_text(path, report.replace_section(read_text(path), section))
    report_path = shard_format.join(args.out, layout.REPORT)
    print(report.terminal_table(results))
    print(f"done in {time.monotonic() - started:.1f} s; table added to {report_path}, numbers in {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_command(PROG, main))
