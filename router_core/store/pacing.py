"""The background writer's manners: while it works through a big batch in Python, it hands the interpreter lock to
the request path's thread every few rows, so a request waits for one stretch of rows at most, never a batch.

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
HANDOFF_ROWS = 16  # rows between two hand-offs
HANDOFF_S = 0.00005  # long enough for a waiting thread to wake up and take the lock

_paced = threading.local()


def pace_this_thread() -> None:
    """From now on `paced` hands the lock over in this thread (the writer's)."""
    _paced.on = True


def paced(items: Iterable[T]) -> Iterator[T]:
    """`items`, with a hand-off every HANDOFF_ROWS of them in a paced thread (other threads: `items` as they are)."""
    if not getattr(_paced, "on", False):
        yield from items
        return
    for i, item in enumerate(items, 1):
        yield item
        if i % HANDOFF_ROWS == 0:
            time.sleep(HANDOFF_S)
