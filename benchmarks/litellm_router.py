"""LiteLLM's Router against the same instant server, for `overhead.py --litellm-python PYTHON`.

Run by that other interpreter (LiteLLM is not a dependency: install it apart, `python -m venv v &&
v/bin/pip install litellm`), which has none of our packages: so this file stands alone, with its own copy of
overhead.py's few timing lines. It prints one JSON line: sequential latencies' p50/p99 (ms), requests/s at
concurrency 50, and this process's CPU per request (ms) in each phase, measured like overhead.py measures the
router.

    v/bin/python benchmarks/litellm_router.py URL N_SEQ N_CONC
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from importlib import metadata

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of the remote price map
os.environ.setdefault("LITELLM_LOG", "ERROR")

import litellm  # noqa: E402
from litellm import Router  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(url: str, n_seq: int, n_conc: int) -> dict:
    litellm.telemetry = False
    router = Router(model_list=[{"model_name": "bench-model", "litellm_params": {
        "model": "openai/bench-model", "api_base": f"{url}/v1", "api_key": "x"}}])

    async def call(i: int) -> None:
        await router.acompletion(model="bench-model", max_completion_tokens=16, messages=[
            {"role": "user", "content": f"Hello there, request {i} {time.perf_counter_ns()}"}])

    for i in range(20):
        await call(i)
    cpu, seq = time.process_time(), []
    for i in range(n_seq):
        start = time.perf_counter()
        await call(i)
        seq.append((time.perf_counter() - start) * 1000)
    cpu_seq = (time.process_time() - cpu) * 1000 / n_seq
    sem = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with sem:
            await call(i)

    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n_conc)))
    rps = n_conc / (time.perf_counter() - start)
    cpu_conc = (time.process_time() - cpu) * 1000 / n_conc
    return {"version": metadata.version("litellm"), "p50": pct(seq, .5),
            "p99": pct(seq, .99), "rps": rps, "cpu_seq": cpu_seq, "cpu_conc": cpu_conc}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))))
