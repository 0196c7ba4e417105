"""Ollama's native API adapter against a fake daemon over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fakevendor import FakeVendor, ndjson
from providerkit import ProviderKit, call, closed_url

from router_core.providers import create_provider
from router_core.providers.base import Provider
from router_core.types import Message, ProviderResult, Usage

CHAT = [Message("system", "Be terse."), Message("user", "Capital of Australia?")]
NDJSON = "application/x-ndjson"


def ok(text: str = "Canberra.", *, done_reason: str = "stop", **counts: Any) -> dict[str, Any]:
    """A non-streamed /api/chat answer (durations in nanoseconds, as Ollama sends them)."""
    return {"model": "llama3.2", "created_at": "2026-11-25T10:00:00Z",
            "message": {"role": "assistant", "content": text}, "done": True, "done_reason": done_reason,
            "total_duration": 512_000_000, "load_duration": 1_000_000, "eval_duration": 300_000_000, **counts}


def part(text: str) -> dict[str, Any]:
    return {"model": "llama3.2", "created_at": "2026-11-25T10:00:00Z",
            "message": {"role": "assistant", "content": text}, "done": False}


DONE = {"model": "llama3.2", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
        "prompt_eval_count": 26, "eval_count": 3, "total_duration": 1}


def ollama(vendor: FakeVendor, timeout: float = 5.0) -> Provider:
    return create_provider("ollama", base_url=vendor.url, timeout=timeout)


KIT = ProviderKit(CHAT, "llama3.2")
complete, stream, failure = KIT.complete, KIT.stream, KIT.failure


def test_defaults_need_no_key():
    p = create_provider("ollama")
    assert (p.base_url, p.configured, p.key_env) == ("http://localhost:11434", True, None)


def test_success_sends_native_request_and_reads_counts(vendor):
    vendor.reply(json=ok(prompt_eval_count=26, eval_count=3))
    r = complete(ollama(vendor), max_tokens=256, temperature=0.2)
    req = vendor.requests[0]
    assert (req.method, req.path) == ("POST", "/api/chat")
    assert "authorization" not in req.headers
    assert req.json == {"model": "llama3.2", "stream": False, "options": {"num_predict": 256, "temperature": 0.2},
                        "messages": [{"role": "system", "content": "Be terse."},
                                     {"role": "user", "content": "Capital of Australia?"}]}
    assert (r.text, r.model, r.finish_reason) == ("Canberra.", "llama3.2", "stop")
    assert r.usage == Usage(input_tokens=26, output_tokens=3)


def test_no_options_when_none_given(vendor):
    vendor.reply(json=ok(prompt_eval_count=1, eval_count=1))
    complete(ollama(vendor))
    assert "options" not in vendor.requests[0].json and vendor.requests[0].json["stream"] is False


def test_omitted_counts_are_zero_never_estimated(vendor):
    vendor.reply(json=ok("A long answer of many words here.", thinking_field={"new": 1}))
    assert complete(ollama(vendor)).usage == Usage(input_tokens=0, output_tokens=0)


def test_empty_answer_at_length_cap(vendor):
    vendor.reply(json=ok("", done_reason="length", prompt_eval_count=5, eval_count=8)
                 | {"message": {"role": "assistant", "content": "", "thinking": "Hmm, let me think"}})
    err = failure(complete, ollama(vendor), max_tokens=8)
    assert (err.kind, err.retryable) == ("length", False)


def test_missing_model_says_how_to_pull_it(vendor):
    vendor.reply(404, json={"error": "model 'llama3.2' not found"})
    err = failure(complete, ollama(vendor))
    assert (err.kind, err.retryable, err.status) == ("not_found", False, 404)
    assert "ollama pull llama3.2" in str(err)


def test_old_not_found_wording(vendor):
    vendor.reply(404, json={"error": 'model "qwen3:8b" not found, try pulling it first'})
    assert "ollama pull qwen3:8b" in str(failure(complete, ollama(vendor)))


@pytest.mark.parametrize("status, error, retryable", [
    (503, "server busy, please try again.  maximum pending requests exceeded", True),
    (500, "llama runner process has terminated: signal: killed", True),
    (502, "cloud model unreachable", True),
    (400, "\"llama3.2\" does not support thinking", False),
])
def test_error_statuses(vendor, status, error, retryable):
    vendor.reply(status, json={"error": error})
    err = failure(complete, ollama(vendor))
    assert (err.status, err.retryable) == (status, retryable)
    assert error[:20] in str(err)


def test_error_in_a_200_body(vendor):
    vendor.reply(json={"error": "unexpected server status: llm server loading model"})
    err = failure(complete, ollama(vendor))
    assert err.retryable and "loading model" in str(err)


def test_malformed_json(vendor):
    vendor.reply(body=b'{"message": {"content": "Can')
    err = failure(complete, ollama(vendor))
    assert err.kind == "bad_response" and "malformed JSON" in str(err)


def test_html_error_page(vendor):
    vendor.reply(502, body=b"<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html")
    err = failure(complete, ollama(vendor))
    assert (err.kind, err.retryable, err.status) == ("server", True, 502) and "Bad Gateway" in str(err)


def test_timeout(vendor):
    vendor.hang()
    err = failure(complete, ollama(vendor, timeout=0.5))
    assert (err.kind, err.retryable) == ("timeout", True)


def test_not_running():
    url = closed_url()
    err = failure(complete, create_provider("ollama", base_url=url, timeout=2))
    assert err.kind == "connection" and not err.retryable
    assert f"Ollama is not running at {url}" in str(err)


def test_stream_whole(vendor):
    vendor.stream(ndjson(part("Can"), part("berra."), DONE), content_type=NDJSON)
    items = stream(ollama(vendor), max_tokens=30)
    body = vendor.requests[0].json
    assert body["stream"] is True and body["options"] == {"num_predict": 30}
    assert items[:2] == ["Can", "berra."] and len(items) == 3
    final = items[-1]
    assert isinstance(final, ProviderResult)
    assert (final.text, final.usage, final.finish_reason) == ("Canberra.", Usage(26, 3), "stop")


def test_stream_error_line(vendor):
    vendor.stream(ndjson(part("Can"), {"error": "an error was encountered while running the model"}),
                  content_type=NDJSON)
    err = failure(stream, ollama(vendor))
    assert "running the model" in str(err)


def test_stream_cut_off(vendor):
    vendor.stream(ndjson(part("Can"), part("berra")), content_type=NDJSON, cut=True)
    assert failure(stream, ollama(vendor)).kind == "stream_cut"


def test_stream_closed_without_done(vendor):
    vendor.stream(ndjson(part("Can"), part("berra")), content_type=NDJSON)
    err = failure(stream, ollama(vendor))
    assert (err.kind, err.retryable) == ("stream_cut", True)


def test_stream_empty_at_length_cap(vendor):
    vendor.stream(ndjson(part(""), DONE | {"done_reason": "length"}), content_type=NDJSON)
    assert failure(stream, ollama(vendor)).kind == "length"


def test_stream_not_found_before_first_line(vendor):
    vendor.reply(404, json={"error": "model 'nope' not found"})
    err = failure(stream, ollama(vendor))
    assert err.kind == "not_found" and "ollama pull nope" in str(err)


def test_list_models_and_health(vendor):
    vendor.default(json={"models": [{"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 2019393189,
                                     "details": {"family": "llama"}}, {"model": "qwen3:8b"}, {"size": 1}]})
    p = ollama(vendor)
    assert call(p, "list_models") == ["llama3.2:latest", "qwen3:8b"]
    h = call(p, "health")
    assert h.reachable and h.models == ("llama3.2:latest", "qwen3:8b")
    assert all((r.method, r.path) == ("GET", "/api/tags") for r in vendor.requests)


def test_health_unreachable():
    url = closed_url()
    h = call(create_provider("ollama", base_url=url, timeout=2), "health")
    assert not h.reachable and h.latency_ms is None and "not running" in h.detail
