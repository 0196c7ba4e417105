"""`python -m router_core eval`: an evaluation run from the command line (registered by __main__).

    python -m router_core eval --set mt-bench --limit 20 --baseline anthropic:claude-sonnet-5-5 \\
        --judge openai:gpt-6-astra --max-cost 2 --json
    python -m router_core eval --resume 7 --max-cost 5      # carry on a partial or killed run

A progress line goes to stderr; with --json the last line of stdout is the summary object. Exit status: 0 when
the run finished or stopped at the spend cap (then "partial": true), 2 when the judge is a contestant or the
input is unusable.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..display import money, since_arg, table
from .runs import ROUTER



def _progress(done: int, total: int, spent: float) -> None:
    print(f"\reval: {done}/{total} prompts, spent {money(spent)}", end="", file=sys.stderr, flush=True)


def _print_summary(run: dict, summary: dict) -> None:
    quality = summary["quality_retained"]
    rows = [[tier, c["judged"], c["wins"], c["ties"], c["losses"], c["position_flips"],
             "-" if c["quality_retained"] is None else f"{c['quality_retained']:.0%}"]
            for tier, c in [*summary["by_tier"].items(), ("all", summary)]]
    print(f"Run {run['id']}: {run['prompt_source']}; policy {run['policy']}, baseline {run['baseline']}, "
          f"judge {run['judge']}" + (" (SIMULATED: not a measurement)" if summary["simulated"] else ""))
    print(table(rows, ["tier", "judged", "wins", "ties", "losses", "flips", "retained"]))
    ci = "" if quality is None else f" (95 % CI {summary['ci_low']:.0%}-{summary['ci_high']:.0%})"
    print(f"Quality retained: {'-' if quality is None else f'{quality:.0%}'}{ci} of {summary['judged']} judged; "
          f"cost {money(summary['cost_usd'])} against a measured baseline {money(summary['baseline_cost_usd'])}; "
          f"judge {money(summary['judge_cost_usd'])}" + ("; PARTIAL (spend cap)" if summary["partial"] else ""))


def cmd_eval(args: argparse.Namespace) -> int:
    from ..router import Router
    from ..workspace import Workspace

    router = Router.from_env()
    try:
        ws = Workspace(router)
        if args.resume is not None:
            run_id = args.resume
            ws.get_eval_run(run_id)
        else:
            logs = None
            if args.logs:
                logs = {k: v for k, v in (("since", args.since), ("org", args.org), ("agent", args.agent),
                                          ("tier", args.tier)) if v is not None}
            content = None
            if args.prompts:
                try:
                    with open(args.prompts, "rb") as fh:
                        content = fh.read()
                except OSError as exc:
                    print(f"error: cannot read {args.prompts}: {exc.strerror or exc}", file=sys.stderr)
                    return 2
            prompts = ws.load_eval_prompts(content=content, filename=args.prompts, set_name=args.set, logs=logs,
                                           limit=args.limit)
            run_id = ws.create_eval_run(prompts, baseline=args.baseline, judge=args.judge, policy=args.policy,
                                        extra_targets=args.extra or (), max_cost_usd=args.max_cost,
                                        concurrency=args.concurrency, both_orders=not args.one_order,
                                        allow_self_judge=args.allow_self_judge)
            print(f"eval: run {run_id} (resume with --resume {run_id})", file=sys.stderr, flush=True)
        ws.run_eval(run_id, progress=_progress, max_cost_usd=args.max_cost if args.resume is not None else None)
        print(file=sys.stderr)  # end the progress line
        summary = {"run_id": run_id, **ws.eval_summary(run_id, ROUTER).as_dict()}
        _print_summary(ws.get_eval_run(run_id), summary)
        if args.json:
            print(json.dumps(summary))
        return 0
    finally:
        router.close()


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register `eval` on the main parser's subcommands."""
    ev = sub.add_parser("eval", help="judge the router's answers against the baseline's on a prompt set")
    source = ev.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompts", metavar="FILE", help="JSONL objects with a \"prompt\" field (optional "
                        "\"reference\", \"category\"), or CSV with a \"prompt\" column")
    source.add_argument("--set", choices=["mt-bench", "vicuna", "arena-hard"], help="a built-in benchmark set")
    source.add_argument("--logs", action="store_true", help="a sample of logged real traffic")
    source.add_argument("--resume", type=int, metavar="RUN_ID", help="carry on a partial or interrupted run")
    ev.add_argument("--since", type=since_arg, help="with --logs: 30d, 12h, 2w or a date")
    ev.add_argument("--org", help="with --logs: one org")
    ev.add_argument("--agent", help="with --logs: one agent")
    ev.add_argument("--tier", help="with --logs: one tier (SIMPLE, EXPERT, ...)")
    ev.add_argument("--baseline", metavar="PROVIDER:MODEL", help="default: the router's baseline")
    ev.add_argument("--judge", metavar="PROVIDER:MODEL", help="default: [quality] judge in router.toml")
    ev.add_argument("--policy", metavar="NAME", help="a saved policy to evaluate (default: the active one)")
    ev.add_argument("--extra", action="append", metavar="PROVIDER:MODEL", help="another contestant (repeatable)")
    ev.add_argument("--limit", type=int, metavar="N", help="the first N prompts of the set")
    ev.add_argument("--max-cost", type=float, metavar="USD", help="stop cleanly once the run has spent this much")
    ev.add_argument("--concurrency", type=int, default=4, metavar="N", help="prompts worked on at once (default 4)")
    ev.add_argument("--one-order", action="store_true", help="judge each pair in one order only (no flip check)")
    ev.add_argument("--allow-self-judge", action="store_true", help="let the judge grade a contestant's answers")
    ev.add_argument("--json", action="store_true", help="print the summary as one JSON object, last on stdout")
    ev.set_defaults(func=cmd_eval)
