"""Run a function in a child process, and stop any call that outlives its time limit.

Some pages make an HTML parser or extractor spin for minutes. Python cannot
stop a thread, and SIGALRM only interrupts the main thread, while Beam runs
DoFns in worker threads; so the work runs in a child process, which is killed
and replaced when a call overruns or when it dies. Measured cost of the round
trip: docs/extract.md.
"""

import multiprocessing


class TimedOut(Exception):
    """A call ran past the time limit; the child was killed."""


class Crashed(Exception):
    """The child died during a call (a crash in C code, the out-of-memory killer)."""


def _serve(connection, function) -> None:
    connection.send("ready")
    while True:
        try:
            args = connection.recv()
        except EOFError:  # the parent has gone
            return
        try:
            reply = (True, function(*args))
        except Exception as error:  # raised again in the parent
            reply = (False, error)
        connection.send(reply)


class Sandbox:
    """sandbox(*args) is function(*args), run in a child process under a time limit.

    function must be importable by name (a module-level function): the child is
    started with "spawn", which is safe from a threaded parent such as a Beam worker.
    """

    def __init__(self, function, time_limit_s: float):
        self.function = function
        self.time_limit_s = time_limit_s
        self._process = None
        self._connection = None

    def __call__(self, *args):
        if self._process is None:
            self._start()
        self._connection.send(args)
        if not self._connection.poll(self.time_limit_s):
            self.close()
            raise TimedOut(f"no result within {self.time_limit_s} s")
        try:
            ok, value = self._connection.recv()
        except EOFError:
            self._process.join(timeout=1)  # reap it, to report how it ended
            exit_code = self._process.exitcode
            self.close()
            raise Crashed(f"child exited with {exit_code}") from None
        if not ok:
            raise value
        return value

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, self.function), daemon=True)
        self._process.start()
        child_end.close()
        # Starting (importing the function's modules) is not part of any call's time.
        self._connection.recv()

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._connection.close()
            self._process = self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
