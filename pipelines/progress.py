"""Progress a person can plan by: per stage, done/total, share, rate and ETA.

Beam counters are only read once a run ends, and a links or fetch stage on
real dumps runs for hours. ShowProgress passes records through unchanged and
tallies them in each worker process; on the local runner every process writes
its tallies to a file in a folder of this machine, and a Monitor in the
command's process sums the files over all processes and prints, every
`every_s` seconds and once more at the end, e.g.

    11:22:17 progress  fetch       1,234/5,000 pages    24.7%     41.2/s  ETA 0:01:31

A stage's total, where one is known before the stage starts (links to fetch,
pages to extract, documents to tokenise), comes in as a Beam side input: the
runner computes it first.

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

import apache_beam as beam
from apache_beam.metrics import Metrics

NAMESPACE = "progress"
FLUSH_S = 0.5


class _Tally:
    """Records per stage in this process, one tally per run's folder, shared by every DoFn and thread."""

    lock = threading.Lock()
    tallies: dict[str, dict] = {}
    flushed = 0.0

    @classmethod
    def add(cls, folder: str, stage: str, total: int | None, records: int):
        now = time.time()
        with cls.lock:
            tally = cls.tallies.setdefault(folder, {"done": {}, "totals": {}, "first": {}, "last": {}})
            tally["done"][stage] = tally["done"].get(stage, 0) + records
            tally["first"].setdefault(stage, now)  # times of the stage's first and latest record here
            tally["last"][stage] = now
            if total is not None:
                tally["totals"][stage] = total
            if now - cls.flushed >= FLUSH_S:
                cls._write(folder)

    @classmethod
    def flush(cls, folder: str):
        with cls.lock:
            cls._write(folder)

    @classmethod
    def _write(cls, folder: str):
        if folder not in cls.tallies:  # a bundle with no records
            return
        cls.flushed = time.time()
        path = os.path.join(folder, f"{os.getpid()}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(cls.tallies[folder], f)
        os.replace(path + ".tmp", path)  # the monitor never reads half a file


class _Show(beam.DoFn):
    def __init__(self, stage: str, folder: str | None, records):
        self.stage, self.folder, self.records = stage, folder, records
        self.counter = Metrics.counter(NAMESPACE, stage)
        self.gauge = Metrics.gauge(NAMESPACE, f"{stage}_total")

    def start_bundle(self):
        self.in_bundle = 0

    def process(self, element, total=None):
        if total is not None and self.in_bundle == 0:  # the bundle's first element
            self.gauge.set(total)
        records = self.records(element)
        self.in_bundle += records
        if self.folder:
            _Tally.add(self.folder, self.stage, total, records)
        yield element

    def finish_bundle(self):
        self.counter.inc(self.in_bundle)  # once per bundle: a metric update per record costs more
        if self.folder:
            _Tally.flush(self.folder)


def one_record(_) -> int:
    return 1


class ShowProgress(beam.PTransform):
    """Pass elements through, tallying the records each holds (records(element): 1, or len for a list of
    records) as `stage` (of `total`: a one-number PCollection)."""

    def __init__(self, stage: str, folder: str | None, total: beam.PCollection | None = None, records=one_record):
        super().__init__()
        self.stage, self.folder, self.total, self.records = stage, folder, total, records

    def expand(self, elements):
        side = {} if self.total is None else {"total": beam.pvalue.AsSingleton(self.total)}
        show = _Show(self.stage, self.folder, self.records)
        return elements | beam.ParDo(show, **side).with_output_types(elements.element_type)


def count_of(records: beam.PCollection, label: str) -> beam.PCollection:
    return records | label >> beam.combiners.Count.Globally()


# The command's side -------------------------------------------------------------


def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}"


class Monitor:
    """Sums the worker processes' tallies and prints a line per stage that moved."""

    def __init__(self, nouns: dict[str, str], every_s: float):
        self.nouns, self.every_s = nouns, every_s
        self.folder = tempfile.mkdtemp(prefix="webtext-progress-")
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
        for path in glob.glob(os.path.join(self.folder, "*")):
            os.remove(path)
        os.rmdir(self.folder)

    def _loop(self):
        while not self.stopping.wait(self.every_s):
            self.show()

    def read(self) -> tuple[dict, dict, dict]:
        """(done, totals, seconds from first to latest record) per stage, over every process's file."""
        done, totals, first, last = {}, {}, {}, {}
        for path in glob.glob(os.path.join(self.folder, "*.json")):
            with open(path) as f:
                tally = json.load(f)
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
    share = done / total if total else 1.0
    if total <= done:
        eta = "0:00:00"
    else:
        eta = clock((total - done) / rate) if rate else "?"
    return f"{stage:<8} {f'{done:,}/{total:,}':>20} {noun:<11} {share:6.1%} {rate:9.1f}/s  ETA {eta}"
