"""The front door: `python -m webtext.collect` builds a WebText-style dataset.

With no arguments it builds the bundled sample, offline, into ./webtext-out.
On real data: `--dumps 'RS_2017-*.zst' --out run1` fetches live, and
`--warc 'pages/*.warc.gz'` reads pages from WARC files instead. Every field of
webtext.config.Config is a flag (--min-score, --dedup-threshold, ...), and
flags this command does not know go to Beam (e.g. --project for Dataflow).
"""

import argparse
import sys
import time
from collections import Counter
from importlib import resources

from pipelines.run import Plan, execute, make_pipeline, missing_kept_outputs, read_markers
from pipelines.webtext_pipeline import Inputs
from webtext import __version__
from webtext.config import Config, knobs
from webtext.links.live import SORTS, TIME_FILTERS, ListingSpec
from webtext.run import stages

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
    parser.add_argument("out_folder", nargs="?", metavar="OUT", help="output folder (the same as --out)")
    parser.add_argument("--out", help="output folder, local or gs:// (default webtext-out)")
    parser.add_argument("--from", dest="first", choices=stages.STAGES,
                        help="rerun from this stage, reading what the stage before kept in OUT (default: the first stage "
                             "not already done with these inputs and settings)")
    parser.add_argument("--until", choices=stages.STAGES, default="shards", help="stop after this stage (default shards)")
    parser.add_argument("--runner", default="direct", help="'direct' (local, FnApiRunner) or a Beam runner name, e.g. DataflowRunner")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes for the direct runner")
    parser.add_argument("--progress-s", type=float, default=5.0,
                        help="print a progress line per stage this often on local runs (default 5 s; 0: never)")
    _add_config_flags(parser)
    return parser.parse_known_args(argv)


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


def _output_folder(args) -> str:
    if args.out and args.out_folder and args.out != args.out_folder:
        raise SystemExit(f"two output folders given: {args.out_folder} and --out {args.out}")
    return args.out or args.out_folder or "webtext-out"


def plan_run(args, markers: dict) -> Plan | None:
    """Inputs, settings and stages of this run; None when every stage asked for is done.

    A rerun of an output folder keeps the inputs and settings recorded there
    (flags given now override them); with no inputs anywhere it is the sample.
    """
    recorded = markers[max(markers, key=stages.STAGES.index)] if markers else {"inputs": {}, "config": {}}
    listings = listing_spec(args) or (ListingSpec(*recorded["inputs"]["listings"]) if recorded["inputs"].get("listings") else None)
    dumps = args.dumps or recorded["inputs"].get("dumps")
    sample = not dumps and not listings
    if sample:
        dumps = [sample_path(SAMPLE_DUMPS)]
    warcs = args.warc or recorded["inputs"].get("warcs") or ([sample_path(SAMPLE_WARC)] if sample else [])
    known = {f.name for f in knobs()}
    base = {k: v for k, v in recorded["config"].items() if k in known} or (SAMPLE_OVERRIDES if sample else {})
    given = {name: getattr(args, name) for name in known if getattr(args, name) is not None}
    inputs = Inputs(dumps, warcs, _output_folder(args), listings)
    config = Config(**{**base, **given})
    prints = stages.fingerprints(inputs._asdict(), config.to_dict())
    first = args.first or stages.first_to_run({s: m["fingerprint"] for s, m in markers.items()}, prints, args.until)
    # Dataflow's console shows progress; local runs print their own lines.
    progress_s = args.progress_s if args.runner == "direct" else 0.0
    return Plan(inputs, config, first, args.until, progress_s) if first else None


def recorded_counters(markers: dict, first: str) -> dict:
    """The counters of the stages before `first`, from the run that did them."""
    earlier = stages.STAGES[: stages.STAGES.index(first)]
    return {k: v for stage in earlier if stage in markers for k, v in markers[stage]["counters"].items()}


def run(argv=None) -> dict:
    """Build the dataset; returns {"counters", "manifest" (None before shards), "job" (dry runs)}."""
    args, beam_args = parse_args(argv)
    out = _output_folder(args)
    markers = read_markers(out)
    plan = plan_run(args, markers)
    if plan is None:
        print(f"webtext: {out} is up to date to {args.until} (--from STAGE reruns a stage)")
        return {"counters": recorded_counters(markers, "shards") | markers[args.until]["counters"], "manifest": None, "job": None}
    missing = missing_kept_outputs(out, plan.first)
    if missing:
        raise SystemExit(f"--from {plan.first} needs what an earlier run kept: {', '.join(missing)} missing in {out}")
    started = time.monotonic()
    result = execute(plan, make_pipeline(args.runner, args.workers, beam_args), recorded_counters(markers, plan.first))
    if result["job"]:
        transforms = result["job"]["pipeline"]["components"]["transforms"]
        print(f"webtext: translated to a Dataflow job of {len(transforms)} transforms; not submitted (--dry_run)")
    else:
        ran = " to ".join(dict.fromkeys([plan.first, plan.last]))
        print(summary(result["counters"], time.monotonic() - started, f"{out} ({ran})"))
    return result


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
