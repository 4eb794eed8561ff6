"""Progress a person can plan by: per stage, done/total, share, rate and ETA.

Beam counters are only read once a run ends, and a links or fetch stage on
real dumps runs for hours. ShowProgress passes records through unchanged and
tallies them in each worker process, which hands its tally on every half
second: on the local runner to a file in a folder of this machine, on Dask
as an event under a topic of the scheduler's (pipelines/runners/on_dask.py). A
Monitor in the command's process sums the latest tally of every process and
prints, every `every_s` seconds and once more at the end, e.g.

    11:22:17 progress  fetch       1,234/5,000 pages    24.7%     41.2/s  ETA 0:01:31

A stage's total, where one is known before the stage starts (links to fetch,
pages to extract, documents to tokenise), comes in as a Beam side input: the
runner computes it first. On Dask, which recomputes side inputs and runs a
pipeline per stage, the command gives the Monitor the totals the stages
before counted (`totals_from`). A worker that dies takes nothing from the
final counts, but the records its lost tasks had done are done again, and
a stage past its total says how many were redone.

On other runners (Dataflow) the same numbers are Beam metrics in the
`progress` namespace, a counter per stage and a gauge for its total, which
their consoles show while the job runs.
"""

import glob
import json
import os
import sys
import tempfile
import threading
import time
from typing import Callable

import apache_beam as beam
from apache_beam.metrics import Metrics

from webtext import counts

NAMESPACE = "progress"
FLUSH_S = 0.5
# Where a process hands its tally, (to, tally) -> None: set on Dask's workers; else a file in the folder `to`.
_hand_on: Callable[[str, dict], None] | None = None


def hand_tallies_to(send: Callable[[str, dict], None] | None) -> None:
    global _hand_on
    _hand_on = send


class _Tally:
    """Records per stage in this process, one tally per run (`to`: its folder or topic), shared by every DoFn
    and thread."""

    lock = threading.Lock()
    tallies: dict[str, dict] = {}
    flushed = 0.0

    @classmethod
    def add(cls, to: str, stage: str, total: int | None, records: int):
        now = time.time()
        with cls.lock:
            tally = cls.tallies.setdefault(to, {"done": {}, "totals": {}, "first": {}, "last": {}})
            tally["done"][stage] = tally["done"].get(stage, 0) + records
            tally["first"].setdefault(stage, now)  # times of the stage's first and latest record here
            tally["last"][stage] = now
            if total is not None:
                tally["totals"][stage] = total
            if now - cls.flushed >= FLUSH_S:
                cls._send(to)

    @classmethod
    def flush(cls, to: str):
        with cls.lock:
            cls._send(to)

    @classmethod
    def _send(cls, to: str):
        if to not in cls.tallies:  # a bundle with no records
            return
        cls.flushed = time.time()
        if _hand_on:
            _hand_on(to, cls.tallies[to])
            return
        path = os.path.join(to, f"{os.getpid()}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(cls.tallies[to], f)
        os.replace(path + ".tmp", path)  # the monitor never reads half a file


class _Show(beam.DoFn):
    def __init__(self, stage: str, to: str | None, records):
        self.stage, self.to, self.records = stage, to, records
        self.counter = Metrics.counter(NAMESPACE, stage)
        self.gauge = Metrics.gauge(NAMESPACE, f"{stage}_total")

    def start_bundle(self):
        self.in_bundle = 0

    def process(self, element, total=None):
        if total is not None and self.in_bundle == 0:  # the bundle's first element
            self.gauge.set(total)
        records = self.records(element)
        self.in_bundle += records
        if self.to:
            _Tally.add(self.to, self.stage, total, records)
        yield element

    def finish_bundle(self):
        self.counter.inc(self.in_bundle)  # once per bundle: a metric update per record costs more
        if self.to:
            _Tally.flush(self.to)


def one_record(_) -> int:
    return 1


class ShowProgress(beam.PTransform):
    """Pass elements through, tallying the records each holds (records(element): 1, or len for a list of
    records) as `stage` (of `total`: a one-number PCollection) for the run's Monitor (`to`: its tallies.to)."""

    def __init__(self, stage: str, to: str | None, total: beam.PCollection | None = None, records=one_record):
        super().__init__()
        self.stage, self.to, self.total, self.records = stage, to, total, records

    def expand(self, elements):
        side = {} if self.total is None else {"total": beam.pvalue.AsSingleton(self.total)}
        show = _Show(self.stage, self.to, self.records)
        return elements | beam.ParDo(show, **side).with_output_types(elements.element_type)


def count_of(records: beam.PCollection, label: str) -> beam.PCollection:
    return records | label >> beam.combiners.Count.Globally()


# The command's side -------------------------------------------------------------


def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}"


class FolderTallies:
    """The tallies the local runner's processes write, a file each, in a folder of this machine."""

    def __init__(self):
        self.to = tempfile.mkdtemp(prefix="webtext-progress-")

    def read(self) -> list[dict]:
        tallies = []
        for path in glob.glob(os.path.join(self.to, "*.json")):
            with open(path) as f:
                tallies.append(json.load(f))
        return tallies

    def close(self):
        for path in glob.glob(os.path.join(self.to, "*")):
            os.remove(path)
        os.rmdir(self.to)


# A stage's records, as the stage before counted them (links: a page each; documents; unique documents).
TOTAL_COUNTERS = {"fetch": counts.LINKS_KEPT, "extract": counts.LINKS_KEPT, "dedup": counts.DOCUMENTS,
                  "decontaminate": counts.UNIQUE, "shards": counts.UNIQUE}


def totals_from(counters: dict) -> dict[str, int]:
    """Each stage's total as far as the counters of the stages before tell it (shards after decontamination:
    what it checked less what it dropped)."""
    totals = {stage: counters[key] for stage, key in TOTAL_COUNTERS.items() if key in counters}
    if counts.DECONTAMINATE_CHECKED in counters:
        dropped = counts.by_reason(counters, counts.losses("decontaminate", counts.DROPPED))
        totals["shards"] = counters[counts.DECONTAMINATE_CHECKED] - sum(dropped.values())
    return totals


class Monitor:
    """Sums the worker processes' tallies and prints a line per stage that moved."""

    def __init__(self, nouns: dict[str, str], every_s: float, tallies=None, totals: dict | None = None):
        self.nouns, self.every_s = nouns, every_s
        self.tallies = tallies or FolderTallies()
        self.totals = totals or {}  # known before the run; a worker's tally may say them too
        self.shown: dict[str, int] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stopping.set()
        self.thread.join()
        self.show()  # the last counts, and every stage at least once
        self.tallies.close()

    def _loop(self):
        while not self.stopping.wait(self.every_s):
            self.show()

    def read(self) -> tuple[dict, dict, dict]:
        """(done, totals, seconds from first to latest record) per stage, over every process's tally."""
        done, totals, first, last = {}, dict(self.totals), {}, {}
        for tally in self.tallies.read():
            for stage, n in tally["done"].items():
                done[stage] = done.get(stage, 0) + n
                first[stage] = min(first.get(stage, tally["first"][stage]), tally["first"][stage])
                last[stage] = max(last.get(stage, 0.0), tally["last"][stage])
            totals.update(tally["totals"])
        return done, totals, {stage: last[stage] - first[stage] for stage in done}

    def show(self):
        done, totals, seconds = self.read()
        for stage in [s for s in self.nouns if s in done]:
            if done[stage] == self.shown.get(stage):
                continue
            self.shown[stage] = done[stage]
            line = progress_line(stage, self.nouns[stage], done[stage], totals.get(stage), seconds[stage])
            print(f"{time.strftime('%H:%M:%S')} progress  {line}", file=sys.stderr, flush=True)


def progress_line(stage: str, noun: str, done: int, total: int | None, seconds: float) -> str:
    rate = done / seconds if seconds > 0 else 0.0
    if total is None:
        return f"{stage:<8} {f'{done:,}':>20} {noun:<11}        {rate:9.1f}/s"
    if done > total:  # on Dask, records a lost worker had done, done again: the stage is not past its total
        return f"{stage:<8} {f'{total:,}/{total:,}':>20} {noun:<11} {1:6.1%} {rate:9.1f}/s  ({done - total:,} redone)"
    share = done / total if total else 1.0
    eta = "0:00:00" if total == done else clock((total - done) / rate) if rate else "?"
    return f"{stage:<8} {f'{done:,}/{total:,}':>20} {noun:<11} {share:6.1%} {rate:9.1f}/s  ETA {eta}"
