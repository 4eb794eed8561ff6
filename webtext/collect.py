"""Build a WebText-style dataset: with no input, the bundled sample (offline) into ./webtext-out;
on real data, `--dumps 'RS_2017-*.zst' --out run1` (pages fetched live, or read from --warc files).
Flags Beam knows (--runner DataflowRunner --project ...) go to Beam; any other flag is an error.
"""

import argparse
import importlib.util
import os
import sys
import time

from pipelines.run import execute, missing_kept_outputs, read_markers
from pipelines.runners.engine import engine, split_beam_flags
from webtext import cli, environment, layout, recipe, stores
from webtext.config import Config, knobs
from webtext.fetch import sources
from webtext.links import live
from webtext.links.live import SORTS, TIME_FILTERS, ListingSpec
from webtext.run import stages
from webtext.run.plan import Request, plan_run, recorded_counters
from webtext.run.summary import empty_result, summary

PROG = "python -m webtext.collect"
DEFAULT_OUT = "webtext-out"


def _add_run_flags(parser) -> None:
    inputs = parser.add_argument_group("inputs (none: the bundled sample)")
    inputs.add_argument("--dumps", action="append", metavar="GLOB", help="Pushshift RS_* dump files, local or gs:// (repeatable)")
    inputs.add_argument("--warc", action="append", metavar="GLOB", help="WARC files to read pages from instead of fetching (repeatable)")
    inputs.add_argument("--subreddits", action="append", metavar="A,B", help="subreddits to list live through praw (repeatable)")
    inputs.add_argument("--decontaminate", nargs="+", action="extend", metavar="FILE",
                        help="eval files (.parquet, .jsonl, plain text) whose 13-grams are cut out, as GPT-3 did "
                             "(give OUT before them)")
    inputs.add_argument("--no-decontaminate", action="store_true",
                        help="no decontamination, though the folder's earlier run had eval files")
    inputs.add_argument("--recipe", metavar="DIR",
                        help="rebuild the dataset a recipe describes (python -m webtext.export recipe), no dumps: "
                             "each page read from its archive and checked; --warc for pages fetched live")
    run = parser.add_argument_group("the run")
    run.add_argument("--out", metavar="OUT", help=f"output folder, local or gs:// (default {DEFAULT_OUT}), or as positional")
    stage_names = ", ".join(stages.STAGES)
    run.add_argument("--from", dest="first", choices=stages.STAGES, metavar="STAGE",
                     help=f"rerun from this stage ({stage_names}), from what OUT kept")
    run.add_argument("--until", choices=stages.STAGES, default="shards", metavar="STAGE", help="stop after this stage (default shards)")
    run.add_argument("--runner", default="direct", help="direct (local), dask, or a Beam runner, e.g. DataflowRunner")
    run.add_argument("--workers", type=int, default=1, metavar="N",
                     help="worker processes of the local runner, or of the Dask cluster started here (default 1)")
    run.add_argument("--dask-address", metavar="URL", help="--runner dask on this cluster (tcp://HOST:PORT), not one started here")
    run.add_argument("--progress-s", type=float, default=5.0, metavar="X", help="seconds between progress lines; 0: none (default 5)")
    praw = parser.add_argument_group("live listings (credentials: praw.ini, or praw_client_id, _secret, _user_agent)")
    praw.add_argument("--listing", default="top", choices=SORTS, metavar="S", help=f"{', '.join(SORTS)} (default top)")
    praw.add_argument("--time-filter", default="all", choices=TIME_FILTERS, metavar="S",
                      help=f"{', '.join(TIME_FILTERS)} (default all)")
    praw.add_argument("--listing-limit", type=int, default=1000, metavar="N", help="posts per subreddit (Reddit serves ~1,000)")
    praw.add_argument("--praw-site", metavar="S", help="a praw.ini section to take settings from")
    praw.add_argument("--reddit-url", metavar="URL", help="another Reddit API host (tests use a fake one)")
    praw.add_argument("--oauth-url", metavar="URL", help="another Reddit OAuth host (tests use a fake one)")


def new_parser():
    parser = cli.new_parser(PROG, __doc__, epilog="Each setting, its default and its source: docs/config.md",
                            usage=f"{PROG} [OUT] [--dumps GLOB] [--warc GLOB] [--out OUT] [FLAG ...] [BEAM FLAG ...]")
    _add_run_flags(parser)
    for stage, fields in stages.STAGE_FIELDS.items():
        group = parser.add_argument_group(f"{stage} rules")
        cli.add_fields(group, Config, [name for name in fields if name != "pages"])
        if "pages" in fields:  # repeatable, in order of preference: a list, which Config holds joined
            about = next(f for f in knobs() if f.name == "pages").metadata["help"]
            group.add_argument("--pages", action="append", metavar="S", default=argparse.SUPPRESS,
                               help=f"{about}: {', '.join(sources.names())}")
    return parser


def parse_args(argv):
    """(our flags, Beam's flags); the one positional left over is OUT."""
    args, rest = new_parser().parse_known_args(argv)
    if hasattr(args, "pages"):
        args.pages = ",".join(args.pages)
    beam_args, positionals, unknown = split_beam_flags(rest)
    if unknown:
        raise cli.UsageError(f"unrecognized arguments: {' '.join(unknown)} (--help lists every flag)")
    if len(positionals) > 1:
        raise cli.UsageError(f"one output folder at most, not {' '.join(positionals)}")
    if positionals and args.out and positionals[0] != args.out:
        raise cli.UsageError(f"two output folders given: {positionals[0]} and --out {args.out}")
    args.out = args.out or (positionals[0] if positionals else DEFAULT_OUT)
    check_runner(args)
    return args, beam_args


def check_runner(args) -> None:
    if args.workers < 1:
        raise cli.UsageError(f"--workers must be at least 1, not {args.workers}")
    if args.dask_address and args.runner != "dask":
        raise cli.UsageError("--dask-address is for --runner dask")
    if args.runner == "dask" and importlib.util.find_spec("distributed") is None:
        raise cli.UsageError("--runner dask needs Dask: pip install 'webtext[dask]'")


def listing_spec(args) -> ListingSpec | None:
    if not args.subreddits:
        return None
    subreddits = [name.strip() for group in args.subreddits for name in group.split(",") if name.strip()]
    spec = ListingSpec(subreddits, args.listing, args.time_filter, args.listing_limit,
                       args.reddit_url, args.oauth_url, args.praw_site)
    try:
        live.new_reddit(spec)  # checks the credentials here, not in a worker after the job has started
    except Exception as e:  # praw's many configuration errors share no base class
        reason = " ".join(str(e).split())  # praw's messages run over several lines
        raise cli.UsageError(f"--subreddits: praw cannot start ({reason}); set praw_client_id, praw_client_secret "
                             "and praw_user_agent, or a praw.ini section with --praw-site") from None
    return spec


def request_of(args) -> Request:
    """What the command line asked for, as plain data for webtext.run.plan."""
    if os.path.isfile(args.out):
        raise cli.UsageError(f"--out {args.out} is a file: name a folder (new or from an earlier run)")
    # Dataflow's console shows progress; local and Dask runs print their own lines.
    progress_s = args.progress_s if args.runner in ("direct", "dask") else 0.0
    if args.decontaminate and args.no_decontaminate:
        raise cli.UsageError("--decontaminate and --no-decontaminate: give one")
    evals = [] if args.no_decontaminate else args.decontaminate
    return Request(args.out, args.dumps, args.warc, listing_spec(args), cli.given(args, Config), args.first,
                   args.until, progress_s, evals, args.recipe or "")


def run(argv=None) -> dict:
    """Build the dataset; returns {"counters", "manifest" (None before shards), "job" (dry runs)}."""
    args, beam_args = parse_args(argv)
    # A cloud path with no credentials, no bucket or no answer is said before anything starts.
    problem = stores.problem([args.out, *(args.dumps or []), *(args.warc or []), *beam_args])
    if problem:
        raise cli.UsageError(problem)
    drift = environment.warning(environment.lock_differences())
    if drift:
        print(drift, file=sys.stderr, flush=True)
    markers = read_markers(args.out)
    plan = plan_run(request_of(args), markers)
    if plan is None:
        print(f"webtext: {args.out} is up to date to {args.until} (--from STAGE reruns a stage)")
        return {"counters": recorded_counters(markers, "shards") | markers[args.until]["counters"], "manifest": None, "job": None}
    if plan.sample:
        print(f"webtext: no input given: building the bundled sample into {args.out}", flush=True)
    rebuilding = recipe.load(plan.inputs.recipe) if plan.inputs.recipe else None
    if rebuilding:
        differs = environment.recorded_differences(rebuilding.meta["environment"])
        line = environment.warning(differs, of="recipe's", fix="the shards may differ from the recipe's")
        if line:
            print(line, file=sys.stderr, flush=True)
    missing = missing_kept_outputs(args.out, plan.first)
    if missing:
        raise cli.UsageError(f"--from {plan.first} needs what an earlier run kept: {', '.join(missing)} missing in {args.out}")
    started = time.monotonic()
    with engine(args.runner, args.workers, args.dask_address, beam_args) as running_on:
        result = execute(plan, running_on, recorded_counters(markers, plan.first))
    if result["job"]:
        transforms = result["job"]["pipeline"]["components"]["transforms"]
        print(f"webtext: translated to a Dataflow job of {len(transforms)} transforms; not submitted (--dry_run)")
        return result
    ran = " to ".join(dict.fromkeys([plan.first, plan.last]))
    print(summary(result["counters"], time.monotonic() - started, f"{args.out} ({ran})"))
    if result["manifest"]:
        print(f"  report: {os.path.join(args.out, layout.REPORT)}; check the shards: python -m webtext.verify {args.out}")
    result["empty"] = empty_result(result["counters"], plan.first, plan.last)
    if rebuilding and result["manifest"]:
        result["verdict"] = recipe.verdict(rebuilding, args.out)
        print("\n".join(result["verdict"].lines()))
    return result


def main(argv=None) -> int:
    """0, or 1 when the run made nothing or a rebuild differs from its recipe (said why on stderr); a
    UsageError propagates."""
    result = run(argv)
    verdict = result.get("verdict")
    problem = result.get("empty")
    if not problem and verdict and (verdict.identical < verdict.documents or not verdict.shards_equal):
        problem = (f"the rebuild differs from its recipe: {verdict.identical:,} of {verdict.documents:,} documents "
                   f"identical, shards {'equal' if verdict.shards_equal else 'differ'} (the verdict above says why)")
    if problem:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_command(PROG, main))
