"""Smoke runs of every benchmark (CI): each one runs in its quick mode, exits 0 and prints its figures.

Not timed assertions: a benchmark that crashes, or stops printing a figure, fails here. The benchmarks run
as subprocesses (the repo root as cwd, no API keys, a throwaway DATABASE_URL, no .env). The light ones start
together; the local-model benchmark measures CPU-bound decoding, so it runs alone after them (on a 2-core
machine sharing the cores slowed it past its timeout).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import VENDOR_ENV

from router_core.model_files import DEFAULT_MODEL_PATH as MODEL
from router_core.model_files import pull_model

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
TIMEOUT_S = 150
ALONE = ("local_model.py", "concurrency.py")  # CPU-bound (the local model): measured on an otherwise idle machine

pytestmark = pytest.mark.slow  # each benchmark runs for up to a minute

SECRET_ENV = tuple(VENDOR_ENV)  # every provider variable of the registry, plus the app's own

# benchmark file -> (arguments, labels its output must contain)
EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "overhead.py": (["--quick"], [
        "router.acomplete (all on)", "router vs plain httpx.AsyncClient", "router vs the same client with the aiohttp",
        "client CPU per request",
        "throughput @50", "cache hit end to end", "import router_core:", "classifier: median"]),
    "routing_quality.py": (["--quick"], [
        "Routing quality", "APGR", "MT-Bench", "GSM8K", "MMLU", "Dev set", "Classifier speed"]),
    "scale.py": (["--quick"], [
        "generate 20,000 rows", "kpis · 90 d · all orgs", "spend_over_time (day) · 7 d · org",
        "requests_by_tier", "requests_by_provider_model", "latency_by_provider", "error_rate_by_provider",
        "cache_hit_rate_over_time", "distinct_orgs_agents", "list_interactions first page",
        "list_interactions deep page", "CSV export of one day", "Savings page · Last 30 days",
        "Logs page · Last 7 days", "database bytes per interaction", "router RSS after      0 requests",
        "router RSS after  2,000 requests", "RSS growth", " PASS"]),
    "local_model.py": (["--quick"], ["adapter", "in-process", "TTFT", "decode tok/s"]),
    "concurrency.py": (["--quick"], ["different chit-chat requests at once", "round 1: p50", "provider mix",
                                     "spilled over", "all rounds: p50"]),
    "shadow.py": (["--quick"], ["upstream 20 ms, rate 0 (A/A noise): p50 on/off =",
                               "upstream 20 ms, rate 0.05: p50 on/off =", "instant upstream, rate 1: p50 on/off =",
                               "shadow verdicts stored: 0 (", "shadow verdicts stored: 110"]),
    "gateway.py": (["--quick"], ["upstream directly", "gateway, no key", "gateway, key with budget and rpm",
                                 "gateway CPU per request", "the HTTP layer's share"]),
}


@dataclass
class Run:
    process: subprocess.Popen
    log: Path

    def result(self) -> tuple[int, str]:
        try:
            code = self.process.wait(TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = -9
        return code, self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    """Run the light benchmarks together, then the CPU-bound ones alone; each test reads its own."""
    tmp = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV and not k.endswith(("_API_KEY", "_TOKEN"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}", "ROUTER_DOTENV": "", "PYTHONUNBUFFERED": "1"}
    if not MODEL.is_file():
        pull_model()  # what `python -m router_core pull-model` does; CI has done it already
    started: dict[str, Run] = {}

    def start(name: str) -> Run:
        log = tmp / f"{name}.log"
        with log.open("w") as out:
            return Run(subprocess.Popen([sys.executable, str(BENCH / name), *EXPECTED[name][0]], cwd=ROOT, env=env,
                                        stdout=out, stderr=subprocess.STDOUT), log)

    for name in EXPECTED:
        if name not in ALONE:
            started[name] = start(name)
    for run in list(started.values()):
        run.result()
    for name in ALONE:
        started[name] = start(name)
        started[name].result()  # one after the other
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_benchmark_runs_and_prints_its_figures(runs, name):
    code, output = runs[name].result()
    assert code == 0, f"benchmarks/{name} exited with {code}:\n{output[-4000:]}"
    missing = [label for label in EXPECTED[name][1] if label not in output]
    assert not missing, f"benchmarks/{name} no longer prints {missing}:\n{output[-4000:]}"
    assert "Unclosed" not in output, f"benchmarks/{name} left a client session open:\n{output[-4000:]}"


