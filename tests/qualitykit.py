"""Helpers for quality tests: the routerkit config plus a judge vendor (OpenAI wire format, real HTTP) whose
verdicts follow a script, and vendors that answer every request with a fixed text.

    judge.route("/v1/chat/completions", scripted_judge(prefers="Premium answer"))
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from conftest import close_after_test
from fakevendor import FakeVendor, Recorded, Reply
from routerkit import CONFIG, PREMIUM_KEY, anthropic_ok, openai_ok

from router_core.config import load_config
from router_core.router import Router

JUDGE_KEY = "sk-judge-test-0123456789"
CHEAP_TEXT, PREMIUM_TEXT = "Cheap answer", "Premium answer"
JUDGE_PROVIDER = """
[providers.judge]
kind = "openai"
key_env = "TEST_JUDGE_KEY"
base_url = "{judge}/v1"
[providers.judge.models]
"gpt-6-astra" = {{}}
"""
_ANSWER = re.compile(r"\[The Start of Assistant ([AB])'s Answer\]\n(.*?)\n\[The End of Assistant \1's Answer\]", re.S)


def answers_shown(request: Recorded) -> dict[str, str]:
    """{"A": text, "B": text} of a judge request."""
    user = next(m["content"] for m in request.json["messages"] if m["role"] == "user")
    return dict(_ANSWER.findall(user))


def scripted_judge(*, prefers: str | None = None, always: str | None = None,
                   reply: str | None = None) -> Callable[[Recorded], Reply]:
    """A judge that picks the answer containing `prefers` (whichever position it is in), or always the
    same letter, or replies `reply` verbatim."""
    def handle(request: Recorded) -> Reply:
        if reply is not None:
            text = reply
        elif always is not None:
            text = f"Position {always} it is. [[{always}]]"
        else:
            shown = answers_shown(request)
            letter = next(k for k, v in shown.items() if prefers in v)
            text = f"Assistant {letter} is better because it says {prefers!r}. [[{letter}]]"
        return Reply(json=openai_ok(text, model="gpt-6-astra", inp=300, out=40))
    return handle


def serve_answers(cheap: FakeVendor, premium: FakeVendor) -> None:
    cheap.route("/v1/chat/completions", lambda r: Reply(json=openai_ok(CHEAP_TEXT)))
    premium.route("/v1/messages", lambda r: Reply(json=anthropic_ok(PREMIUM_TEXT)))


def quality_router(tmp_path: Path, cheap: FakeVendor, premium: FakeVendor, judge: FakeVendor,
                   extra_config: str = "") -> Router:
    """Routerkit's cheap / premium router plus a `judge` provider (openai kind, model gpt-6-astra)."""
    path = tmp_path / "router.toml"
    text = CONFIG.format(cheap=cheap.url, premium=premium.url, deadline=30, attempt_timeout=10, max_retries=0)
    path.write_text(text + JUDGE_PROVIDER.format(judge=judge.url) + extra_config)
    env = {"TEST_PREMIUM_KEY": PREMIUM_KEY, "TEST_JUDGE_KEY": JUDGE_KEY,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'router.db'}", "ROUTER_DOTENV": ""}
    return close_after_test(Router(load_config(path, env)))


def config_file(tmp_path: Path, cheap: FakeVendor, premium: FakeVendor, judge: FakeVendor) -> Path:
    """The same config as a file (for the CLI in a subprocess)."""
    path = tmp_path / "router.toml"
    text = CONFIG.format(cheap=cheap.url, premium=premium.url, deadline=30, attempt_timeout=10, max_retries=0)
    path.write_text(text + JUDGE_PROVIDER.format(judge=judge.url) + '\n[quality]\njudge = "judge:gpt-6-astra"\n')
    return path
