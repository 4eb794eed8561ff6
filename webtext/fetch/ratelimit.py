"""A request rate per host, shared by every thread of a worker process.

Archives limit requests per client address, not per thread or per DoFn
instance, and a runner may run several instances of a DoFn in one process:
so the schedule lives in the process (`shared()`), one per host. A 429 or 503
pauses the host for every thread at once, for as long as its Retry-After asks.
"""

import threading
import time


class HostRates:
    """Hands out request slots per host, at most `rate` a second each."""

    def __init__(self):
        self._next = {}  # host -> monotonic time of its next free slot
        self._lock = threading.Lock()

    def wait(self, host: str, rate: float | None) -> None:
        """Block until this thread may send one request to host (rate None: only pauses apply)."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + (1.0 / rate if rate else 0.0)
        if slot > now:
            time.sleep(slot - now)

    def pause(self, host: str, seconds: float) -> None:
        """No request to host for `seconds` from now, from any thread."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + seconds)


_shared = HostRates()


def shared() -> HostRates:
    """This process's schedule, for every archive client in it."""
    return _shared
