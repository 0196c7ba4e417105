"""Shared fixtures: fake vendor servers per test, a clean environment with no real keys, and one event loop
per test for `run`, closed with every router the test made (no pooled client is left unclosed)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakevendor import FakeVendor  # noqa: E402

VENDOR_ENV = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GEMINI_API_KEY",
              "GEMINI_BASE_URL", "GOOGLE_API_KEY", "GROQ_API_KEY", "GROQ_BASE_URL", "OLLAMA_HOST", "DATABASE_URL",
              "ROUTER_CONFIG", "ROUTER_DEMO", "APP_PASSWORD"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No test sees the developer's keys or database; each gets its own SQLite file."""
    for name in VENDOR_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'router.db'}")
    monkeypatch.setenv("ROUTER_DOTENV", str(tmp_path / "no.env"))
    yield


def _fake_vendor() -> Iterator[FakeVendor]:
    """A FakeVendor serving on 127.0.0.1 for the length of one test."""
    with FakeVendor() as server:
        yield server


# `vendor` for adapter tests; `cheap` (OpenAI-compatible, tried first) and `premium` (Anthropic, after it) are
# the two providers of routerkit.make_router.
vendor = pytest.fixture(_fake_vendor, name="vendor")
cheap = pytest.fixture(_fake_vendor, name="cheap")
premium = pytest.fixture(_fake_vendor, name="premium")


_test_loop: asyncio.AbstractEventLoop | None = None
_routers_to_close: list[Any] = []


def run(coro):
    """Run a coroutine to completion on this test's event loop (from another thread: in a fresh loop).

    The loop stays open until the test ends, so the routers made with `close_after_test` close their pooled
    clients on the loop that opened them (a client cannot be closed once its loop is gone).
    """
    global _test_loop
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(coro)
    if _test_loop is None:
        _test_loop = asyncio.new_event_loop()
    return _test_loop.run_until_complete(coro)


def close_after_test(router: Any) -> Any:
    """Have `router` closed (`aclose` on the test's loop: its clients, its loop thread, pending rows) at teardown."""
    _routers_to_close.append(router)
    return router


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """What `asyncio.run` does on the way out: cancel what is left, finish generators and the executor, close."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


@pytest.fixture(autouse=True)
def close_routers_and_the_test_loop() -> Iterator[None]:
    """After each test: close the routers it registered, then the event loop `run` used."""
    yield
    global _test_loop
    routers, loop = list(_routers_to_close), _test_loop
    _routers_to_close.clear()
    _test_loop = None
    for router in routers:
        if loop is not None:
            loop.run_until_complete(router.aclose())
        else:
            router.close()
    if loop is not None:
        _close_loop(loop)
