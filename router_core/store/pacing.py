"""The background writer's manners: while it works through a big batch in Python, it hands the interpreter lock to
the request path's thread about every millisecond, so a request waits for one such stretch at most, never a batch.

By time, not by rows: each hand-off costs the request thread a wake-up of the writer's thread later (on the 2-core
benchmark machine, a hand-off every 16 rows cost more throughput at concurrency 50 than the rows themselves).
A short sleep, not `sleep(0)`: on a multi-core machine a thread that lets the lock go for no time takes it straight
back before a waiting thread wakes up, and the waiting thread then gets it only when the interpreter forces a
switch, 5 ms later (what the p99 of benchmarks/overhead.py showed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
HANDOFF_EVERY_S = 0.001  # the longest stretch the writer holds the lock for between two hand-offs
HANDOFF_S = 0.00005  # long enough for a waiting thread to wake up and take the lock

_paced = threading.local()  # .since: when the paced thread last handed the lock over (None: not paced)


def pace_this_thread() -> None:
    """From now on `paced` hands the lock over in this thread (the writer's), its first stretch counted from now."""
    _paced.since = time.perf_counter()


def paced(items: Iterable[T]) -> Iterator[T]:
    """`items`, with a hand-off whenever HANDOFF_EVERY_S passed since the last one, in a paced thread (other threads:
    `items` as they are)."""
    if getattr(_paced, "since", None) is None:
        yield from items
        return
    clock = time.perf_counter
    for item in items:
        yield item
        if clock() - _paced.since >= HANDOFF_EVERY_S:
            time.sleep(HANDOFF_S)
            _paced.since = clock()
