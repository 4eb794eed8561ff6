"""The archives' request rate holds for the machine: every thread of every process on it.

Timings here are lower bounds (a slot is never given early), which a loaded
machine only makes easier to meet.
"""

import multiprocessing
import os
import threading
import time

from webtext.fetch import ratelimit
from webtext.fetch.ratelimit import MachineRates, slowdown_now

FORK = multiprocessing.get_context("fork")


def _send(folder, host, rate, n, times):
    rates = MachineRates(folder)
    for _ in range(n):
        rates.wait(host, rate)
        times.put(time.monotonic())


def _process(folder, host, rate, n, times):
    """Two threads of one process, each sending n requests."""
    threads = [threading.Thread(target=_send, args=(folder, host, rate, n, times)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def slots_taken(folder, processes: int, per_process: int, rate: float, host: str = "archive.example:443") -> list:
    """The times at which the requests of processes (two threads each) were let through, in order."""
    times = FORK.Queue()
    workers = [FORK.Process(target=_process, args=(folder, host, rate, per_process // 2, times))
               for _ in range(processes)]
    for w in workers:
        w.start()
    taken = sorted(times.get(timeout=60) for _ in range(processes * (per_process // 2) * 2))
    for w in workers:
        w.join()
    return taken


def test_one_rate_for_every_thread_of_every_process(tmp_path):
    taken = slots_taken(tmp_path, processes=3, per_process=4, rate=20.0)
    # 12 slots at 20/s: the last at least 11/20 s after the first (a rate per process would take 3/20 s).
    assert len(taken) == 12 and taken[-1] - taken[0] >= 11 / 20 - 0.01


def test_a_busy_answer_pauses_every_process_and_halves_the_rate(tmp_path):
    rates = MachineRates(tmp_path)
    told = time.monotonic()
    rates.pause("archive.example:443", 0.5, slow_down=True)  # as a 429 with Retry-After: 0.5
    assert rates.slowdown("archive.example:443") == 2.0
    taken = slots_taken(tmp_path, processes=2, per_process=2, rate=20.0)
    assert taken[0] - told >= 0.5 - 0.01  # paused in the other processes too
    assert taken[-1] - taken[0] >= 3 * 2 / 20 - 0.01  # then at half the rate: 10/s
    rates.pause("archive.example:443", 0.0, slow_down=True)
    assert rates.slowdown("archive.example:443") == 4.0
    rates.pause("archive.example:443", 0.0)  # a 500: a pause, not a slowdown
    assert rates.slowdown("archive.example:443") == 4.0


def test_each_quiet_minute_gives_back_half_of_the_slowdown():
    assert [slowdown_now(8.0, 1000.0, 1000.0 + s) for s in (0, 59, 60, 125, 180, 3600)] == [8, 8, 4, 2, 1, 1]


def test_a_schedule_from_before_a_reboot_is_started_afresh(tmp_path):
    rates = MachineRates(tmp_path)
    path = tmp_path / "archive.example%3A443"
    path.write_bytes(b"another-boot".ljust(ratelimit.BOOT_ID_BYTES) + ratelimit.STATE.pack(time.monotonic() + 1e6, 8.0, 0.0))
    started = time.monotonic()
    rates.wait("archive.example:443", 100.0)
    assert time.monotonic() - started < 5  # not a million seconds: that slot was another boot's clock
    assert rates.slowdown("archive.example:443") == 1.0


def test_the_folder_is_the_machines_unless_told(tmp_path, monkeypatch):
    monkeypatch.delenv("WEBTEXT_RATE_DIR")
    assert ratelimit.default_folder().name == f"webtext-rates-{os.getuid()}"
    monkeypatch.setenv("WEBTEXT_RATE_DIR", str(tmp_path / "shared"))
    assert ratelimit.default_folder() == tmp_path / "shared"
