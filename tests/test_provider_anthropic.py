"""AnthropicProvider against a fake Anthropic server over real HTTP: what is sent and what is read."""

from __future__ import annotations

from typing import Any

import pytest
from fakevendor import FakeVendor, sse
from providerkit import ProviderKit, call, closed_url

from router_core.providers import create_provider
from router_core.providers.anthropic import AnthropicProvider, accepts_sampling
from router_core.types import Message, ProviderResult, Usage

KEY = "test-anthropic-key-4f9c2e"  # shaped like no known key, so only registration can mask it
MODEL = "claude-sonnet-5-5"
MESSAGES = [Message("system", "Be terse."), Message("system", "Answer in English."),
            Message("user", "Capital of Australia?"), Message("assistant", "Canberra."),
            Message("user", "And of Canada?")]


def ok(text: str = "Ottawa.", **extra: Any) -> dict[str, Any]:
    body = {"id": "msg_1", "type": "message", "role": "assistant", "model": MODEL,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 58, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                      "output_tokens": 12, "service_tier": "standard"}}
    return body | extra


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"}


def provider(srv: Any, **kwargs: Any) -> AnthropicProvider:
    return AnthropicProvider(base_url=srv.url, api_key=KEY, **kwargs)


KIT = ProviderKit(MESSAGES, MODEL, secret=KEY, stream_defaults={"max_tokens": 100})
complete, stream, failure = KIT.complete, KIT.stream, KIT.failure


def events(*payloads: dict[str, Any]) -> list[bytes]:
    return sse(*payloads, event_names=[p["type"] for p in payloads])


STREAM_START = {"type": "message_start", "message": {
    "id": "msg_1", "type": "message", "role": "assistant", "model": MODEL, "content": [], "stop_reason": None,
    "usage": {"input_tokens": 40, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 100,
              "output_tokens": 1}}}
STREAM_BODY = [
    STREAM_START,
    {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
    {"type": "ping"},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Hmm."}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "Eq"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Ott"}},
    {"type": "ping"},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "awa."}},
    {"type": "brand_new_event", "whatever": [1, 2]},
    {"type": "content_block_stop", "index": 1},
]
STREAM_END = [
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 30, "output_tokens_details": {"thinking_tokens": 20}}},
    {"type": "message_stop"},
]


def test_complete_sends_messages_api_request_and_reads_answer(vendor):
    vendor.reply(json=ok())
    result = complete(provider(vendor), temperature=0.5)
    req = vendor.requests[0]
    assert (req.method, req.path) == ("POST", "/v1/messages")
    assert req.headers["x-api-key"] == KEY
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert req.headers["content-type"] == "application/json"
    assert "authorization" not in req.headers
    assert req.json == {
        "model": MODEL, "max_tokens": 1024, "system": "Be terse.\n\nAnswer in English.",
        "messages": [{"role": "user", "content": "Capital of Australia?"},
                     {"role": "assistant", "content": "Canberra."},
                     {"role": "user", "content": "And of Canada?"}]}  # no temperature for Sonnet 5.5
    assert (result.text, result.model, result.finish_reason) == ("Ottawa.", MODEL, "end_turn")
    assert result.usage == Usage(input_tokens=58, output_tokens=12)
    assert result.latency_ms > 0


def test_registry_builds_the_adapter_with_its_defaults():
    p = create_provider("anthropic", api_key=KEY)
    assert isinstance(p, AnthropicProvider)
    assert (p.base_url, p.key_env) == ("https://api.anthropic.com", "ANTHROPIC_API_KEY")
    assert KEY not in repr(p)


def test_max_tokens_and_temperature_are_sent_to_models_that_take_them(vendor):
    vendor.reply(json=ok())
    complete(provider(vendor), model="claude-haiku-4-5", max_tokens=50, temperature=1.7)
    body = vendor.requests[0].json
    assert (body["max_tokens"], body["temperature"]) == (50, 1.0)  # clamped to Anthropic's 0..1


@pytest.mark.parametrize("model, accepted", [
    ("claude-haiku-4-5", True), ("claude-haiku-5-5", True), ("claude-3-5-sonnet-20241022", True),
    ("claude-sonnet-4-6", True), ("claude-opus-4-6", True), ("claude-opus-4-1-20250805", True),
    ("claude-opus-4-7", False), ("claude-sonnet-5-5", False), ("claude-opus-5-5", False),
    ("claude-fable-5-2", False), ("claude-mystery", False),
])
def test_sampling_is_only_offered_to_models_that_accept_it(model, accepted):
    assert accepts_sampling(model) is accepted


def test_multi_block_answer_keeps_only_text_blocks(vendor):
    vendor.reply(json=ok(content=[
        {"type": "thinking", "thinking": "The user wants a capital.", "signature": "EqQC"},
        {"type": "redacted_thinking", "data": "xyz"},
        {"type": "text", "text": "Ottawa", "citations": None},
        {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "Canada"}},
        {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {}},
        {"type": "text", "text": " is the capital."},
        {"type": "future_block", "text": "not answer text"},
    ], usage={"input_tokens": 58, "output_tokens": 214, "output_tokens_details": {"thinking_tokens": 121}}))
    result = complete(provider(vendor))
    assert result.text == "Ottawa is the capital."
    assert result.usage == Usage(input_tokens=58, output_tokens=214, reasoning_tokens=121)


def test_prompt_cache_counts_are_added_to_the_prompt(vendor):
    vendor.reply(json=ok(usage={"input_tokens": 58, "cache_creation_input_tokens": 1000,
                                "cache_read_input_tokens": 2000, "output_tokens": 12,
                                "cache_creation": {"ephemeral_5m_input_tokens": 1000}}))
    usage = complete(provider(vendor)).usage
    assert usage == Usage(input_tokens=3058, output_tokens=12, cached_input_tokens=2000, cache_write_tokens=1000)


def test_refusal_is_a_non_retryable_error_with_the_explanation(vendor):
    vendor.reply(json=ok(content=[], stop_reason="refusal", stop_details={
        "type": "refusal", "category": "cyber", "explanation": "This looks like malware development."}))
    err = failure(complete, provider(vendor))
    assert (err.kind, err.retryable, err.status) == ("refusal", False, None)
    assert "cyber" in str(err) and "malware development" in str(err)


@pytest.mark.parametrize("stop", ["max_tokens", "model_context_window_exceeded"])
def test_empty_truncated_answer_is_a_length_error(vendor, stop):
    vendor.reply(json=ok(content=[{"type": "thinking", "thinking": "Long…", "signature": "Eq"}], stop_reason=stop))
    err = failure(complete, provider(vendor), max_tokens=20)
    assert (err.kind, err.retryable) == ("length", False)
    assert vendor.requests[0].json["max_tokens"] == 20


def test_truncated_answer_with_text_is_returned_as_truncated(vendor):
    vendor.reply(json=ok("Ottawa is", stop_reason="model_context_window_exceeded"))
    result = complete(provider(vendor))
    assert (result.text, result.finish_reason) == ("Ottawa is", "model_context_window_exceeded")


@pytest.mark.parametrize("status, headers, kind, retryable, retry_after", [
    (429, {"retry-after": "7"}, "rate_limit", True, 7.0),
    (429, {}, "quota", False, None),
    (529, {}, "overloaded", True, None),
    (500, {}, "server", True, None),
    (503, {"retry-after": "2"}, "server", True, 2.0),
    (402, {}, "quota", False, None),
    (529, {"x-should-retry": "false"}, "overloaded", False, None),
])
def test_http_errors_map_to_retry_decisions(vendor, status, headers, kind, retryable, retry_after):
    vendor_type = {429: "rate_limit_error", 529: "overloaded_error", 402: "billing_error"}.get(status, "api_error")
    vendor.reply(status=status, json=error_body(vendor_type, "Something happened"), headers=headers)
    err = failure(complete, provider(vendor))
    assert (err.status, err.kind, err.retryable, err.retry_after) == (status, kind, retryable, retry_after)
    assert f"HTTP {status}" in str(err) and vendor_type in str(err)


def test_unknown_model_is_not_found(vendor):
    vendor.reply(status=404, json=error_body("not_found_error", "model: claude-nope"))
    err = failure(complete, provider(vendor), model="claude-nope")
    assert (err.status, err.kind, err.retryable) == (404, "not_found", False)
    assert "claude-nope" in str(err)


def test_bad_key_names_the_env_var_and_never_echoes_the_key(vendor):
    vendor.reply(status=401, json=error_body("authentication_error", f"invalid x-api-key {KEY} was sent"))
    err = failure(complete, provider(vendor))
    assert (err.status, err.kind, err.retryable) == (401, "auth", False)
    assert "ANTHROPIC_API_KEY" in str(err) and "[redacted]" in str(err)


def test_missing_key_sends_nothing(vendor):
    err = failure(complete, AnthropicProvider(base_url=vendor.url))
    assert err.kind == "not_configured" and "ANTHROPIC_API_KEY" in str(err)
    assert vendor.requests == []


@pytest.mark.parametrize("status, body, kind, retryable, words", [
    (200, b'{"type": "message", "content": [', "bad_response", False, "malformed JSON"),
    (200, b"<html><body>Welcome to nginx</body></html>", "bad_response", False, "HTML page"),
    (502, b"<html><body>502 Bad Gateway</body></html>", "server", True, "non-JSON body"),
])
def test_unparseable_bodies_are_clear_errors(vendor, status, body, kind, retryable, words):
    vendor.reply(status=status, body=body, content_type="text/html")
    err = failure(complete, provider(vendor))
    assert (err.kind, err.retryable) == (kind, retryable)
    assert words in str(err)


def test_answer_in_unexpected_shape_is_a_bad_response(vendor):
    vendor.reply(json=["not", "a", "message"])
    assert failure(complete, provider(vendor)).kind == "bad_response"


def test_timeout(vendor):
    vendor.hang()
    err = failure(complete, provider(vendor, timeout=0.5))
    assert (err.kind, err.retryable) == ("timeout", True)


def test_connection_refused():
    err = failure(complete, AnthropicProvider(base_url=closed_url(), api_key=KEY))
    assert (err.kind, err.retryable, err.status) == ("connection", True, None)


def test_stream_yields_text_deltas_then_the_result(vendor):
    vendor.stream(events(*STREAM_BODY, *STREAM_END))
    items = stream(provider(vendor))
    req = vendor.requests[0]
    assert req.path == "/v1/messages" and req.json["stream"] is True and req.json["max_tokens"] == 100
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert items[:2] == ["Ott", "awa."]
    final = items[2]
    assert isinstance(final, ProviderResult) and len(items) == 3
    assert (final.text, final.model, final.finish_reason) == ("Ottawa.", MODEL, "end_turn")
    assert final.usage == Usage(input_tokens=140, output_tokens=30, cached_input_tokens=100, reasoning_tokens=20)
    assert final.ttft_ms is not None


def test_stream_error_event_after_http_200(vendor):
    vendor.stream(events(*STREAM_BODY, {"type": "error", "error": {"type": "overloaded_error",
                                                                     "message": "Overloaded"}}))
    err = failure(stream, provider(vendor))
    assert (err.kind, err.retryable) == ("overloaded", True)
    assert "Overloaded" in str(err)


def test_stream_refusal(vendor):
    vendor.stream(events(STREAM_START, {"type": "message_delta", "delta": {
        "stop_reason": "refusal", "stop_details": {"type": "refusal", "category": "cyber"}}, "usage": {}},
        {"type": "message_stop"}))
    err = failure(stream, provider(vendor))
    assert (err.kind, err.retryable) == ("refusal", False) and "cyber" in str(err)


@pytest.mark.parametrize("tail, cut", [([], True), (STREAM_END[:1], False)])
def test_stream_cut_off_is_never_a_short_answer(vendor, tail, cut):
    vendor.stream(events(*STREAM_BODY, *tail), cut=cut)
    err = failure(stream, provider(vendor))
    assert (err.kind, err.retryable) == ("stream_cut", True)


def test_stream_http_error_is_mapped_like_complete(vendor):
    vendor.reply(status=529, json=error_body("overloaded_error", "Overloaded"))
    err = failure(stream, provider(vendor))
    assert (err.status, err.kind, err.retryable) == (529, "overloaded", True)


def test_list_models_follows_pages(vendor):
    vendor.reply(json={"data": [{"type": "model", "id": "claude-opus-5-5"}, {"type": "model", "id": "claude-sonnet-5-5"}],
                       "has_more": True, "first_id": "claude-opus-5-5", "last_id": "claude-sonnet-5-5"})
    vendor.reply(json={"data": [{"type": "model", "id": "claude-haiku-5-5", "capabilities": {}}],
                       "has_more": False, "first_id": "claude-haiku-5-5", "last_id": "claude-haiku-5-5"})
    p = provider(vendor)
    assert call(p, "list_models") == ["claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"]
    first, second = vendor.requests
    assert (first.method, first.path, first.query) == ("GET", "/v1/models", {"limit": ["1000"]})
    assert second.query == {"limit": ["1000"], "after_id": ["claude-sonnet-5-5"]}
    assert second.headers["x-api-key"] == KEY and second.headers["anthropic-version"] == "2023-06-01"


def test_list_models_stops_after_a_few_pages(vendor):
    vendor.default(json={"data": [{"id": "claude-x"}], "has_more": True, "last_id": "claude-x"})
    p = provider(vendor)
    assert len(call(p, "list_models")) == p.max_model_pages == len(vendor.requests)


def test_health_reachable_and_unreachable(vendor):
    vendor.reply(json={"data": [{"id": "claude-haiku-5-5"}], "has_more": False})
    health = call(provider(vendor), "health")
    assert health.reachable and health.models == ("claude-haiku-5-5",) and health.latency_ms is not None
    down = call(AnthropicProvider(base_url=closed_url(), api_key=KEY), "health")
    assert not down.reachable and down.latency_ms is None and "could not connect" in down.detail
