"""The gateway's added latency and throughput against an instant local OpenAI-compatible server.

    python benchmarks/gateway.py            # full run
    python benchmarks/gateway.py --quick    # a small smoke run
    python benchmarks/gateway.py --litellm /path/to/venv/bin/litellm   # also LiteLLM's proxy, in the same run

One `python -m router_core serve` process (SQLite) in front of `fake_openai_server.py` (its own process). The
same client (httpx with the aiohttp transport) calls the upstream directly and through the gateway: sequential
requests for p50/p99 added latency, then requests/s at concurrency 50. Measured twice: with no key (an open
local gateway) and with a team key that has a daily budget and a requests-per-minute limit (every request
then also takes a rate token and reserves and settles its budget in the database). For scale, the same run
also times `router.acomplete` in-process (no HTTP in front): gateway minus that is the HTTP layer's share.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from httpx_aiohttp import AiohttpTransport

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from overhead import CONFIG, concurrent, free_port, measure_router, pct, sequential  # noqa: E402

from router_core.config import load_config  # noqa: E402
from router_core.router import Router  # noqa: E402

TARGET_RPS, TARGET_P50_MS = 500, 2.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): what a request costs whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def client(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, transport=AiohttpTransport(), timeout=30,
                             limits=httpx.Limits(max_connections=200))


async def measure(url: str, key: str, n_seq: int, n_conc: int, pid: int | None = None) -> tuple[list[float], float]:
    """Sequential latencies (ms) and requests/s at concurrency 50; distinct prompts, so no cache hits."""
    async with client(url) as c:
        async def call(i: int) -> None:
            body = {"model": "bench-model", "max_completion_tokens": 16,
                    "messages": [{"role": "user", "content": f"Hello there, request {i} {time.perf_counter_ns()}"}]}
            r = await c.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 200, r.text
            r.json()

        await sequential(call, 30)  # warm up
        seq = await sequential(call, n_seq)
        cpu = cpu_seconds(pid) if pid else 0.0
        rps = await concurrent(call, n_conc, 50)
        if pid:
            CPU_MS[key] = (cpu_seconds(pid) - cpu) * 1000 / n_conc
    return seq, rps


CPU_MS: dict[str, float] = {}  # the gateway process's CPU per request at concurrency 50, by key


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=os.environ | env, stdout=subprocess.PIPE, text=True)


def wait_healthy(url: str, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the gateway did not start")


LITELLM_KEY = "sk-bench-litellm-master-key-0123456789"
LITELLM_CONFIG = """model_list:
  - model_name: bench-model
    litellm_params:
      model: openai/bench-model
      api_base: {url}/v1
      api_key: x
"""


def measure_litellm(command: str, upstream_url: str, tmp: str, n_seq: int, n_conc: int) -> tuple[list[float], float]:
    """LiteLLM's proxy as it ships (one worker, a master key, no database: so no team keys or budgets) in front of
    the same upstream, measured like the gateway. LiteLLM is not a dependency: `command` is the `litellm` command of
    a separate install (`python -m venv v && v/bin/pip install 'litellm[proxy]'`)."""
    config = Path(tmp) / "litellm.yaml"
    config.write_text(LITELLM_CONFIG.format(url=upstream_url))
    port = free_port()
    proxy = subprocess.Popen([command, "--config", str(config), "--port", str(port), "--num_workers", "1"],
                             env=os.environ | {"LITELLM_MASTER_KEY": LITELLM_KEY, "LITELLM_LOG": "ERROR"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", "/health/liveliness")
        return asyncio.run(measure(f"http://127.0.0.1:{port}", LITELLM_KEY, n_seq, n_conc, proxy.pid))
    finally:
        proxy.terminate()
        proxy.wait(10)


def report(name: str, direct: tuple[list[float], float], via: tuple[list[float], float],
           targets: bool = True) -> None:
    (d_seq, d_rps), (g_seq, g_rps) = direct, via
    added50, added99 = pct(g_seq, .5) - pct(d_seq, .5), pct(g_seq, .99) - pct(d_seq, .99)
    verdict = (f" [targets: >= {TARGET_RPS} req/s {'met' if g_rps >= TARGET_RPS else 'NOT met'}, "
               f"p50 added <= {TARGET_P50_MS:g} ms {'met' if added50 <= TARGET_P50_MS else 'NOT met'}]")
    print(f"{name:34} {pct(g_seq, .5):7.2f} {pct(g_seq, .99):7.2f} {g_rps:9.0f}   added p50 {added50:+.2f} ms, "
          f"p99 {added99:+.2f} ms; throughput {g_rps / d_rps:.2f}x direct{verdict if targets else ''}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--litellm", metavar="COMMAND", help="also measure LiteLLM's proxy: its `litellm` command")
    args = parser.parse_args()
    n_seq, n_conc = (100, 300) if args.quick else (500, 2000)
    upstream_port, gateway_port = free_port(), free_port()
    upstream = start([str(ROOT / "benchmarks" / "fake_openai_server.py"), str(upstream_port)], {})
    assert upstream.stdout is not None and upstream.stdout.readline().strip() == "ready"
    upstream_url, gateway_url = f"http://127.0.0.1:{upstream_port}", f"http://127.0.0.1:{gateway_port}"
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "router.toml"
        config.write_text(CONFIG.format(url=upstream_url))
        env = {"ROUTER_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "ROUTER_DOTENV": "",
               "ROUTER_DEMO": "0"}
        gateway = start(["-m", "router_core", "serve", "--port", str(gateway_port)], env)
        try:
            wait_healthy(gateway_url)
            direct = asyncio.run(measure(upstream_url, "x", n_seq, n_conc))
            open_gw = asyncio.run(measure(gateway_url, "x", n_seq, n_conc, gateway.pid))
            made = subprocess.run([sys.executable, "-m", "router_core", "keys", "create", "--org", "bench",
                                   "--daily-budget", "1000", "--rpm", "1000000"], cwd=ROOT, env=os.environ | env,
                                  capture_output=True, text=True, check=True)
            key = made.stdout.strip().splitlines()[-1]
            time.sleep(1.2)  # the gateway trusts "no key exists" for a second
            keyed = asyncio.run(measure(gateway_url, key, n_seq, n_conc, gateway.pid))
            router = Router(load_config(config, env | {"DATABASE_URL": f"sqlite:///{tmp}/inprocess.db"}))
            r_seq, r_rps = asyncio.run(measure_router(router, n_seq, n_conc))
            router.close()
            litellm = measure_litellm(args.litellm, upstream_url, tmp, n_seq, n_conc) if args.litellm else None
        finally:
            gateway.terminate()
            upstream.terminate()
            gateway.wait(10)
            upstream.wait(10)
    print(f"requests: {n_seq} sequential, {n_conc} at concurrency 50; same client (httpx + aiohttp transport)")
    print(f"{'path':34} {'p50 ms':>7} {'p99 ms':>7} {'req/s@50':>9}")
    print(f"{'upstream directly':34} {pct(direct[0], .5):7.2f} {pct(direct[0], .99):7.2f} {direct[1]:9.0f}")
    print(f"{'router.acomplete in-process':34} {pct(r_seq, .5):7.2f} {pct(r_seq, .99):7.2f} {r_rps:9.0f}   "
          f"(no HTTP in front; added p50 {pct(r_seq, .5) - pct(direct[0], .5):+.2f} ms)")
    report("gateway, no key", direct, open_gw)
    report("gateway, key with budget and rpm", direct, keyed)
    if litellm is not None:
        report("LiteLLM proxy (master key, no DB)", direct, litellm, targets=False)
    cpu = [("gateway CPU per request (no key)", CPU_MS["x"]),
           ("gateway CPU per request (key with budget and rpm)", CPU_MS[key])]
    if litellm is not None:
        cpu.append(("LiteLLM proxy CPU per request", CPU_MS[LITELLM_KEY]))
    for name, ms in cpu:
        print(f"{name}: {ms:.2f} ms -> at most {1000 / ms:.0f} req/s on one free core")
    print(f"the HTTP layer's share (gateway, no key, minus router in-process): p50 "
          f"{pct(open_gw[0], .5) - pct(r_seq, .5):+.2f} ms; throughput {open_gw[1] / r_rps:.2f}x the router's")


if __name__ == "__main__":
    main()
