"""Closing a Router: `async with`, `aclose` and `close` close every pooled client and write pending log rows;
the CLI ends without aiohttp's "Unclosed client session" warning."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from routerkit import anthropic_ok, make_router, openai_ok

from router_core.store import Store

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "Can you explain how photosynthesis works?"


def sessions_of(clients: list[httpx.AsyncClient]) -> list:
    """The aiohttp sessions behind pooled httpx clients (the transport opens one on its first request)."""
    sessions = [client._transport.client for client in clients]  # noqa: SLF001 - what the test is about
    assert sessions and all(s is not None for s in sessions)
    return sessions


def count_rows(tmp_path: Path) -> int:
    db = sqlite3.connect(tmp_path / "router.db")
    try:
        return db.execute("SELECT COUNT(*) FROM interaction_logs").fetchone()[0]
    finally:
        db.close()


def test_async_with_closes_every_pooled_client(tmp_path, cheap, premium):
    cheap.default(json=openai_ok())
    premium.default(json=anthropic_ok())

    async def scenario():
        async with make_router(tmp_path, cheap.url, premium.url) as router:
            await router.acomplete("Hi", provider="cheap")
            await router.acomplete("Hi", provider="premium")
            clients = [router.providers[name].client for name in ("cheap", "premium")]
            sessions = sessions_of(clients)
            assert not any(s.closed for s in sessions)
        return clients, sessions

    clients, sessions = asyncio.run(scenario())  # a loop of its own: every client must be closed on it
    assert all(c.is_closed for c in clients)
    assert all(s.closed for s in sessions)


def test_aclose_also_closes_the_clients_of_the_blocking_methods(tmp_path, cheap, premium):
    cheap.default(json=openai_ok())
    router = make_router(tmp_path, cheap.url, premium.url)
    assert router.complete("Hi").provider == "cheap"  # on the router's own loop thread
    runner = router._runner()  # noqa: SLF001

    async def pooled():
        return [router.providers["cheap"].client]

    clients = runner.run(pooled())
    sessions = sessions_of(clients)
    asyncio.run(router.aclose())  # from another loop
    assert all(c.is_closed for c in clients) and all(s.closed for s in sessions)
    assert not runner.thread.is_alive() and runner.loop.is_closed()
    assert router.complete("Hi again").provider == "cheap", "a closed router reopens what it needs"
    router.close()


def test_close_closes_the_loop_thread_and_its_clients(tmp_path, cheap, premium):
    cheap.default(json=openai_ok())
    router = make_router(tmp_path, cheap.url, premium.url)
    router.complete("Hi")
    runner = router._runner()  # noqa: SLF001

    async def pooled():
        return [router.providers["cheap"].client]

    sessions = sessions_of(runner.run(pooled()))
    router.close()
    assert all(s.closed for s in sessions)
    assert not runner.thread.is_alive() and runner.loop.is_closed()


def test_aclose_writes_the_rows_the_database_refused(tmp_path, cheap, premium):
    cheap.default(json=openai_ok("answer"))
    url = f"sqlite:///{tmp_path / 'router.db'}"
    router = make_router(tmp_path, cheap.url, premium.url, store=Store(url, busy_timeout_ms=50, log_retries=1))
    holder = sqlite3.connect(tmp_path / "router.db", timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database

    async def scenario():
        async with router:
            completion = await router.acomplete(PROMPT)
            assert "not logged yet" in completion.log_error
            assert router.flush_unlogged() == 1  # still locked: the row waits
            holder.rollback()  # the database accepts writes again; nothing else is logged before closing
            holder.close()

    asyncio.run(scenario())
    assert count_rows(tmp_path) == 1, "aclose wrote the row that was waiting"
    assert router.flush_unlogged() == 0


@pytest.mark.slow
@pytest.mark.parametrize("command", [["providers"], ["ask", "Hi", "--provider", "openai"], ["route", "Hi"]])
def test_cli_commands_end_without_unclosed_warnings(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_TOKEN"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "ROUTER_DOTENV": "", "ROUTER_DEMO": "1",
            "PYTHONWARNINGS": "always::ResourceWarning"}
    done = subprocess.run([sys.executable, "-m", "router_core", *command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Unclosed" not in done.stderr and "unclosed" not in done.stderr, done.stderr[-2000:]
