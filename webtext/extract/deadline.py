"""Stop a call that outlives its time limit, on whatever thread and in whatever process it runs.

Some pages make the HTML parser or extractor spin for minutes. The limit must
hold on any worker: Beam calls DoFns on threads other than the main one, where
SIGALRM never fires, and Dask's workers are daemonic processes, which may not
start a child process to run the call in and kill. So the call runs on the
caller's own thread, and one watchdog thread per process raises an exception
in that thread when the call's deadline passes (PyThreadState_SetAsyncExc).
The thread unwinds as from any exception, and is free for the next page.

The limits of this. The exception is raised when the thread next runs Python
bytecode, so C code is not interrupted: one call into lxml (parsing a page, an
XPath query over it) or into a regular expression runs to its end first. What
bounds that is the page's size: the fetch stage keeps no page over
`max_page_bytes` (5 MiB), and on pages of that size calls stopped at random
moments ended at most 0.15 s after their deadline (docs/extract.md). A C call
that never returns would hold the worker, and a crash in C code takes the
worker down (its runner retries the bundle), where a child process would have
been killed, or lost, alone: the price of running where there may be no child.
The exception is raised once, and code that catches every exception (a bare
`except:`, of which trafilatura, jusText and lxml's Python code have none)
would let the call run on.
"""

import ctypes
import heapq
import itertools
import os
import threading
import time


class TimedOut(Exception):
    """A call ran past its time limit and was stopped."""


class _Expired(BaseException):
    """Raised inside the overrunning call. Not an Exception, so that the call's own
    `except Exception` (trafilatura's, extraction's extractor_error) lets it through."""


def _raise_in(thread_id: int) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(_Expired))


def _withdraw_from(thread_id: int) -> None:
    """Clear the exception _raise_in left for the thread, if the thread has not raised it yet."""
    # ctypes passes None as NULL, which is the API's "clear" (Py_None would be raised as an exception).
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)


class _Call:
    """One time-limited call: its thread, its deadline, and how far it has got."""

    __slots__ = ("thread_id", "deadline", "running", "stopped")

    def __init__(self, seconds: float):
        self.thread_id = threading.get_ident()
        self.deadline = time.monotonic() + seconds
        self.running = True
        self.stopped = False  # the watchdog has raised _Expired in its thread


class _Watchdog:
    """One daemon thread raising _Expired in calls whose deadline has passed.

    Raising, and finishing a call, both happen under one lock: so the watchdog
    raises only into a call still running, and what it raised but the thread had
    not yet reached is withdrawn as the call finishes. Nothing lands after a call
    has returned."""

    def __init__(self):
        self._heap = []  # (deadline, order, call); finished calls wait there for their deadline
        self._order = itertools.count()  # ties in the heap never compare calls
        # A plain Lock, whose `with` is C code: the stop can land in a Python-level
        # __enter__ (Condition's, RLock's) after it has locked, and leave it locked.
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        threading.Thread(target=self._run, name="extract-watchdog", daemon=True).start()

    def start(self, call: _Call) -> None:
        with self._lock:
            heapq.heappush(self._heap, (call.deadline, next(self._order), call))
            if self._heap[0][2] is call:  # it is asleep until a later deadline, or for good
                self._wake.notify()

    def finish(self, call: _Call) -> None:
        """After this, nothing is raised into the call's thread on its account. Safe to repeat."""
        with self._lock:
            call.running = False
            if call.stopped:
                _withdraw_from(call.thread_id)

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    call = heapq.heappop(self._heap)[2]
                    if call.running and not call.stopped:
                        call.stopped = True  # once only: __call__ copes with one landing in finish(), not two
                        _raise_in(call.thread_id)
                self._wake.wait(self._heap[0][0] - now if self._heap else None)


_watchdog = None
_watchdog_made = threading.Lock()


def _this_process_watchdog() -> _Watchdog:
    global _watchdog
    with _watchdog_made:
        if _watchdog is None:
            _watchdog = _Watchdog()
        return _watchdog


def _forget_watchdog() -> None:
    # Threads do not survive fork, and a lock held at the fork stays held in the child.
    global _watchdog, _watchdog_made
    _watchdog, _watchdog_made = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_watchdog)


class TimeLimited:
    """TimeLimited(function, seconds)(*args) is function(*args), or TimedOut once it has run `seconds`.

    Any number of threads may call at once, each under its own deadline. What the
    function raises itself comes through unchanged. Calls must not nest in one thread
    (the outer call's stop could be taken for the inner one's)."""

    def __init__(self, function, time_limit_s: float):
        self.function = function
        self.time_limit_s = time_limit_s

    def __call__(self, *args):
        watchdog = _this_process_watchdog()
        call = _Call(self.time_limit_s)
        try:
            try:
                watchdog.start(call)
                return self.function(*args)
            finally:
                watchdog.finish(call)
        except _Expired:
            # Raised at most once per call, possibly inside the finish() above before it
            # took the lock: finish again, and the call is over with nothing pending.
            watchdog.finish(call)
            raise TimedOut(f"stopped after {self.time_limit_s} s") from None
