"""A progress line per stage on local runs: how many records have gone by, how fast.

Beam counters are only read once a run ends, and a links or fetch stage on
real dumps runs for hours. ShowProgress passes records through unchanged and,
at most every `every_s` seconds, prints the running total of this worker
process to stderr, e.g.

    11:22:17 progress  fetch          12,345 pages          41.2/s

Printed, not logged: worker processes of the multi-processing runner hand
their log records to the runner, which shows only warnings, but they share
its stderr.
"""

import sys
import threading
import time
import uuid

import apache_beam as beam


class _Tally:
    """Records seen per stage in this process, shared by every DoFn instance and thread."""

    lock = threading.Lock()
    seen: dict[str, int] = {}
    started: dict[str, float] = {}
    reported: dict[str, float] = {}

    @classmethod
    def add(cls, key: str, every_s: float) -> tuple[int, float] | None:
        """Count one record; (total, seconds since the first) when a line is due."""
        now = time.monotonic()
        with cls.lock:
            cls.seen[key] = cls.seen.get(key, 0) + 1
            started = cls.started.setdefault(key, now)
            if now - cls.reported.get(key, started) < every_s:
                return None
            cls.reported[key] = now
            return cls.seen[key], now - started


class _Show(beam.DoFn):
    def __init__(self, stage: str, noun: str, every_s: float):
        self.stage, self.noun, self.every_s = stage, noun, every_s
        # One tally per pipeline stage, even when a process runs several pipelines.
        self.key = uuid.uuid4().hex

    def process(self, element):
        due = _Tally.add(self.key, self.every_s)
        if due:
            total, seconds = due
            rate = total / max(seconds, 1e-9)
            line = f"{time.strftime('%H:%M:%S')} progress  {self.stage:<8} {total:>12,} {self.noun:<12} {rate:8.1f}/s"
            print(line, file=sys.stderr, flush=True)
        yield element


class ShowProgress(beam.PTransform):
    """Pass records through, logging the count every every_s seconds (0: off)."""

    def __init__(self, stage: str, noun: str, every_s: float):
        super().__init__()
        self.stage, self.noun, self.every_s = stage, noun, every_s

    def expand(self, records):
        if self.every_s <= 0:
            return records
        return records | beam.ParDo(_Show(self.stage, self.noun, self.every_s)).with_output_types(records.element_type)
