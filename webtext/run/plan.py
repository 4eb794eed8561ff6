"""What a run is to do, as plain data: its inputs, settings and range of stages.

A rerun of an output folder keeps the inputs and settings recorded in its stage
markers (flags given now override them), and starts at the first stage not
already done with the same fingerprint, unless told where to start.

Eval files to decontaminate with are inputs like the dumps, recorded and reused, but
each is hashed when a run is planned: the hash is in the decontaminate stage's
fingerprint, so an edited file reruns it (and shards) though its path is the same.
"""

from importlib import resources
from typing import NamedTuple

from webtext import recipe
from webtext.cli import UsageError, build
from webtext.config import Config, knobs
from webtext.fetch import sources
from webtext.links.live import ListingSpec
from webtext.ngrams import eval_sets
from webtext.run import stages

# The bundled sample: three dumps and the WARC of their pages.
SAMPLE_DUMPS = "RS_*"
SAMPLE_WARC = "pages.warc.gz"
# The sample has ~100 documents: 1% would leave validation nearly empty.
SAMPLE_OVERRIDES = {"val_fraction": 0.1}


class Inputs(NamedTuple):
    dumps: list[str]  # glob patterns of Pushshift-format dump files
    warcs: list[str]  # glob patterns of WARC files; empty means fetch live
    out: str
    listings: ListingSpec | None = None  # live subreddit listings through praw
    evals: tuple = ()  # (path, sha256) of each eval file to decontaminate with; empty: no decontamination
    recipe: str = ""  # a rebuild: the recipe folder whose rows are the links and captures (no dumps)


class Plan(NamedTuple):
    inputs: Inputs
    config: Config
    first: str
    last: str
    progress_s: float = 0.0  # a progress line per stage this often (local runs); 0: none
    sample: bool = False  # building the bundled sample


class Request(NamedTuple):
    """What the command line asked for; None where it said nothing."""

    out: str
    dumps: list[str] | None
    warcs: list[str] | None
    listings: ListingSpec | None
    settings: dict  # the Config fields given
    first: str | None
    last: str
    progress_s: float
    evals: list[str] | None = None  # eval files to decontaminate with; [] turns it off
    recipe: str = ""  # a recipe folder to rebuild from


def sample_path(name: str) -> str:
    return str(resources.files("webtext") / "sample" / name)


def latest_marker(markers: dict) -> dict:
    return markers[max(markers, key=stages.STAGES.index)] if markers else {"inputs": {}, "config": {}}


def plan_run(request: Request, markers: dict) -> Plan | None:
    """Inputs, settings and stages of this run; None when every stage asked for is done.

    With no inputs given or recorded it is the bundled sample.
    """
    recorded = latest_marker(markers)
    listed = recorded["inputs"].get("listings")
    listings = request.listings or (ListingSpec(*listed) if listed else None)
    dumps = request.dumps or recorded["inputs"].get("dumps")
    rebuild = request.recipe or recorded["inputs"].get("recipe") or ""
    if rebuild:
        return plan_rebuild(request, markers, rebuild)
    sample = not dumps and not listings
    if sample and (request.settings or request.first) and not markers:
        # A rerun's settings on a folder holding no run: most likely a mistyped folder.
        raise UsageError(f"{request.out} holds no run to rerun with {_asked(request)}; give --dumps or --subreddits, "
                         "or build the bundled sample first (no flags)")
    if sample:
        dumps = [sample_path(SAMPLE_DUMPS)]
    warcs = request.warcs or recorded["inputs"].get("warcs") or ([sample_path(SAMPLE_WARC)] if sample else [])
    known = {f.name for f in knobs()}
    base = {k: v for k, v in recorded["config"].items() if k in known} or (SAMPLE_OVERRIDES if sample else {})
    config = build(Config, base, request.settings)
    try:
        sources.check_order(config.page_sources())
    except ValueError as err:
        raise UsageError(str(err)) from None
    inputs = Inputs(dumps, warcs, request.out, listings, eval_inputs(request.evals, recorded, config))
    return stages_to_run(request, markers, inputs, config, sample)


def stages_to_run(request: Request, markers: dict, inputs: Inputs, config: Config, sample: bool = False) -> Plan | None:
    """The plan from the first stage not done with these inputs and settings; None if all are done."""
    prints = stages.fingerprints(inputs._asdict(), config.to_dict())
    done = {stage: marker["fingerprint"] for stage, marker in markers.items()}
    first = request.first or stages.first_to_run(done, prints, request.last)
    if first:
        check_decontaminated_kept(first, inputs, markers)
    return Plan(inputs, config, first, request.last, request.progress_s, sample) if first else None


def plan_rebuild(request: Request, markers: dict, folder: str) -> Plan | None:
    """A rebuild from a recipe: its rows for links, its settings (flags given now on top), no dumps."""
    if request.dumps or request.listings:
        raise UsageError("--recipe rebuilds without dumps: give --recipe, or --dumps/--subreddits, not both")
    recorded = latest_marker(markers)
    try:
        meta = recipe.load(folder).meta
        known = {f.name for f in knobs()}
        config = build(Config, {k: v for k, v in (recorded["config"] or meta["config"]).items() if k in known},
                       request.settings)
        evals = eval_inputs(request.evals, recorded, config)
        recipe.check_evals(meta, evals)
    except recipe.RecipeError as err:
        raise UsageError(f"--recipe {err}") from None
    warcs = request.warcs or recorded["inputs"].get("warcs") or []
    return stages_to_run(request, markers, Inputs([], warcs, request.out, None, evals, folder), config)


def eval_inputs(given: list[str] | None, recorded: dict, config: Config) -> tuple:
    """(path, sha256) of each eval file: those given now, else those the folder's run recorded."""
    paths = given if given is not None else [path for path, _ in recorded["inputs"].get("evals") or ()]
    try:
        eval_sets.named_sets(paths, config.eval_field, config.collision_words)
        return tuple((path, eval_sets.sha256_of(path)) for path in paths)
    except ValueError as e:
        hint = "" if given is not None else " (recorded by the earlier run: --no-decontaminate goes without)"
        raise UsageError(f"--decontaminate: {e}{hint}") from None


def check_decontaminated_kept(first: str, inputs: Inputs, markers: dict) -> None:
    """A run starting past decontaminate reads what it kept: it must have run with these eval files."""
    if not inputs.evals or stages.STAGES.index(first) <= stages.STAGES.index("decontaminate"):
        return
    recorded = markers.get("decontaminate", {}).get("inputs", {}).get("evals")
    if [list(pair) for pair in recorded or ()] != [list(pair) for pair in inputs.evals]:
        raise UsageError(f"--from {first} reads what decontaminate kept, and it has not run with these eval files "
                         "(or they changed since): --from decontaminate")


def _asked(request: Request) -> str:
    flags = [f"--{name.replace('_', '-')}" for name in request.settings] + (["--from"] if request.first else [])
    return ", ".join(flags)


def recorded_counters(markers: dict, first: str) -> dict:
    """The counters of the stages before `first`, from the run that did them."""
    earlier = stages.STAGES[: stages.STAGES.index(first)]
    return {k: v for stage in earlier if stage in markers for k, v in markers[stage]["counters"].items()}
