"""What every measuring run shares (evaluation runs, prompt experiments): units of work done `concurrency` at a
time, a spend cap checked before each paid call, and a progress callback.

    spend = Spend(cap=2.0, spent=already_paid)          # what a resumed run has paid counts against the cap
    capped = await run_units(items, one_item, concurrency=4, spend=spend, progress=print)

* `spend.check()` before a call that costs money raises Capped once the cap is reached: no new call starts,
  calls in flight finish, the unit that was refused stops there (its stored parts stay stored);
* `spend.add(usd)` after the call (unpriced: None, counted as $0);
* progress(done, total, spent) after each finished unit; run_units returns whether the cap stopped any unit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

Progress = Callable[[int, int, float], None]  # (units done, units in the run, USD spent so far)
Unit = TypeVar("Unit")


class Capped(Exception):
    """The spend cap was reached before a call could start."""


class Spend:
    """What a run has paid, against its cap (None: no cap)."""

    def __init__(self, cap: float | None, spent: float = 0.0) -> None:
        self.cap, self.spent, self.capped = cap, float(spent), False

    def check(self) -> None:
        """Raise Capped when the cap is reached (or was, by another unit)."""
        if self.capped or (self.cap is not None and self.spent >= self.cap):
            raise Capped

    def add(self, usd: float | None) -> None:
        self.spent += usd or 0.0


async def run_units(units: Sequence[Unit], work: Callable[[Unit], Awaitable[None]], *, concurrency: int,
                    spend: Spend, progress: Progress | None = None) -> bool:
    """Do `work(unit)` for every unit, `concurrency` at a time; True when the spend cap stopped some unit."""
    semaphore = asyncio.Semaphore(max(1, int(concurrency)))
    done = 0

    async def one(unit: Unit) -> None:
        nonlocal done
        async with semaphore:
            try:
                await work(unit)
            except Capped:
                spend.capped = True
                return
        done += 1
        if progress is not None:
            progress(done, len(units), spend.spent)

    await asyncio.gather(*(one(u) for u in units))
    return spend.capped
