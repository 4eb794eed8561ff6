"""Time-limited calls: results, the function's own errors, overruns on any thread, races at the deadline."""

import multiprocessing
import random
import sys
import threading
import time

import pytest

from webtext.extract.deadline import TimedOut, TimeLimited

# Above the limit, a stop may come this late: the watchdog, then the stopped
# thread, wait for their turn at the GIL, on a machine of 2 busy cores. With
# more threads spinning, each waits longer (measured here: 20 ms at most alone,
# 370 ms among four).
MARGIN_S = 0.25
MARGIN_AMONG_THREADS_S = 0.5


def spin(seconds: float, value=None):
    """Pure Python busy work: the kind of hang a stop can interrupt anywhere."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return value


def spin_under_a_broad_except(seconds: float) -> str:
    try:
        spin(seconds)
    except Exception:
        return "swallowed"
    return "finished"


def start_on_a_thread(function, *args) -> tuple[threading.Thread, dict]:
    """function(*args) on a new thread (as Beam calls DoFns); the outcome fills in its value or
    exception, and the seconds it took."""
    outcome = {}

    def call():
        started = time.monotonic()
        try:
            outcome["value"] = function(*args)
        except BaseException as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, outcome


def on_a_thread(function, *args) -> dict:
    thread, outcome = start_on_a_thread(function, *args)
    thread.join(timeout=60)
    return outcome


def test_a_call_returns_what_the_function_returns():
    square = TimeLimited(lambda x: x * x, time_limit_s=5)
    assert [square(n) for n in range(4)] == [0, 1, 4, 9]


def test_what_the_function_raises_comes_through_unchanged():
    error = ValueError("no thanks")

    def refuse():
        raise error

    with pytest.raises(ValueError) as raised:
        TimeLimited(refuse, time_limit_s=5)()
    assert raised.value is error


def test_a_call_spinning_past_the_limit_is_stopped_on_a_thread_other_than_the_main_one():
    # Beam calls DoFns from worker threads, where SIGALRM-based limits never fire.
    outcome = on_a_thread(TimeLimited(spin, time_limit_s=0.3), 60)
    assert isinstance(outcome["error"], TimedOut)
    assert 0.3 <= outcome["seconds"] < 0.3 + MARGIN_S


def test_the_stop_is_not_caught_by_the_function_s_own_except_exception():
    # trafilatura, and extraction's extractor_error, catch Exception.
    outcome = on_a_thread(TimeLimited(spin_under_a_broad_except, time_limit_s=0.2), 60)
    assert isinstance(outcome["error"], TimedOut)


def test_calls_on_several_threads_at_once_each_keep_their_own_deadline():
    limits = [0.3, 0.9, 1.5]  # further apart than the margin: each is stopped by its own deadline
    started = [start_on_a_thread(TimeLimited(spin, time_limit_s=limit), 60) for limit in limits]
    in_time = start_on_a_thread(TimeLimited(spin, time_limit_s=5), 0.5, "done")  # among overrunning ones
    for thread, _ in started + [in_time]:
        thread.join(timeout=60)
    for limit, (_, outcome) in zip(limits, started):
        assert isinstance(outcome["error"], TimedOut)
        assert limit <= outcome["seconds"] < limit + MARGIN_AMONG_THREADS_S
    assert in_time[1]["value"] == "done"


def _race_the_deadline(calls: int, seed: int) -> list[str]:
    """Calls that end just before, at or just after a 1 ms limit; how each one went.

    A stop that landed after its call had returned would escape into this loop's
    own code (the spin after each call, the final spin past every deadline)."""
    limited = TimeLimited(spin, time_limit_s=0.001)
    rng = random.Random(seed)
    outcomes = []
    for n in range(calls):
        try:
            try:
                outcomes.append("returned" if limited(rng.uniform(0.0005, 0.0015), n) == n else "wrong value")
            except TimedOut:
                outcomes.append("timed out")
            spin(0.0002)
        except BaseException as error:
            outcomes.append(f"escaped: {type(error).__name__}")
    try:
        spin(0.05)
    except BaseException as error:
        outcomes.append(f"escaped: {type(error).__name__}")
    return outcomes


def test_no_stop_lands_after_a_call_has_returned_even_right_at_the_deadline():
    outcomes = [None, None, None]

    def race(index):
        outcomes[index] = _race_the_deadline(1000, seed=index)

    # Threads handing the GIL over every 10 µs meet at every point of the hand-over
    # between the watchdog and a returning call (a version whose lock a stop could
    # leave locked hung here in every run).
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=race, args=(i,), daemon=True) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(switch_interval)
    seen = {outcome for run in outcomes for outcome in run or ["hung"]}
    assert seen == {"returned", "timed out"}  # both sides of the deadline, and nothing else
    assert _race_the_deadline(300, seed=3).count("timed out") > 0  # and on the main thread


def _stop_a_spin_in_this_process(connection) -> None:
    outcome = on_a_thread(TimeLimited(spin, time_limit_s=0.2), 60)
    connection.send((multiprocessing.current_process().daemon, type(outcome.get("error")).__name__))


def test_the_limit_holds_in_a_forked_daemonic_process_after_the_parent_s_watchdog_started():
    # Threads do not survive fork: the child must start a watchdog of its own.
    assert TimeLimited(lambda: "warm", time_limit_s=5)() == "warm"  # the parent's watchdog is running
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_stop_a_spin_in_this_process, args=(sending,), daemon=True)
    child.start()
    assert receiving.poll(60), "the child never answered"
    assert receiving.recv() == (True, "TimedOut")
    child.join(timeout=10)
