"""The embedded local model: which way to call it, and how fast it is with 1 and 2 threads.

    python benchmarks/local_model.py            # ~1 minute; needs `python -m router_core pull-model` first
    python benchmarks/local_model.py --quick    # one short round, 1 thread on the machine as is (CI smoke run)

Part 1 compares the two ways to reach the engine on the same loaded model (1 thread):
  adapter     LlamaCppProvider: the OpenAI-compatible adapter over the engine's HTTP server on 127.0.0.1
              (includes its per-request prompt-size check: POST /v1/chat/completions/input_tokens)
  in-process  xllamacpp.Server.handle_chat_completions() called directly in a worker thread
              (streaming through the engine's chunk callback)
Part 2 measures time to first token (TTFT) and decode speed with 1 and 2 threads through the adapter,
on the machine as it is and with one more process keeping a core busy.
Numbers are medians; "engine tok/s" is llama.cpp's own decode timing.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router_core.model_files import DEFAULT_MODEL_PATH, PULL_COMMAND  # noqa: E402
from router_core.providers.llamacpp import Engine, LlamaCppProvider  # noqa: E402
from router_core.types import Message, ProviderResult  # noqa: E402

SHORT = [Message("user", "What is 2+2?")]
LONG = [Message("user", "Write a long story about a dragon who learns to cook.")]
SHORT_TOKENS = 16
LONG_TOKENS = 128
ROUNDS = 3       # alternate the two approaches to even out machine noise
SHORT_N = 8      # short requests per round and approach
LONG_N = 2       # long generations per round and approach


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---- the in-process path ---------------------------------------------------------------------------
def body(messages: list[Message], max_tokens: int, stream: bool = False) -> dict:
    b = {"messages": [{"role": m.role, "content": m.content} for m in messages], "max_tokens": max_tokens,
         "temperature": 0}
    if stream:
        b |= {"stream": True, "stream_options": {"include_usage": True}}
    return b


async def inproc_complete(server, messages: list[Message], max_tokens: int) -> tuple[float, dict]:
    start = time.perf_counter()
    data = await asyncio.to_thread(server.handle_chat_completions, body(messages, max_tokens))
    return (time.perf_counter() - start) * 1000, data


async def inproc_stream(server, messages: list[Message], max_tokens: int) -> tuple[float, float, int]:
    """(ttft ms, total ms, completion tokens) streaming through the engine's callback."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def on_chunk(chunk: dict) -> bool:  # runs on the engine's thread; a truthy return would stop the stream
        loop.call_soon_threadsafe(queue.put_nowait, chunk)
        return False

    start = time.perf_counter()
    call = asyncio.ensure_future(asyncio.to_thread(
        server.handle_chat_completions, body(messages, max_tokens, stream=True), on_chunk))
    call.add_done_callback(lambda _: queue.put_nowait(None))
    ttft, tokens = None, 0
    while (chunk := await queue.get()) is not None:
        for choice in chunk.get("choices") or []:
            if (choice.get("delta") or {}).get("content") and ttft is None:
                ttft = (time.perf_counter() - start) * 1000
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
    await call
    return ttft or 0.0, (time.perf_counter() - start) * 1000, tokens


# ---- the adapter path ------------------------------------------------------------------------------
async def adapter_stream(p: LlamaCppProvider, messages: list[Message], max_tokens: int) -> tuple[float, float, int]:
    final = None
    async for item in p.stream(messages, model=p.model_id, max_tokens=max_tokens, temperature=0):
        if isinstance(item, ProviderResult):
            final = item
    assert final is not None
    return final.ttft_ms or 0.0, final.latency_ms, final.output_tokens


def decode_rate(ttft: float, total: float, tokens: int) -> float:
    """Tokens per second after the first one."""
    return (tokens - 1) / ((total - ttft) / 1000) if tokens > 1 and total > ttft else float("nan")


async def compare(p: LlamaCppProvider) -> None:
    server = p.engine._server
    res: dict[str, dict[str, list[float]]] = {k: {"short": [], "ttft": [], "tps": [], "engine": []}
                                              for k in ("adapter", "in-process")}
    for _ in range(ROUNDS):
        for name in ("adapter", "in-process"):
            r = res[name]
            for _ in range(SHORT_N):
                if name == "adapter":
                    result = await p.complete(SHORT, model=p.model_id, max_tokens=SHORT_TOKENS, temperature=0)
                    r["short"].append(result.latency_ms)
                else:
                    ms, _data = await inproc_complete(server, SHORT, SHORT_TOKENS)
                    r["short"].append(ms)
            for _ in range(LONG_N):
                stream = adapter_stream(p, LONG, LONG_TOKENS) if name == "adapter" else \
                    inproc_stream(server, LONG, LONG_TOKENS)
                ttft, total, tokens = await stream
                r["ttft"].append(ttft)
                r["tps"].append(decode_rate(ttft, total, tokens))
            _, data = await inproc_complete(server, LONG, LONG_TOKENS)  # the engine's own decode timing
            r["engine"].append(data["timings"]["predicted_per_second"])
    print(f"{'approach':<12}{'short request':>16}{'TTFT (stream)':>16}{'decode tok/s':>14}{'engine tok/s':>14}")
    for name, r in res.items():
        print(f"{name:<12}{med(r['short']):13.1f} ms{med(r['ttft']):13.1f} ms{med(r['tps']):14.1f}"
              f"{med(r['engine']):14.1f}")
    check = await p.count_prompt_tokens(SHORT)
    t = time.perf_counter()
    for _ in range(20):
        await p.count_prompt_tokens(SHORT)
    print(f"(the adapter's prompt-size check: {(time.perf_counter() - t) / 20 * 1000:.1f} ms per request, "
          f"{check} prompt tokens for the short request)")


async def threads(n: int, reps: int = 4, long_tokens: int = LONG_TOKENS) -> tuple[float, float, float, float]:
    p = LlamaCppProvider(threads=n)
    await p.health()  # load
    await p.complete(SHORT, model=p.model_id, max_tokens=4, temperature=0)  # warm
    ttfts, rates, shorts, cold = [], [], [], []
    for i in range(reps):
        # a fresh prompt each time, so the TTFT includes prompt processing (no prompt-cache hit)
        msgs = [Message("user", f"Request {i}: write a long story about a dragon who learns to cook.")]
        ttft, total, tokens = await adapter_stream(p, msgs, long_tokens)
        ttfts.append(ttft)
        rates.append(decode_rate(ttft, total, tokens))
        result = await p.complete(SHORT, model=p.model_id, max_tokens=SHORT_TOKENS, temperature=0)
        shorts.append(result.latency_ms)
        cold.append(p.engine.load_ms or 0.0)
    await p.aclose()
    p.engine.close()
    return med(ttfts), med(rates), med(shorts), cold[0]


# Spins on one core until stopped, or until its parent is gone (a killed benchmark must not leave it spinning).
SPIN = "import os, sys\nparent = int(sys.argv[1])\nwhile os.getppid() == parent: pass"


async def main() -> int:
    global ROUNDS, SHORT_N, LONG_N
    quick = "--quick" in sys.argv[1:]
    if quick:
        ROUNDS, SHORT_N, LONG_N = 1, 2, 1
    if not DEFAULT_MODEL_PATH.is_file():
        print(f"no model at {DEFAULT_MODEL_PATH}; run `{PULL_COMMAND}` first.")
        return 1
    print(f"model {DEFAULT_MODEL_PATH.name}; short = {SHORT[0].content!r} (max {SHORT_TOKENS} tokens), "
          f"long = {LONG_TOKENS} tokens, temperature 0\n")
    print("1) adapter over the engine's HTTP server vs in-process calls (1 thread)")
    p = LlamaCppProvider(threads=1)
    await p.health()
    await p.complete(SHORT, model=p.model_id, max_tokens=4, temperature=0)
    await compare(p)
    await p.aclose()
    p.engine.close()

    print(f"\n2) threads (through the adapter; TTFT on a fresh prompt; {os.cpu_count()} CPUs)")
    print(f"{'threads':<9}{'machine':<14}{'model load':>10}{'TTFT':>12}{'decode tok/s':>14}{'short request':>16}")
    for busy in (False,) if quick else (False, True):  # the busy-core rows take minutes: full runs only
        # "busy": one other process spins on a core, as when the app, a test run or a build shares the machine
        burner = subprocess.Popen([sys.executable, "-c", SPIN, str(os.getpid())]) if busy else None
        try:
            for n in (1,) if quick else (1, 2):  # 2 threads collapse on a loaded 2-core machine: full runs only
                # 2 threads on a shared core collapse (~2 tok/s): measure that case once, briefly
                ttft, rate, short, load = await threads(n, 1, 32) if busy and n > 1 else await threads(n)
                print(f"{n:<9}{'+1 busy core' if busy else 'as is':<14}{load:7.0f} ms{ttft:9.1f} ms{rate:14.1f}"
                      f"{short:13.1f} ms")
        finally:
            if burner is not None:
                burner.kill()
                burner.wait()
    Engine.shutdown_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
