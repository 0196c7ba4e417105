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

from router_core.providers import provider_classes  # noqa: E402

# Every variable a provider kind reads (from the registry), plus the app's own.
KIND_ENV = [name for cls in provider_classes().values() for name in (*cls.key_envs, cls.base_url_env) if name]
VENDOR_ENV = [*KIND_ENV, "DATABASE_URL", "ROUTER_CONFIG", "ROUTER_DEMO", "APP_PASSWORD", "ROUTER_DOTENV"]


# Tests that take more than about 2 s (a browser, load, the local model, subprocesses) and the Streamlit page
# tests (each runs its page script, 1-5 s apiece): `-m "not slow"` leaves them out of the everyday loop.
# Tests in files this list does not cover carry `@pytest.mark.slow` themselves.
SLOW_MODULES = frozenset({"test_browser.py", "test_browser_routing.py", "test_browser_security.py", "test_load.py", "test_llamacpp.py"})
SLOW_MODULE_PREFIX = "test_app_"
SLOW_TESTS = frozenset({
    "test_the_cli_never_prints_a_key", "test_no_key_leaks_through_any_failure_path",
    "test_html_report_is_self_contained_and_escapes_hostile_text", "test_filters_narrow_the_numbers",
    "test_figures_use_the_tier_colours", "test_two_hundred_concurrent_requests_are_all_logged_once",
    "test_failed_probe_reopens_the_cooldown", "test_cooldown_opens_then_a_probe_closes_it",
    "test_two_instances_open_a_fresh_database_at_once", "test_filters_change_the_numbers",
    "test_routing_quality_curve_when_the_data_is_there",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = item.path.name
        if name in SLOW_MODULES or name.startswith(SLOW_MODULE_PREFIX) \
                or getattr(item, "originalname", item.name) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


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
_to_close: list[Any] = []


def run(coro):
    """Run a coroutine to completion on this test's event loop (from another thread: in a fresh loop).

    The loop stays open until the test ends, so the routers and providers given to `close_after_test` close
    their pooled clients on the loop that opened them (a client cannot be closed once its loop is gone).
    """
    global _test_loop
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(coro)
    if _test_loop is None:
        _test_loop = asyncio.new_event_loop()
    return _test_loop.run_until_complete(coro)


def close_after_test(closable: Any) -> Any:
    """Have a Router or Provider closed when the test ends (`aclose` on the test's loop); returns it."""
    _to_close.append(closable)
    return closable


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
    """After each test: close what it registered with `close_after_test`, then the event loop `run` used."""
    yield
    global _test_loop
    closables, loop = list(_to_close), _test_loop or asyncio.new_event_loop()
    _to_close.clear()
    _test_loop = None
    try:
        for closable in closables:
            loop.run_until_complete(closable.aclose())
    finally:
        _close_loop(loop)
