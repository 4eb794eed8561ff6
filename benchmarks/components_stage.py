"""Dedup's clusters as a Beam stage: rounds across workers against the single-worker union-find they replaced.

    python benchmarks/components_stage.py [--edges 100000,300000,1000000] [--workers 1,2] [--repeats 3]
                                          [--rounds 20] [--timeout 1200]

The graph: synthetic duplicate edges between documents' ranks (webtext.dedup.
duplicates.Rank, most karma first), in the shapes near duplicates take, by
share of the edges: 75 % small clusters of 2-10 documents, each document
paired with up to 3 earlier ones (2 edges a document); 10 % chains of 10-1,000
documents (edits of edits); 15 % four big stars, the biggest with 40 % of
their edges, each leaf paired with the hub and, past the first 16 leaves, with
one of those 16 (a hot bucket's pairs: every member with the bucket's 16
best-ranked). 1M edges are about 550,000 documents. Ranks are a hash of the document's number, so
the kept copy sits anywhere in its cluster.

Each contender is its own pipeline, run in a process of its own, on Beam's
local runner as `python -m webtext.collect` starts it (pipelines.runners.engine.
make_pipeline: FnApiRunner, --workers N processes in multi-processing mode):
the edges are made by the workers from the clusters' sizes, then

  - rounds: pipelines.stages.dedup.Clusters, as the dedup stage runs it (--rounds);
  - union-find: what the dedup stage ran before Clusters (its code at git
    e7edf9f, written again here): every edge under one key, grouped onto one
    worker, union-find there.

Each run's result is reduced to its count and an order-free digest (the sum
of a hash of each (removed, kept) pair), and the contenders' must be equal,
with the count every document but each cluster's kept one. Seconds are the
pipeline's, from run() to its end (worker start-up included, imports and the
graph's construction not); CPU seconds, over the same span, are those of the
pipeline's process and its ended worker processes; peak RSS
is the largest single process of the tree (the runner or a worker), sampled
every 0.1 s with psutil. Runs take turns (round after round of every size,
worker count and contender), so a shared machine's load falls on all alike;
the table quotes medians.
"""

import argparse
import contextlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import reduce
from hashlib import blake2b
from pathlib import Path

import apache_beam as beam
import psutil

from pipelines.runners.engine import make_pipeline
from pipelines.stages.dedup import Clusters
from webtext.config import Config
from webtext.dedup.duplicates import Rank

CONTENDERS = ("rounds", "union-find")
STAR_LEAVES = (0.4, 0.3, 0.2, 0.1)  # shares of the stars' edges
BUCKET_TOP = 16  # a hot bucket pairs each member with its 16 best-ranked (webtext.dedup.duplicates)


# The graph ----------------------------------------------------------------------------------------------


def cluster_edges(kind: str, size: int, seed: int) -> list[tuple[int, int]]:
    """The edges between a cluster's documents 0..size-1."""
    rng = random.Random(seed)
    if kind == "small":
        return [(i, j) for i in range(1, size) for j in rng.sample(range(i), min(i, 3))]
    if kind == "chain":
        return [(i, i + 1) for i in range(size - 1)]
    hub_pairs = [(leaf, 0) for leaf in range(1, size)]
    return hub_pairs + [(leaf, rng.randint(1, BUCKET_TOP)) for leaf in range(BUCKET_TOP + 1, size)]


def edge_count(kind: str, size: int) -> int:
    if kind == "small":
        return sum(min(i, 3) for i in range(1, size))
    if kind == "chain":
        return size - 1
    return size - 1 + max(0, size - BUCKET_TOP - 1)


def clusters(edges: int, seed: int = 1) -> list[tuple[str, int, int, int]]:
    """(kind, first document, size, seed) of clusters with about `edges` edges in all, in the mix above."""
    rng, made, first = random.Random(seed), [], 0

    def add(kind: str, size: int) -> int:
        nonlocal first
        made.append((kind, first, size, rng.randrange(2**32)))
        first += size
        return edge_count(kind, size)

    for share in STAR_LEAVES:
        add("star", int(0.15 * edges * share / 2))
    budget = 0.10 * edges
    while budget > 0:
        budget -= add("chain", rng.randint(10, 1000))
    budget = edges - sum(edge_count(kind, size) for kind, _, size, _ in made)
    while budget > 0:
        budget -= add("small", rng.randint(2, 10))
    return made


def rank(document: int) -> Rank:
    """A document's Rank, from a hash of its number: the kept copy anywhere in its cluster."""
    mixed = (document * 0x9E3779B97F4A7C15) % 2**64
    return Rank(-(mixed >> 54), 1_300_000_000 + (mixed >> 20) % 10**8, f"https://site{mixed % 9973}.example/{document}")


def ranked_edges(cluster: tuple[str, int, int, int]):
    kind, first, size, seed = cluster
    for a, b in cluster_edges(kind, size, seed):
        yield rank(first + a), rank(first + b)


# The contenders, each its own pipeline ------------------------------------------------------------------


def union_find(key_and_edges):
    """(removed url, kept url) of every component's member but its smallest: the stage's code before rounds."""
    _, edges = key_and_edges
    parent = {}

    def root(node):
        parent.setdefault(node, node)
        top = node
        while parent[top] != top:
            top = parent[top]
        while parent[node] != top:  # path compression
            parent[node], node = top, parent[node]
        return top

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    for node in parent:
        kept = root(node)
        if kept != node:
            yield node.url, kept.url


def contender(name: str, rounds: int) -> beam.PTransform:
    if name == "rounds":
        return Clusters(rounds)
    return (
        "AllEdges" >> beam.Map(lambda edge: (None, edge))
        | "GatherEdges" >> beam.GroupByKey()
        | "UnionFind" >> beam.FlatMap(union_find)
    )


DIGEST_MOD = 2**62  # a sum Beam's VarIntCoder (signed 64-bit) encodes


def pair_digest(pair: tuple[str, str]) -> tuple[int, int]:
    return 1, int.from_bytes(blake2b("\t".join(pair).encode(), digest_size=8).digest(), "big") % DIGEST_MOD


def add_digests(digests) -> tuple[int, int]:
    return reduce(lambda a, b: (a[0] + b[0], (a[1] + b[1]) % DIGEST_MOD), digests, (0, 0))


def cpu_seconds() -> float:
    """This process's CPU seconds and its ended children's (the local runner's worker processes)."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def run_one(name: str, edges: int, workers: int, rounds: int) -> dict:
    """One contender's pipeline: seconds, and the count and digest of its (removed, kept) pairs."""
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = make_pipeline("direct", workers, [])
        (
            pipeline
            | "Sizes" >> beam.Create(clusters(edges))
            | "Edges" >> beam.FlatMap(ranked_edges)
            | name >> contender(name, rounds)
            | "PairDigest" >> beam.Map(pair_digest)
            | "Digest" >> beam.CombineGlobally(add_digests)
            | "Write" >> beam.Map(json.dumps)
            | beam.io.WriteToText(f"{tmp}/digest", num_shards=1, shard_name_template="")
        )
        started, cpu_started = time.perf_counter(), cpu_seconds()
        pipeline.run().wait_until_finish()
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        removed, digest = json.loads(Path(f"{tmp}/digest").read_text())
    return {"seconds": seconds, "cpu": cpu, "removed": removed, "digest": digest}


# Measuring, in a process of its own ---------------------------------------------------------------------


def measured(name: str, edges: int, workers: int, rounds: int, timeout: float) -> dict | None:
    """run_one in a child process, with the largest RSS of its tree; None if past timeout."""
    argv = [sys.executable, __file__, "--one", name, "--edges", str(edges), "--workers", str(workers),
            "--rounds", str(rounds)]
    peak, deadline = 0, time.monotonic() + timeout
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(argv, stdout=out, stderr=err)
        tree = psutil.Process(child.pid)
        while child.poll() is None and time.monotonic() < deadline:
            for process in [tree, *tree.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    peak = max(peak, process.memory_info().rss)
            time.sleep(0.1)
        if child.poll() is None:
            for process in [*tree.children(recursive=True), tree]:
                with contextlib.suppress(psutil.Error):
                    process.kill()
            child.wait()
            return None
        out.seek(0), err.seek(0)
        if child.returncode:
            raise RuntimeError(f"{name} failed:\n{err.read()[-3000:]}")
        result = json.loads(out.read().splitlines()[-1])
    return result | {"peak MB": peak / 1e6}


def medians(runs: list[dict | None]) -> dict | None:
    done = [run for run in runs if run]
    return {key: statistics.median(run[key] for run in done) for key in ("seconds", "cpu", "peak MB")} if done else None


def table(results: dict, sizes: list[int], worker_counts: list[int]) -> None:
    """Medians per size, worker count and contender; rounds' seconds as a multiple of union-find's."""
    print(f"\n{'edges':>10}{'documents':>11}{'workers':>8}{'contender':>12}{'runs':>6}"
          f"{'wall s':>9}{'CPU s':>9}{'peak MB':>9}{'wall x':>8}{'CPU x':>7}")
    for edges in sizes:
        documents = sum(size for _, _, size, _ in clusters(edges))
        for workers in worker_counts:
            found = {name: medians(results[edges, workers, name]) for name in CONTENDERS}
            base = found[CONTENDERS[-1]]
            for name, median in found.items():
                done = sum(1 for run in results[edges, workers, name] if run)
                row = f"{edges:>10,}{documents:>11,}{workers:>8}{name:>12}{f'{done}/{len(results[edges, workers, name])}':>6}"
                if median:
                    row += f"{median['seconds']:>9.1f}{median['cpu']:>9.1f}{median['peak MB']:>9.0f}"
                if median and base:
                    row += f"{median['seconds'] / base['seconds']:>8.1f}{median['cpu'] / base['cpu']:>7.1f}"
                print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", default="100000,300000,1000000", help="graph sizes, in edges")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=Config().dedup_rounds, help="Clusters' rounds (--dedup-rounds)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds a run may take")
    parser.add_argument("--one", choices=CONTENDERS, help=argparse.SUPPRESS)  # a child's single run
    args = parser.parse_args()
    sizes = [int(e) for e in args.edges.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    if args.one:
        print(json.dumps(run_one(args.one, sizes[0], worker_counts[0], args.rounds)))
        return
    results = {}
    for repeat in range(args.repeats):
        for edges in sizes:
            expected = sum(size - 1 for _, _, size, _ in clusters(edges))
            for workers in worker_counts:
                runs = {name: measured(name, edges, workers, args.rounds, args.timeout) for name in CONTENDERS}
                for name, run in runs.items():
                    results.setdefault((edges, workers, name), []).append(run)
                    print(f"repeat {repeat + 1}, {edges:,} edges, {workers} workers, {name}: {run}", flush=True)
                found = {(run["removed"], run["digest"]) for run in runs.values() if run}
                assert len(found) <= 1 and all(removed == expected for removed, _ in found), runs
    table(results, sizes, worker_counts)


if __name__ == "__main__":
    main()
