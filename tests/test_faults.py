"""Chaos mode: the cheap provider misbehaves in every way a vendor can; the router falls over to premium,
keeps the deadline, logs every attempt, and says clearly what happened when nobody can answer."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from types import SimpleNamespace

import pytest
from conftest import run
from fakevendor import sse
from routerkit import FakeTime, anthropic_ok, logged_rows, make_router, openai_ok

from router_core import NoProviderAvailable, ProviderError

PROMPT = "Can you explain how photosynthesis works?"  # MEDIUM: cheap first, then premium


async def no_sleep(seconds: float) -> None:
    """Backoff without waiting (the clock stays real, so hangs and deadlines are real)."""


@pytest.fixture
def premium(premium):
    """conftest's premium vendor, answering every request that nothing else was scripted for."""
    premium.default(json=anthropic_ok("premium saved the day"))
    return premium


def fails_over(tmp_path, cheap, premium, **router_args):
    """Route once; the answer must come from premium after cheap's failures, all of them logged."""
    router = make_router(tmp_path, cheap.url, premium.url, sleep=no_sleep, **router_args)
    start = time.monotonic()
    c = run(router.acomplete(PROMPT))
    elapsed = time.monotonic() - start
    router.close()
    assert c.provider == "premium" and c.text == "premium saved the day"
    errors = [a for a in c.attempts if a.outcome == "error"]
    assert errors and all(a.provider == "cheap" and a.error for a in errors)
    [row] = logged_rows(tmp_path)
    assert len(json.loads(row["attempts"])) == len(c.attempts)
    return c, errors, elapsed


def blackhole() -> tuple[socket.socket, list[socket.socket], str]:
    """A listening socket whose accept queue is full: new connections hang in SYN (a connect timeout)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(server.getsockname())
        except BlockingIOError:
            pass
        fillers.append(s)
    host, port = server.getsockname()
    return server, fillers, f"http://{host}:{port}"


def test_connect_timeout_falls_over_within_the_attempt_timeout(tmp_path, premium):
    server, fillers, url = blackhole()

    cheap = SimpleNamespace(url=url)
    try:
        c, errors, elapsed = fails_over(tmp_path, cheap, premium, attempt_timeout=0.3, max_retries=1)
    finally:
        for s in [server, *fillers]:
            s.close()
    # one try: a timeout is not retried on the same provider while another candidate (premium) remains
    assert len(errors) == 1 and all("0.3 s" in e.error or "timed out" in e.error for e in errors)
    assert elapsed < 3


def test_a_server_that_accepts_and_never_answers(tmp_path, cheap, premium):
    cheap.hang().hang()
    c, errors, elapsed = fails_over(tmp_path, cheap, premium, attempt_timeout=0.3, max_retries=1)
    assert len(errors) == 1 and elapsed < 3  # not retried while premium remains


def test_the_deadline_is_never_exceeded_even_when_every_provider_hangs(tmp_path, cheap, premium):
    premium.reset()
    cheap.default(hang=True)
    premium.default(hang=True)
    router = make_router(tmp_path, cheap.url, premium.url, sleep=no_sleep, deadline=1.0, attempt_timeout=0.4)
    start = time.monotonic()
    with pytest.raises(NoProviderAvailable) as info:
        run(router.acomplete(PROMPT))
    assert time.monotonic() - start < 1.8
    assert "deadline" in str(info.value) or "failed" in str(info.value)
    assert logged_rows(tmp_path)[0]["status"] == "error"
    router.close()


@pytest.mark.parametrize("status", [500, 502, 503, 529])
def test_server_errors_are_retried_then_fall_over(tmp_path, cheap, premium, status):
    cheap.default(status, json={"error": {"message": "upstream trouble", "type": "server_error"}})
    c, errors, _ = fails_over(tmp_path, cheap, premium)
    assert [e.status for e in errors] == [status] * 3 and all(e.retryable for e in errors)


def test_a_429_storm_with_retry_after_is_waited_out_then_falls_over(tmp_path, cheap, premium):
    clock = FakeTime()
    cheap.default(429, json={"error": {"message": "Rate limit", "code": "rate_limit_exceeded"}},
                  headers={"retry-after": "3"})
    router = make_router(tmp_path, cheap.url, premium.url, time=clock)
    c = run(router.acomplete(PROMPT))
    assert c.provider == "premium" and clock.sleeps == [3.0, 3.0]
    router.close()


def test_a_429_storm_without_retry_after_backs_off_with_jitter(tmp_path, cheap, premium):
    clock = FakeTime()
    cheap.default(429, json={"error": {"message": "Rate limit", "code": "rate_limit_exceeded"}})
    router = make_router(tmp_path, cheap.url, premium.url, time=clock)
    c = run(router.acomplete(PROMPT))
    assert c.provider == "premium"
    assert len(clock.sleeps) == 2 and 0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0
    router.close()


@pytest.mark.parametrize("reply, what", [
    (dict(body=b'{"choices": [{"message": {"content": "trunc', content_type="application/json"), "malformed JSON"),
    (dict(status=502, body=b"<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"),
     "non-JSON"),
    (dict(json={"id": "x", "object": "chat.completion", "choices": [], "usage": {}}), "without choices"),
    (dict(body=b"<!doctype html><title>Login</title>", content_type="application/json"), "HTML page"),
])
def test_garbage_answers_fall_over_with_a_clear_error(tmp_path, cheap, premium, reply, what):
    cheap.default(**reply)
    c, errors, _ = fails_over(tmp_path, cheap, premium)
    assert what in errors[0].error


def test_a_twenty_megabyte_response_is_refused_not_read_into_memory(tmp_path, cheap, premium):
    huge = json.dumps(openai_ok("x" * (20 * 2**20))).encode()
    cheap.default(body=huge)
    c, errors, _ = fails_over(tmp_path, cheap, premium)
    assert "larger than 8 MB" in errors[0].error


def test_json_with_the_wrong_content_type_is_still_read(tmp_path, cheap, premium):
    cheap.reply(body=json.dumps(openai_ok("plain but fine")).encode(), content_type="text/plain")
    router = make_router(tmp_path, cheap.url, premium.url, sleep=no_sleep)
    assert run(router.acomplete(PROMPT)).text == "plain but fine"
    router.close()


def test_a_connection_reset_mid_body_is_retried_then_falls_over(tmp_path, cheap, premium):
    partial = json.dumps(openai_ok("half")).encode()[:40]
    cheap.default(json=None, chunks=[partial], cut=True)
    c, errors, _ = fails_over(tmp_path, cheap, premium)
    assert len(errors) == 3 and all(e.retryable for e in errors)


def test_a_slow_stream_ends_with_an_explicit_error_at_the_deadline(tmp_path, cheap, premium):
    chunk = {"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "word "}}]}
    cheap.stream(sse(*[chunk] * 50, done=True), chunk_delay=0.1)
    router = make_router(tmp_path, cheap.url, premium.url, sleep=no_sleep, deadline=1.0)

    async def consume():
        got = []
        async for item in router.astream(PROMPT):
            got.append(item)
        return got

    start = time.monotonic()
    with pytest.raises(ProviderError, match="deadline"):
        run(consume())
    assert time.monotonic() - start < 2.0
    row = logged_rows(tmp_path)[0]
    assert row["status"] == "cut" and row["response"].startswith("word word ")  # what the user saw, marked cut
    db = sqlite3.connect(tmp_path / "router.db")
    assert db.execute("SELECT COUNT(*) FROM response_cache").fetchone()[0] == 0
    db.close()
    router.close()


def test_every_candidate_failing_gives_an_actionable_error_and_logs_every_attempt(tmp_path, cheap, premium):
    premium.reset()
    cheap.default(503, json={"error": {"message": "down"}})
    premium.default(529, json={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    router = make_router(tmp_path, cheap.url, premium.url, sleep=no_sleep)
    with pytest.raises(NoProviderAvailable) as info:
        run(router.acomplete(PROMPT))
    message = str(info.value)
    assert "Every provider failed" in message and "cheap" in message and "premium" in message
    assert len(info.value.attempts) == 6
    [row] = logged_rows(tmp_path)
    assert row["status"] == "error" and len(json.loads(row["attempts"])) == 6
    router.close()
