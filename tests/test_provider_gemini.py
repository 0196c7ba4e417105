"""GeminiProvider against a fake Gemini server over real HTTP: what is sent and what is read."""

from __future__ import annotations

from typing import Any

import pytest
from fakevendor import FakeVendor, sse
from providerkit import ProviderKit, call, closed_url

from router_core.providers import create_provider
from router_core.providers.gemini import GeminiProvider
from router_core.types import Message, Usage

KEY = "test-gemini-key-7d1a0b"  # shaped like no known key, so only registration can mask it
MODEL = "gemini-3.8-flash"
MESSAGES = [Message("system", "Be terse."), Message("system", "Answer in English."),
            Message("user", "Capital of Australia?"), Message("assistant", "Canberra."),
            Message("user", "And of Canada?")]
PATH = f"/v1beta/models/{MODEL}:generateContent"
STREAM_PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"


def ok(parts: list[dict[str, Any]] | None = None, finish: str = "STOP", **usage: int) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": parts or [{"text": "Ottawa."}]},
                            "finishReason": finish, "index": 0}],
            "usageMetadata": usage or {"promptTokenCount": 24, "candidatesTokenCount": 3, "totalTokenCount": 27},
            "modelVersion": MODEL, "responseId": "r1"}


def error_body(code: int, status: str, message: str, *details: dict[str, Any]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, "details": list(details)}}


def quota_failure(quota_id: str) -> dict[str, Any]:
    return {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                            "quotaId": quota_id}]}


RETRY_INFO = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}


def provider(srv: Any, **kwargs: Any) -> GeminiProvider:
    return GeminiProvider(base_url=srv.url, api_key=KEY, **kwargs)


KIT = ProviderKit(MESSAGES, MODEL, secret=KEY, stream_defaults={"max_tokens": 100})
complete, stream, failure = KIT.complete, KIT.stream, KIT.failure


def test_complete_sends_generate_content_request_and_reads_answer(vendor):
    vendor.reply(json=ok(parts=[{"text": "**Weighing**", "thought": True},
                                {"text": "Ottawa", "thoughtSignature": "EqoeCq"},
                                {"functionCall": {"name": "f", "args": {}}},
                                {"text": " is the capital.", "thought": False}],
                         promptTokenCount=24, candidatesTokenCount=41, thoughtsTokenCount=318,
                         totalTokenCount=383))
    result = complete(provider(vendor), max_tokens=2048, temperature=0.3)
    req = vendor.requests[0]
    assert (req.method, req.path, req.query) == ("POST", PATH, {})
    assert req.headers["x-goog-api-key"] == KEY
    assert "authorization" not in req.headers and "key" not in req.query
    assert req.json == {
        "systemInstruction": {"parts": [{"text": "Be terse.\n\nAnswer in English."}]},
        "contents": [{"role": "user", "parts": [{"text": "Capital of Australia?"}]},
                     {"role": "model", "parts": [{"text": "Canberra."}]},
                     {"role": "user", "parts": [{"text": "And of Canada?"}]}],
        "generationConfig": {"maxOutputTokens": 2048, "temperature": 0.3}}
    assert (result.text, result.model, result.finish_reason) == ("Ottawa is the capital.", MODEL, "STOP")
    assert result.usage == Usage(input_tokens=24, output_tokens=359, reasoning_tokens=318)


def test_defaults_leave_generation_config_out_and_strip_the_models_prefix(vendor):
    vendor.reply(json=ok())
    complete(provider(vendor), model=f"models/{MODEL}")
    req = vendor.requests[0]
    assert req.path == PATH and "generationConfig" not in req.json


def test_registry_builds_the_adapter_with_its_defaults():
    p = create_provider("gemini", api_key=KEY)
    assert isinstance(p, GeminiProvider)
    assert (p.base_url, p.key_env) == ("https://generativelanguage.googleapis.com", "GEMINI_API_KEY")
    assert KEY not in repr(p)


def test_cached_prompt_tokens_are_part_of_the_prompt(vendor):
    vendor.reply(json=ok(promptTokenCount=5000, cachedContentTokenCount=4000, candidatesTokenCount=10))
    usage = complete(provider(vendor)).usage
    assert usage == Usage(input_tokens=5000, output_tokens=10, cached_input_tokens=4000)


def test_blocked_prompt_names_the_block_reason(vendor):
    vendor.reply(json={"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                       "usageMetadata": {"promptTokenCount": 9}, "modelVersion": MODEL})
    err = failure(complete, provider(vendor))
    assert (err.kind, err.retryable) == ("safety", False)
    assert "PROHIBITED_CONTENT" in str(err)


@pytest.mark.parametrize("finish, content", [("SAFETY", {}), ("BLOCKLIST", {"parts": [{"text": "Part"}]})])
def test_safety_finish_is_a_safety_error(vendor, finish, content):
    vendor.reply(json={"candidates": [{"content": content, "finishReason": finish,
                                       "safetyRatings": [{"category": "HARM_CATEGORY_X", "blocked": True}]}]})
    err = failure(complete, provider(vendor))
    assert (err.kind, err.retryable) == ("safety", False) and finish in str(err)


def test_empty_max_tokens_answer_is_a_length_error(vendor):
    vendor.reply(json={"candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}],
                       "usageMetadata": {"promptTokenCount": 9, "thoughtsTokenCount": 20}})
    err = failure(complete, provider(vendor), max_tokens=20)
    assert (err.kind, err.retryable) == ("length", False) and "max_tokens" in str(err)


def test_empty_recitation_answer_says_why(vendor):
    vendor.reply(json={"candidates": [{"content": {}, "finishReason": "RECITATION"}]})
    err = failure(complete, provider(vendor))
    assert err.retryable is False and "RECITATION" in str(err) and "recited" in str(err)


def test_no_candidates_without_a_block_reason_is_a_bad_response(vendor):
    vendor.reply(json={"usageMetadata": {"promptTokenCount": 9}})
    assert failure(complete, provider(vendor)).kind == "bad_response"


@pytest.mark.parametrize("status, body, kind, retryable, retry_after", [
    (429, error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", quota_failure("GenerateRequestsPerMinutePerProject"),
                     RETRY_INFO), "rate_limit", True, 17.0),
    (429, error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.",
                     quota_failure("GenerateRequestsPerDayPerProjectPerModel-FreeTier"), RETRY_INFO),
     "quota", False, None),
    (400, error_body(400, "FAILED_PRECONDITION", "User location is not supported for the API use."),
     "bad_request", False, None),
    (500, error_body(500, "INTERNAL", "An internal error has occurred."), "server", True, None),
    (503, error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
     "overloaded", True, None),
    (504, error_body(504, "DEADLINE_EXCEEDED", "Deadline expired."), "server", True, None),
])
def test_http_errors_map_to_retry_decisions(vendor, status, body, kind, retryable, retry_after):
    vendor.reply(status=status, json=body)
    err = failure(complete, provider(vendor))
    assert (err.status, err.kind, err.retryable, err.retry_after) == (status, kind, retryable, retry_after)
    assert body["error"]["status"] in str(err) and body["error"]["message"].rstrip(".") in str(err)


def test_unknown_model_is_not_found(vendor):
    vendor.reply(status=404, json=error_body(404, "NOT_FOUND", "models/gemini-nope is not found for API version v1beta"))
    err = failure(complete, provider(vendor), model="gemini-nope")
    assert vendor.requests[0].path == "/v1beta/models/gemini-nope:generateContent"
    assert (err.status, err.kind, err.retryable) == (404, "not_found", False) and "gemini-nope" in str(err)


def test_bad_key_names_the_env_var_and_never_echoes_the_key(vendor):
    vendor.reply(status=400, json=error_body(
        400, "INVALID_ARGUMENT", f"API key {KEY} is invalid.",
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
         "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}))
    err = failure(complete, provider(vendor))
    assert (err.status, err.kind, err.retryable) == (400, "auth", False)
    assert "GEMINI_API_KEY" in str(err) and "[redacted]" in str(err)


def test_missing_key_sends_nothing(vendor):
    err = failure(complete, GeminiProvider(base_url=vendor.url))
    assert err.kind == "not_configured" and "GEMINI_API_KEY" in str(err)
    assert vendor.requests == []


@pytest.mark.parametrize("status, body, kind, retryable, words", [
    (200, b'{"candidates": [{"content": ', "bad_response", False, "malformed JSON"),
    (200, b"<!DOCTYPE html><html><body>Sign in</body></html>", "bad_response", False, "HTML page"),
    (502, b"<html><body>502 Bad Gateway</body></html>", "server", True, "non-JSON body"),
])
def test_unparseable_bodies_are_clear_errors(vendor, status, body, kind, retryable, words):
    vendor.reply(status=status, body=body, content_type="text/html")
    err = failure(complete, provider(vendor))
    assert (err.kind, err.retryable) == (kind, retryable) and words in str(err)


def test_timeout(vendor):
    vendor.hang()
    err = failure(complete, provider(vendor, timeout=0.5))
    assert (err.kind, err.retryable) == ("timeout", True)


def test_connection_refused():
    err = failure(complete, GeminiProvider(base_url=closed_url(), api_key=KEY))
    assert (err.kind, err.retryable, err.status) == ("connection", True, None)


STREAM_CHUNKS = [
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "Thinking…", "thought": True}]}, "index": 0}],
     "usageMetadata": {"promptTokenCount": 24, "totalTokenCount": 24}, "modelVersion": MODEL},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "Ott"}]}, "index": 0}], "modelVersion": MODEL},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "awa."}]}, "index": 0}], "modelVersion": MODEL,
     "someNewField": {"x": 1}},
]
STREAM_LAST = {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP",
                               "index": 0}],
               "usageMetadata": {"promptTokenCount": 24, "candidatesTokenCount": 3, "thoughtsTokenCount": 50,
                                 "totalTokenCount": 77}, "modelVersion": MODEL}


def crlf(chunks: list[bytes]) -> list[bytes]:
    """Gemini separates SSE events with CRLF."""
    return [c.replace(b"\n", b"\r\n") for c in chunks]


def test_stream_yields_text_then_the_result(vendor):
    vendor.stream(crlf(sse(*STREAM_CHUNKS, STREAM_LAST)))
    items = stream(provider(vendor))
    req = vendor.requests[0]
    assert (req.path, req.query) == (STREAM_PATH, {"alt": ["sse"]})
    assert req.headers["x-goog-api-key"] == KEY and req.json["generationConfig"] == {"maxOutputTokens": 100}
    assert items[:2] == ["Ott", "awa."] and len(items) == 3
    final = items[2]
    assert (final.text, final.model, final.finish_reason) == ("Ottawa.", MODEL, "STOP")
    assert final.usage == Usage(input_tokens=24, output_tokens=53, reasoning_tokens=50)


def test_stream_error_chunk_after_http_200(vendor):
    vendor.stream(sse(*STREAM_CHUNKS, error_body(503, "UNAVAILABLE", "The model is overloaded.")))
    err = failure(stream, provider(vendor))
    assert (err.kind, err.retryable) == ("overloaded", True) and "overloaded" in str(err)


def test_stream_safety_finish_is_a_safety_error(vendor):
    vendor.stream(sse(STREAM_CHUNKS[1], {"candidates": [{"content": {}, "finishReason": "SAFETY"}]}))
    err = failure(stream, provider(vendor))
    assert (err.kind, err.retryable) == ("safety", False)


def test_stream_blocked_prompt(vendor):
    vendor.stream(sse({"promptFeedback": {"blockReason": "SAFETY"}, "modelVersion": MODEL}))
    err = failure(stream, provider(vendor))
    assert err.kind == "safety" and "blockReason SAFETY" in str(err)


@pytest.mark.parametrize("cut", [True, False])
def test_stream_cut_off_is_never_a_short_answer(vendor, cut):
    vendor.stream(sse(*STREAM_CHUNKS), cut=cut)  # no chunk with a finishReason
    err = failure(stream, provider(vendor))
    assert (err.kind, err.retryable) == ("stream_cut", True)


def test_stream_http_error_is_mapped_like_complete(vendor):
    vendor.reply(status=429, json=error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", RETRY_INFO))
    err = failure(stream, provider(vendor))
    assert (err.status, err.kind, err.retryable, err.retry_after) == (429, "rate_limit", True, 17.0)


def test_list_models_pages_filters_and_strips_the_prefix(vendor):
    vendor.reply(json={"models": [
        {"name": "models/gemini-3.8-flash", "supportedGenerationMethods": ["generateContent", "countTokens"]},
        {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]},
    ], "nextPageToken": "page-2"})
    vendor.reply(json={"models": [{"name": "models/gemini-4-argon", "supportedGenerationMethods": ["generateContent"]},
                                  {"name": "models/aqa"}]})
    p = provider(vendor)
    assert call(p, "list_models") == ["gemini-3.8-flash", "gemini-4-argon"]
    first, second = vendor.requests
    assert (first.method, first.path, first.query) == ("GET", "/v1beta/models", {"pageSize": ["1000"]})
    assert second.query == {"pageSize": ["1000"], "pageToken": ["page-2"]}
    assert second.headers["x-goog-api-key"] == KEY


def test_list_models_stops_after_a_few_pages(vendor):
    vendor.default(json={"models": [{"name": "models/g", "supportedGenerationMethods": ["generateContent"]}],
                         "nextPageToken": "again"})
    p = provider(vendor)
    assert len(call(p, "list_models")) == p.max_model_pages == len(vendor.requests)


def test_health_reachable_and_unreachable(vendor):
    vendor.reply(json={"models": [{"name": "models/gemini-3.8-flash", "supportedGenerationMethods": ["generateContent"]}]})
    health = call(provider(vendor), "health")
    assert health.reachable and health.models == ("gemini-3.8-flash",) and health.latency_ms is not None
    down = call(GeminiProvider(base_url=closed_url(), api_key=KEY), "health")
    assert not down.reachable and down.latency_ms is None and "could not connect" in down.detail
