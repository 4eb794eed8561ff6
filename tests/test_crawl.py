"""The concurrent scheduler: every item done once, per-host limits, bounded read-ahead."""

import threading
import time
from collections import Counter

from webtext.fetch.crawl import run_concurrently


class Tracker:
    """Work that records how many items of each host run at once."""

    def __init__(self, seconds=0.01):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running = Counter()
        self.peak = Counter()
        self.total_peak = 0

    def __call__(self, item):
        host, _ = item
        with self.lock:
            self.running[host] += 1
            self.peak[host] = max(self.peak[host], self.running[host])
            self.total_peak = max(self.total_peak, sum(self.running.values()))
        time.sleep(self.seconds)
        with self.lock:
            self.running[host] -= 1
        return item


def test_every_item_is_done_once_within_the_per_host_limit():
    items = [(f"host{i % 5}", i) for i in range(200)] + [("big.example", i) for i in range(200)]
    work = Tracker()
    done = list(run_concurrently(items, work, lambda item: item[0], concurrency=16, per_host=2))
    assert sorted(done) == sorted(items)
    assert max(work.peak.values()) == 2
    assert work.total_peak > 8  # the threads stay busy with other hosts while one host is at its limit


def test_one_huge_host_does_not_starve_the_others():
    items = [("huge", i) for i in range(300)] + [("small", i) for i in range(4)]
    order = [item[0] for item in run_concurrently(items, Tracker(0.005), lambda item: item[0], concurrency=8, per_host=2, max_waiting=1000)]
    assert max(i for i, host in enumerate(order) if host == "small") < 20


def test_reading_ahead_is_bounded():
    pulled = []

    def source():
        for i in range(1000):
            pulled.append(i)
            yield ("one-host", i)

    results = run_concurrently(source(), Tracker(0.001), lambda item: item[0], concurrency=4, per_host=1, max_waiting=50)
    next(results)
    assert len(pulled) <= 52
    assert len(list(results)) == 999
