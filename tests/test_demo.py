"""The simulated vendors: the real adapters complete, stream, list and fail through the mock transport."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from router_core.errors import ProviderError
from router_core.providers import create_provider
from router_core.providers.demo import (DEFAULT_MODELS, DEMO_KEY, SIMULATED_KINDS, create_demo_provider,
                                        demo_transport, simulated_answer)
from router_core.types import Message, ProviderResult

MODELS = {**{kind: models[0] for kind, models in DEFAULT_MODELS.items()},  # every simulated kind
          "openai": "gpt-6-luna", "groq": "llama-3.1-8b-instant", "anthropic": "claude-sonnet-5-5",
          "gemini": "gemini-3.8-flash", "ollama": "qwen3:8b"}
CONVERSATION = [Message("system", "Be concise."),
                Message("user", "How does photosynthesis turn sunlight into chemical energy?")]


def provider(kind: str, **kwargs):
    options = {"latency_scale": 0, "failure_rate": 0, **kwargs}
    return create_provider(kind, transport=demo_transport(kind, **options), api_key=DEMO_KEY)


def run(coro):
    return asyncio.run(coro)


async def complete_and_stream(kind: str, messages=CONVERSATION, **kwargs):
    p = provider(kind)
    try:
        result = await p.complete(messages, model=MODELS[kind], **kwargs)
        pieces, final = [], None
        async for item in p.stream(messages, model=MODELS[kind], **kwargs):
            if isinstance(item, ProviderResult):
                final = item
            else:
                pieces.append(item)
        return result, pieces, final
    finally:
        await p.aclose()


@pytest.mark.parametrize("kind", SIMULATED_KINDS)
def test_real_adapter_completes_and_streams_through_the_simulation(kind):
    result, pieces, final = run(complete_and_stream(kind))
    model = MODELS[kind]
    assert result.text.startswith(f"[simulated {kind} · {model}]")
    assert "photosynthesis" in result.text.lower()
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert result.model == model
    assert len(pieces) >= 3  # several chunks
    assert final is not None and final.text == "".join(pieces) == result.text
    assert final.usage == result.usage


@pytest.mark.parametrize("kind", SIMULATED_KINDS)
def test_list_models_works(kind):
    async def go():
        p = provider(kind, models=["m-one", "m-two"])
        try:
            return await p.list_models(), await p.health()
        finally:
            await p.aclose()

    models, health = run(go())
    assert [m.removesuffix(":latest") for m in models] == ["m-one", "m-two"]
    assert health.reachable


def test_usage_grows_with_the_prompt():
    async def go(text):
        p = provider("openai")
        r = await p.complete([Message("user", text)], model="gpt-6-luna")
        await p.aclose()
        return r.usage.input_tokens

    short, long = run(go("Explain entropy.")), run(go("Explain entropy. " + "Context sentence here. " * 200))
    assert long > short + 900  # about 4600 characters more -> ~1150 tokens more


def test_answers_are_deterministic_per_prompt_and_model():
    a1, _, _ = run(complete_and_stream("anthropic"))
    a2, _, _ = run(complete_and_stream("anthropic"))
    assert (a1.text, a1.usage) == (a2.text, a2.usage)
    other, _, _ = run(complete_and_stream("anthropic", [Message("user", "Compare Rust and Go for web servers")]))
    assert other.text != a1.text
    assert simulated_answer("hello there", "groq", "x") == simulated_answer("hello there", "groq", "x")
    question = "Why is the sky blue?"
    assert simulated_answer(question, "groq", "a") != simulated_answer(question, "groq", "b")


def test_max_tokens_truncates_with_the_vendors_length_reason():
    result, _, final = run(complete_and_stream("openai", max_tokens=5))
    assert result.finish_reason == "length" and result.usage.output_tokens <= 5
    assert final.finish_reason == "length"
    result, _, _ = run(complete_and_stream("anthropic", max_tokens=5))
    assert result.finish_reason == "max_tokens"
    result, _, _ = run(complete_and_stream("gemini", max_tokens=5))
    assert result.finish_reason == "MAX_TOKENS"


@pytest.mark.parametrize("kind", SIMULATED_KINDS)
def test_failure_rate_one_gives_retryable_vendor_errors(kind):
    async def go():
        p = provider(kind, failure_rate=1.0)
        errors = []
        for _ in range(6):
            with pytest.raises(ProviderError) as info:
                await p.complete(CONVERSATION, model=MODELS[kind])
            errors.append(info.value)
        with pytest.raises(ProviderError) as info:
            async for _ in p.stream(CONVERSATION, model=MODELS[kind]):
                pass
        errors.append(info.value)
        await p.aclose()
        return errors

    errors = run(go())
    for err in errors:
        assert err.retryable, str(err)
        assert err.status in (429, 503, 529)
        if err.status == 429:
            assert err.retry_after is not None  # 429s carry the vendor's retry hint


def test_vendor_specific_errors_appear():
    async def statuses(kind):
        p = provider(kind, failure_rate=1.0, seed=3)
        seen = set()
        for _ in range(20):
            try:
                await p.complete(CONVERSATION, model=MODELS[kind])
            except ProviderError as err:
                seen.add((err.status, err.kind))
        await p.aclose()
        return seen

    assert (529, "overloaded") in run(statuses("anthropic"))
    assert any(status == 429 for status, _ in run(statuses("groq")))
    assert (503, "overloaded") in run(statuses("gemini"))


def test_partial_failure_rate_is_seeded():
    async def outcomes(seed):
        p = provider("groq", failure_rate=0.5, seed=seed)
        out = []
        for _ in range(30):
            try:
                await p.complete(CONVERSATION, model="llama-3.1-8b-instant")
                out.append(True)
            except ProviderError:
                out.append(False)
        await p.aclose()
        return out

    first, again = run(outcomes(7)), run(outcomes(7))
    assert first == again and 5 < sum(first) < 25


def test_latency_is_simulated_and_scaled():
    async def timed(kind, scale):
        p = provider(kind, latency_scale=scale)
        start = time.perf_counter()
        await p.complete(CONVERSATION, model=MODELS[kind])
        await p.aclose()
        return time.perf_counter() - start

    assert run(timed("anthropic", 0)) < 0.1
    groq, anthropic = run(timed("groq", 0.2)), run(timed("anthropic", 0.2))
    assert 0.01 < groq < anthropic  # ~150 ms vs ~800 ms, scaled by 0.2


def test_missing_key_gets_the_vendors_401():
    async def go():
        async with httpx.AsyncClient(transport=demo_transport("openai", latency_scale=0, failure_rate=0)) as client:
            return await client.post("https://api.openai.com/v1/chat/completions",
                                     json={"model": "gpt-6-luna", "messages": [{"role": "user", "content": "hi"}]})

    response = run(go())
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"


def test_gemini_stream_without_sse_is_a_json_array():
    async def go():
        async with httpx.AsyncClient(transport=demo_transport("gemini", latency_scale=0, failure_rate=0)) as client:
            return await client.post("https://g/v1beta/models/gemini-3.8-flash:streamGenerateContent",
                                     headers={"x-goog-api-key": DEMO_KEY},
                                     json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]})

    chunks = run(go()).json()
    assert isinstance(chunks, list) and chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_create_demo_provider_is_marked_simulated():
    p = create_demo_provider("groq", name="groq-demo", latency_scale=0, failure_rate=0)
    assert p.simulated and p.name == "groq-demo"
    result = run(p.complete([Message("user", "Hi")], model="llama-3.1-8b-instant"))
    assert result.text.startswith("[simulated groq-demo · llama-3.1-8b-instant]")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="llamacpp"):
        demo_transport("llamacpp")


def test_kinds_demo_mode_leaves_real_are_not_simulated():
    """The embedded model and your own OpenAI-compatible endpoint stay real; the cloud vendors and Ollama do not."""
    assert "llamacpp" not in SIMULATED_KINDS and "openai_compatible" not in SIMULATED_KINDS
    assert {"openai", "anthropic", "gemini", "groq", "ollama", "deepseek", "mistral"} <= set(SIMULATED_KINDS)
    with pytest.raises(ValueError, match="no simulation"):
        demo_transport("openai_compatible")


def test_compatible_adapter_talks_to_the_chat_completions_simulation():
    """The compatible adapter (it sends max_tokens) completes and streams over the simulated OpenAI wire."""
    async def go():
        p = create_provider("openai_compatible", api_key=DEMO_KEY, transport=demo_transport(
            "openai", name="vllm", latency_scale=0, failure_rate=0))
        try:
            result = await p.complete(CONVERSATION, model="Qwen/Qwen3-8B", max_tokens=5)
            pieces = [item async for item in p.stream(CONVERSATION, model="Qwen/Qwen3-8B")
                      if not isinstance(item, ProviderResult)]
            return result, pieces
        finally:
            await p.aclose()

    result, pieces = run(go())
    assert result.text.startswith("[simulated vllm") and result.finish_reason == "length"  # max_tokens was read
    assert len(pieces) >= 3
