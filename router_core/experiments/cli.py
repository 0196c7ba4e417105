"""`python -m router_core experiment FILE.toml [--json] [--resume ID]` (registered by __main__).

Prints the per-column summary (n, mean score with its 95 % interval, cost, cost per point, median latency)
and the recommended column; with --json the last stdout line is one object: run_id, partial, simulated,
scorer, recommended and columns (variant, target, n, mean_score, ci_low, ci_high, cost_usd, cost_per_point,
latency_ms_p50, recommended, ...). Progress goes to stderr. Exit 0 when the experiment finished or stopped
at its spend cap ("partial": true); 2 for a malformed file or unusable input, saying what to fix.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..display import money, table


def _progress(done: int, total: int, spent: float) -> None:
    print(f"\rexperiment: {done}/{total} inputs, spent {money(spent)}", end="", file=sys.stderr, flush=True)


def _fmt(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None else format(value, fmt)


def print_summary(exp: dict, summary: dict) -> None:
    """The per-column table and the recommendation, for people."""
    sim = " (SIMULATED: not a measurement)" if summary["simulated"] else ""
    print(f"Experiment {exp['id']}: {exp['dataset']}; auto under policy {exp['policy']}; scored by "
          f"{summary['scorer']}{sim}")
    rows = [[("* " if c["recommended"] else "  ") + c["variant"], c["target"], c["n"], _fmt(c["mean_score"]),
             f"{_fmt(c['ci_low'])}-{_fmt(c['ci_high'])}", money(c["cost_usd"]),
             "-" if c["cost_per_point"] is None else money(c["cost_per_point"]),
             "-" if c["latency_ms_p50"] is None else f"{c['latency_ms_p50']:.0f} ms", c["errors"]]
            for c in summary["columns"]]
    print(table(rows, ["variant", "target", "n", "mean", "95 % CI", "cost", "per point", "p50", "errors"]))
    if summary["recommended"]:
        print(f"Recommended: {summary['recommended']} (the cheapest column whose mean is not below the best "
              "column's 95 % interval)")
    else:
        scored = any(c["n"] for c in summary["columns"])
        print("Recommended: none (" + ("no answer passed this scorer in any column" if scored else
                                       "no column has a score yet") + ")")
    if summary["partial"]:
        print(f"PARTIAL ({summary['status']}): resume with --resume {exp['id']}" +
              (" and a higher max_cost_usd" if exp["max_cost_usd"] is not None else ""))


def cmd_experiment(args: argparse.Namespace) -> int:
    from ..router import Router
    from ..workspace import Workspace

    if (args.file is None) == (args.resume is None):
        print("error: give FILE.toml or --resume ID, one of them", file=sys.stderr)
        return 2
    router = Router.from_env()
    try:
        ws = Workspace(router)
        if args.resume is not None:
            experiment_id = args.resume
            ws.get_experiment(experiment_id)
        else:
            experiment_id = ws.create_experiment_from_file(args.file)
            print(f"experiment: {experiment_id} (resume with --resume {experiment_id})", file=sys.stderr, flush=True)
        ws.run_experiment(experiment_id, progress=_progress, max_cost_usd=args.max_cost)
        print(file=sys.stderr)
        summary = ws.experiment_summary(experiment_id, args.scorer)
        print_summary(ws.get_experiment(experiment_id), summary)
        if args.json:
            print(json.dumps(summary))
        return 0
    finally:
        router.close()
        router.store.close()


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register `experiment` on the main parser's subcommands."""
    ex = sub.add_parser("experiment", help="prompt variants x targets over a dataset, scored (see data/experiments/)")
    ex.add_argument("file", nargs="?", metavar="FILE.toml", help="the experiment: dataset, variants, targets, scorers")
    ex.add_argument("--resume", type=int, metavar="ID", help="carry on a partial or interrupted experiment")
    ex.add_argument("--max-cost", type=float, metavar="USD", help="replace the spend cap (e.g. to resume further)")
    ex.add_argument("--scorer", metavar="NAME", help="summarise by this scorer (default: the first)")
    ex.add_argument("--json", action="store_true", help="print the summary as one JSON object, last on stdout")
    ex.set_defaults(func=cmd_experiment)
