"""Connected components of the duplicate edges, spread over workers.

Alternating large-star and small-star (Kiveris et al. 2014, "Connected
Components in MapReduce and Beyond"). Each is a function of one node and its
neighbours, so a pipeline runs it after grouping edges by node, on any number
of workers. Nodes are any ordered, hashable values (a document's Rank, as
bytes, in dedup): every component ends as a star around its smallest node, the
copy to keep.

Neither operation ever makes more edges than it is given (a large-star turns
each edge into one edge, a small-star drops its self-loops and a leaf's
repeated edge), so edges repeated along the way are kept as they are rather
than deduplicated with another shuffle: the work per round stays at most that
of the first.

Finished components leave the rounds early. A round's large-star also has
every node report its status into the small-star's grouping: a node with no
smaller neighbour claims to be a star's centre, a node whose only neighbour is
one smaller node reports to it as a settled leaf. A centre that all its edge
ends report to is the centre of a finished star: its small-star marks it
FINISHED in the next grouping, where `finished_pairs` hands its leaves to the
output and the next large-star drops the star. Most clusters of near
duplicates are small and finish in a round or two; only the few long ones are
carried through every round.

A runner's graph is fixed before it runs, so the rounds are unrolled to a
fixed number (Config.dedup_rounds, --dedup-rounds) and a last grouping checks
that every component still carried is a star; if one is not, the run fails
(NotConverged) rather than keep the wrong copies. `rounds_needed` and
`removals` run the same functions on one machine, for tests and for
benchmarks/dedup_components.py, which measured the rounds.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import NamedTuple, TypeVar

from webtext.cli import UsageError

Node = TypeVar("Node", bound=Hashable)
Edge = tuple[Node, Node]

# The flag that sets the rounds (Config.dedup_rounds, whose comment says why 20).
KNOB = "--dedup-rounds"

# Messages ride in the groupings among the neighbours: one-element lists, which
# no node is (nodes are hashable). In a small-star's grouping, a centre's claim
# [-its edge ends] and a settled leaf's report [+its edge ends] to its centre;
# in a large-star's grouping, FINISHED at the centre of a finished star.
FINISHED = [0]


class NotConverged(UsageError):
    """The unrolled rounds were too few for a component: its copies are not yet known.

    A UsageError, one line naming the flag that fixes it. Made from its message
    alone, so a runner that re-raises it with the step's name added (Beam's
    local runner) keeps its type.
    """


def neighbours(values: Iterable) -> Iterator[Node]:
    """The nodes of a group, its messages left out."""
    return (value for value in values if type(value) is not list)


def both_ways(edge: Edge) -> list[Edge]:
    """(node, neighbour) for both ends: the grouping of large_star and of the last check."""
    a, b = edge
    return [(a, b), (b, a)]


def checks_status(round_index: int, rounds: int) -> bool:
    """Whether round round_index's large-star reports the nodes' status: rounds 1, 2, 4, 8, 16, ... (counted
    from 1), not the last, whose stars the last check hands out anyway.

    A report costs at most one message a node, against the two groupings of
    every edge that each later round of a finished component costs; most
    small clusters finish in the first two rounds. Not every round: each
    report adds a step handing out stars, all flattened into the output, and
    Beam's Dask runner gives a Flatten the sum of its inputs' partitions, which
    every later step pays for (docs/dedup.md).
    """
    return round_index < rounds - 1 and round_index & (round_index + 1) == 0


class Neighbourhood(NamedTuple):
    """What one pass over a node's group in a large-star's grouping tells."""

    finished: bool  # marked FINISHED: the centre of a finished star
    edge_ends: int  # the node's edges, repeats included
    smallest: Node  # of the node and its neighbours
    centre: Node | None  # the node if no neighbour is smaller, its one smaller neighbour if it has nothing else


def neighbourhood(node: Node, values: Iterable) -> Neighbourhood:
    """One pass over the group, which may be a whole big cluster (its smallest node's), never held."""
    finished, edge_ends, smallest, parent, has_larger, two_smaller = False, 0, node, None, False, False
    for other in values:
        if type(other) is list:
            finished = True
            continue
        edge_ends += 1
        if other < smallest:
            smallest = other
        if other > node:
            has_larger = True
        elif parent is None:
            parent = other
        elif other != parent:
            two_smaller = True
    if parent is None:
        return Neighbourhood(finished, edge_ends, smallest, node)
    settled = not (has_larger or two_smaller)
    return Neighbourhood(finished, edge_ends, smallest, parent if settled else None)


def status(node: Node, seen: Neighbourhood) -> Iterator[tuple[Node, list[int]]]:
    """node's claim to be a centre, or its report to its centre as a settled leaf, keyed by that centre."""
    if seen.centre == node:
        yield node, [-seen.edge_ends]
    elif seen.centre is not None:
        yield seen.centre, [seen.edge_ends]


def large_star(node: Node, values: Iterable, report: bool = False) -> Iterator[tuple[Node, object]]:
    """Hang each larger neighbour of node on the smallest of node and its neighbours,
    keyed by the larger end (small_star's grouping); with report, node's status too.

    Nothing from the centre of a finished star: finished_pairs hands it out. Its
    leaves have no larger neighbour, so none of the star is carried on.
    """
    seen = neighbourhood(node, values)
    if seen.finished:
        return
    for other in values:  # nodes only: FINISHED is a large-star grouping's only message
        if other > node:
            yield other, seen.smallest
    if report:
        yield from status(node, seen)


def claim_balanced(values: Iterable) -> bool:
    """Whether node claimed to be a centre and every one of its edge ends reported as a settled leaf's.

    Then each neighbour's only neighbour is node, the smallest: its component is
    a star around it. Reports reach a node that made no claim too (a settled
    leaf does not know whether its parent is a centre); they are ignored.
    """
    claimed, balance = False, 0
    for value in values:
        if type(value) is list:
            claimed |= value[0] < 0
            balance += value[0]
    return claimed and balance == 0


def small_star(node: Node, values: Iterable) -> Iterator[tuple[Node, object]]:
    """Hang node and its smaller neighbours (all it is grouped with) on the smallest of them,
    keyed both ways (large_star's grouping); FINISHED to node if its claim balanced.

    A node that claimed to be a centre has no smaller neighbour, so is no
    larger end of a large-star's edge: its group holds messages only.
    """
    if claim_balanced(values):
        yield node, FINISHED
    smallest = min(neighbours(values), default=None)
    if smallest is None:
        return
    yield from both_ways((node, smallest))
    for other in neighbours(values):
        if other != smallest:
            yield from both_ways((other, smallest))


def finished_pairs(node: Node, values: Iterable) -> Iterator[Edge]:
    """(leaf, node) for every leaf of node's star if it is marked FINISHED (each leaf is there once)."""
    if any(type(value) is list for value in values):
        for other in neighbours(values):
            yield other, node


def checked_centre(node: Node, values: Iterable, rounds: int, shown: Callable = repr) -> Node:
    """The centre of node's star (node itself if it is one), or NotConverged after `rounds` rounds.

    Node is a centre if no neighbour is smaller, a leaf if it has exactly one
    smaller neighbour (however many times repeated) and no larger one. When
    every node is one or the other, every component is a star whose centre is
    smaller than its leaves: its smallest node. `shown` names node in the error.
    """
    found = neighbourhood(node, values).centre
    if found is None:
        raise NotConverged(
            f"dedup: {rounds} rounds of large-star/small-star did not finish the duplicate clusters "
            f"({shown(node)} is not yet linked to its cluster's kept copy alone); raise {KNOB} above {rounds}"
        )
    return found


# The same on one machine ------------------------------------------------------------------------------


def _grouped(pairs: Iterable[tuple[Node, object]]) -> list[tuple[Node, list]]:
    """(key, values) of (key, value) pairs: a pipeline's group-by-key, in memory."""
    groups = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return list(groups.items())


def grouped_by_node(edges: Iterable[Edge]) -> list[tuple[Node, list]]:
    """Each node with its neighbours: the first grouping, from the edges."""
    return _grouped(pair for edge in edges for pair in both_ways(edge))


def one_round(groups: list[tuple[Node, list]], report: bool = False) -> list[tuple[Node, list]]:
    """A large-star then a small-star, on one machine: groups by node -> groups by node."""
    by_larger = _grouped(out for node, values in groups for out in large_star(node, values, report))
    return _grouped(out for node, values in by_larger for out in small_star(node, values))


def rounds_needed(edges: Iterable[Edge]) -> int:
    """How many rounds make every component a star."""
    groups, rounds = grouped_by_node(edges), 0
    while any(neighbourhood(node, values).centre is None for node, values in groups):
        groups, rounds = one_round(groups), rounds + 1
    return rounds


def removals(edges: Iterable[Edge], rounds: int) -> list[Edge]:
    """(node, its component's smallest node) for every node but those smallest, as the pipeline computes them:
    handed out as their components finish, the rest checked after the last round."""
    groups, found = grouped_by_node(edges), []
    for i in range(rounds):
        found += [pair for node, values in groups for pair in finished_pairs(node, values)]
        groups = one_round(groups, checks_status(i, rounds))
    for node, values in groups:
        kept = checked_centre(node, values, rounds)
        if kept != node:
            found.append((node, kept))
    return found


def centres(edges: Iterable[Edge], rounds: int) -> dict:
    """{node: its component's smallest node} for every node but those smallest (removals as a dict)."""
    return dict(removals(edges, rounds))
