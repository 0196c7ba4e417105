"""Prompt experiments, for a front end (the Experiments page, `python -m router_core experiment`).

    ws = Workspace(router)
    data = ws.load_experiment_dataset(content=upload_bytes, filename="faq.csv")   # or logs={"since": ...}
    eid = ws.create_experiment(data, variants=[{"name": "terse", "system": "One line.", "template": "{{q}}"},
                                               {"agent": "support", "version": 2, "template": "{{q}}"}],
                               targets=["auto", "baseline"], scorers=[{"kind": "contains"}], max_cost_usd=1.0)
    ws.run_experiment(eid, progress=lambda done, total, spent: ...)   # blocking; "done" / "partial"
    ws.run_experiment(eid)                                            # resumes: nothing stored is paid again
    ws.experiment_columns(eid)          # per variant x target: mean score, 95 % interval, cost, recommended
    ws.experiment_summary(eid)          # the CLI's --json object
    ws.experiment_grid(eid)             # DataFrame: one row per input, one column per variant x target
    ws.export_experiment(eid, "html")   # or "csv"; every model text escaped

Errors: ExperimentError (a WorkspaceError-like RouterError: bad dataset, variable, scorer, target, policy),
quality.judge.SelfJudgeError (the judge is a target).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog import Target
from ..config import REPO_ROOT
from ..errors import ConfigError, RouterError
from ..experiments import build, dataset as ds, export, grid, scorers as sc, spec as specs, targets as tg
from ..experiments import variants as vr
from ..experiments.dataset import Dataset, ExperimentError
from ..experiments.runner import ExperimentRunner
from ..policy import Policy
from ..quality.judge import JUDGE_MAX_TOKENS
from ..quality.work import Progress

if TYPE_CHECKING:
    import pandas as pd

    from ..router import Router

EXAMPLE_EXPERIMENT = REPO_ROOT / "data" / "experiments" / "support_faq.toml"
JUDGE_TEMPLATE_TOKENS = 300  # a judge prompt's own words around the question and answer(s)
VariantLike = vr.Variant | Mapping[str, Any]
ScorerLike = sc.Scorer | Mapping[str, Any]


class ExperimentOps:
    """Prompt experiments (needs `self.router`, and the policy and estimate operations of the Workspace)."""

    router: "Router"

    # ---- inputs --------------------------------------------------------------------------------------
    def load_experiment_dataset(self, *, content: bytes | str | None = None, filename: str | None = None,
                                logs: Mapping[str, Any] | None = None, limit: int | None = None) -> Dataset:
        """An uploaded CSV / JSONL (content + filename) or a sample of logged real traffic (logs: since, until,
        org, agent, tier), one of them."""
        if (content is None) == (logs is None):
            raise ExperimentError("give a dataset file or a logs filter, one of them")
        if content is not None:
            return ds.load_file(content, filename, limit)
        assert logs is not None
        unknown = set(logs) - {"since", "until", "org", "agent", "tier"}
        if unknown:
            raise ExperimentError(f"unknown logs filter(s): {', '.join(sorted(unknown))}")
        rows = self.router.store.logged_prompts(**logs, limit=limit or 20)
        what = ", ".join(f"{k} {v:%Y-%m-%d}" if isinstance(v, datetime) else f"{k} {v}"
                         for k, v in logs.items() if v is not None)
        return ds.from_logs(rows, "logged traffic" + (f" ({what})" if what else ""))

    def experiment_variant(self, data: VariantLike, number: int = 1) -> vr.Variant:
        """A variant from its description: {"agent", "version" (default: current), "template", "name"} or a draft
        {"system", "template", "temperature", "max_tokens", "name"}."""
        if isinstance(data, vr.Variant):
            return data
        code = data.get("agent")
        if code:
            row = self.router.store.get_agent_version(str(code), data.get("version"))
            if row is None:
                versions = [v.version for v in self.router.store.list_agent_versions(str(code))]
                if not versions:
                    raise ExperimentError(f"variant {number}: there is no agent {code!r} with versions")
                raise ExperimentError(f"variant {number}: agent {code!r} has no version {data.get('version')} "
                                      f"(it has {', '.join(map(str, versions))})")
            return vr.from_agent(data.get("name"), row, template=data.get("template"))
        return vr.draft(data.get("name"), system=str(data.get("system") or ""), template=data.get("template"),
                        temperature=data.get("temperature"), max_tokens=data.get("max_tokens"),
                        fallback=f"draft {number}")

    def _experiment_parts(self, variants: Sequence[VariantLike], targets: Sequence[str],
                          scorers: Sequence[ScorerLike], policy: str | None,
                          judge: str | None) -> tuple[list[vr.Variant], list[tg.TargetSpec], list[sc.Scorer], Policy,
                                                      Target | None]:
        pol = self._experiment_policy(policy)
        parts = ([self.experiment_variant(v, n) for n, v in enumerate(variants, start=1)],
                 tg.parse_targets(targets, self.router.config.providers, pol.baseline),
                 [s if isinstance(s, sc.Scorer) else sc.build(s) for s in scorers], pol)
        if judge:
            judge_target: Target | None = self._experiment_target(judge, "judge")
        else:
            judge_target = self.router.config.quality.judge
        return (*parts, judge_target)

    def _experiment_policy(self, name: str | None) -> Policy:
        try:
            policy = self.active_policy() if not name else self.load_policy(name)  # type: ignore[attr-defined]
        except ConfigError as exc:
            raise ExperimentError(f"policy: {exc}") from None
        return Policy(policy.routing, policy.baseline, policy.name, self.router.why_unavailable)

    def _experiment_target(self, text: str, what: str) -> Target:
        from ..catalog import parse_target

        try:
            return parse_target(text, self.router.config.providers)
        except RouterError as exc:
            raise ExperimentError(f"{what}: {exc}") from None

    # ---- create and run ------------------------------------------------------------------------------
    def create_experiment(self, dataset: Dataset, *, variants: Sequence[VariantLike], targets: Sequence[str],
                          scorers: Sequence[ScorerLike], policy: str | None = None, judge: str | None = None,
                          max_cost_usd: float | None = None, concurrency: int = 4, name: str = "",
                          allow_self_judge: bool = False) -> int:
        """Check everything (before anything is paid) and store a new experiment; returns its id. `auto` routes
        under `policy` (default: the active one); judge scorers use `judge` (default: [quality] judge)."""
        v, t, s, pol, judge_target = self._experiment_parts(variants, targets, scorers, policy, judge)
        return build.create(self.router, dataset, v, t, s, pol, judge_target, max_cost_usd=max_cost_usd,
                            concurrency=concurrency, name=name, allow_self_judge=allow_self_judge)

    def create_experiment_from_file(self, path: Path | str) -> int:
        """A new experiment as a TOML file describes it (experiments/spec.py; its dataset file is read relative
        to it); ExperimentError says what is wrong with the file."""
        spec = specs.load(path)
        if spec.dataset_file is not None:
            try:
                content = spec.dataset_file.read_bytes()
            except OSError as exc:
                raise ExperimentError(f"cannot read the dataset {spec.dataset_file}: {exc.strerror or exc}") from None
            dataset = self.load_experiment_dataset(content=content, filename=spec.dataset_file.name,
                                                   limit=spec.dataset_limit)
        else:
            logs = dict(spec.dataset_logs or {})
            limit = logs.pop("limit", spec.dataset_limit)
            if isinstance(logs.get("since"), str):
                logs["since"] = _since(logs["since"])
            dataset = self.load_experiment_dataset(logs=logs, limit=limit)
        return self.create_experiment(dataset, variants=spec.variants, targets=spec.targets, scorers=spec.scorers,
                                      policy=spec.policy, judge=spec.judge, max_cost_usd=spec.max_cost_usd,
                                      concurrency=spec.concurrency, name=spec.name,
                                      allow_self_judge=spec.allow_self_judge)

    def run_experiment(self, experiment_id: int, progress: Progress | None = None, *,
                       max_cost_usd: float | None = None) -> str:
        """Run or resume an experiment (blocking); "done" or "partial" (the spend cap). `max_cost_usd` replaces
        its cap (to resume a capped experiment further)."""
        exp = self.get_experiment(experiment_id)
        runner = ExperimentRunner(self.router, int(experiment_id), self._experiment_policy(exp["policy"]),
                                  progress=progress, max_cost_usd=max_cost_usd)
        return self.router.run_blocking(runner.arun())

    def estimate_experiment_cost(self, dataset: Dataset, *, variants: Sequence[VariantLike], targets: Sequence[str],
                                 scorers: Sequence[ScorerLike], policy: str | None = None,
                                 judge: str | None = None) -> tuple[float, bool]:
        """A rough worst case in USD, and whether something is unpriced (not counted): each cell from the priciest
        candidate of its tier at the tier's typical answer length (auto) or its target, plus each judge call with
        its whole reply (pairwise: both orders)."""
        v, t, s, pol, judge_target = self._experiment_parts(variants, targets, scorers, policy, judge)
        total, unpriced = 0.0, False

        def cost(target: str, inp: int, out: int) -> float:
            nonlocal unpriced
            value = self.estimate_cost(target, inp, out)  # type: ignore[attr-defined]
            unpriced = unpriced or value is None
            return value or 0.0

        judge_calls = sum(1 if x.kind == "judge" else 2 for x in s if x.judged)
        for item in dataset.inputs:
            for variant in v:
                text = "\n".join(m.content for m in variant.messages(_filled(variant, item.vars)))
                est = self.estimate_prompt(text)  # type: ignore[attr-defined]
                inp, out = est.input_tokens, est.output_tokens
                for target in t:
                    if target.auto:
                        tier = [str(x) for x in pol.routing.tiers.get(est.verdict.level, ())]
                        total += max(cost(c, inp, out) for c in tier or [str(pol.baseline)])
                    else:
                        total += cost(str(target.target), inp, out)
                    if judge_calls and judge_target is not None:
                        judge_in = JUDGE_TEMPLATE_TOKENS + inp + 2 * out
                        total += judge_calls * cost(str(judge_target), judge_in, JUDGE_MAX_TOKENS)
        return total, unpriced

    # ---- reading -------------------------------------------------------------------------------------
    def get_experiment(self, experiment_id: int) -> dict[str, Any]:
        """One experiment's settings and status (inputs, variants, targets and scorers decoded)."""
        exp = self.router.store.get_experiment(int(experiment_id))
        if exp is None:
            raise ExperimentError(f"no experiment with id {experiment_id}")
        return exp

    def list_experiments(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest experiments, newest first (without their inputs), each with its `answers` count."""
        return self.router.store.list_experiments(limit)

    def experiment_scorers(self, experiment_id: int) -> list[sc.Scorer]:
        return [sc.build(s) for s in self.get_experiment(experiment_id)["scorers_json"]]

    def experiment_cells(self, experiment_id: int) -> list[dict[str, Any]]:
        """Every stored cell: answer, provider, model, tokens, cost, latency, score, score_detail, error."""
        return self.router.store.experiment_cells(int(experiment_id))

    def _scorer(self, experiment_id: int, name: str | None) -> sc.Scorer:
        scorers = self.experiment_scorers(experiment_id)
        if name is None:
            return scorers[0]
        found = next((s for s in scorers if s.name == name), None)
        if found is None:
            raise ExperimentError(f"experiment {experiment_id} has no scorer {name!r} "
                                  f"({', '.join(s.name for s in scorers)})")
        return found

    def experiment_columns(self, experiment_id: int, scorer: str | None = None) -> list[grid.Column]:
        """Per variant x target under `scorer` (default: the first): n, mean with its 95 % interval, cost, cost
        per point, median latency; the recommended column marked."""
        exp = self.get_experiment(experiment_id)
        return grid.columns(self.experiment_cells(experiment_id), [v["label"] for v in exp["variants_json"]],
                            [t["label"] for t in exp["targets_json"]], self._scorer(experiment_id, scorer))

    def experiment_summary(self, experiment_id: int, scorer: str | None = None) -> dict[str, Any]:
        """The CLI's --json object: run_id, partial, simulated, scorer, recommended (a column label or None) and
        columns (variant, target, n, mean_score, ci_low, ci_high, cost_usd, cost_per_point, latency_ms_p50,
        recommended, and more)."""
        exp = self.get_experiment(experiment_id)
        chosen = self._scorer(experiment_id, scorer)
        cols = self.experiment_columns(experiment_id, chosen.name)
        recommended = next((c.label for c in cols if c.recommended), None)
        return {"run_id": int(experiment_id), "status": exp["status"], "partial": exp["status"] != "done",
                "simulated": bool(exp["simulated"] or any(c.simulated for c in cols)), "scorer": chosen.name,
                "scale": chosen.scale, "recommended": recommended, "columns": [c.as_dict() for c in cols]}

    def experiment_grid(self, experiment_id: int, scorer: str | None = None) -> pd.DataFrame:
        """One row per input (its variables, then one column per variant x target holding "score · $cost ·
        latency" and the answer below), for a table; model text is left as text for the caller to render safely."""
        import pandas as pd

        exp = self.get_experiment(experiment_id)
        chosen = self._scorer(experiment_id, scorer)
        cells = {(c["input_index"], c["variant"], c["target"]): c for c in self.experiment_cells(experiment_id)}
        labels = [(v["label"], t["label"]) for v in exp["variants_json"] for t in exp["targets_json"]]
        rows = []
        for index, item in enumerate(exp["inputs_json"]):
            row: dict[str, Any] = {"#": index + 1, "input": "; ".join(f"{k}: {v}" for k, v in item["vars"].items())}
            if item.get("expected") is not None:
                row["expected"] = item["expected"]
            for variant, target in labels:
                row[f"{variant} · {target}"] = _cell_text(cells.get((index, variant, target)), chosen)
            rows.append(row)
        return pd.DataFrame(rows)

    def export_experiment(self, experiment_id: int, fmt: str = "csv", scorer: str | None = None) -> str:
        """CSV (one row per cell, every scorer's score and detail) or HTML (summary + grid, all text escaped)."""
        exp = self.get_experiment(experiment_id)
        cells = self.experiment_cells(experiment_id)
        if fmt == "csv":
            return export.to_csv(*export.cell_rows(exp, cells, self.experiment_scorers(experiment_id)))
        if fmt == "html":
            chosen = self._scorer(experiment_id, scorer)
            return export.to_html(exp, self.experiment_columns(experiment_id, chosen.name), chosen, cells)
        raise ExperimentError(f"export format is csv or html, not {fmt!r}")


def _since(text: str) -> datetime:
    import argparse

    from ..display import since_arg

    try:
        return since_arg(text)
    except argparse.ArgumentTypeError as exc:
        raise ExperimentError(f"[dataset] logs since: {exc}") from None


def _filled(variant: vr.Variant, values: Mapping[str, str]) -> dict[str, str]:
    """The input's values, with any placeholder it lacks left empty (an estimate before the checks)."""
    return {**{name: "" for name in variant.variables}, **values}


def _cell_text(cell: Mapping[str, Any] | None, scorer: sc.Scorer) -> str:
    if cell is None:
        return "—"
    if cell.get("error"):
        return f"error: {cell['error']}"
    result = cell["score_detail"].get(scorer.name)
    if not result:
        score = "not scored yet"
    elif result.get("score") is None:
        score = f"score error: {result.get('error')}"
    elif scorer.scale == sc.PASS:
        score = "✅ pass" if result["score"] else "❌ fail"
    else:
        score = f"{result['score']:g}/10"
    cost = "unpriced" if cell.get("cost_usd") is None else f"${cell['cost_usd']:.6f}"
    latency = "" if cell.get("latency_ms") is None else f" · {cell['latency_ms']:.0f} ms"
    return f"{score} · {cost}{latency}\n{cell.get('answer') or ''}"
