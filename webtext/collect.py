"""The front door: `python -m webtext.collect` builds a WebText-style dataset.

With no arguments it builds the bundled sample, offline, into ./webtext-out.
On real data: `--dumps 'RS_2017-*.zst' --out run1` fetches live, and
`--warc 'pages/*.warc.gz'` reads pages from WARC files instead. Every field of
webtext.config.Config is a flag (--min-score, --dedup-threshold, ...), and
flags this command does not know go to Beam (e.g. --project for Dataflow).
"""

import argparse
import json
import sys
import time
from collections import Counter
from importlib import resources

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from pipelines.shards import INDEX
from pipelines.webtext_pipeline import STAGES, Inputs, build
from webtext import __version__, shards, tokens
from webtext.config import Config, knobs
from webtext.reddit_live import SORTS, TIME_FILTERS, ListingSpec

SAMPLE_DUMPS = "RS_*"
SAMPLE_WARC = "pages.warc.gz"
# The sample has ~100 documents: 1% would leave validation nearly empty.
SAMPLE_OVERRIDES = {"val_fraction": 0.1}


def sample_path(name: str) -> str:
    return str(resources.files("webtext") / "sample" / name)


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("dataset rules (webtext.config.Config; defaults are GPT-2's)")
    for field in knobs():
        flag = "--" + field.name.replace("_", "-")
        if field.type is bool:
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                               help=f"default {field.default}")
        else:
            group.add_argument(flag, type=field.type, default=None, help=f"default {field.default!r}")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m webtext.collect", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dumps", action="append", help="glob of Pushshift RS_* dump files (repeatable); default: the bundled sample")
    parser.add_argument("--warc", action="append", help="glob of WARC files to read pages from instead of fetching live (repeatable)")
    live = parser.add_argument_group("live Reddit through praw (credentials: praw.ini or praw_client_id/praw_client_secret/praw_user_agent)")
    live.add_argument("--subreddits", action="append", help="comma-separated subreddits to list live (repeatable); with or instead of --dumps")
    live.add_argument("--listing", default="top", choices=SORTS, help="which listing (default top)")
    live.add_argument("--time-filter", default="all", choices=TIME_FILTERS, help="for top and controversial (default all)")
    live.add_argument("--listing-limit", type=int, default=1000, help="posts per subreddit (Reddit serves about 1,000 at most)")
    live.add_argument("--praw-site", help="a praw.ini section to take settings from")
    live.add_argument("--reddit-url", help="another Reddit API host (tests use a fake one)")
    live.add_argument("--oauth-url", help="another Reddit OAuth API host (tests use a fake one)")
    parser.add_argument("--out", default="webtext-out", help="output folder, local or gs:// (default webtext-out)")
    parser.add_argument("--until", choices=STAGES, default="shards", help="stop after this stage (default shards)")
    parser.add_argument("--runner", default="direct", help="'direct' (local, FnApiRunner) or a Beam runner name, e.g. DataflowRunner")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes for the direct runner")
    _add_config_flags(parser)
    return parser.parse_known_args(argv)


def config_from(args, sample: bool) -> Config:
    given = {f.name: getattr(args, f.name) for f in knobs() if getattr(args, f.name) is not None}
    defaults = SAMPLE_OVERRIDES if sample else {}
    return Config(**{**defaults, **given})


def make_pipeline(args, beam_args) -> beam.Pipeline:
    if args.runner != "direct":
        return beam.Pipeline(options=PipelineOptions(beam_args, runner=args.runner))
    # Named explicitly: Beam's default DirectRunner first tries to download Prism.
    local = {"direct_num_workers": args.workers}
    if args.workers > 1:
        local["direct_running_mode"] = "multi_processing"
    return beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(beam_args, **local))


def counters_of(result) -> dict:
    """Every Beam counter as {"stage/name": value}, sorted."""
    counts = {}
    for counter in result.metrics().query()["counters"]:
        key = f"{counter.key.metric.namespace}/{counter.key.metric.name}"
        counts[key] = counts.get(key, 0) + (counter.committed or counter.attempted or 0)
    return dict(sorted(counts.items()))


def write_manifest(out: str, config: Config, counters: dict) -> dict:
    with FileSystems.open(FileSystems.join(out, INDEX)) as f:
        index = json.load(f)
    manifest = shards.build_manifest(index, config.to_dict(), tokens.describe(tokens.get_encoding(config.encoding)),
                                     counters, __version__)
    with FileSystems.create(FileSystems.join(out, shards.MANIFEST)) as f:
        f.write(json.dumps(manifest, indent=1).encode())
    return manifest


def _reasons(counters: dict, prefix: str) -> tuple[int, str]:
    """Total and "reason n, ..." of the counters named prefix + reason."""
    found = {k[len(prefix):]: v for k, v in counters.items() if k.startswith(prefix)}
    return sum(found.values()), ", ".join(f"{k} {v:,}" for k, v in sorted(found.items(), key=lambda kv: -kv[1]))


def summary(counters: dict, seconds: float, out: str) -> str:
    """What came in, what came out, and every drop under its reason."""
    c = Counter(counters)
    rows = [
        ("submissions read", c["reddit/submissions"], f"{c['reddit/files']} files, {c['reddit/lines']:,} lines"),
        ("  unreadable lines", *_reasons(counters, "reddit/skipped:")),
        ("  posts dropped", *_reasons(counters, "reddit/dropped:")),
        ("links kept", c["links/kept"], f"{c['reddit/kept']:,} posts, {c['links/reposts']:,} reposts merged"),
        ("  links dropped", *_reasons(counters, "links/dropped:")),
        ("pages fetched", *_reasons(counters, "fetch/fetched:")),
        ("  fetches failed", *_reasons(counters, "fetch/failed:")),
        ("documents extracted", c["extract/documents"], ""),
        ("  pages dropped", *_reasons(counters, "extract/dropped:")),
        ("duplicates removed", *_reasons(counters, "dedup/removed:")),
        ("documents written", c["shards/documents"], f"train {c['shards/train_documents']:,}, val {c['shards/val_documents']:,}"),
        ("tokens written", c["shards/tokens"], f"train {c['shards/train_tokens']:,}, val {c['shards/val_tokens']:,}"),
    ]
    lines = [f"webtext {__version__}: {out} in {seconds:.1f} s"]
    for label, value, detail in rows:
        if value or not label.startswith("  "):
            lines.append(f"  {label:<22}{value:>12,}  {detail}".rstrip())
    return "\n".join(lines)


def listing_spec(args) -> ListingSpec | None:
    if not args.subreddits:
        return None
    subreddits = [name.strip() for group in args.subreddits for name in group.split(",") if name.strip()]
    return ListingSpec(subreddits, args.listing, args.time_filter, args.listing_limit,
                       args.reddit_url, args.oauth_url, args.praw_site)


def run(argv=None) -> dict:
    """Build the dataset; returns {"counters": ..., "manifest": ... (None before shards)}."""
    args, beam_args = parse_args(argv)
    listings = listing_spec(args)
    sample = not args.dumps and not listings
    dumps = [sample_path(SAMPLE_DUMPS)] if sample else args.dumps
    warcs = args.warc or ([sample_path(SAMPLE_WARC)] if sample else [])
    config = config_from(args, sample)
    started = time.monotonic()
    pipeline = make_pipeline(args, beam_args)
    build(pipeline, Inputs(dumps, warcs, args.out, listings), config, args.until)
    result = pipeline.run()
    result.wait_until_finish()
    counters = counters_of(result)
    manifest = write_manifest(args.out, config, counters) if args.until == "shards" else None
    print(summary(counters, time.monotonic() - started, args.out))
    return {"counters": counters, "manifest": manifest}


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
