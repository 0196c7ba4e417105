"""Evaluation runs and measured quality, for a front end (the Evaluations page, the Savings headline, the CLI).

    ws = Workspace(router)
    ws.eval_set_names()                                      # ["mt-bench", "vicuna", "arena-hard"]
    prompts = ws.load_eval_prompts(set_name="mt-bench", limit=20)
    #         ws.load_eval_prompts(content=upload_bytes, filename="prompts.csv")
    #         ws.load_eval_prompts(logs={"since": since, "org": "acme", "tier": "SIMPLE"}, limit=100)
    run_id = ws.create_eval_run(prompts, baseline="anthropic:claude-sonnet-5-5", judge="openai:gpt-6-astra",
                                policy=None, extra_targets=[], max_cost_usd=2.0, concurrency=4)
    status = ws.run_eval(run_id, progress=lambda done, total, spent: ...)   # blocking; "done" / "partial"
    ws.run_eval(run_id)                                      # resumes: stored answers and verdicts are not redone
    ws.list_eval_runs(); ws.eval_summary(run_id).as_dict()   # the CLI's --json keys (+ by_tier, simulated)
    ws.eval_grid(run_id, losses_only=True)                   # DataFrame: prompt x contestant, both answers
    ws.export_eval(run_id, "csv")                            # or "json"
    ws.quality_headline(since, until, org=None)              # non-simulated verdicts of the period

Errors: WorkspaceError (bad input, unknown run or policy), quality.judge.SelfJudgeError (the judge is a
contestant: the baseline, an extra target or a target of the evaluated policy), PromptSetError (a file).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..catalog import Target, parse_target
from ..errors import ConfigError
from ..policy import Policy
from ..quality import promptsets, runs
from ..quality.judge import JUDGE_MAX_TOKENS, SelfJudgeError
from ..quality.promptsets import PromptSet
from ..quality.stats import Counts, Summary, summarize, wilson_interval
from .records import WorkspaceError

if TYPE_CHECKING:
    import pandas as pd

    from ..router import Router

# A judge call's worst case: its template around the question and two answers in, its whole max_tokens out, in
# both orders.
JUDGE_TEMPLATE_TOKENS, JUDGE_ORDERS = 300, 2

GRID_COLUMNS = ["prompt_index", "prompt", "tier", "contestant", "target", "cost_usd", "latency_ms", "outcome",
                "flipped", "reason", "answer", "baseline_target", "baseline_answer", "baseline_cost_usd",
                "explanation", "simulated"]


@dataclass(frozen=True)
class QualityHeadline:
    """Measured quality of a period: non-simulated verdicts (shadow checks and evaluation runs)."""

    judged: int
    matched_or_better: int
    share: float | None  # None: nothing judged yet ("quality not measured yet")
    ci_low: float | None
    ci_high: float | None
    simulated_excluded: int  # simulated verdicts of the period, left out


class EvaluationOps:
    """Evaluation runs, their results, and the quality headline (needs `self.router`)."""

    router: "Router"

    # ---- prompt sets ---------------------------------------------------------------------------
    def eval_set_names(self) -> list[str]:
        """The built-in prompt sets."""
        return list(promptsets.BUILTIN_SETS)

    def load_eval_prompts(self, *, content: bytes | str | None = None, filename: str | None = None,
                          set_name: str | None = None, logs: Mapping[str, Any] | None = None,
                          limit: int | None = None) -> PromptSet:
        """Exactly one of: an uploaded file (content + filename), a built-in set, or a logs filter (since,
        until, org, agent, tier; real traffic only: playground, api, gateway)."""
        given = [x for x in (content, set_name, logs) if x is not None]
        if len(given) != 1:
            raise WorkspaceError("give exactly one prompt source: a file, a built-in set or a logs filter")
        if content is not None:
            return promptsets.load_file(content, filename or "upload", limit)
        if set_name is not None:
            return promptsets.load_builtin(set_name, limit)
        assert logs is not None
        unknown = set(logs) - {"since", "until", "org", "agent", "tier"}
        if unknown:
            raise WorkspaceError(f"unknown logs filter(s): {', '.join(sorted(unknown))}")
        rows = self.router.store.logged_prompts(**logs, limit=limit or 100)
        what = ", ".join(f"{k} {v:%Y-%m-%d}" if isinstance(v, datetime) else f"{k} {v}"
                         for k, v in logs.items() if v is not None)
        return promptsets.from_logs(rows, "logged traffic" + (f" ({what})" if what else ""))

    # ---- runs ----------------------------------------------------------------------------------
    def _eval_policy(self, name: str | None) -> Policy:
        """The policy to evaluate (None: the active one), checked against the router's availability."""
        try:
            policy = self.active_policy() if name is None else self.load_policy(name)  # type: ignore[attr-defined]
        except ConfigError as exc:
            raise WorkspaceError(str(exc)) from None
        return Policy(policy.routing, policy.baseline, policy.name, self.router.why_unavailable)

    def _target(self, text: str, what: str) -> Target:
        try:
            return parse_target(text, self.router.config.providers)
        except ConfigError as exc:
            raise WorkspaceError(f"{what}: {exc}") from None

    def create_eval_run(self, prompts: PromptSet, *, baseline: str | None = None, judge: str | None = None,
                        policy: str | None = None, extra_targets: Sequence[str] = (),
                        max_cost_usd: float | None = None, concurrency: int = 4, both_orders: bool = True,
                        allow_self_judge: bool = False) -> int:
        """Store a new run (validated); returns its id. Defaults: the router's baseline, [quality] judge, the
        active policy. Raises SelfJudgeError when the judge is a contestant (unless allowed)."""
        base = self._target(baseline, "baseline") if baseline else self.router.policy.baseline
        if judge:
            judge_target = self._target(judge, "judge")
        elif self.router.config.quality.judge is not None:
            judge_target = self.router.config.quality.judge
        else:
            raise WorkspaceError("no judge: set [quality] judge = \"provider:model\" in router.toml or name one")
        extras = [self._target(t, "extra target") for t in extra_targets]
        try:
            return runs.create_run(self.router, prompts, self._eval_policy(policy), base, judge_target,
                                   extra_targets=extras, max_cost_usd=max_cost_usd, concurrency=concurrency,
                                   both_orders=both_orders, allow_self_judge=allow_self_judge)
        except SelfJudgeError:
            raise
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None

    def run_eval(self, run_id: int, progress: runs.Progress | None = None, *,
                 max_cost_usd: float | None = None) -> str:
        """Run or resume a run (blocking); returns "done" or "partial" (the spend cap). `max_cost_usd`
        replaces the run's cap (to resume a capped run further)."""
        run = self.get_eval_run(run_id)
        runner = runs.EvalRunner(self.router, run_id, self._eval_policy(run["policy"]), progress=progress,
                                 max_cost_usd=max_cost_usd)
        return self.router.run_blocking(runner.arun())

    def estimate_eval_cost(self, prompts: Sequence[str], *, policy: str | None, baseline: str,
                           extra_targets: Sequence[str], judge: str) -> tuple[float, bool]:
        """A rough worst case before a run, in USD, and whether some target is unpriced (not counted): every answer
        from its tier's priciest candidate at the tier's typical length, the baseline and extra targets, and the
        judge's full reply in both orders for each contestant."""
        routing = self._eval_policy(policy).routing
        total, unpriced = 0.0, False

        def cost(target: str, inp: int, out: int) -> float:
            nonlocal unpriced
            value = self.estimate_cost(target, inp, out)  # type: ignore[attr-defined]
            unpriced = unpriced or value is None
            return value or 0.0

        for text in prompts:
            est = self.estimate_prompt(text)  # type: ignore[attr-defined]
            inp, out = est.input_tokens, est.output_tokens
            candidates = [str(t) for t in routing.tiers.get(est.verdict.level, ())] or [baseline]
            total += max(cost(t, inp, out) for t in candidates)
            total += sum(cost(t, inp, out) for t in (baseline, *extra_targets))
            judge_in = JUDGE_TEMPLATE_TOKENS + inp + 2 * out
            total += (1 + len(extra_targets)) * JUDGE_ORDERS * cost(judge, judge_in, JUDGE_MAX_TOKENS)
        return total, unpriced

    def get_eval_run(self, run_id: int) -> dict[str, Any]:
        """One run's settings and status (prompts included)."""
        run = self.router.store.get_eval_run(int(run_id))
        if run is None:
            raise WorkspaceError(f"no evaluation run with id {run_id}")
        return run

    def list_eval_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest runs, newest first: id, created_at, status, prompt_source, prompt_count, policy, baseline,
        judge, extra_targets, max_cost_usd, simulated, answers, verdicts."""
        return self.router.store.list_eval_runs(limit)

    def eval_contestants(self, run_id: int) -> list[str]:
        """The run's contestants judged against the baseline: "router", then each extra target."""
        return [runs.ROUTER, *self.get_eval_run(run_id)["extra_targets"]]

    def eval_summary(self, run_id: int, contestant: str = runs.ROUTER) -> Summary:
        """Wins / ties / losses, quality retained with its Wilson interval, per tier and overall; the measured
        cost against the measured baseline cost; the judge's spend; partial; simulated."""
        run = self.get_eval_run(run_id)
        store = self.router.store
        rows = store.verdict_counts(run_id=int(run_id), contestant=contestant)
        simulated = run["simulated"] or any(r["simulated"] for r in rows)
        return summarize(rows, store.eval_costs(int(run_id), contestant), partial=run["status"] != "done",
                         simulated=simulated)

    def eval_grid(self, run_id: int, *, losses_only: bool = False, contestant: str | None = None) -> pd.DataFrame:
        """One row per prompt and contestant (GRID_COLUMNS): cost, latency, outcome, both answers and the
        judge's explanation(s)."""
        import pandas as pd

        store = self.router.store
        items = {(i["prompt_index"], i["contestant"]): i for i in store.eval_items(int(run_id))}
        verdicts = {(v["prompt_index"], v["contestant"]): v for v in store.run_verdicts(int(run_id))}
        rows = []
        for (index, label), item in sorted(items.items()):
            if label == runs.BASELINE or (contestant is not None and label != contestant):
                continue
            verdict, base = verdicts.get((index, label), {}), items.get((index, runs.BASELINE), {})
            rows.append({"prompt_index": index, "prompt": item["prompt"], "tier": item["tier"], "contestant": label,
                         "target": f"{item['provider']}:{item['model']}" if item["provider"] else None,
                         "cost_usd": item["cost_usd"], "latency_ms": item["latency_ms"],
                         "outcome": verdict.get("outcome") or ("error" if item["error"] else "pending"),
                         "flipped": bool(verdict.get("flipped")), "reason": verdict.get("reason") or item["error"],
                         "answer": item["answer"],
                         "baseline_target": f"{base['provider']}:{base['model']}" if base.get("provider") else None,
                         "baseline_answer": base.get("answer"), "baseline_cost_usd": base.get("cost_usd"),
                         "explanation": "\n\n---\n\n".join(verdict.get("explanations") or []),
                         "simulated": bool(item["simulated"] or base.get("simulated") or verdict.get("simulated"))})
        df = pd.DataFrame(rows, columns=GRID_COLUMNS)
        return df[df["outcome"] == "loss"].reset_index(drop=True) if losses_only else df

    def export_eval(self, run_id: int, fmt: str = "csv") -> str:
        """The run as CSV (the grid, a `simulated` column on every row) or JSON (run, summary, grid)."""
        grid = self.eval_grid(run_id)
        if fmt == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(GRID_COLUMNS)
            for row in grid.itertuples(index=False):
                writer.writerow([_cell(v) for v in row])
            return buf.getvalue()
        if fmt == "json":
            run = {k: v for k, v in self.get_eval_run(run_id).items() if k != "prompts_json"}
            summaries = {c: self.eval_summary(run_id, c).as_dict() for c in self.eval_contestants(run_id)}
            return json.dumps({"run": run, "summary": summaries, "items": json.loads(grid.to_json(orient="records"))},
                              default=str, ensure_ascii=False)
        raise WorkspaceError(f"export format is csv or json, not {fmt!r}")

    # ---- the headline --------------------------------------------------------------------------
    def quality_headline(self, since: datetime, until: datetime, org: str | None = None) -> QualityHeadline:
        """Judged verdicts of routed answers in the period (shadow checks, and the router contestant of evaluation
        runs: an extra target is not a routed answer), simulated ones left out."""
        store = self.router.store

        def routed(simulated: bool) -> Counts:
            window = dict(since=since, until=until, org=org, simulated=simulated)
            return (summarize(store.verdict_counts(kind="eval", contestant=runs.ROUTER, **window)).overall
                    + summarize(store.verdict_counts(kind="shadow", **window)).overall)

        real, fake = routed(False), routed(True)
        matched = real.wins + real.ties
        low, high = wilson_interval(matched, real.judged)
        return QualityHeadline(real.judged, matched, real.quality_retained, low, high, fake.judged)


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
