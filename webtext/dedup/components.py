"""Connected components of the duplicate edges, spread over workers.

Alternating large-star and small-star (Kiveris et al. 2014, "Connected
Components in MapReduce and Beyond"). Each is a function of one node and its
neighbours, so a pipeline runs it after grouping edges by node, on any number
of workers. Nodes are any ordered values (a document's Rank in dedup): every
component ends as a star around its smallest node, the copy to keep.

Neither operation ever makes more edges than it is given (a large-star turns
each edge into one edge, a small-star drops its self-loops), so edges repeated
along the way are kept as they are rather than deduplicated with another
shuffle: the work per round stays at most that of the first.

A runner's graph is fixed before it runs, so the rounds are unrolled to a
fixed number (Config.dedup_rounds, --dedup-rounds) and a last grouping checks
that every component is a star; if one is not, the run fails (NotConverged)
rather than keep the wrong copies. `rounds_needed` and `centres` run the same
functions on one machine, for tests and for benchmarks/dedup_components.py,
which measured the rounds.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from typing import TypeVar

from webtext.cli import UsageError

Node = TypeVar("Node", bound=Hashable)
Edge = tuple[Node, Node]

# The flag that sets the rounds (Config.dedup_rounds, whose comment says why 20).
KNOB = "--dedup-rounds"


class NotConverged(UsageError):
    """The unrolled rounds were too few for a component: its copies are not yet known.

    A UsageError, one line naming the flag that fixes it. Made from its message
    alone, so a runner that re-raises it with the step's name added (Beam's
    local runner) keeps its type.
    """


def both_ways(edge: Edge) -> list[Edge]:
    """(node, neighbour) for both ends: the grouping of large_star and centre."""
    a, b = edge
    return [(a, b), (b, a)]


def by_larger(edge: Edge) -> list[Edge]:
    """(larger end, smaller end): the grouping of small_star."""
    a, b = edge
    return [(a, b) if a > b else (b, a)]


def large_star(node: Node, neighbours: Iterable[Node]) -> Iterator[Edge]:
    """Hang each larger neighbour of node on the smallest of node and its neighbours.

    `neighbours` is read twice and never held whole: the smallest node of a
    big cluster has the whole cluster as neighbours.
    """
    smallest = min(min(neighbours), node)
    for other in neighbours:
        if other > node:
            yield other, smallest


def small_star(node: Node, smaller: Iterable[Node]) -> Iterator[Edge]:
    """Hang node and its smaller neighbours (all it is grouped with) on the smallest of them."""
    smallest = min(smaller)
    yield node, smallest
    for other in smaller:
        if other != smallest:
            yield other, smallest


def centre(node: Node, neighbours: Iterable[Node]) -> Node | None:
    """The centre of node's star, node itself if it is one; None while node is not in a star.

    Node is a centre if no neighbour is smaller, a leaf if it has exactly one
    smaller neighbour (however many times repeated) and no larger one. When
    every node is one or the other, every component is a star whose centre is
    smaller than its leaves: its smallest node.
    """
    parent, has_larger = None, False
    for other in neighbours:
        if other > node:
            has_larger = True
        elif parent is None:
            parent = other
        elif other != parent:
            return None
    if parent is None:
        return node
    return None if has_larger else parent


def checked_centre(node: Node, neighbours: Iterable[Node], rounds: int) -> Node:
    """centre(node, neighbours), or NotConverged after `rounds` rounds."""
    found = centre(node, neighbours)
    if found is None:
        raise NotConverged(
            f"dedup: {rounds} rounds of large-star/small-star did not finish the duplicate clusters "
            f"({node!r} is not yet linked to its cluster's kept copy alone); raise {KNOB} above {rounds}"
        )
    return found


def _groups(edges: Iterable[Edge], keyed) -> Iterator[tuple[Node, list[Node]]]:
    """(node, others) of keyed(edge)'s pairs: a pipeline's group-by-node, in memory."""
    groups = defaultdict(list)
    for edge in edges:
        for node, other in keyed(edge):
            groups[node].append(other)
    return iter(groups.items())


def _step(edges: Iterable[Edge], keyed, operation) -> list[Edge]:
    return [out for node, others in _groups(edges, keyed) for out in operation(node, others)]


def one_round(edges: Iterable[Edge]) -> list[Edge]:
    """A large-star then a small-star, on one machine."""
    return _step(_step(edges, both_ways, large_star), by_larger, small_star)


def rounds_needed(edges: Iterable[Edge]) -> int:
    """How many rounds make every component a star."""
    edges, rounds = list(edges), 0
    while any(centre(node, others) is None for node, others in _groups(edges, both_ways)):
        edges, rounds = one_round(edges), rounds + 1
    return rounds


def centres(edges: Iterable[Edge], rounds: int) -> dict:
    """{node: its component's smallest node} for every node but those smallest, as the pipeline computes it."""
    for _ in range(rounds):
        edges = one_round(edges)
    found = {node: checked_centre(node, others, rounds) for node, others in _groups(edges, both_ways)}
    return {node: c for node, c in found.items() if c != node}
