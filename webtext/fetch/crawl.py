"""Many fetches at once from one process, never more than a few per host.

Fetching waits on the network, so one worker keeps `concurrency` fetches in
flight on threads. A scheduler hands a thread the next link whose host has a
free slot (at most `per_host` at once), taking hosts round robin, so one big
site neither gets hammered nor blocks the threads waiting for it. At most
`max_waiting` links are read ahead of the fetches, so memory stays bounded
whatever the input's size.
"""

from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable, Hashable, Iterable, Iterator, TypeVar

Item = TypeVar("Item")
_END = object()
Result = TypeVar("Result")


class HostQueue:
    """Items waiting per host; a host is ready when it has items and a free slot."""

    def __init__(self, per_host: int):
        self.per_host = per_host
        self.waiting = defaultdict(deque)
        self.active = Counter()
        self.ready = deque()
        self.in_ready = set()  # the deque's members, for O(1) membership
        self.size = 0

    def add(self, host: Hashable, item) -> None:
        self.waiting[host].append(item)
        self.size += 1
        self._refresh(host)

    def take(self) -> tuple[Hashable, object]:
        host = self.ready.popleft()
        self.in_ready.discard(host)
        item = self.waiting[host].popleft()
        self.size -= 1
        self.active[host] += 1
        if not self.waiting[host]:
            del self.waiting[host]
        self._refresh(host)
        return host, item

    def done(self, host: Hashable) -> None:
        self.active[host] -= 1
        if not self.active[host]:
            del self.active[host]
        self._refresh(host)

    def _refresh(self, host: Hashable) -> None:
        if host in self.waiting and self.active[host] < self.per_host and host not in self.in_ready:
            self.ready.append(host)  # to the back: hosts take turns
            self.in_ready.add(host)


def run_concurrently(
    items: Iterable[Item],
    work: Callable[[Item], Result],
    host_of: Callable[[Item], Hashable],
    concurrency: int,
    per_host: int,
    max_waiting: int = 10_000,
) -> Iterator[Result]:
    """work(item) for every item, in completion order, within the per-host limit."""
    source = iter(items)
    queue = HostQueue(per_host)
    running = {}
    exhausted = False
    with ThreadPoolExecutor(concurrency, thread_name_prefix="fetch") as pool:
        while True:
            while len(running) < concurrency:
                if queue.ready:
                    host, item = queue.take()
                    running[pool.submit(work, item)] = host
                elif exhausted or queue.size >= max_waiting:
                    break
                else:
                    item = next(source, _END)
                    if item is _END:
                        exhausted = True
                    else:
                        queue.add(host_of(item), item)
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                queue.done(running.pop(future))
                yield future.result()
