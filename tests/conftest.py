"""Shared fixtures: fake vendor servers per test, and a clean environment with no real keys."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakevendor import FakeVendor  # noqa: E402

from router_core.providers import provider_classes  # noqa: E402

# Every variable a provider kind reads (from the registry), plus the app's own.
KIND_ENV = [name for cls in provider_classes().values() for name in (*cls.key_envs, cls.base_url_env) if name]
VENDOR_ENV = [*KIND_ENV, "DATABASE_URL", "ROUTER_CONFIG", "ROUTER_DEMO", "APP_PASSWORD", "ROUTER_DOTENV"]


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


def run(coro):
    """Run a coroutine to completion in a fresh event loop."""
    return asyncio.run(coro)


class _DropUnclosedSessionNoise(logging.Filter):
    """Tests run each coroutine on a throwaway loop; aiohttp then reports the pooled sessions of loops
    that no longer exist when they are garbage collected. The app keeps one loop alive, so this is test noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(("Unclosed client session", "Unclosed connector"))


logging.getLogger("asyncio").addFilter(_DropUnclosedSessionNoise())
