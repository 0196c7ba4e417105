"""Helpers for router tests: a two-provider config over fake vendors, vendor-shaped answers, a fake clock,
and the rows the router logged.

The two vendors themselves are the `cheap` and `premium` fixtures of conftest.py. Every router made here is
closed when the test ends (conftest.close_after_test), on the event loop the test's `run` calls used.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from conftest import close_after_test

from router_core.config import load_config
from router_core.router import Router
from router_core.store.writer import wait_for_writers

PREMIUM_KEY = "sk-ant-test-SENTINEL-0123456789"


def openai_ok(text: str = "Cheap answer", model: str = "gpt-6-luna", inp: int = 12, out: int = 5) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}}


def anthropic_ok(text: str = "Premium answer", inp: int = 20, out: int = 10) -> dict:
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "usage": {"input_tokens": inp, "output_tokens": out}}


def logged_rows(tmp_path: Path) -> list[dict[str, Any]]:
    """Every row of interaction_logs in the test's SQLite file (`tmp_path / "router.db"`), oldest first (once the
    rows queued so far are committed)."""
    assert wait_for_writers()
    db = sqlite3.connect(tmp_path / "router.db")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM interaction_logs ORDER BY id")]
    finally:
        db.close()


class FakeTime:
    """A clock that only moves when the router sleeps (or a test advances it)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


CONFIG = """
[router]
baseline = "premium:claude-sonnet-5-5"
cache_ttl_days = 1

[limits]
max_retries = {max_retries}
backoff_base_s = 0.5
backoff_cap_s = 4
retry_after_cap_s = 20
cooldown_failures = 2
cooldown_s = 30
request_deadline_s = {deadline}
attempt_timeout_s = {attempt_timeout}
max_prompt_chars = 2000

[demo]
failure_rate = 0
latency_scale = 0

[providers.cheap]
kind = "openai_compatible"
base_url = "{cheap}/v1"
[providers.cheap.models]
"gpt-6-luna" = {{ aliases = ["luna"] }}

[providers.premium]
kind = "anthropic"
key_env = "TEST_PREMIUM_KEY"
base_url = "{premium}"
[providers.premium.models]
"claude-sonnet-5-5" = {{ aliases = ["sonnet"] }}

[routing]
TRIVIAL = ["cheap:gpt-6-luna"]
SIMPLE = ["cheap:gpt-6-luna"]
MEDIUM = ["cheap:gpt-6-luna", "premium:claude-sonnet-5-5"]
COMPLEX = ["cheap:gpt-6-luna", "premium:claude-sonnet-5-5"]
EXPERT = ["premium:claude-sonnet-5-5"]
last_resort = "premium:claude-sonnet-5-5"
"""


def make_router(tmp_path: Path, cheap_url: str, premium_url: str, *, deadline: float = 30,
                attempt_timeout: float = 10, max_retries: int = 2, time: FakeTime | None = None,
                wall: FakeTime | None = None, limits: str = "", cheap_extra: str = "", **kwargs: Any) -> Router:
    """A router over two fake vendors: `cheap` (OpenAI-compatible) first, `premium` (Anthropic) after.

    `time` fakes the clock and the backoff sleeps; pass `sleep=` alone to skip real backoff waits but keep
    real time (for hangs and deadlines). `limits` and `cheap_extra` are TOML lines added to [limits] and to
    [providers.cheap] (e.g. "queue_wait_s = 0.2", "max_concurrency = 1").
    """
    path = tmp_path / "router.toml"
    text = CONFIG.format(cheap=cheap_url, premium=premium_url, deadline=deadline,
                         attempt_timeout=attempt_timeout, max_retries=max_retries)
    text = text.replace("[limits]\n", f"[limits]\n{limits}\n").replace(
        "[providers.cheap]\n", f"[providers.cheap]\n{cheap_extra}\n")
    path.write_text(text)
    env = {"TEST_PREMIUM_KEY": PREMIUM_KEY, "DATABASE_URL": f"sqlite:///{tmp_path / 'router.db'}",
           "ROUTER_DOTENV": ""}
    config = load_config(path, env)
    if time is not None:
        kwargs.update(clock=time, sleep=time.sleep)
    if wall is not None:
        kwargs.update(wall_clock=wall)
    return close_after_test(Router(config, **kwargs))


# One OpenAI-compatible vendor for every tier and the baseline (the Agents and browser-security tests)
ECHO_CONFIG = """
[router]
baseline = "echo:echo-model"
[providers.echo]
kind = "openai_compatible"
base_url = "{url}/v1"
models = ["echo-model"]
[prices."echo:*"]
input = 1
output = 2
[routing]
TRIVIAL = ["echo:echo-model"]
SIMPLE = ["echo:echo-model"]
MEDIUM = ["echo:echo-model"]
COMPLEX = ["echo:echo-model"]
EXPERT = ["echo:echo-model"]
last_resort = "echo:echo-model"
"""


def echo_config(folder: Path, url: str) -> Path:
    path = folder / "router.toml"
    path.write_text(ECHO_CONFIG.format(url=url))
    return path
