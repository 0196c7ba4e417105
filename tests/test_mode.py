"""Which mode the app is in and why, which tiers cannot be served, and the no-provider error (once, grammatical).

The shipped data/router.toml, no network: OpenAI's base URL points at a closed port on 127.0.0.1.
"""

from __future__ import annotations

import pytest
from conftest import close_after_test

from router_core import Router
from router_core.errors import NoProviderAvailable
from router_core.workspace import Workspace

EXPERT_PROMPT = "I need expert advice on optimizing database queries for a high-traffic application"
CLOUD_TIERS = ["MEDIUM", "COMPLEX", "EXPERT"]


def _workspace() -> Workspace:
    return Workspace(close_after_test(Router.from_env()))


@pytest.fixture
def garbage_openai_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "garbage")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there


def test_one_cloud_key_says_live_mode_and_why(garbage_openai_key) -> None:
    mode = _workspace().mode()
    assert not mode.demo and mode.title == "Live mode"
    assert "OPENAI_API_KEY" in mode.why and "not simulated" in mode.why and "ROUTER_DEMO=1" in mode.why


def test_no_key_says_demo_mode_and_why() -> None:
    mode = _workspace().mode()
    assert mode.demo and mode.title == "Demo mode" and "no cloud api key" in mode.why.lower()


def test_forced_mode_names_router_demo(monkeypatch) -> None:
    monkeypatch.setenv("ROUTER_DEMO", "0")
    mode = _workspace().mode()
    assert not mode.demo and "ROUTER_DEMO" in mode.why


def test_tiers_without_a_reachable_candidate_are_named_before_sending(garbage_openai_key) -> None:
    ws = _workspace()
    assert ws.tier_gaps() == {}  # openai has a key; nothing says yet that it cannot be reached
    ws.check_health()
    gaps = ws.tier_gaps()
    assert sorted(gaps) == sorted(CLOUD_TIERS)
    assert "openai" in gaps["EXPERT"] and "ANTHROPIC_API_KEY" in gaps["EXPERT"]


def test_unconfigured_tiers_are_named_without_any_check(monkeypatch) -> None:
    monkeypatch.setenv("ROUTER_DEMO", "0")
    assert sorted(_workspace().tier_gaps()) == sorted(CLOUD_TIERS)


def test_no_provider_error_is_written_once_and_grammatically(monkeypatch) -> None:
    monkeypatch.setenv("ROUTER_DEMO", "0")
    ws = _workspace()
    with pytest.raises(NoProviderAvailable) as caught:
        ws.router.complete(EXPERT_PROMPT)
    message = str(caught.value)
    assert "an EXPERT request" in message
    assert message.count("ANTHROPIC_API_KEY") == 1 and message.count("OPENAI_API_KEY") == 1, message


def test_repeated_failures_are_reported_once(garbage_openai_key) -> None:
    ws = _workspace()
    with pytest.raises(NoProviderAvailable) as caught:
        ws.router.complete(EXPERT_PROMPT)
    message = str(caught.value)
    assert message.count("could not connect") == 1 and "attempts" in message, message
