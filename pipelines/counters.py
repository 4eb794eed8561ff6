"""Beam counters under the names of webtext.counts: one per stage, what and reason.

Beam's Dask runner reports no metrics, and a Dask task may run more than once
(a worker dies and the tasks whose outputs it held run again elsewhere, some
of them long finished). There each count is also kept under the task that
made it, and pipelines/runners/on_dask.py publishes a task's counts only once its
output is kept, so a task run twice is counted once and a task that died
counted not at all. The pipeline counts only in the thread running the task.
"""

import collections
import threading
from typing import Callable, Hashable

from apache_beam.metrics import Metrics

from webtext import counts
from webtext.drops import Dropped

_lock = threading.Lock()
_task_of_thread: Callable[[], Hashable] | None = None  # set on a Dask worker
_by_task: dict[Hashable, collections.Counter] = collections.defaultdict(collections.Counter)


def count(key: str, n: int = 1) -> None:
    """Add n to the counter key ("<stage>/<name>", from webtext.counts)."""
    stage, name = key.split("/", 1)
    Metrics.counter(stage, name).inc(n)
    if _task_of_thread is not None:
        task = _task_of_thread()
        with _lock:
            _by_task[task][key] += n


def count_loss(stage: str, kind: str, dropped: Dropped) -> None:
    """Count a record lost by stage as kind (counts.DROPPED, ...) under its reason."""
    count(counts.lost(stage, kind, dropped.reason))


def count_per_task(task_of_thread: Callable[[], Hashable] | None) -> None:
    """Keep each count under task_of_thread() (the task the counting thread runs) too; None: no more."""
    global _task_of_thread
    _task_of_thread = task_of_thread


def take_task_counts(task: Hashable) -> dict[str, int]:
    """What the task counted, forgotten here."""
    with _lock:
        return dict(_by_task.pop(task, {}))
