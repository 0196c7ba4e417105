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
