"""A request rate per archive host for the whole machine: every thread of every worker process on it.

Archives limit requests per client address, not per thread, process or worker:
the Wayback Machine blocks an address that keeps sending after its 429s (an hour,
doubling each time), so `--workers 8` must not send eight times the rate. Each
host's schedule is a small file in a folder every process of the machine sees
(MachineRates.folder: $WEBTEXT_RATE_DIR, else /dev/shm/webtext-rates-<uid>), read
and rewritten under an exclusive lock, holding the host's next free slot on the
machine's monotonic clock (the same for every process; a file from before a
reboot is known by its boot id and started afresh).

A 429 or 503 pauses the host for every process at once, for its Retry-After
(else the caller's backoff), and halves the host's rate; each minute without a
busy answer gives back half of what was taken, so a busy host is never asked
again at full rate at once.
"""

import fcntl
import os
import struct
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

# next slot, slowdown (1: the full rate), when the last busy answer came (all monotonic seconds).
STATE = struct.Struct("<ddd")
BOOT_ID_BYTES = 36
MAX_SLOWDOWN = 32.0
RECOVERY_S = 60.0  # a minute without a busy answer halves the slowdown


def boot_id() -> bytes:
    """This boot of the machine: the monotonic clock's origin is the boot's."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_bytes().strip()[:BOOT_ID_BYTES].ljust(BOOT_ID_BYTES)
    except OSError:
        return b"".ljust(BOOT_ID_BYTES)


def default_folder() -> Path:
    given = os.environ.get("WEBTEXT_RATE_DIR")
    if given:
        return Path(given)
    shared_memory = Path("/dev/shm")
    base = shared_memory if shared_memory.is_dir() else Path(tempfile.gettempdir())
    return base / f"webtext-rates-{os.getuid()}"


def slowdown_now(slowdown: float, last_busy: float, now: float) -> float:
    """The slowdown left after the minutes since the last busy answer, each taking half of it back."""
    return max(1.0, slowdown / 2 ** ((now - last_busy) // RECOVERY_S))


class MachineRates:
    """Hands out request slots per host, at most `rate` a second each across the machine."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or default_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.boot = boot_id()

    def wait(self, host: str, rate: float | None) -> None:
        """Block until this thread may send one request to host (rate None: only pauses apply)."""
        with self._state(host) as state:
            now = time.monotonic()
            next_slot, slowdown, last_busy = state.values
            slowdown = slowdown_now(slowdown, last_busy, now)
            slot = max(now, next_slot)
            state.values = (slot + (slowdown / rate if rate else 0.0), slowdown, last_busy)
        if slot > now:
            time.sleep(slot - now)

    def pause(self, host: str, seconds: float, slow_down: bool = False) -> None:
        """No request to host for `seconds` from now, from any process; slow_down (the host said it is
        busy: 429, 503) also halves its rate from then on."""
        with self._state(host) as state:
            now = time.monotonic()
            next_slot, slowdown, last_busy = state.values
            if slow_down:
                slowdown, last_busy = min(MAX_SLOWDOWN, 2 * slowdown_now(slowdown, last_busy, now)), now
            state.values = (max(next_slot, now + seconds), slowdown, last_busy)

    def slowdown(self, host: str) -> float:
        """How many times slower than its rate the host is asked now (1: full rate)."""
        with self._state(host) as state:
            _, slowdown, last_busy = state.values
            return slowdown_now(slowdown, last_busy, time.monotonic())

    def _state(self, host: str) -> "_HostFile":
        return _HostFile(self.folder / quote(host, safe=""), self.boot)


class _HostFile:
    """One host's schedule, locked for the length of a `with`."""

    def __init__(self, path: Path, boot: bytes):
        self.path, self.boot = path, boot

    def __enter__(self) -> "_HostFile":
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        data = os.pread(self.fd, BOOT_ID_BYTES + STATE.size, 0)
        fresh = len(data) < BOOT_ID_BYTES + STATE.size or data[:BOOT_ID_BYTES] != self.boot
        self.values = (0.0, 1.0, 0.0) if fresh else STATE.unpack(data[BOOT_ID_BYTES:])
        return self

    def __exit__(self, *exc) -> None:
        try:
            os.pwrite(self.fd, self.boot + STATE.pack(*self.values), 0)
        finally:
            os.close(self.fd)  # closing drops the lock


_shared = None


def shared() -> MachineRates:
    """This process's handle on the machine's schedule, for every archive client in it."""
    global _shared
    if _shared is None:
        _shared = MachineRates()
    return _shared
