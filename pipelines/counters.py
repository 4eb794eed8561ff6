"""Beam counters under the names of webtext.counts: one per stage, what and reason.

Each count is also kept in this process's memory, for runners that report no
Beam metrics (Beam's Dask runner): the command collects those tallies from
every worker once the job is done (pipelines/on_dask.py).
"""

import collections
import threading

from apache_beam.metrics import Metrics

from webtext import counts
from webtext.drops import Dropped

_tally: collections.Counter = collections.Counter()
_lock = threading.Lock()


def count(key: str, n: int = 1) -> None:
    """Add n to the counter key ("<stage>/<name>", from webtext.counts)."""
    stage, name = key.split("/", 1)
    Metrics.counter(stage, name).inc(n)
    with _lock:
        _tally[key] += n


def count_loss(stage: str, kind: str, dropped: Dropped) -> None:
    """Count a record lost by stage as kind (counts.DROPPED, ...) under its reason."""
    count(counts.lost(stage, kind, dropped.reason))


def take_tally() -> dict[str, int]:
    """What this process counted since the last call, and start again from zero."""
    with _lock:
        taken = dict(_tally)
        _tally.clear()
    return taken
