"""Many users at once: 24 different chit-chat requests sent together through the Python API, demo mode.

    python benchmarks/concurrency.py                 # 3 rounds of 24; needs `python -m router_core pull-model`
    python benchmarks/concurrency.py --quick         # one round of 8 (CI smoke run)
    python benchmarks/concurrency.py --model PATH    # the local model file somewhere else than data/models/
    python benchmarks/concurrency.py --parallel 2    # the local engine with 2 slots instead of the config's

The shipped router.toml in demo mode: the local SmolLM2-135M answers for real (first candidate of TRIVIAL),
the cloud vendors are simulated with their typical latency. Each round sends every request at once with the
cache off (distinct prompts, a throwaway database), and prints the wall time of each request from the
moment the burst starts: p50, p95, max, the provider mix, failures and how many answers spilled over from a
busy provider (an attempt skipped as busy). The engine is loaded and warmed before the first round.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router_core import Message, Router  # noqa: E402
from router_core.config import load_config  # noqa: E402
from router_core.errors import RouterError  # noqa: E402
from router_core.model_files import DEFAULT_MODEL_PATH, PULL_COMMAND  # noqa: E402

CHIT_CHAT = ["Hi!", "Hello there", "Good morning!", "Hey, how are you?", "Thanks a lot!", "Good night",
             "Hi, nice to meet you", "Hey there!", "Good evening", "Thank you so much", "How are you doing today?",
             "Hiya", "Greetings!", "Yo, what's up?", "Morning!", "Hello friend", "Cheers, thanks!", "Hi again",
             "Howdy!", "Hey, good to see you", "Bye for now", "See you later!", "Have a nice day!",
             "Good afternoon!"]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


async def burst(router: Router, prompts: list[str], tag: str) -> tuple[list[float], Counter, int, int]:
    """Send every prompt at once; (seconds per answered request, provider mix, failures, spilled over)."""
    start = time.perf_counter()

    async def one(prompt: str) -> tuple[float, str | None, bool]:
        try:
            c = await router.acomplete([Message("user", f"{prompt} ({tag})")], use_cache=False)
        except RouterError:
            return time.perf_counter() - start, None, False
        spilled = any(a.outcome == "skipped" for a in c.attempts)
        return time.perf_counter() - start, c.provider, spilled

    results = await asyncio.gather(*(one(p) for p in prompts))
    seconds = [s for s, provider, _ in results if provider is not None]
    mix = Counter(provider for _, provider, _ in results if provider is not None)
    return seconds, mix, sum(provider is None for _, provider, _ in results), sum(s for *_, s in results)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round of 8 requests")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=24, help="requests per round (at most 24)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="the local model file")
    parser.add_argument("--parallel", type=int, default=None, help="the local engine's slots (default: the config's)")
    args = parser.parse_args()
    rounds, n = (1, 8) if args.quick else (args.rounds, min(args.n, len(CHIT_CHAT)))
    if not args.model.is_file():
        print(f"the local model {args.model} is missing: run `{PULL_COMMAND}` first")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ROUTER_DEMO": "1", "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "ROUTER_DOTENV": ""}
        config = load_config(env=env)
        local = config.providers["local"]
        config = replace(config, providers={**config.providers, "local": replace(
            local, options={**local.options, "model_path": str(args.model),
                            **({"parallel": args.parallel} if args.parallel else {})})})
        async with Router(config) as router:
            await router.acomplete("Hello, warm-up", provider="local", use_cache=False)  # load the engine
            limits = config.limits
            print(f"{n} different chit-chat requests at once, {rounds} round(s); demo mode, local model "
                  f"{args.model.name} ({router.slots['local'].limit} slot(s)); queue_wait_s={limits.queue_wait_s:g}, "
                  f"attempt_timeout_s={limits.attempt_timeout_s:g}, deadline={limits.request_deadline_s:g} s")
            every: list[float] = []
            for r in range(rounds):
                seconds, mix, failed, spilled = await burst(router, CHIT_CHAT[:n], f"round {r + 1}")
                every += seconds
                print(f"  round {r + 1}: p50 {statistics.median(seconds):5.2f} s  p95 {percentile(seconds, 95):5.2f} s"
                      f"  max {max(seconds):5.2f} s  failed {failed}  spilled over {spilled}  provider mix "
                      + ", ".join(f"{p} {k}" for p, k in mix.most_common()))
            print(f"all rounds: p50 {statistics.median(every):.2f} s  p95 {percentile(every, 95):.2f} s  "
                  f"answered {len(every)} of {rounds * n}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
