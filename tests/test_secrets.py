"""Sentinel keys go everywhere a key can go, and every failure path is driven with them: the keys must not
appear in the database, the logs, the exceptions, the health details or the CLI output."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakevendor import Reply

from router_core import Message, RouterError
from router_core.router import Router

ROOT = Path(__file__).resolve().parents[1]
SENTINELS = {
    "OPENAI_API_KEY": "SENTINEL-openai-5d1c9e0b77",
    "ANTHROPIC_API_KEY": "SENTINEL-anthropic-a04f3b2c91",
    "GEMINI_API_KEY": "SENTINEL-gemini-99c0e1f2aa",
    "GROQ_API_KEY": "SENTINEL-groq-3e5d7f9b11",
}


def echo_the_key(request) -> Reply:
    """A vendor that rejects the key and quotes it back in full, as careless proxies do."""
    key = (request.headers.get("authorization", "").removeprefix("Bearer ") or request.headers.get("x-api-key")
           or request.headers.get("x-goog-api-key") or "")
    message = f"Incorrect API key provided: {key}. You can find your API key at the dashboard."
    if "x-goog-api-key" in request.headers:
        return Reply(400, json={"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT",
                                          "details": [{"reason": "API_KEY_INVALID"}]}})
    return Reply(401, json={"error": {"message": message, "type": "invalid_request_error",
                                      "code": "invalid_api_key"}})


@pytest.fixture
def sentinel_env(monkeypatch, tmp_path, vendor):
    vendor.route("/", echo_the_key)
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENAI_BASE_URL", vendor.url + "/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", vendor.url)
    monkeypatch.setenv("GEMINI_BASE_URL", vendor.url)
    monkeypatch.setenv("GROQ_BASE_URL", vendor.url)
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing there
    monkeypatch.setenv("ROUTER_DEMO", "0")
    return tmp_path


def leaks(text: str) -> list[str]:
    return [name for name, value in SENTINELS.items() if value in text]


def test_no_key_leaks_through_any_failure_path(sentinel_env, caplog):
    caplog.set_level(logging.DEBUG)
    router = Router.from_env()
    seen: list[str] = [repr(router.config), repr(router.providers)]
    prompts = ["Hi", "What is the capital of Peru?", "Can you explain how photosynthesis works?",
               "Write a detailed analysis comparing React and Vue.js for enterprise applications",
               "Prove that there are infinitely many primes and discuss the proof's history."]
    for prompt in prompts:
        for call in (lambda: router.complete(prompt, use_cache=False),
                     lambda: list(router.stream([Message("user", prompt)], use_cache=False))):
            try:
                result = call()
                seen.append(repr(result))
            except RouterError as exc:
                seen += [str(exc), repr(exc), repr(getattr(exc, "attempts", ""))]
    for name in ("openai", "anthropic", "gemini", "groq"):
        try:
            router.complete("Hello there", provider=name, use_cache=False)
        except RouterError as exc:
            seen += [str(exc), repr(getattr(exc, "attempts", ""))]
    comparison = router.compare("Explain DNS", ["openai:gpt-6-luna", "anthropic:claude-sonnet-5-5"])
    seen += [repr(comparison)]
    seen += [repr(h) for h in router.check_health().values()]
    router.close()
    assert any("Incorrect API key" in s for s in seen), "the failure paths were really exercised"
    seen.append(caplog.text)
    database = b"".join(p.read_bytes() for p in sentinel_env.glob("router.db*"))
    assert not leaks("\n".join(seen))
    assert not leaks(database.decode("utf-8", "replace"))


def test_the_cli_never_prints_a_key(sentinel_env):
    env = dict(os.environ)
    for args in (["providers"], ["ask", "Hi"], ["route", "Explain DNS", "--send"]):
        out = subprocess.run([sys.executable, "-m", "router_core", *args], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert not leaks(out.stdout + out.stderr), args
