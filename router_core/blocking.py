"""The blocking face of the Router: `complete`, `stream`, `compare`, `check_health` and `close` for callers
without an event loop (Streamlit, the CLI, scripts). They run the async methods on one event loop in a
daemon thread that the router keeps, so pooled clients live on between calls.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Coroutine, TypeVar

from .catalog import Target
from .compare import Comparison
from .types import Completion, Health, Message

if TYPE_CHECKING:
    from .providers import Provider
    from .quality.shadow import ShadowChecker

T = TypeVar("T")


class LoopThread:
    """One event loop in a daemon thread, so blocking callers share pooled clients across calls."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, name="router-loop", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def is_current(self) -> bool:
        """Whether the caller is running on this thread's loop."""
        return threading.current_thread() is self.thread

    def stop(self) -> None:
        """Stop the loop, close it and wait for the thread to end (not from the loop's own thread)."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


async def close_providers(providers: "Sequence[Provider] | Any") -> None:
    """Close the pooled clients the providers hold for the running event loop."""
    for provider in providers:
        await provider.aclose()


class BlockingMixin:
    """The blocking methods of `Router` (see the module docstring); `aclose` is the Router's."""

    providers: "dict[str, Provider]"
    shadow: "ShadowChecker"
    _loop: LoopThread | None
    _loop_lock: threading.Lock

    def _runner(self) -> LoopThread:
        with self._loop_lock:
            if self._loop is None:
                self._loop = LoopThread()
            return self._loop

    async def _stop_loop_thread(self) -> None:
        """Close the loop thread's clients and stop it, unless we are running on it (then `close` does)."""
        with self._loop_lock:
            runner = self._loop
            if runner is None or runner.is_current():
                return
            self._loop = None
        await asyncio.wrap_future(runner.submit(self.shadow.drain()))  # checks started by the blocking methods
        await asyncio.wrap_future(runner.submit(close_providers(list(self.providers.values()))))
        await asyncio.to_thread(runner.stop)

    def complete(self, messages: Sequence[Message] | str, **kwargs: Any) -> Completion:
        """Blocking `acomplete` on the router's own loop (keeps pooled clients alive between calls)."""
        return self._runner().run(self.acomplete(messages, **kwargs))  # type: ignore[attr-defined]

    def stream(self, messages: Sequence[Message] | str, **kwargs: Any) -> Iterator[str | Completion]:
        """Blocking `astream`: yields text deltas, then the final Completion."""
        runner = self._runner()
        agen = self.astream(messages, **kwargs)  # type: ignore[attr-defined]
        try:
            while True:
                try:
                    yield runner.run(anext(agen))
                except StopAsyncIteration:
                    return
        finally:
            runner.submit(agen.aclose())

    def compare(self, messages: Sequence[Message] | str, targets: Sequence[Target | str], **kwargs: Any) -> Comparison:
        return self._runner().run(self.acompare(messages, targets, **kwargs))  # type: ignore[attr-defined]

    def run_blocking(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine that uses this router (an evaluation run) on the router's own loop, blocking."""
        return self._runner().run(coro)

    def check_health(self) -> dict[str, Health]:
        return self._runner().run(self.acheck_health())  # type: ignore[attr-defined]

    def close(self) -> None:
        """Blocking `aclose`: run it on the router's loop (closing that loop's clients), then stop the loop."""
        runner = self._runner()
        runner.run(self.aclose())  # type: ignore[attr-defined]
        with self._loop_lock:
            if self._loop is runner:
                self._loop = None
        runner.stop()
