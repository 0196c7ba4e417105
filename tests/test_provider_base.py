"""The provider registry, `create_provider`, secret redaction, error mapping and Retry-After parsing."""

from __future__ import annotations

import email.utils
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from conftest import run

from router_core.errors import ConfigError, NoProviderAvailable, ProviderError, redact, register_secret
from router_core.providers import REGISTRY, create_provider, provider_class
from router_core.providers.base import Provider, int_field, sse_events, system_and_turns
from router_core.types import Message

PROVIDERS_DIR = Path(__file__).resolve().parents[1] / "router_core" / "providers"


# ---- registry and create_provider -------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_registered_kind_resolves_to_its_class(kind):
    module = REGISTRY[kind].split(":")[0]
    if not (PROVIDERS_DIR / f"{module}.py").exists():
        pytest.skip(f"{module}.py is not written yet")
    cls = provider_class(kind)
    assert issubclass(cls, Provider) and cls.kind == kind


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(ConfigError) as info:
        create_provider("openia")
    assert "'openia'" in str(info.value) and "openai_compatible" in str(info.value) and "ollama" in str(info.value)


@pytest.mark.parametrize("kind, base, key_env, needs_key", [
    ("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", True),
    ("groq", "https://api.groq.com", "GROQ_API_KEY", True),
    ("openai_compatible", "http://localhost:8000/v1", None, False),
    ("ollama", "http://localhost:11434", None, False),
])
def test_defaults_per_kind(kind, base, key_env, needs_key):
    p = create_provider(kind)
    assert (p.name, p.base_url, p.key_env, p.configured) == (kind, base, key_env, not needs_key)


def test_create_provider_passes_options():
    p = create_provider("openai_compatible", name="vllm", base_url="http://127.0.0.1:9/v1/", api_key="k-123456",
                        timeout=3.0, key_env="VLLM_API_KEY")
    assert (p.name, p.base_url, p.timeout, p.key_env, p.configured) == ("vllm", "http://127.0.0.1:9/v1", 3.0,
                                                                        "VLLM_API_KEY", True)
    assert p.auth_headers() == {"Authorization": "Bearer k-123456"}
    assert create_provider("openai", api_key="sk-x").configured


def test_missing_key_error_names_the_overridden_env_var():
    p = create_provider("openai", name="azure", key_env="AZURE_OPENAI_KEY")
    with pytest.raises(ProviderError) as info:
        run(p.complete([Message("user", "Hi")], model="gpt-4.1-mini"))
    assert info.value.kind == "not_configured" and "AZURE_OPENAI_KEY" in str(info.value)
    assert str(info.value).startswith("azure: ")


def test_repr_never_shows_the_key():
    key = "sk-repr-0123456789abcdef"
    p = create_provider("openai", api_key=key)
    assert key not in repr(p) and key not in str(p)


# ---- redaction ---------------------------------------------------------------------------------

@pytest.mark.parametrize("secret", ["sk-proj-AbCdEf0123456789xyz", "gsk_AbCdEf0123456789xyz",
                                    "AIzaSyA-0123456789abcdefghij", "sk-abcd****************wxyz"])
def test_key_shapes_are_masked(secret):
    text = redact(f"key {secret} rejected")
    assert secret not in text and "[redacted]" in text


@pytest.mark.parametrize("text", ["Authorization: Bearer eyJhbGciOi.abc-def_123", "api_key=plainvalue123",
                                  '{"x-api-key": "plainvalue123"}', "x-goog-api-key: plainvalue123"])
def test_header_and_field_values_are_masked(text):
    masked = redact(text)
    assert "plainvalue123" not in masked and "eyJhbGciOi" not in masked and "[redacted]" in masked


def test_registered_secret_of_any_shape_is_masked_everywhere():
    key = "company-gateway-token-42"
    create_provider("openai_compatible", api_key=key)  # registering happens on construction
    assert key not in str(ProviderError(f"echo {key}"))
    assert key not in str(NoProviderAvailable(f"all failed: {key}"))
    register_secret("tiny")
    assert redact("a tiny word") == "a [redacted] word"
    register_secret("")  # ignored
    assert redact("plain text") == "plain text"


# ---- error mapping -------------------------------------------------------------------------------

@pytest.mark.parametrize("status, message, code, kind, retryable", [
    (401, "Incorrect API key provided", "invalid_api_key", "auth", False),
    (403, "Country not supported", "unsupported_country_region_territory", "auth", False),
    (400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", "auth", False),
    (429, "You exceeded your current quota", "insufficient_quota", "quota", False),
    (429, "Rate limit reached. Visit https://platform.openai.com/account/billing", "rate_limit_exceeded",
     "rate_limit", True),
    (402, "Your credit balance is too low", "billing_error", "quota", False),
    (404, "The model does not exist", "model_not_found", "not_found", False),
    (529, "Overloaded", "overloaded_error", "overloaded", True),
    (500, "The server had an error", "server_error", "server", True),
    (502, "", "", "server", True),
    (503, "server busy", "", "server", True),
    (504, "", "", "server", True),
    (498, "flex capacity exceeded", "", "server", True),
    (400, "context_length_exceeded", "invalid_request_error", "bad_request", False),
    (413, "Request too large", "", "bad_request", False),
    (422, "Unprocessable", "", "bad_request", False),
    (424, "Failed dependency", "", "bad_request", False),
])
def test_classify_error(status, message, code, kind, retryable):
    assert Provider().classify_error(status, message, code, None) == (kind, retryable)


@pytest.mark.parametrize("data, expected", [
    ({"error": {"message": "m", "type": "t", "code": "c"}}, ("m", "c")),
    ({"error": {"message": "m", "type": "t", "code": None}}, ("m", "t")),
    ({"error": {"code": 429, "message": "m", "status": "RESOURCE_EXHAUSTED"}}, ("m", "429")),
    ({"error": "model 'x' not found"}, ("model 'x' not found", "")),
    ({"message": "flat", "type": "t"}, ("flat", "t")),
    (["not", "a", "dict"], ("", "")),
    (None, ("", "")),
])
def test_error_details_are_read_leniently(data, expected):
    assert Provider().error_details(data) == expected


# ---- Retry-After -------------------------------------------------------------------------------

def retry_after(**headers: str) -> float | None:
    response = httpx.Response(429, headers={k.replace("_", "-"): v for k, v in headers.items()})
    return Provider().retry_after_from(response, None)


def http_date(delta: float, *, utc_suffix: bool = True) -> str:
    when = datetime.now(timezone.utc) + timedelta(seconds=delta)
    return email.utils.format_datetime(when if utc_suffix else when.replace(tzinfo=None), usegmt=utc_suffix)


def test_retry_after_seconds_and_milliseconds():
    assert retry_after() is None
    assert retry_after(retry_after="2") == 2.0
    assert retry_after(retry_after="0.5") == 0.5
    assert retry_after(retry_after="-3") == 0.0
    assert retry_after(retry_after_ms="1500") == 1.5
    assert retry_after(retry_after_ms="1500", retry_after="2") == 1.5  # the precise one wins
    assert retry_after(retry_after_ms="soon", retry_after="2") == 2.0


def test_retry_after_http_date():
    assert 25 < retry_after(retry_after=http_date(30)) <= 31
    assert 25 < retry_after(retry_after=http_date(30, utc_suffix=False)) <= 31  # "-0000" zone is UTC
    assert retry_after(retry_after=http_date(-60)) == 0.0


@pytest.mark.parametrize("value", ["soon", "Wed, 99 Foo 2026", ""])
def test_unparseable_retry_after_is_ignored(value):
    assert retry_after(retry_after=value) is None


# ---- small helpers ---------------------------------------------------------------------------------

async def _lines(*lines: str):
    for line in lines:
        yield line


async def _events(*lines: str) -> list[tuple[str, str]]:
    return [e async for e in sse_events(_lines(*lines))]


def test_sse_events():
    events = run(_events(": keep-alive", "", "event: message_start", "data: {\"a\": 1}", "", "data: one\r",
                         "data:two", "", "id: 7", "", "data: [DONE]"))
    assert events == [("message_start", '{"a": 1}'), ("", "one\ntwo"), ("", "[DONE]")]


def test_int_field_and_system_split():
    data = {"a": {"b": "7"}, "n": None, "bad": "x"}
    assert (int_field(data, "a", "b"), int_field(data, "n"), int_field(data, "bad"), int_field(data, "a", "b", "c"),
            int_field(None, "a")) == (7, 0, 0, 0, 0)
    system, turns = system_and_turns([Message("system", "A"), Message("user", "Hi"), Message("system", "B")])
    assert system == "A\n\nB" and turns == [Message("user", "Hi")]
