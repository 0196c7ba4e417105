"""Routing quality of the complexity classifier on RouteLLM's public data, plus classifier speed.

    python benchmarks/routing_quality.py                 # all of MT-Bench, GSM8K and MMLU (about 5 s)
    python benchmarks/routing_quality.py --quick         # a fixed sample per set (CI smoke run, ~1 s)
    python benchmarks/routing_quality.py --data DIR      # default: data/benchmarks/routellm

Prints APGR, CPT(50%) and CPT(80%) of the router next to random routing and the oracle (RouteLLM's
metrics; see router_core/routing_eval.py), the ratio of the router's APGR to random's, the dev-set
accuracy, and the classifier's speed (median per prompt, and one ~4,000-token prompt).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT / "data" / "benchmarks" / "routellm"


def speed(prompts: list[str]) -> dict[str, float]:
    from router_core.complexity import classify

    for p in prompts[:50]:  # warm up
        classify(p)
    times = []
    for p in prompts:
        t0 = time.perf_counter()
        classify(p)
        times.append((time.perf_counter() - t0) * 1000)
    para = ("The quarterly report covers revenue, churn, hiring and the roadmap. Each team summarised its "
            "progress, risks and next steps, and finance added a forecast with three scenarios. ")
    long_prompt = "Summarise the key decisions in this document for the board:\n\n" + "\n\n".join(
        para * 3 for _ in range(30))
    long_prompt = long_prompt[:16000]
    code_prompt = "Why does this crash?\n\n```python\n" + ("def f(x):\n    return [i * x for i in range(10)]\n" * 320)[:15800] + "```"
    long_times = []
    for text in (long_prompt, code_prompt):
        for _ in range(20):
            t0 = time.perf_counter()
            classify(text)
            long_times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": sorted(times)[int(len(times) * 0.95) - 1],
            "n": len(times), "long_ms": statistics.median(long_times), "long_chars": len(long_prompt)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the routellm/ folder")
    ap.add_argument("--quick", action="store_true", help="a fixed sample of each set (smoke run)")
    ap.add_argument("--sample", type=int, default=None, help="prompts per set (default: all; --quick: 300)")
    ap.add_argument("--plot", type=Path, default=None, help="write the cost-quality curves as HTML here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    import router_core.complexity  # noqa: F401  (import time is part of the report)
    import_ms = (time.perf_counter() - t0) * 1000
    from router_core.routing_eval import curve_figure, evaluate, format_table, labelled_accuracy, load_labelled

    sample = args.sample or (300 if args.quick else None)
    t0 = time.perf_counter()
    results = evaluate(args.data, sample=sample)
    took = time.perf_counter() - t0
    print(f"Routing quality ({'sample of ' + str(sample) if sample else 'full sets'}, {took:.1f}s) — "
          f"router = classifier tier then score; strong = GPT-4-1106, weak = Mixtral-8x7B")
    print(format_table(results))
    print("targets: APGR >= 0.68 MT-Bench, >= 0.59 GSM8K and MMLU (random 0.50; seed keyword rules ~0.52; word count ~0.59)")
    for name, r in results.items():
        tiers = ", ".join(f"{k.lower()} {v}" for k, v in sorted(r.tier_counts.items(), key=lambda kv: kv[0]))
        print(f"  {name}: tiers {tiers}")

    dev = ROOT / "data" / "complexity-dev.jsonl"
    if dev.exists():
        rows = load_labelled(dev)
        exact, within = labelled_accuracy(rows)
        n = len(rows)
        print(f"\nDev set ({n} prompts): exact {exact:.3f} (target 0.85), within one tier {within:.3f} (target 0.98)")
    try:
        weights = json.loads(router_core.complexity.WEIGHTS_PATH.read_text())
        cv = weights.get("cv", {})
        print(f"Cross-validated ({cv.get('folds')}-fold x{cv.get('repeats')}, from training): "
              f"exact {cv.get('exact')}, within one {cv.get('within_one')}")
    except (OSError, ValueError):
        pass

    prompts = [it.prompt for it in __import__("router_core.routing_eval", fromlist=["load_mmlu"]).load_mmlu(args.data)]
    prompts = prompts[:: max(1, len(prompts) // (500 if args.quick else 3000))]
    sp = speed(prompts)
    print(f"\nClassifier speed: import {import_ms:.0f} ms; median {sp['median_ms']:.3f} ms/prompt "
          f"(p95 {sp['p95_ms']:.3f}, n={sp['n']}; target <= 0.2 ms); ~4,000-token prompt "
          f"({sp['long_chars']} chars) {sp['long_ms']:.3f} ms (target <= 2 ms)")
    if args.plot:
        curve_figure(results).write_html(str(args.plot))
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
