"""A WebText-size run on paper, from rates measured here: core-hours, workers, memory, wall time, archives.

    python benchmarks/scaling.py --scales 10,100,300 --runners direct,dask --workers 1 --repeats 1 --json m.json
    python benchmarks/projection.py m.json [--posts 600000000] [--links 45000000] [--documents 8000000]
        [--cores 64,512] [--machines 1,16,64]

From each runner's 1-worker runs in m.json (benchmarks/scaling.py): CPU
seconds per unit of each stage (links per dump line read, fetch per link,
extract per page, i.e. per link, dedup per document extracted, shards per
document written) at every scale measured, to show whether the cost per unit
is flat; then, at the largest scale, the projection to --posts dump lines
(the default, 600M, is the order of the submissions in Pushshift's RS files
to December 2017: count your own), --links links and --documents documents:
core-hours per stage, wall time on each of --cores cores if the work spreads
evenly (it does not quite: each stage's start-up and its last, slowest task
add to it), peak memory per worker, and the archives' request budget at the
configured rates. Fetching is measured from a WARC (no network): a real run's
fetch is bounded by the archives' rates and the network, not by CPU, which is
why the archive rows stand apart.
"""

import argparse
import json
from pathlib import Path

from webtext.config import Config

STAGES = ["links", "fetch", "extract", "dedup", "shards"]
# What each stage's cost is counted per: the measured input's count of it, and the full run's.
UNIT = {"links": "lines", "fetch": "links kept", "extract": "links kept", "dedup": "extracted", "shards": "documents"}


def cost_per_unit(run: dict) -> dict[str, float]:
    """CPU seconds per unit of each stage, in one measured run."""
    return {stage: run[f"{stage} CPU"] / run[UNIT[stage]] for stage in STAGES}


def flatness_table(runs: list[dict]) -> None:
    print("CPU ms per unit, 1 worker, by scale (flat: the cost per unit does not grow with the input)\n")
    print(f"{'runner':<8}{'scale':>6}" + "".join(f"{s:>10}" for s in STAGES) + f"{'peak MB':>9}")
    for run in runs:
        per = cost_per_unit(run)
        print(f"{run['runner']:<8}{run['scale']:>5}x" + "".join(f"{per[s] * 1000:>10.2f}" for s in STAGES)
              + f"{run['peak MB']:>9,.0f}")


def projection_table(run: dict, units: dict[str, int], cores: list[int]) -> None:
    per = cost_per_unit(run)
    print(f"\n{run['runner']}, from the {run['scale']}x run: {units['lines']:,} posts, {units['links kept']:,} links, "
          f"{units['extracted']:,} documents extracted, {units['documents']:,} written\n")
    print(f"{'stage':<10}{'core-hours':>12}" + "".join(f"{f'wall on {c}':>14}" for c in cores))
    total = 0.0
    for stage in STAGES:
        hours = per[stage] * units[UNIT[stage]] / 3600
        total += hours
        print(f"{stage:<10}{hours:>12,.0f}" + "".join(f"{hours / c:>13,.1f}h" for c in cores))
    print(f"{'all':<10}{total:>12,.0f}" + "".join(f"{total / c:>13,.1f}h" for c in cores))
    print(f"peak memory of a worker at {run['scale']}x: {run['peak MB']:,.0f} MB")


def archive_budget(links: int, machines: list[int], config: Config) -> None:
    """Days of index requests at the configured per-machine rates: the floor under a fetch from archives."""
    print("\narchive index requests (one per link per archive asked; Common Crawl's CDX path may ask up to "
          f"{config.commoncrawl_max_crawls} crawls a link)\n")
    print(f"{'archive':<28}{'rate/machine':>13}" + "".join(f"{f'days, {m} machines':>20}" for m in machines))
    for name, rate, per_link in [("Wayback CDX", config.wayback_rate, 1),
                                 ("Common Crawl CDX, 1 crawl", config.commoncrawl_index_rate, 1),
                                 ("Common Crawl CDX, all crawls", config.commoncrawl_index_rate,
                                  config.commoncrawl_max_crawls)]:
        days = [links * per_link / (rate * m) / 86400 for m in machines]
        print(f"{name:<28}{rate:>11.1f}/s" + "".join(f"{d:>20,.1f}" for d in days))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("measured", type=Path, help="benchmarks/scaling.py --json's file")
    parser.add_argument("--posts", type=int, default=600_000_000)
    parser.add_argument("--links", type=int, default=45_000_000)
    parser.add_argument("--documents", type=int, default=8_000_000)
    parser.add_argument("--cores", default="64,512")
    parser.add_argument("--machines", default="1,16,64", help="machines asking the archives, each at its rate")
    args = parser.parse_args()
    runs = sorted((r for r in json.loads(args.measured.read_text()) if r["workers"] == 1),
                  key=lambda r: (r["runner"], r["scale"]))
    flatness_table(runs)
    for runner in dict.fromkeys(r["runner"] for r in runs):
        largest = [r for r in runs if r["runner"] == runner][-1]
        extracted = round(args.documents * largest["extracted"] / largest["documents"])
        units = {"lines": args.posts, "links kept": args.links, "extracted": extracted, "documents": args.documents}
        projection_table(largest, units, [int(c) for c in args.cores.split(",")])
    archive_budget(args.links, [int(m) for m in args.machines.split(",")], Config())


if __name__ == "__main__":
    main()
