"""The time-limited child process that extraction runs in: results, errors, hangs, crashes."""

import os
import threading
import time

import pytest

from webtext.extract.sandbox import Crashed, Sandbox, TimedOut


# Module-level, so the spawned child can import them by name.
def slow_square(x: int, seconds: float = 0.0) -> int:
    time.sleep(seconds)
    return x * x


def die(code: int) -> None:
    os._exit(code)


def refuse(message: str) -> None:
    raise ValueError(message)


def test_a_call_returns_what_the_function_returns():
    with Sandbox(slow_square, time_limit_s=5) as square:
        assert [square(n) for n in range(4)] == [0, 1, 4, 9]


def test_a_call_past_the_limit_is_stopped_and_the_next_call_gets_a_new_child():
    with Sandbox(slow_square, time_limit_s=0.5) as square:
        assert square(2) == 4
        first_child = square._process.pid
        started = time.monotonic()
        with pytest.raises(TimedOut):
            square(3, 30)
        assert time.monotonic() - started < 5
        assert square(4) == 16 and square._process.pid != first_child


def test_a_child_that_dies_is_reported_and_replaced():
    with Sandbox(die, time_limit_s=5) as dying:
        with pytest.raises(Crashed, match="exited with 3"):
            dying(3)
        assert dying._process is None
    with Sandbox(refuse, time_limit_s=5) as refusing:
        with pytest.raises(ValueError, match="no thanks"):
            refusing("no thanks")


def test_the_limit_holds_when_called_from_a_thread_other_than_the_main_one():
    # Beam calls DoFns from worker threads, where SIGALRM-based limits never fire.
    outcome = []

    def call():
        with Sandbox(slow_square, time_limit_s=0.3) as square:
            try:
                square(1, 30)
            except TimedOut:
                outcome.append("timed out")

    thread = threading.Thread(target=call)
    thread.start()
    thread.join(timeout=10)
    assert outcome == ["timed out"]
