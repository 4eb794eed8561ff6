"""Connected components in rounds: how many rounds each graph shape needs, and what the rounds cost.

    python benchmarks/dedup_components.py [--max-chain 1000000] [--stage-repeats 5] [--stage-rounds 0,10,20,32]
        [--contract-sizes 3000,100000] [--contract-groups 256] [--skip rounds,stage]

Rounds: large-star/small-star rounds (webtext.dedup.components, run on one
machine) until every component is a star, for chains with labels in
increasing, decreasing and random order, stars with the centre the smallest
and the largest label, random graphs, trees, many small components and
isolated pairs; and the worst label order of every chain of up to 9 nodes
(all orders tried). Stage: the dedup step on the bundled sample (`--from dedup
--until dedup` over a folder built to extract), on the local runner
(FnApiRunner, one process), wall and CPU seconds, median of --stage-repeats,
with --dedup-rounds set to each of --stage-rounds. The "before" of docs/dedup.md is
stage_table run the same way at the commit before (union-find on one worker).
The clusters' stage on a million edges, against union-find on one worker:
benchmarks/components_stage.py.

Contraction: for chains, stars, random graphs and many small components of
each of --contract-sizes nodes, the rounds needed and the CPU seconds of
computing them (components.rounds_needed), without and with local
contraction into --contract-groups groups by a mixing hash of the larger end
(`contracted` below, its CPU counted), and the edges the rounds start
from; also an increasing chain spread adversarially (larger end i to group
i % groups: no two neighbouring edges share a group). Each contraction's
clusters and kept copies are checked against the rounds' on the whole graph.
"""

import argparse
import contextlib
import io
import itertools
import math
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipelines.neutral import SPREAD
from webtext import collect
from webtext.config import Config
from webtext.dedup import components
from webtext.sample import make


def chain(labels: list[int]) -> list[tuple[int, int]]:
    return list(itertools.pairwise(labels))


def shuffled(n: int, seed: int) -> list[int]:
    labels = list(range(n))
    random.Random(seed).shuffle(labels)
    return labels


def random_graph(n: int, m: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(a, b) for a, b in ((rng.randrange(n), rng.randrange(n)) for _ in range(m)) if a != b]


def random_tree(n: int, seed: int) -> list[tuple[int, int]]:
    """Each node joins a random earlier one, labels shuffled: deep paths and big fan-outs."""
    rng, labels = random.Random(seed), shuffled(n, seed)
    return [(labels[i], labels[rng.randrange(i)]) for i in range(1, n)]


def small_components(n: int, seed: int) -> list[tuple[int, int]]:
    """Random trees of 2 to 20 nodes, labels shuffled over all of them."""
    rng, labels, edges, start = random.Random(seed), shuffled(n, seed), [], 0
    while start < n - 1:
        size = min(rng.randint(2, 20), n - start)
        edges += [(labels[start + i], labels[start + rng.randrange(i)]) for i in range(1, size)]
        start += size
    return edges


def shapes(max_chain: int):
    """(name, edges) of every shape measured."""
    sizes = [10**k for k in range(1, 7) if 10**k <= max_chain]
    for n in sizes:
        yield f"chain {n:,}, increasing", chain(list(range(n)))
        yield f"chain {n:,}, decreasing", chain(list(range(n))[::-1])
        yield f"chain {n:,}, random", chain(shuffled(n, n))
    n = 100_000
    yield f"star {n:,}, centre smallest", [(0, i) for i in range(1, n)]
    yield f"star {n:,}, centre largest", [(n, i) for i in range(n)]
    yield f"binary tree {n:,}, root smallest", [(i, (i - 1) // 2) for i in range(1, n)]
    yield f"binary tree {n:,}, root largest", [(n - i, n - (i - 1) // 2) for i in range(1, n)]
    yield f"random tree {n:,}", random_tree(n, 1)
    for per_node in (0.5, 1.0, 2.0):
        yield f"random graph {n:,} nodes, {per_node} edges/node", random_graph(n, int(per_node * n), 2)
    yield f"trees of 2-20 nodes, {n:,} nodes", small_components(n, 3)
    yield f"isolated pairs, {n:,} nodes", [(i, i + 1) for i in range(0, n, 2)]


def rounds_table(max_chain: int) -> None:
    print(f"{'graph':<44}{'edges':>10}{'rounds':>8}{'seconds':>9}")
    for name, edges in shapes(max_chain):
        started = time.perf_counter()
        rounds = components.rounds_needed(edges)
        print(f"{name:<44}{len(edges):>10,}{rounds:>8}{time.perf_counter() - started:>9.1f}")
    print(f"\nworst label order of a chain (all orders), against ceil(log2 n)\n\n{'nodes':>6}{'rounds':>8}{'log2':>6}")
    for n in range(2, 10):
        worst = max(components.rounds_needed(chain(list(order))) for order in itertools.permutations(range(n)))
        print(f"{n:>6}{worst:>8}{math.ceil(math.log2(n)):>6}")


# Local contraction, the experiment (not in the pipeline: docs/dedup.md says why) --------------------------


def group_of(edge: tuple, groups: int, spread: Callable[[int], int] = hash) -> int:
    """The contraction group of an edge: by its larger end, so a node meets all its smaller neighbours,
    whose smallest is what the rounds would hang it on. spread must hash alike on every worker."""
    return spread(max(edge)) % groups


# A contraction group's union-find holds at most this many nodes at a time: a group is never held whole
# (one node's group may hold a whole big cluster), and each part is contracted on its own.
LOCAL_NODES = 1 << 16


def _root(parent: dict, node: int) -> int:
    while parent.setdefault(node, node) != node:
        parent[node] = parent[parent[node]]  # path halving: later finds are shorter
        node = parent[node]
    return node


def _stars(parent: dict) -> Iterator[tuple]:
    for node in parent:
        root = _root(parent, node)
        if root != node:
            yield node, root


def local_stars(edges: Iterable[tuple], max_nodes: int = LOCAL_NODES) -> Iterator[tuple]:
    """(node, the smallest node of its component among edges) for every node not that smallest,
    by union-find over at most max_nodes nodes at a time.

    Each root is its component's smallest node, the one the rounds keep, so the
    stars have the same components and the same kept nodes as the edges.
    """
    parent = {}
    for a, b in edges:
        ra, rb = _root(parent, a), _root(parent, b)
        parent[max(ra, rb)] = min(ra, rb)
        if len(parent) >= max_nodes:
            yield from _stars(parent)
            parent = {}
    yield from _stars(parent)


def contracted(edges: Iterable[tuple], groups: int, spread: Callable[[int], int] = hash, **options) -> list[tuple]:
    """The edges after local contraction into `groups` groups, on one machine: the rounds' input."""
    by_group = components._grouped((group_of(edge, groups, spread), edge) for edge in edges)
    return [star for _, group in by_group for star in local_stars(group, **options)]


def mixed(label: int) -> int:
    """A label's contraction hash: the pipeline's crc32 of a node's bytes spreads as evenly."""
    return (label * 0x9E3779B97F4A7C15) % 2**64 >> 32


def contraction_shapes(n: int):
    """(name, edges, spread) of the shapes contraction is measured on, n nodes each."""
    yield f"chain {n:,}, increasing", chain(list(range(n))), mixed
    yield f"chain {n:,}, increasing, adversarial", chain(list(range(n))), int
    yield f"chain {n:,}, decreasing", chain(list(range(n))[::-1]), mixed
    yield f"chain {n:,}, random", chain(shuffled(n, n)), mixed
    yield f"star {n:,}, centre smallest", [(0, i) for i in range(1, n)], mixed
    yield f"star {n:,}, centre largest", [(n, i) for i in range(n)], mixed
    yield f"random tree {n:,}", random_tree(n, 1), mixed
    for per_node in (0.5, 1.0, 3.0):
        yield f"random graph {n:,}, {per_node} edges/node", random_graph(n, int(per_node * n), 2), mixed
    yield f"trees of 2-20 nodes, {n:,} nodes", small_components(n, 3), mixed


def rounds_and_cpu(edges, contract) -> tuple[int, float, int]:
    """(rounds needed, CPU seconds, edges the rounds start from) after contract(edges)."""
    started = time.process_time()
    given = contract(edges)
    rounds = components.rounds_needed(given)
    return rounds, time.process_time() - started, len(given)


CHECKED_NODES = 10_000  # graphs up to this size are checked too (a second pass of the rounds)


def contraction_table(sizes: list[int], groups: int) -> None:
    print(f"\nrounds needed and CPU s, without and with local contraction into {groups} groups\n")
    print(f"{'graph':<42}{'edges':>9}{'rounds':>7}{'CPU s':>7}{'con. edges':>11}{'rounds':>7}{'CPU s':>7}"
          f"{'rounds ratio':>13}{'CPU ratio':>10}")
    for n in sizes:
        for name, edges, spread in contraction_shapes(n):
            before, cpu_before, _ = rounds_and_cpu(edges, list)
            after, cpu_after, left = rounds_and_cpu(edges, lambda e: contracted(e, groups, spread))
            if n <= CHECKED_NODES:  # the same clusters around the same kept copies
                assert components.centres(contracted(edges, groups, spread), after) == components.centres(edges, before)
            ratio = f"{after / before:.2f}" if before else "-"
            print(f"{name:<42}{len(edges):>9,}{before:>7}{cpu_before:>7.2f}{left:>11,}{after:>7}{cpu_after:>7.2f}"
                  f"{ratio:>13}{cpu_after / cpu_before:>10.2f}", flush=True)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_run(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run in this process: CPU time, all the local runner's, is
    what a shared machine's other load disturbs least."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    with contextlib.redirect_stdout(io.StringIO()):
        collect.run(argv)
    return time.perf_counter() - started, cpu_seconds() - cpu_started


def stage_table(repeats: int, rounds_list: list[int]) -> None:
    """The dedup step's seconds on the bundled sample, for each --dedup-rounds."""
    with tempfile.TemporaryDirectory() as tmp:
        sample, out = Path(tmp) / "input", Path(tmp) / "out"
        make.main([str(sample), "--scale", "1"])
        inputs = ["--dumps", str(sample / "RS_*"), "--warc", str(sample / "pages.warc.gz")]
        common = [str(out), *inputs, "--progress-s", "0"]
        timed_run([*common, "--until", "extract"])
        print(f"\ndedup step on the bundled sample, FnApiRunner, median of {repeats}\n")
        print(f"{'rounds':>7}{'wall s':>9}{'CPU s':>9}")
        for rounds in rounds_list:
            argv = [*common, "--from", "dedup", "--until", "dedup", "--dedup-rounds", str(rounds)]
            runs = [timed_run(argv) for _ in range(repeats)]
            wall, cpu = (statistics.median(times) for times in zip(*runs))
            print(f"{rounds:>7}{wall:>9.2f}{cpu:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-chain", type=int, default=1_000_000)
    parser.add_argument("--stage-repeats", type=int, default=5)
    parser.add_argument("--stage-rounds", default=f"{Config().dedup_rounds}")
    parser.add_argument("--contract-sizes", default="3000,100000")
    parser.add_argument("--contract-groups", type=int, default=SPREAD)
    parser.add_argument("--skip", default="", help="tables left out: rounds, stage, contraction")
    args = parser.parse_args()
    skipped = set(args.skip.split(","))
    if "rounds" not in skipped:
        rounds_table(args.max_chain)
    if "contraction" not in skipped:
        contraction_table([int(n) for n in args.contract_sizes.split(",") if n], args.contract_groups)
    if "stage" not in skipped:
        stage_table(args.stage_repeats, [int(r) for r in args.stage_rounds.split(",") if r])


if __name__ == "__main__":
    main()
