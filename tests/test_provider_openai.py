"""OpenAI, Groq and OpenAI-compatible adapters against a fake vendor over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import run
from fakevendor import FakeVendor, sse
from providerkit import ProviderKit, call, closed_url

from router_core.providers import create_provider
from router_core.providers.base import Provider
from router_core.types import Message, ProviderResult, Usage

KEY = "sk-test-0123456789abcdefSECRET"
GROQ_KEY = "gsk_0123456789abcdefSECRET"
CHAT = [Message("system", "Be terse."), Message("user", "Capital of Australia?")]


def ok(text: str = "Canberra.", *, finish: str = "stop", usage: dict[str, Any] | None = None,
       **message: Any) -> dict[str, Any]:
    """A chat.completion body as OpenAI sends it (with fields we do not read)."""
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1795627231, "model": "gpt-6-luna-2026",
            "choices": [{"index": 0, "finish_reason": finish, "logprobs": None,
                         "message": {"role": "assistant", "content": text, "refusal": None, "annotations": [],
                                     **message}}],
            "usage": usage or {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
            "service_tier": "default", "system_fingerprint": None}


def chunk(content: str | None = None, *, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {"content": content} if content is not None else {}
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-6-luna-2026", "obfuscation": "xx",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": None, **extra}


USAGE_CHUNK = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
               "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}}


def openai(vendor: FakeVendor, kind: str = "openai", *, api_key: str | None = KEY,
           timeout: float = 5.0) -> Provider:
    base = vendor.url if kind == "groq" else vendor.url + "/v1"
    return create_provider(kind, base_url=base, api_key=api_key, timeout=timeout)


KIT = ProviderKit(CHAT, "gpt-4.1-mini")
complete, stream, failure = KIT.complete, KIT.stream, KIT.failure


# ---- requests and answers --------------------------------------------------------------------

def test_success_sends_openai_request_and_reads_answer(vendor):
    vendor.reply(json=ok())
    r = complete(openai(vendor), max_tokens=50, temperature=0.2)
    req = vendor.requests[0]
    assert (req.method, req.path) == ("POST", "/v1/chat/completions")
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["content-type"] == "application/json"
    assert req.json == {"model": "gpt-4.1-mini", "max_completion_tokens": 50, "temperature": 0.2,
                        "messages": [{"role": "system", "content": "Be terse."},
                                     {"role": "user", "content": "Capital of Australia?"}]}
    assert (r.text, r.model, r.finish_reason) == ("Canberra.", "gpt-6-luna-2026", "stop")
    assert r.usage == Usage(input_tokens=12, output_tokens=3)
    assert r.latency_ms > 0


@pytest.mark.parametrize("model", ["gpt-6-luna", "o3-mini", "gpt-5-nano", "openai/gpt-5.1"])
def test_reasoning_models_get_no_sampling_params(vendor, model):
    vendor.reply(json=ok())
    complete(openai(vendor), model=model, max_tokens=2048, temperature=0.7)
    body = vendor.requests[0].json
    assert body["max_completion_tokens"] == 2048
    assert "temperature" not in body and "max_tokens" not in body


def test_no_cap_and_no_temperature_when_not_given(vendor):
    vendor.reply(json=ok())
    complete(openai(vendor))
    assert set(vendor.requests[0].json) == {"model", "messages"}


def test_prompt_cache_and_reasoning_usage(vendor):
    vendor.reply(json=ok(usage={
        "prompt_tokens": 1342, "completion_tokens": 76, "total_tokens": 1418,
        "prompt_tokens_details": {"cached_tokens": 1152, "audio_tokens": 0, "cache_write_tokens": 128},
        "completion_tokens_details": {"reasoning_tokens": 64, "audio_tokens": 0, "future_field": {"x": 1}}}))
    r = complete(openai(vendor), model="gpt-6-luna")
    assert r.usage == Usage(input_tokens=1342, output_tokens=76, cached_input_tokens=1152,
                            cache_write_tokens=128, reasoning_tokens=64)


def test_unknown_fields_and_null_usage_are_tolerated(vendor):
    body = ok("Hi", brand_new={"a": [1]}) | {"usage": None, "x_new": True}
    vendor.reply(json=body)
    assert complete(openai(vendor)).usage == Usage()


def test_refusal_is_a_non_retryable_error(vendor):
    vendor.reply(json=ok(None, refusal="I'm sorry, I can't help with that."))
    err = failure(complete, openai(vendor))
    assert (err.kind, err.retryable) == ("refusal", False)
    assert "can't help" in str(err)


def test_empty_answer_at_length_cap(vendor):
    vendor.reply(json=ok("", finish="length", usage={"prompt_tokens": 10, "completion_tokens": 50,
                                                     "completion_tokens_details": {"reasoning_tokens": 50}}))
    err = failure(complete, openai(vendor), model="gpt-6-luna", max_tokens=50)
    assert (err.kind, err.retryable) == ("length", False)
    assert "max_tokens" in str(err)


def test_empty_choices_is_a_clear_error(vendor):
    vendor.reply(json=ok() | {"choices": []})
    err = failure(complete, openai(vendor))
    assert err.kind == "bad_response" and "choices" in str(err)


# ---- HTTP errors -------------------------------------------------------------------------------

RATE_LIMIT = {"error": {"message": "Rate limit reached for gpt-4.1-mini on requests per min (RPM): Limit 3. "
                                   "Visit https://platform.openai.com/account/billing to add a payment method.",
                        "type": "requests", "param": None, "code": "rate_limit_exceeded"}}


@pytest.mark.parametrize("headers, wait", [({}, None), ({"retry-after": "2"}, 2.0),
                                           ({"retry-after-ms": "1500", "retry-after": "2"}, 1.5)])
def test_rate_limit_is_retryable_with_server_hint(vendor, headers, wait):
    vendor.reply(429, json=RATE_LIMIT, headers=headers)
    err = failure(complete, openai(vendor))
    assert (err.kind, err.retryable, err.status, err.retry_after) == ("rate_limit", True, 429, wait)


def test_insufficient_quota_is_not_retryable(vendor):
    vendor.reply(429, headers={"retry-after": "1"}, json={"error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}})
    err = failure(complete, openai(vendor))
    assert (err.kind, err.retryable, err.status, err.retry_after) == ("quota", False, 429, None)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(vendor, status):
    vendor.reply(status, json={"error": {"message": "The server had an error", "type": "server_error",
                                         "param": None, "code": None}})
    err = failure(complete, openai(vendor))
    assert (err.kind, err.retryable, err.status) == ("server", True, status)
    assert f"HTTP {status} server_error: The server had an error." in str(err)


@pytest.mark.parametrize("status, code, kind", [(400, "unsupported_parameter", "bad_request"),
                                                (404, "model_not_found", "not_found")])
def test_bad_request_and_bad_model_are_not_retryable(vendor, status, code, kind):
    vendor.reply(status, json={"error": {"message": "The model `gpt-9` does not exist", "param": "model",
                                         "type": "invalid_request_error", "code": code}})
    err = failure(complete, openai(vendor), model="gpt-9")
    assert (err.kind, err.retryable, err.status) == (kind, False, status)
    assert "gpt-9" in str(err)


@pytest.mark.parametrize("key", [KEY, "my-org-key-0123456789"])
@pytest.mark.parametrize("masked", [False, True])
def test_bad_key_names_env_var_and_never_leaks_key(vendor, key, masked):
    echo = f"{key[:8]}{'*' * 20}{key[-4:]}" if masked else key
    vendor.reply(401, json={"error": {"message": f"Incorrect API key provided: {echo}. You can find your API key "
                                                 "at https://platform.openai.com/account/api-keys.",
                                      "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}})
    p = openai(vendor, api_key=key)
    err = failure(complete, p)
    assert (err.kind, err.retryable, err.status) == ("auth", False, 401)
    assert "OPENAI_API_KEY" in str(err) and "Incorrect API key provided" in str(err)
    assert key not in str(err) and echo not in str(err) and key[-4:] not in str(err)
    assert key not in repr(p)


def test_missing_key_sends_nothing(vendor):
    err = failure(complete, openai(vendor, api_key=None))
    assert err.kind == "not_configured" and "OPENAI_API_KEY" in str(err)
    assert vendor.requests == []


def test_malformed_json_answer(vendor):
    vendor.reply(body=b'{"choices": [{"message": ')
    err = failure(complete, openai(vendor))
    assert (err.kind, err.retryable) == ("bad_response", False)
    assert "malformed JSON" in str(err)


def test_html_page_with_200_names_the_base_url(vendor):
    vendor.reply(body=b"<!doctype html><html><body>Welcome to nginx</body></html>", content_type="text/html")
    err = failure(complete, openai(vendor))
    assert err.kind == "bad_response" and "HTML page" in str(err) and vendor.url in str(err)


def test_html_error_page_from_proxy(vendor):
    vendor.reply(502, body=b"<html><head><title>502 Bad Gateway</title></head></html>", content_type="text/html")
    err = failure(complete, openai(vendor))
    assert (err.kind, err.retryable, err.status) == ("server", True, 502)
    assert "non-JSON" in str(err) and "502 Bad Gateway" in str(err)


def test_answer_in_wrong_shape(vendor):
    vendor.reply(json=["not", "an", "object"])
    assert failure(complete, openai(vendor)).kind == "bad_response"


def test_timeout(vendor):
    vendor.hang()
    err = failure(complete, openai(vendor, timeout=0.5))
    assert (err.kind, err.retryable, err.status) == ("timeout", True, None)


def test_connection_refused():
    url = closed_url()
    p = create_provider("openai", base_url=url + "/v1", api_key=KEY, timeout=2)
    err = failure(complete, p)
    assert (err.kind, err.retryable) == ("connection", True)
    assert url in str(err)


# ---- streaming ---------------------------------------------------------------------------------

def test_stream_whole(vendor):
    vendor.stream(sse(chunk(""), chunk("Can"), chunk("berra."), chunk(finish="stop"), USAGE_CHUNK, done=True))
    items = stream(openai(vendor), max_tokens=20)
    body = vendor.requests[0].json
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_completion_tokens"] == 20
    assert items[:2] == ["Can", "berra."]
    final = items[-1]
    assert isinstance(final, ProviderResult) and len(items) == 3
    assert (final.text, final.model, final.finish_reason) == ("Canberra.", "gpt-6-luna-2026", "stop")
    assert final.usage == Usage(input_tokens=9, output_tokens=2)
    assert final.ttft_ms is not None and final.ttft_ms <= final.latency_ms


def test_stream_error_chunk_mid_stream(vendor):
    vendor.stream(sse(chunk("Can"), {"error": {"message": "The server had an error", "type": "server_error"}},
                      done=True))
    err = failure(stream, openai(vendor))
    assert err.retryable and "The server had an error" in str(err)


def test_stream_cut_off(vendor):
    vendor.stream(sse(chunk("Can"), chunk("berra")), cut=True)
    err = failure(stream, openai(vendor))
    assert (err.kind, err.retryable) == ("stream_cut", True)


def test_stream_closed_without_done_is_never_a_short_answer(vendor):
    vendor.stream(sse(chunk("Can"), chunk("berra"), chunk(finish="stop")))
    err = failure(stream, openai(vendor))
    assert (err.kind, err.retryable) == ("stream_cut", True)


def test_stream_refusal(vendor):
    refusal = [{"choices": [{"index": 0, "delta": {"refusal": part}, "finish_reason": None}]}
               for part in ("I'm sorry, ", "I can't.")]
    vendor.stream(sse(*refusal, chunk(finish="stop"), USAGE_CHUNK, done=True))
    err = failure(stream, openai(vendor))
    assert err.kind == "refusal" and "I'm sorry, I can't." in str(err)


def test_stream_empty_at_length_cap(vendor):
    vendor.stream(sse(chunk(""), chunk(finish="length"), USAGE_CHUNK, done=True))
    assert failure(stream, openai(vendor), model="gpt-6-luna").kind == "length"


def test_stream_http_error_before_first_event(vendor):
    vendor.reply(429, json=RATE_LIMIT, headers={"retry-after": "3"})
    err = failure(stream, openai(vendor))
    assert (err.kind, err.retry_after) == ("rate_limit", 3.0)


def test_stream_garbage_event(vendor):
    vendor.stream([b"data: {not json\n\n"])
    assert failure(stream, openai(vendor)).kind == "bad_response"


# ---- Groq --------------------------------------------------------------------------------------

def test_groq_path_key_and_stream_usage_in_x_groq(vendor):
    last = chunk(finish="stop", x_groq={"id": "req_1", "usage": {"prompt_tokens": 7, "completion_tokens": 4,
                                                                 "queue_time": 0.01}})
    vendor.stream(sse(chunk("Hello"), last, done=True))
    items = stream(openai(vendor, "groq", api_key=GROQ_KEY), model="llama-3.1-8b-instant", temperature=0.3)
    req = vendor.requests[0]
    assert req.path == "/openai/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {GROQ_KEY}"
    assert req.json["temperature"] == 0.3
    assert items[-1].usage == Usage(input_tokens=7, output_tokens=4)


def test_groq_default_base_and_list_models(vendor):
    assert create_provider("groq").base_url == "https://api.groq.com"
    vendor.reply(json={"object": "list", "data": [{"id": "llama-3.1-8b-instant", "object": "model"}]})
    assert call(openai(vendor, "groq", api_key=GROQ_KEY), "list_models") == ["llama-3.1-8b-instant"]
    assert vendor.requests[0].path == "/openai/v1/models"


@pytest.mark.parametrize("status, retryable", [(498, True), (413, False), (422, False), (424, False)])
def test_groq_status_retry_rules(vendor, status, retryable):
    vendor.reply(status, json={"error": {"message": "no", "type": "invalid_request_error"}})
    err = failure(complete, openai(vendor, "groq", api_key=GROQ_KEY))
    assert (err.status, err.retryable) == (status, retryable)


def test_groq_bad_key_names_groq_env(vendor):
    vendor.reply(401, json={"error": {"message": "Invalid API Key", "type": "invalid_request_error",
                                      "code": "invalid_api_key"}})
    err = failure(complete, openai(vendor, "groq", api_key=GROQ_KEY))
    assert err.kind == "auth" and "GROQ_API_KEY" in str(err) and GROQ_KEY not in str(err)


# ---- OpenAI-compatible ---------------------------------------------------------------------------

def test_compatible_without_key_sends_no_authorization(vendor):
    vendor.reply(json=ok())
    p = openai(vendor, "openai_compatible", api_key=None)
    assert p.configured
    r = complete(p, model="qwen2.5-7b", max_tokens=64)
    req = vendor.requests[0]
    assert "authorization" not in req.headers
    assert req.path == "/v1/chat/completions"
    assert req.json["max_tokens"] == 64 and "max_completion_tokens" not in req.json
    assert r.text == "Canberra."


def test_compatible_content_parts_list(vendor):
    vendor.reply(json=ok([{"type": "text", "text": "Can"}, {"type": "text", "text": "berra."}, {"type": "x"}]))
    assert complete(openai(vendor, "openai_compatible", api_key=None)).text == "Canberra."


# ---- models and health ---------------------------------------------------------------------------

def test_list_models_and_health(vendor):
    vendor.default(json={"object": "list", "data": [{"id": "gpt-6-luna"}, {"id": "text-embedding-3-small"},
                                                    {"object": "model"}]})
    p = openai(vendor)
    assert call(p, "list_models") == ["gpt-6-luna", "text-embedding-3-small"]
    h = call(p, "health")
    assert h.reachable and h.models == ("gpt-6-luna", "text-embedding-3-small") and h.latency_ms > 0
    assert all(r.path == "/v1/models" and r.method == "GET" for r in vendor.requests)
    assert vendor.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_health_unreachable_and_rejected(vendor):
    down = call(create_provider("openai", base_url=closed_url(), api_key=KEY, timeout=2), "health")
    assert not down.reachable and down.latency_ms is None and "could not connect" in down.detail
    vendor.reply(401, json={"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
    rejected = call(openai(vendor), "health")
    assert not rejected.reachable and "OPENAI_API_KEY" in rejected.detail and KEY not in rejected.detail


def test_cookies_a_vendor_sets_are_never_sent_back(vendor):
    vendor.default(json=ok(), headers={"set-cookie": "__cf_bm=edge-session; Path=/; HttpOnly"})
    p = openai(vendor)

    async def twice() -> None:
        await p.complete(CHAT, model="gpt-4.1-mini")
        await p.complete(CHAT, model="gpt-4.1-mini")
        await p.aclose()

    run(twice())
    assert len(vendor.requests) == 2 and "cookie" not in vendor.requests[1].headers
