"""The writer's hand-offs of the interpreter lock (store/pacing.py): about one per millisecond of its Python work,
none in any other thread."""

from __future__ import annotations

import threading
import time

from router_core.store import pacing


def busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def handoffs_while(work_items: int, item_s: float, paced_thread: bool, monkeypatch) -> tuple[int, float]:  # noqa: ANN001
    """(hand-offs, seconds) of a loop over `work_items` items of `item_s` each, run in a new thread."""
    sleeps: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(pacing.time, "sleep", lambda s: (sleeps.append(s), real_sleep(s)))
    took: list[float] = []

    def run() -> None:
        if paced_thread:
            pacing.pace_this_thread()
        start = time.perf_counter()
        for _ in pacing.paced(range(work_items)):
            busy(item_s)
        took.append(time.perf_counter() - start)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return len(sleeps), took[0]


def test_the_writer_hands_over_at_most_once_per_millisecond(monkeypatch):
    n, seconds = handoffs_while(1000, 0.00002, True, monkeypatch)  # 1,000 rows of 20 µs (a log row's Python work)
    assert 1 <= n <= seconds / pacing.HANDOFF_EVERY_S, (n, seconds)


def test_quick_rows_are_not_handed_over_for(monkeypatch):
    """By time, not by count: 200 rows that take no time are not 12 hand-offs (one every 16 rows, what cost
    throughput)."""
    n, seconds = handoffs_while(200, 0.0, True, monkeypatch)
    assert n <= seconds / pacing.HANDOFF_EVERY_S and n < 200 // 16, (n, seconds)


def test_other_threads_are_not_paced(monkeypatch):
    n, _ = handoffs_while(1000, 0.00002, False, monkeypatch)
    assert n == 0
