"""The gateway through the official `openai` SDK (sync, async, streaming) against a real uvicorn server on
127.0.0.1, over fake vendors speaking their real wire formats."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import httpx
import openai
import pytest

from gatewaykit import CHEAP_TEXT, PREMIUM_TEXT, ServerThread, gateway_env, rows, script_vendors, write_config
from router_core.config import load_config
from router_core.gateway import create_app
from router_core.store.keys import KeyStore
from router_core.router import Router

EXPERT = "I need expert advice on optimizing database queries for a high-traffic application"


@pytest.fixture
def gw(tmp_path, cheap, premium):
    script_vendors(cheap, premium)
    config = write_config(tmp_path, cheap, premium)
    router = Router(load_config(config, gateway_env(config, f"sqlite:///{tmp_path / 'router.db'}")))
    keys = KeyStore(router.store.engine)
    clients: list[openai.OpenAI] = []
    with ServerThread(create_app(router, keys)) as server:
        yield SimpleNamespace(url=server.url, router=router, keys=keys, cheap=cheap, premium=premium, clients=clients)
        for c in clients:  # their pooled sockets, before the server goes
            c.close()
    router.close()


def client(gw, key: str = "no-key-needed-yet") -> openai.OpenAI:
    gw.clients.append(openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0))
    return gw.clients[-1]


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def settled(gw, key_id: int, window: str = "daily") -> tuple[float, float]:
    """(spent, held) once no reservation is outstanding (settling happens after the answer is sent)."""
    deadline = time.monotonic() + 5
    while (spend := gw.keys.spend(key_id).get(window, (0.0, 0.0)))[1] > 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    return spend


def logged(gw) -> list[dict]:
    return rows(gw.router.store, "SELECT * FROM interaction_logs ORDER BY id")


def logged_at_least(gw, n: int) -> list[dict]:
    """The rows once there are `n` (a refusal is logged just after its answer has gone)."""
    deadline = time.monotonic() + 5
    while len(found := logged(gw)) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def refused_row(row: dict, status: str, org: str | None, prompt: str) -> None:
    """A refusal's row: source gateway, its status and org, what it asked, no tier, no provider, $0, no saving."""
    assert (row["source"], row["status"], row["org"], row["prompt"]) == ("gateway", status, org, prompt)
    assert (row["complexity"], row["provider"], row["response"], row["cost_usd"], row["baseline_cost_usd"]) == \
        ("", None, None, 0.0, None)


def test_answer_usage_headers_and_log_row(gw):
    raw = client(gw).chat.completions.with_raw_response.create(model="auto", messages=ask("Hi"), max_tokens=50)
    c = raw.parse()
    assert c.choices[0].message.content == CHEAP_TEXT and c.choices[0].finish_reason == "stop"
    assert c.model == "gpt-6-luna" and c.object == "chat.completion"
    assert c.usage.prompt_tokens == 3 and c.usage.completion_tokens == 9 and c.usage.total_tokens == 12
    h = raw.headers
    assert (h["x-switchboard-tier"], h["x-switchboard-provider"], h["x-switchboard-model"],
            h["x-switchboard-cached"]) == ("TRIVIAL", "cheap", "gpt-6-luna", "false")
    assert float(h["x-switchboard-cost-usd"]) == pytest.approx((3 * 1.0 + 9 * 2.0) / 1e6)
    assert float(h["x-switchboard-saved-usd"]) == pytest.approx((3 * 3.0 + 9 * 15.0 - 3 - 18) / 1e6)
    [row] = logged(gw)
    assert (row["source"], row["status"], row["provider"], row["org"]) == ("gateway", "ok", "cheap", None)
    again = client(gw).chat.completions.with_raw_response.create(model="auto", messages=ask("Hi"), max_tokens=50)
    assert again.headers["x-switchboard-cached"] == "true" and again.parse().choices[0].message.content == CHEAP_TEXT
    assert len(gw.cheap.requests) == 1 and len(logged(gw)) == 2


def test_streamed_text_equals_the_whole_answer_with_usage_and_headers(gw):
    whole = client(gw).chat.completions.create(model="premium:sonnet", messages=ask("Tell me a story."))
    raw = client(gw).chat.completions.with_raw_response.create(
        model="premium:sonnet", messages=ask("Tell me a story!"), stream=True, stream_options={"include_usage": True})
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert (raw.headers["x-switchboard-provider"], raw.headers["x-switchboard-model"]) == ("premium", "claude-sonnet-5-5")
    assert raw.headers["x-switchboard-cost-usd"] == "pending" and raw.headers["x-switchboard-cached"] == "false"
    chunks = list(raw.parse())
    deltas = [ch.choices[0].delta.content for ch in chunks if ch.choices and ch.choices[0].delta.content]
    assert len(deltas) > 3 and "".join(deltas) == whole.choices[0].message.content == PREMIUM_TEXT
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "stop"
    usage = chunks[-1].usage
    assert chunks[-1].choices == [] and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0
    assert usage.completion_tokens == whole.usage.completion_tokens
    assert [r["source"] for r in logged(gw)] == ["gateway", "gateway"]


def test_stream_without_usage_option_sends_no_usage_chunk(gw):
    chunks = list(client(gw).chat.completions.create(model="auto", messages=ask("Hi"), stream=True))
    assert all(ch.usage is None for ch in chunks) and all(ch.choices for ch in chunks)
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks) == CHEAP_TEXT


def test_async_client_auto_routing_follows_the_tier(gw):
    async def both():
        async with openai.AsyncOpenAI(base_url=gw.url + "/v1", api_key="x", max_retries=0) as ac:
            easy = ac.chat.completions.with_raw_response.create(model="auto", messages=ask("Hi"))
            hard = ac.chat.completions.with_raw_response.create(model="auto", messages=ask(EXPERT))
            return await asyncio.gather(easy, hard)

    easy, hard = asyncio.run(both())
    assert (easy.headers["x-switchboard-tier"], easy.headers["x-switchboard-provider"]) == ("TRIVIAL", "cheap")
    assert (hard.headers["x-switchboard-tier"], hard.headers["x-switchboard-provider"]) == ("EXPERT", "premium")
    assert easy.parse().choices[0].message.content == CHEAP_TEXT
    assert hard.parse().choices[0].message.content == PREMIUM_TEXT


def test_async_streaming(gw):
    async def collect():
        async with openai.AsyncOpenAI(base_url=gw.url + "/v1", api_key="x", max_retries=0) as ac:
            stream = await ac.chat.completions.create(model="auto", messages=ask(EXPERT), stream=True)
            return [ch.choices[0].delta.content or "" async for ch in stream if ch.choices]

    assert "".join(asyncio.run(collect())) == PREMIUM_TEXT


@pytest.mark.parametrize("model, provider, vendor_model", [
    ("premium:sonnet", "premium", "claude-sonnet-5-5"), ("luna", "cheap", "gpt-6-luna"),
    ("cheap:gpt-6-luna", "cheap", "gpt-6-luna"), ("premium", "premium", "claude-sonnet-5-5")])
def test_forced_targets(gw, model, provider, vendor_model):
    raw = client(gw).chat.completions.with_raw_response.create(model=model, messages=ask("Hi"))
    assert (raw.headers["x-switchboard-provider"], raw.headers["x-switchboard-model"]) == (provider, vendor_model)
    assert logged(gw)[-1]["provider"] == provider


def test_unknown_model_is_not_found(gw):
    with pytest.raises(openai.NotFoundError) as err:
        client(gw).chat.completions.create(model="gpt-nonexistent", messages=ask("Hi"))
    assert err.value.code == "model_not_found" and not gw.cheap.requests


def test_models_lists_auto_targets_and_aliases(gw):
    ids = [m.id for m in client(gw).models.list()]
    assert ids[0] == "auto"
    assert {"cheap:gpt-6-luna", "cheap:luna", "premium:claude-sonnet-5-5", "premium:sonnet"} <= set(ids)


@pytest.mark.parametrize("extra, param", [
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, "tools"),
    ({"n": 2}, "n"), ({"logprobs": True}, "logprobs"), ({"audio": {"voice": "alloy", "format": "wav"}}, "audio"),
    ({"top_p": 0.5}, "top_p"), ({"frobnicate": 1}, "frobnicate")])
def test_unsupported_parameters_are_a_400_naming_them(gw, extra, param):
    with pytest.raises(openai.BadRequestError) as err:
        client(gw).chat.completions.create(model="auto", messages=ask("Hi"), extra_body=extra)
    assert err.value.param == param and param in err.value.message
    [row] = logged_at_least(gw, 1)
    refused_row(row, "invalid", None, "Hi")
    assert param in row["error"] and row["error"].startswith("400 invalid_request_error") and not gw.cheap.requests


def test_image_parts_and_tool_turns_are_refused(gw):
    image = [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                          {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]}]
    with pytest.raises(openai.BadRequestError) as err:
        client(gw).chat.completions.create(model="auto", messages=image)
    assert err.value.param == "messages[0].content[1].type"
    tool_turn = ask("Hi") + [{"role": "tool", "tool_call_id": "1", "content": "42"}]
    with pytest.raises(openai.BadRequestError, match="tools"):
        client(gw).chat.completions.create(model="auto", messages=tool_turn)
    text_parts = [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    assert client(gw).chat.completions.create(model="auto", messages=text_parts).choices[0].message.content


def test_bad_input_is_a_400_in_openai_shape(gw):
    for body in ({"model": "auto", "messages": []}, {"model": "auto"}, {"model": "auto", "messages": ask("Hi"),
                 "temperature": 5}, {"model": "auto", "messages": ask("   ")}):
        r = httpx.post(gw.url + "/v1/chat/completions", json=body)
        assert r.status_code == 400, body
        assert set(r.json()["error"]) == {"message", "type", "code", "param"}
    r = httpx.post(gw.url + "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    found = logged_at_least(gw, 5)  # the blank message is refused by the router's own validation
    assert len(found) == 5 and {(r["status"], r["source"], r["cost_usd"]) for r in found} == {("invalid", "gateway", 0)}
    assert "temperature" in found[2]["error"] and found[2]["prompt"] == ""  # a body that fails validation: unread
    assert found[3]["messages_json"] == '[{"role": "user", "content": "   "}]' and "not valid JSON" in found[4]["error"]


def test_keys_authenticate_and_attribute(gw):
    key, _ = gw.keys.create("acme", agent="support")
    with pytest.raises(openai.AuthenticationError):
        client(gw, "sb-wrong").chat.completions.create(model="auto", messages=ask("Hi"))
    with pytest.raises(openai.AuthenticationError):
        client(gw, key + "x").models.list()
    r = httpx.post(gw.url + "/v1/chat/completions", json={"model": "auto", "messages": ask("Hi")})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    assert client(gw, key).chat.completions.create(model="auto", messages=ask("Hi")).choices[0].message.content
    *bad, row = logged_at_least(gw, 3)  # the two refused chat requests (not the /v1/models one), then the answer
    assert (row["org"], row["agent"], row["source"], row["status"]) == ("acme", "support", "gateway", "ok")
    for r in bad:  # nobody authenticated: no org, and nothing of the body
        refused_row(r, "unauthorized", None, "")
        assert r["messages_json"] == "[]" and r["agent"] is None
    assert [r["error"].split(":")[0] for r in bad] == ["401 authentication_error"] * 2
    assert "Incorrect API key" in bad[0]["error"] and "Missing API key" in bad[1]["error"]
    assert not any("sb-wrong" in str(r) or key in str(r) for r in logged(gw))
    assert gw.keys.list_keys()[0][0].last_used_at is not None


def test_revoked_key_is_refused(gw):
    key, info = gw.keys.create("acme")
    other, _ = gw.keys.create("globex")
    assert gw.keys.revoke(info.prefix) == 1
    time.sleep(1.1)  # lookups are trusted for a second
    with pytest.raises(openai.AuthenticationError):
        client(gw, key).chat.completions.create(model="auto", messages=ask("Hi"))
    assert client(gw, other).chat.completions.create(model="auto", messages=ask("Hi"))


def test_spent_budget_is_a_rate_limit_error_naming_the_budget(gw):
    key, info = gw.keys.create("acme", daily_budget_usd=0.001)
    c = client(gw, key)
    c.chat.completions.create(model="auto", messages=ask("Hi"), max_tokens=20)  # worst case $0.00033 (last resort)
    spent, held = settled(gw, info.id)
    assert spent == pytest.approx(21 / 1e6) and held == pytest.approx(0)
    with pytest.raises(openai.RateLimitError) as err:  # 4096 tokens (the default cap) at $15/M: $0.06
        c.chat.completions.create(model="premium:sonnet", messages=ask("Hi"))
    assert err.value.type == "budget_exceeded" and err.value.code == "daily_budget_exceeded"
    assert "daily budget" in err.value.message and int(err.value.response.headers["retry-after"]) > 0
    ok, refused = logged_at_least(gw, 2)
    assert ok["status"] == "ok" and ok["org"] == "acme" and len(gw.premium.requests) == 0
    refused_row(refused, "budget_exceeded", "acme", "Hi")
    assert "daily budget" in refused["error"] and key not in str(refused)
    assert gw.keys.spend(info.id)["daily"] == (spent, held)


def test_downgrade_sends_an_over_budget_request_to_the_cheapest_tier(gw):
    key, info = gw.keys.create("acme", monthly_budget_usd=0.001, on_budget="downgrade")
    c = client(gw, key)
    raw = c.chat.completions.with_raw_response.create(model="premium:sonnet", messages=ask("Hi"), max_tokens=50)
    assert raw.headers["x-switchboard-provider"] == "premium"  # worst case $0.00078: fits
    raw = c.chat.completions.with_raw_response.create(model="premium:sonnet", messages=ask(EXPERT), max_tokens=100)
    assert raw.headers["x-switchboard-provider"] == "cheap"  # $0.0018 at premium prices would not: downgraded
    assert raw.parse().choices[0].message.content == CHEAP_TEXT
    with pytest.raises(openai.RateLimitError):  # not even the cheapest tier fits 4096 tokens
        c.chat.completions.create(model="premium:sonnet", messages=ask(EXPERT))
    assert settled(gw, info.id, "monthly")[0] <= 0.001


def test_requests_per_minute(gw):
    key, _ = gw.keys.create("acme", rpm=2)
    c = client(gw, key)
    for text in ("one", "two"):
        c.chat.completions.create(model="auto", messages=ask(text))
    with pytest.raises(openai.RateLimitError) as err:
        c.chat.completions.create(model="auto", messages=ask("three"))
    assert err.value.code == "rate_limit_exceeded" and int(err.value.response.headers["retry-after"]) >= 1
    *answered, refused = logged_at_least(gw, 3)
    assert [r["status"] for r in answered] == ["ok", "ok"]
    refused_row(refused, "rate_limited", "acme", "three")
    text = httpx.get(gw.url + "/metrics").text
    assert 'switchboard_refused_total{org="acme",reason="rate_limited"} 1.0' in text


def test_a_flood_of_bad_keys_is_counted_but_only_a_few_rows_logged(gw):
    gw.keys.create("acme")
    c = client(gw, "sb-guess")
    for i in range(25):
        with pytest.raises(openai.AuthenticationError):
            c.chat.completions.create(model="auto", messages=ask(f"guess {i}"))
    found = logged_at_least(gw, 10)
    time.sleep(0.3)  # nothing more arrives
    assert len(logged(gw)) == len(found) == 10 and {r["status"] for r in found} == {"unauthorized"}
    assert 'switchboard_refused_total{org="",reason="unauthorized"} 25.0' in httpx.get(gw.url + "/metrics").text


def test_refused_requests_are_in_logs_but_add_nothing_to_savings(gw):
    from router_core import analytics
    from router_core.workspace import Workspace

    key, _ = gw.keys.create("acme", rpm=1)
    c = client(gw, key)
    c.chat.completions.create(model="auto", messages=ask("Hi"), max_tokens=50)
    for _ in range(3):
        with pytest.raises(openai.RateLimitError):
            c.chat.completions.create(model="auto", messages=ask("Hello again"))
    logged_at_least(gw, 4)
    now = datetime.now(timezone.utc)
    k = analytics.kpis(gw.router.store, since=now - timedelta(hours=1), until=now + timedelta(minutes=1))
    assert (k["requests"], k["ok"], k["errors"], k["cache_hits"]) == (4, 1, 0, 0)
    assert k["spend_usd"] == pytest.approx(21 / 1e6) and k["baseline_usd"] == pytest.approx(144 / 1e6)
    from router_core.report import kpi_tiles
    assert kpi_tiles(k)[0].help.startswith("1 answered, 0 failed, 3 cancelled by the caller or refused by the gateway")
    page = Workspace(gw.router).log_page(status="rate_limited")
    assert page.total == 3 and set(page.rows["org"]) == {"acme"}


def test_no_provider_is_a_503_and_logged(gw):
    gw.cheap.reply(500, json={"error": {"message": "down"}})
    with pytest.raises(openai.InternalServerError) as err:
        client(gw).chat.completions.create(model="cheap:luna", messages=ask("Hi"))
    assert err.value.status_code == 503 and err.value.code == "no_provider_available"
    assert [(r["status"], r["source"]) for r in logged(gw)] == [("error", "gateway")]


def test_client_disconnect_cancels_the_upstream_and_logs_cancelled(gw):
    key, info = gw.keys.create("acme", daily_budget_usd=1.0)

    def slow(rec):
        reply = __import__("gatewaykit").openai_handler(rec)
        reply.chunk_delay = 0.3
        return reply

    gw.cheap.reset()
    gw.cheap.route("/v1/chat/completions", slow)
    started = time.monotonic()
    with httpx.stream("POST", gw.url + "/v1/chat/completions", headers={"authorization": f"Bearer {key}"},
                      json={"model": "auto", "messages": ask("Hi"), "stream": True}) as r:
        assert r.status_code == 200
        first = next(r.iter_lines())
        assert first.startswith("data: ")
    deadline = time.monotonic() + 5
    while not logged(gw) and time.monotonic() < deadline:
        time.sleep(0.05)
    [row] = logged(gw)
    assert (row["status"], row["source"], row["provider"], row["org"]) == ("cancelled", "gateway", "cheap", "acme")
    assert 0 < row["output_tokens"] < 9 and row["cost_usd"] > 0
    assert row["response"] and CHEAP_TEXT.startswith(row["response"]) and row["response"] != CHEAP_TEXT
    assert time.monotonic() - started < 9 * 0.3, "the upstream stream was not left running"
    spent, held = settled(gw, info.id)
    assert held == pytest.approx(0) and spent == pytest.approx(row["cost_usd"])


def test_health_and_metrics(gw):
    assert httpx.get(gw.url + "/healthz").json() == {"status": "ok"}
    client(gw).chat.completions.create(model="auto", messages=ask("Hi"))
    text = httpx.get(gw.url + "/metrics").text
    assert 'switchboard_requests_total{model="gpt-6-luna",org="",provider="cheap",status="ok",tier="TRIVIAL"} 1.0' in text
    assert "switchboard_request_latency_seconds_bucket" in text and "switchboard_cost_usd_total" in text


def test_deadline_is_a_504(tmp_path, cheap, premium):
    script_vendors(cheap, premium)
    cheap.hang()
    config = write_config(tmp_path, cheap, premium, deadline=1)
    router = Router(load_config(config, gateway_env(config, f"sqlite:///{tmp_path / 'router.db'}")))
    with ServerThread(create_app(router)) as server:
        r = httpx.post(server.url + "/v1/chat/completions", timeout=10,
                       json={"model": "cheap:luna", "messages": ask("Hi")})
    router.close()
    assert r.status_code == 504 and r.json()["error"]["code"] == "deadline_exceeded"
