"""Beam counters under the names of webtext.counts: one per stage, what and reason."""

from apache_beam.metrics import Metrics

from webtext import counts
from webtext.drops import Dropped


def count(key: str, n: int = 1) -> None:
    """Add n to the counter key ("<stage>/<name>", from webtext.counts)."""
    stage, name = key.split("/", 1)
    Metrics.counter(stage, name).inc(n)


def count_loss(stage: str, kind: str, dropped: Dropped) -> None:
    """Count a record lost by stage as kind (counts.DROPPED, ...) under its reason."""
    count(counts.lost(stage, kind, dropped.reason))
