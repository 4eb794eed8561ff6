"""Clusters of duplicates as connected components in rounds, against union-find.

Small graphs go through the Beam transform (FnApiRunner); bigger ones through
the same round functions on one machine (components.centres).
"""

import itertools
import random
import re

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipelines.stages.dedup import Clusters, Deduplicate
from webtext import cli, collect
from webtext.config import Config
from webtext.dedup import components
from webtext.dedup.duplicates import Rank
from webtext.records import Document

ROUNDS = Config().dedup_rounds  # the pipeline's default


def union_find(edges) -> dict:
    """{node: smallest node of its component} for every node not the smallest."""
    parent = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for a, b in edges:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return {node: root(node) for node in parent if root(node) != node}


def chain(labels):
    return list(itertools.pairwise(labels))


def shuffled(labels, seed):
    labels = list(labels)
    random.Random(seed).shuffle(labels)
    return labels


def random_graph(nodes, edges, seed):
    rng = random.Random(seed)
    return [(a, b) for a, b in ((rng.randrange(nodes), rng.randrange(nodes)) for _ in range(edges)) if a != b]


def graphs(n: int) -> dict:
    """Every shape of the property tests, about n nodes each, labels 0..n-1."""
    rng = random.Random(n)
    small = [(i, i + rng.randint(1, 4)) for i in range(0, n - 5, 6)]  # components of 2 and 3 among gaps
    return {
        "chain, increasing": chain(range(n)),
        "chain, decreasing": chain(range(n)[::-1]),
        "chain, random order": chain(shuffled(range(n), 1)),
        "star, centre smallest": [(0, i) for i in range(1, n)],
        "star, centre largest": [(n - 1, i) for i in range(n - 1)],
        "many small components": small + [(i + 1, i) for i, _ in small],  # both directions
        "isolated pairs": [(i, i + 1) for i in range(0, n, 2)],
        "random, sparse": random_graph(n, n // 2, 2),
        "random, dense": random_graph(n, 3 * n, 3),
        "repeated edges": chain(shuffled(range(n), 4)) * 3,
    }


@pytest.mark.parametrize("n", [50, 3000])
def test_components_equal_union_finds(n):
    for name, edges in graphs(n).items():
        removals = components.removals(shuffled(edges, n), ROUNDS)
        assert dict(removals) == union_find(edges), name
        assert len(removals) == len(dict(removals)), name  # each handed out once, early or at the end


def test_random_graphs_equal_union_finds():
    for seed in range(1000):
        rng = random.Random(seed)
        nodes = rng.randint(2, 60)
        edges = random_graph(nodes, rng.randint(1, 2 * nodes), seed)
        removals = components.removals(edges, ROUNDS)
        assert dict(removals) == union_find(edges) and len(removals) == len(dict(removals)), seed


@pytest.mark.parametrize("n", [50, 300])
def test_fewer_rounds_than_needed_fail_never_giving_wrong_clusters(n):
    for name, edges in graphs(n).items():
        needed = components.rounds_needed(edges)
        for rounds in range(needed):
            with pytest.raises(components.NotConverged):
                components.centres(edges, rounds)
        assert components.centres(edges, needed) == union_find(edges), name


def _edge_ends(groups) -> int:
    return sum(1 for _, values in groups for _ in components.neighbours(values))


def test_a_round_never_makes_more_edges():
    groups = components.grouped_by_node(random_graph(2000, 4000, 5) * 2)
    for report in [False, True, False, True]:
        after = components.one_round(groups, report)
        assert _edge_ends(after) <= _edge_ends(groups)
        groups = after


def _carried(edges, rounds: int) -> list[set]:
    """The nodes each round hands on, every round reporting the nodes' status."""
    groups, carried = components.grouped_by_node(edges), []
    for _ in range(rounds):
        groups = components.one_round(groups, report=True)
        carried.append({node for node, values in groups if any(True for _ in components.neighbours(values))})
    return carried


def _components_of(edges) -> list[set]:
    kept = union_find(edges)
    members = {}
    for node in {node for edge in edges for node in edge}:
        members.setdefault(kept.get(node, node), set()).add(node)
    return list(members.values())


def test_only_stars_around_their_smallest_node_are_marked_finished():
    for seed in range(300):
        groups = components.grouped_by_node(random_graph(40, 40, seed))
        for _ in range(6):
            groups = components.one_round(groups, report=True)
            values_of = dict(groups)
            edges = [(node, other) for node, values in groups for other in components.neighbours(values)]
            for component in _components_of(edges):
                centre = min(component)
                marked = [node for node in component if components.FINISHED in values_of[node]]
                is_star = all(values_of[node] == [centre] for node in component - {centre})
                assert not marked or (is_star and marked == [centre]), seed


def test_small_clusters_leave_the_rounds_early():
    rng, edges, first = random.Random(7), [], 0
    for _ in range(300):  # clusters of 2-10 nodes, each joined to up to 3 earlier ones, labels shuffled
        size = rng.randint(2, 10)
        edges += [(first + i, first + j) for i in range(1, size) for j in rng.sample(range(i), min(i, 3))]
        first += size
    labels = shuffled(range(first), 8)
    edges = [(labels[a], labels[b]) for a, b in edges]
    assert not _carried(edges, ROUNDS)[components.rounds_needed(edges) + 1]  # all handed out, none carried
    assert components.centres(edges, ROUNDS) == union_find(edges)


def test_long_components_are_carried_and_short_ones_are_not():
    pairs = [(i, i + 1) for i in range(3000, 3400, 2)]  # finished from the start
    long_chain = chain(shuffled(range(2000), 9))
    edges = shuffled(pairs + long_chain, 10)
    carried = _carried(edges, ROUNDS)
    assert carried[1] == set(range(2000))  # the pairs left after the first round's check
    assert components.centres(edges, ROUNDS) == union_find(edges)
    needed = components.rounds_needed(long_chain)
    assert not carried[needed + 1] and carried[needed - 1]
    with pytest.raises(components.NotConverged):  # the pairs finished, the chain did not
        components.centres(edges, needed - 1)


def test_the_best_ranked_member_is_kept_whatever_the_edge_order():
    a, b, c, d, e = (Rank(-karma, 1, url) for url, karma in [("a", 9), ("b", 5), ("c", 7), ("d", 1), ("e", 3)])
    edges = [(b, c), (c, a), (d, e)]  # chain b-c-a, pair d-e
    for order in itertools.permutations(edges):
        for flipped in itertools.product([False, True], repeat=len(order)):
            directed = [(y, x) if flip else (x, y) for (x, y), flip in zip(order, flipped)]
            assert components.centres(directed, ROUNDS) == {b: a, c: a, d: e}


def _rank(label: int) -> Rank:
    return Rank(label, 1500000000, f"https://a.com/{label}")


def _run_clusters(edges, rounds):
    with beam.Pipeline(runner=FnApiRunner()) as p:
        pairs = p | beam.Create([(_rank(a), _rank(b)) for a, b in edges]) | Clusters(rounds)
        expected = [(_rank(node).url, _rank(kept).url) for node, kept in union_find(edges).items()]
        assert_that(pairs, equal_to(expected))


def test_beam_clusters_equal_union_finds():
    n, edges = 40, []
    for i, shape in enumerate(graphs(n).values()):  # every shape in one run, each its own labels
        edges += [(a + i * n, b + i * n) for a, b in shape]
    _run_clusters(shuffled(edges, 6), ROUNDS)


def test_beam_hands_out_early_and_late_finishing_clusters_once():
    pairs = [(i, i + 1) for i in range(1000, 1100, 2)]
    stars = [(centre, centre + leaf) for centre in range(2000, 2100, 10) for leaf in range(1, 10)]
    long_chain = chain(shuffled(range(300), 11))
    _run_clusters(shuffled(pairs + stars + long_chain, 12), ROUNDS)
    _run_clusters(shuffled(pairs + stars + long_chain, 12), components.rounds_needed(long_chain))


def test_too_few_rounds_fail_naming_the_flag():
    with pytest.raises(components.NotConverged, match=re.escape("raise --dedup-rounds above 2")):
        components.centres(chain(range(64)), rounds=2)
    with pytest.raises(components.NotConverged, match=re.escape("raise --dedup-rounds above 2")):  # type kept
        _run_clusters(chain(range(64)), rounds=2)


def _word(j: int) -> str:
    """A distinct word for each j, in letters: dedup folds digits to 0."""
    return "".join("abcdefghijklmnopqrstuvwxyz"[int(d)] for d in f"{j:04d}")


def _chain_document(i: int) -> Document:
    """Link i of a chain of near duplicates, ranked by its place: words 40i to 40i+300, so
    the Jaccard (word 5-grams) of neighbours is 0.76 (LSH misses one pair in 1,000), of the
    next-but-one 0.57, of those further apart under the threshold."""
    words = [_word(j) for j in range(40 * i, 40 * i + 300)]
    return Document(f"https://a.com/{i}", "a.com", "", " ".join(words), "en", len(words), i, i, 1500000000, [])


def test_a_too_small_dedup_rounds_on_a_long_chain_fails_in_one_line_naming_the_flag(capsys):
    args, _ = collect.parse_args(["--dedup-rounds", "1"])
    config = Config(**cli.given(args, Config))
    docs = [_chain_document(i) for i in range(32)]  # a chain of 32 needs about log2(32) rounds
    with beam.Pipeline(runner=FnApiRunner()) as p:  # one cluster, kept as its best-ranked document
        unique, _ = p | beam.Create(docs) | Deduplicate(Config())
        assert_that(unique | beam.Map(lambda doc: doc.url), equal_to(["https://a.com/31"]))

    def dedup_stage():
        with beam.Pipeline(runner=FnApiRunner()) as p:
            p | beam.Create(docs) | Deduplicate(config)

    assert cli.run_command(collect.PROG, dedup_stage) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"{collect.PROG}: error: dedup: 1 rounds of large-star/small-star did not finish")
    assert "raise --dedup-rounds above 1" in error


def test_dedup_rounds_may_not_be_negative():
    with pytest.raises(ValueError, match=re.escape("--dedup-rounds must be at least 0, not -1")):
        Config(dedup_rounds=-1)
