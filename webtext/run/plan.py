"""What a run is to do, as plain data: its inputs, settings and range of stages.

A rerun of an output folder keeps the inputs and settings recorded in its stage
markers (flags given now override them), and starts at the first stage not
already done with the same fingerprint, unless told where to start.
"""

from importlib import resources
from typing import NamedTuple

from webtext.cli import UsageError, build
from webtext.config import Config, knobs
from webtext.links.live import ListingSpec
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
    inputs = Inputs(dumps, warcs, request.out, listings)
    config = build(Config, base, request.settings)
    prints = stages.fingerprints(inputs._asdict(), config.to_dict())
    done = {stage: marker["fingerprint"] for stage, marker in markers.items()}
    first = request.first or stages.first_to_run(done, prints, request.last)
    return Plan(inputs, config, first, request.last, request.progress_s, sample) if first else None


def _asked(request: Request) -> str:
    flags = [f"--{name.replace('_', '-')}" for name in request.settings] + (["--from"] if request.first else [])
    return ", ".join(flags)


def recorded_counters(markers: dict, first: str) -> dict:
    """The counters of the stages before `first`, from the run that did them."""
    earlier = stages.STAGES[: stages.STAGES.index(first)]
    return {k: v for stage in earlier if stage in markers for k, v in markers[stage]["counters"].items()}
