"""The command line in demo mode: whole answers, wrapped, and the mode said up front."""

from __future__ import annotations

import pytest
from routerkit import logged_rows

from router_core.__main__ import main

WRAP = 100  # the width answers are wrapped to

EXPERT_PROMPT = "I need expert advice on optimizing database queries for a high-traffic application"


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("argv", [["route", EXPERT_PROMPT, "--send"],
                                  ["ask", "Explain photosynthesis in detail", "--provider", "openai"]])
def test_answers_are_printed_whole_and_wrapped_in_demo_mode(argv, capsys, tmp_path) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Demo mode:")
    answers = [row["response"] for row in logged_rows(tmp_path) if row["response"]]
    if not answers:  # `ask` does not use the cache, but logs every call; fall back to what printed
        pytest.fail("no answer was logged")
    assert len(answers[-1]) > 70 and _words(answers[-1]) in _words(out)
    assert all(len(line) <= WRAP for line in out.splitlines() if not line.startswith(("---", "provider")))


def test_ask_and_route_send_are_logged_as_cli_and_leave_savings_alone(capsys, tmp_path) -> None:
    from datetime import datetime, timedelta, timezone

    from router_core import analytics
    from router_core.store import Store

    assert main(["ask", "Explain photosynthesis", "--provider", "openai"]) == 0
    assert main(["route", "What is the capital of France?", "--send"]) == 0
    assert [row["source"] for row in logged_rows(tmp_path)] == ["cli", "cli"]
    store = Store(f"sqlite:///{tmp_path / 'router.db'}")
    now = datetime.now(timezone.utc)
    window = dict(since=now - timedelta(hours=1), until=now + timedelta(hours=1))
    assert analytics.kpis(store, **window)["requests"] == 0
    assert analytics.kpis(store, sources=("cli",), **window)["requests"] == 2
    store.close()
