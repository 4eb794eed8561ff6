"""A total deadline per fetch, enforced by shutting its sockets down.

Timeouts in requests bound each socket operation, not the whole fetch: a server
that sends one byte a second, in its headers or its body, never trips a read
timeout and would hold a worker thread for hours. One watchdog thread keeps a
heap of deadlines; when one passes it shuts down the sockets that fetch opened
or reused, so the blocked read fails at once and the fetch reports "deadline".
"""

import heapq
import itertools
import socket
import threading
import time


class Scope:
    """The sockets of one fetch, and whether its deadline has passed."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.expired = False
        self.finished = False
        self._sockets = []
        self._lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                _shut(sock)
            self._sockets.append(sock)

    def expire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def finish(self) -> None:
        """The fetch is over: its pooled sockets now serve other fetches, leave them be."""
        with self._lock:
            self.finished = True
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to stop


class Watchdog:
    """One daemon thread expiring scopes whose deadline has passed."""

    def __init__(self):
        self._heap = []
        self._order = itertools.count()  # ties in the heap never compare scopes
        self._wake = threading.Condition()
        threading.Thread(target=self._run, name="fetch-watchdog", daemon=True).start()

    def watch(self, seconds: float) -> Scope:
        scope = Scope(time.monotonic() + seconds)
        with self._wake:
            heapq.heappush(self._heap, (scope.deadline, next(self._order), scope))
            self._wake.notify()
        return scope

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappop(self._heap)[2].expire()
                self._wake.wait(self._heap[0][0] - now if self._heap else None)


_current = threading.local()


def current() -> Scope | None:
    """The scope of the fetch running on this thread, if any."""
    return getattr(_current, "scope", None)


class running:
    """`with running(scope):` makes scope the current one on this thread."""

    def __init__(self, scope: Scope):
        self.scope = scope

    def __enter__(self) -> Scope:
        _current.scope = self.scope
        return self.scope

    def __exit__(self, *exc) -> None:
        self.scope.finish()
        _current.scope = None
