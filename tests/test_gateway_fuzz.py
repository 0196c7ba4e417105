"""Property test: whatever JSON a client sends to the gateway, it answers with a status its /openapi.json
documents, in the documented shape, and never a 500."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gatewaykit import ServerThread, gateway_env, script_vendors, write_config
from router_core.config import load_config
from router_core.gateway import create_app
from router_core.gateway.schemas import ChatCompletion, ErrorResponse
from router_core.router import Router

FIELDS = ["max_tokens", "max_completion_tokens", "temperature", "user", "stream", "stream_options", "n", "tools",
          "tool_choice", "logprobs", "top_logprobs", "audio", "modalities", "response_format", "stop", "top_p",
          "presence_penalty", "frequency_penalty", "logit_bias", "seed", "metadata", "store", "service_tier", "x"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10_000) | st.floats(-5, 5, allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)
content = st.text(max_size=40) | st.lists(st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "image_url", "input_audio"]), "text": st.text(max_size=10)}), max_size=2) \
    | json_values
message = st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "assistant", "developer", "tool", "x"]),
                                 "content": content}) | json_values
plausible = st.fixed_dictionaries(  # mostly well-formed requests, so answers (200, streamed or not) are covered
    {"model": st.sampled_from(["auto", "cheap:luna", "premium", "luna"]),
     "messages": st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "assistant"]),
                                                 "content": st.from_regex(r"[A-Za-z][A-Za-z ?,.]{0,40}", fullmatch=True)}),
                         min_size=1, max_size=3)},
    optional={"max_tokens": st.integers(1, 200), "temperature": st.floats(0, 2), "stream": st.booleans(),
              "stream_options": st.fixed_dictionaries({"include_usage": st.booleans()}), "n": st.just(1),
              "user": st.text(max_size=10)})
anything = st.fixed_dictionaries(
    {"model": st.sampled_from(["auto", "cheap:luna", "premium", "luna", "nope", "cheap:nope", ""]) | json_values,
     "messages": st.lists(message, max_size=3) | json_values},
    optional={name: json_values for name in FIELDS}) | json_values
bodies = plausible | anything


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from fakevendor import FakeVendor

    tmp = tmp_path_factory.mktemp("fuzz")
    with FakeVendor() as cheap, FakeVendor() as premium:
        script_vendors(cheap, premium)
        config = write_config(tmp, cheap, premium)
        router = Router(load_config(config, gateway_env(config, f"sqlite:///{tmp / 'router.db'}")))
        with ServerThread(create_app(router)) as server:
            schema = httpx.get(server.url + "/openapi.json").json()
            yield server.url, schema
        router.close()


def documented(schema: dict, path: str, method: str) -> set[int]:
    return {int(code) for code in schema["paths"][path][method]["responses"]}


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_chat_completions_never_500_and_answers_in_its_schema(served, body):
    url, schema = served
    r = httpx.post(url + "/v1/chat/completions", json=body, timeout=30)
    event(f"status {r.status_code}")
    assert r.status_code != 500 and r.status_code in documented(schema, "/v1/chat/completions", "post"), r.text
    if r.status_code != 200:
        ErrorResponse.model_validate(r.json())
        assert r.json()["error"]["message"]
    elif r.headers["content-type"].startswith("text/event-stream"):
        events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
        assert events[-1] == "[DONE]" and all(json.loads(e) for e in events[:-1])
    else:
        ChatCompletion.model_validate(r.json())
        assert r.headers["x-switchboard-provider"] in ("cheap", "premium")


def test_openapi_documents_every_route(served):
    _, schema = served
    assert {"/v1/chat/completions", "/v1/models", "/healthz", "/metrics"} <= set(schema["paths"])
    assert {200, 400, 401, 404, 429, 503, 504} <= documented(schema, "/v1/chat/completions", "post")
    request = schema["paths"]["/v1/chat/completions"]["post"]["requestBody"]["content"]["application/json"]
    assert request["schema"]["$ref"].endswith("/ChatCompletionRequest")


def test_non_json_and_wrong_methods_get_openai_shaped_errors(served):
    url, _ = served
    for r in (httpx.post(url + "/v1/chat/completions", content=b"\xff\xfe"), httpx.get(url + "/v1/chat/completions"),
              httpx.get(url + "/v1/nothing-here")):
        assert r.status_code in (400, 404, 405) and ErrorResponse.model_validate(r.json())
