"""What the fast path (router_core/gateway/fastpath.py) answers itself, against a real uvicorn server: bodies that
are not JSON, wrong or missing content types, bodies that are not objects, oversized prompts, unsupported
parameters, keys, methods, streaming and the x-switchboard-* headers, each with the status and OpenAI error shape
FastAPI gave before; and the key store's batched admissions (router_core/gateway/keywork.py)."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import openai
import pytest

from router_core.gateway.fastpath import declares_json
from router_core.gateway.keywork import KeyWork
from router_core.gateway.responses import dumps
from router_core.store.keys import Admit, Refusal, Reservation, Settle
from test_gateway import ask, client, gw, logged, logged_at_least  # noqa: F401 - gw is the fixture

CHAT = "/v1/chat/completions"
NOT_JSON = "The request body is not valid JSON."
OK = {"model": "auto", "messages": ask("Hi")}


def post(gw, content: bytes, content_type: str | None = "application/json", key: str | None = None) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    if key:
        headers["authorization"] = f"Bearer {key}"
    return httpx.post(gw.url + CHAT, content=content, headers=headers)


def error_of(r: httpx.Response, status: int) -> dict:
    """The OpenAI-shaped error of an answer with `status` (exactly the four fields, as JSON)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json" and int(r.headers["content-length"]) == len(r.content)
    error = r.json()["error"]
    assert set(error) == {"message", "type", "code", "param"}
    return error


@pytest.mark.parametrize("body", [b"{not json", b'{"model": "auto",', b"\xff\xfe", b'{"model": NaN'])
def test_malformed_json_is_a_400_and_logged(gw, body):
    error = error_of(post(gw, body), 400)
    assert (error["message"], error["type"], error["param"]) == (NOT_JSON, "invalid_request_error", None)
    [row] = logged_at_least(gw, 1)
    assert (row["status"], row["source"], row["prompt"]) == ("invalid", "gateway", "")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_not_declared_json_is_a_400(gw, content_type):
    error = error_of(post(gw, json.dumps(OK).encode(), content_type), 400)
    assert (error["message"], error["param"]) == (NOT_JSON, None)
    assert not gw.cheap.requests


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON",
                                          "application/vnd.api+json"])
def test_json_content_types_with_parameters_or_suffixes_are_read(gw, content_type):
    r = post(gw, json.dumps(OK).encode(), content_type)
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"]


def test_declares_json_as_fastapi_reads_it():
    assert declares_json("application/json") and declares_json("application/problem+json; charset=utf-8")
    assert not declares_json(None) and not declares_json("") and not declares_json("text/json")


@pytest.mark.parametrize("body", [b"[1, 2]", b'"hello"', b"null", b"42", b"", b"   "])
def test_a_body_that_is_not_an_object_is_a_400(gw, body):
    error = error_of(post(gw, body), 400)
    assert (error["message"], error["param"]) == (NOT_JSON, None)


def test_a_body_that_is_not_text_is_a_400_and_not_logged(gw):
    error = error_of(post(gw, b'{"model": "auto", "messages": [{"role": "user", "content": "\xff"}]}'), 400)
    assert error["message"] == "There was an error parsing the body"
    assert not logged(gw)


def test_validation_errors_name_the_field_as_before(gw):
    cases = [({"messages": ask("Hi")}, "model", "model: Field required"),
             ({"model": "auto", "messages": ["Hi"]}, "messages.0",
              "messages.0: Input should be a valid dictionary or instance of ChatMessage"),
             ({**OK, "temperature": 5}, "temperature", "temperature: Input should be less than or equal to 2")]
    for body, param, message in cases:
        error = error_of(post(gw, json.dumps(body).encode()), 400)
        assert (error["param"], error["message"]) == (param, message)


def test_oversized_prompt_is_a_400_naming_the_limit(gw):
    body = {"model": "auto", "messages": ask("word " * 200_000)}  # a 1 MB body
    error = error_of(post(gw, json.dumps(body).encode()), 400)
    assert "1,000,000 characters" in error["message"] and "max_prompt_chars" in error["message"]
    assert not gw.cheap.requests


@pytest.mark.parametrize("budgeted", [False, True])
def test_a_lone_surrogate_is_a_400_and_its_refusal_is_logged(gw, budgeted):
    """JSON may escape half a surrogate pair; the prompt is refused, never a 500, and its row is written with
    the replacement character in its place."""
    key = gw.keys.create("acme", daily_budget_usd=1.0)[0] if budgeted else None
    body = b'{"model": "auto", "messages": [{"role": "user", "content": "broken \\ud800 text"}]}'
    assert json.loads(body)["messages"][0]["content"] == "broken \ud800 text"
    error = error_of(post(gw, body, key=key), 400)
    assert "unpaired surrogate" in error["message"] and not gw.cheap.requests
    [row] = logged_at_least(gw, 1)
    assert (row["status"], row["source"], row["prompt"]) == ("invalid", "gateway", "broken \ufffd text")


def test_unsupported_parameters_name_themselves(gw):
    for extra, param in (({"top_p": 0.5}, "top_p"), ({"frobnicate": 1}, "frobnicate"), ({"n": 3}, "n")):
        error = error_of(post(gw, json.dumps({**OK, **extra}).encode()), 400)
        assert error["param"] == param and error["code"] == "unsupported_parameter" and param in error["message"]


def test_the_body_is_read_before_the_key_and_validated_after_it(gw):
    gw.keys.create("acme")
    error = error_of(post(gw, b"{not json", key="sb-wrong"), 400)  # not JSON: refused before the key is looked at
    assert error["message"] == NOT_JSON
    for body in (json.dumps({"model": "auto"}).encode(), json.dumps(OK).encode()):  # JSON: the key comes first
        error = error_of(post(gw, body, key="sb-wrong"), 401)
        assert (error["type"], error["code"]) == ("authentication_error", "invalid_api_key")
    with pytest.raises(openai.AuthenticationError):
        client(gw, "sb-wrong").chat.completions.create(model="auto", messages=ask("Hi"))


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_on_the_chat_path_are_405(gw, method):
    error = error_of(httpx.request(method, gw.url + CHAT), 405)
    assert (error["message"], error["type"]) == ("Method Not Allowed", "invalid_request_error")


def test_whole_answer_headers_and_body(gw):
    r = post(gw, json.dumps({**OK, "max_tokens": 50}).encode())
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert int(r.headers["content-length"]) == len(r.content)
    assert (r.headers["x-switchboard-tier"], r.headers["x-switchboard-provider"], r.headers["x-switchboard-model"],
            r.headers["x-switchboard-cached"]) == ("TRIVIAL", "cheap", "gpt-6-luna", "false")
    assert float(r.headers["x-switchboard-cost-usd"]) > 0 and float(r.headers["x-switchboard-saved-usd"]) > 0
    body = r.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]


def test_streaming_over_raw_http(gw):
    body = {**OK, "stream": True, "stream_options": {"include_usage": True}}
    with httpx.stream("POST", gw.url + CHAT, json=body) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert (r.headers["x-switchboard-provider"], r.headers["x-switchboard-cost-usd"]) == ("cheap", "pending")
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[-2]["x_switchboard"]["provider"] == "cheap" and chunks[-1]["usage"]["total_tokens"] > 0


def test_other_paths_are_fastapis(gw):
    assert httpx.get(gw.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(gw.url + "/v1/models").json()["data"][0]["id"] == "auto"
    assert error_of(httpx.get(gw.url + "/v1/nothing"), 404)["type"] == "not_found_error"
    assert "/v1/chat/completions" in httpx.get(gw.url + "/openapi.json").json()["paths"]


def test_dumps_is_compact_utf8_and_survives_lone_surrogates():
    assert dumps({"a": [1, None], "b": "modèle"}) == '{"a":[1,null],"b":"modèle"}'.encode()
    assert json.loads(dumps({"model": "\ud800"})) == {"model": "\ud800"}


# ------------------------------------------------------------------------------------ the key store's thread
def test_concurrent_admissions_hold_the_budget_exactly(gw):
    _, key = gw.keys.create("acme", daily_budget_usd=1.0)
    work = KeyWork(gw.keys)

    async def admit_all() -> list:
        return await asyncio.gather(*(work.admit(lambda: Admit(key, (0.1,))) for _ in range(25)))

    try:
        results = asyncio.run(admit_all())
        held = [r for r in results if isinstance(r, Reservation)]
        assert len(held) == 10 and all(isinstance(r, Refusal) for r in results if r not in held)

        async def settle_all() -> None:
            await asyncio.gather(*(work.settle(Settle(r, 0.05)) for r in held))

        asyncio.run(settle_all())
    finally:
        work.close()
    assert gw.keys.spend(key.id)["daily"] == pytest.approx((0.5, 0.0))


def test_a_failing_op_fails_alone(gw):
    _, key = gw.keys.create("acme", daily_budget_usd=1.0)
    broken = Settle(Reservation(key.id, ("d:2026-12-02",), 0.1, 0), None)  # type: ignore[arg-type] - raises
    work, gate = KeyWork(gw.keys), threading.Event()

    async def batched() -> list:
        first = asyncio.ensure_future(work.admit(lambda: gate.wait(5) and Admit(key, (0.1,))))
        await asyncio.sleep(0.05)  # the thread waits in the first admission's prepare
        good, bad = asyncio.ensure_future(work.admit(lambda: Admit(key, (0.1,)))), \
            asyncio.ensure_future(work.settle(broken))
        await asyncio.sleep(0.05)  # both queued: they make the next batch together
        gate.set()
        return await asyncio.gather(first, good, bad, return_exceptions=True)

    try:
        first, good, bad = asyncio.run(batched())
    finally:
        work.close()
    assert isinstance(first, Reservation) and isinstance(good, Reservation) and isinstance(bad, TypeError)
    assert gw.keys.spend(key.id)["daily"] == pytest.approx((0.0, 0.2))  # the batch rolled back, then one by one
