"""Evaluation runs and their answers: `eval_runs` + `eval_items`, plus the logged traffic a run can sample.

A run keeps its whole prompt set, so it can be resumed by any process; each answer is written the moment it
exists (one row per run, prompt and contestant), so a resumed run never buys a stored answer again.
Sums are taken in SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from ..sources import REAL_TRAFFIC_FILTER
from .codec import dumps, from_db_time, source_in, to_db_time, utcnow
from .errors import StoreError
from .tables import T_EVAL_ITEM, T_EVAL_RUN, T_LOG, T_VERDICT

RUN_STATUSES = ("running", "done", "partial", "failed")
ITEM_FIELDS = ("prompt", "reference", "category", "tier", "provider", "model", "answer", "cost_usd", "latency_ms",
               "input_tokens", "output_tokens", "paid", "error", "simulated", "interaction_id")


def _run_row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("created_at", "updated_at"):
        if key in out:
            out[key] = from_db_time(out[key])
    for key in ("prompts_json", "extra_targets"):
        if key in out:
            out[key] = json.loads(out[key] or "[]")
    for key in ("simulated", "both_orders", "allow_self_judge"):
        if key in out:
            out[key] = bool(out[key])
    return out


class EvalRepository:
    """Create, read and update runs; store and read their answers; sample prompts from the request log."""

    engine: Engine
    dialect: str

    # ---- runs ------------------------------------------------------------------------------------
    def create_eval_run(self, *, prompts: Sequence[dict[str, Any]], prompt_source: str, policy: str, baseline: str,
                        judge: str, extra_targets: Sequence[str] = (), max_cost_usd: float | None = None,
                        concurrency: int = 4, simulated: bool = False, both_orders: bool = True,
                        allow_self_judge: bool = False, name: str = "") -> int:
        """A new run in status "running"; returns its id. `prompts`: dicts with prompt, reference, category."""
        now = utcnow()
        values = dict(created_at=now, updated_at=now, status="running", name=name, prompt_source=prompt_source,
                      prompt_count=len(prompts), prompts_json=dumps(list(prompts)), policy=policy, baseline=baseline,
                      judge=judge, extra_targets=dumps(list(extra_targets)), both_orders=both_orders,
                      allow_self_judge=allow_self_judge, max_cost_usd=max_cost_usd, concurrency=int(concurrency),
                      simulated=simulated)
        with self.engine.begin() as conn:
            return int(conn.execute(T_EVAL_RUN.insert().values(**values)).inserted_primary_key[0])

    def get_eval_run(self, run_id: int) -> dict[str, Any] | None:
        """The run's row (prompts_json and extra_targets decoded), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T_EVAL_RUN).where(T_EVAL_RUN.c.id == int(run_id))).mappings().first()
        return None if row is None else _run_row(row)

    def list_eval_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest runs, newest first, without their prompts, each with `answers` and `verdicts` counts."""
        r = T_EVAL_RUN.c
        answers = (sa.select(sa.func.count()).where(T_EVAL_ITEM.c.run_id == r.id, T_EVAL_ITEM.c.error.is_(None))
                   .scalar_subquery())
        verdicts = sa.select(sa.func.count()).where(T_VERDICT.c.run_id == r.id).scalar_subquery()
        cols = [c for c in T_EVAL_RUN.columns if c.name != "prompts_json"]
        stmt = (sa.select(*cols, answers.label("answers"), verdicts.label("verdicts"))
                .order_by(r.created_at.desc(), r.id.desc()).limit(int(limit)))
        with self.engine.connect() as conn:
            return [_run_row(row) for row in conn.execute(stmt).mappings()]

    def update_eval_run(self, run_id: int, **values: Any) -> None:
        """Set status (running / done / partial / failed), error, max_cost_usd or concurrency."""
        allowed = {"status", "error", "max_cost_usd", "concurrency"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))} of a run")
        if "status" in values and values["status"] not in RUN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(RUN_STATUSES)}")
        with self.engine.begin() as conn:
            n = conn.execute(T_EVAL_RUN.update().where(T_EVAL_RUN.c.id == int(run_id))
                             .values(updated_at=utcnow(), **values)).rowcount
        if n == 0:
            raise StoreError(f"no evaluation run with id {run_id}")

    # ---- answers -----------------------------------------------------------------------------------
    def save_eval_item(self, run_id: int, prompt_index: int, contestant: str, **fields: Any) -> None:
        """Store one contestant's answer (or error) to one prompt; replaces an earlier row of the same
        (run, prompt, contestant), which only a retried error has."""
        unknown = set(fields) - set(ITEM_FIELDS)
        if unknown:
            raise ValueError(f"unknown eval item fields: {', '.join(sorted(unknown))}")
        values = {"run_id": int(run_id), "prompt_index": int(prompt_index), "contestant": contestant,
                  "created_at": utcnow(), **fields}
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(T_EVAL_ITEM).values(**values)
        update = {k: insert.excluded[k] for k in values if k not in ("run_id", "prompt_index", "contestant")}
        stmt = insert.on_conflict_do_update(index_elements=["run_id", "prompt_index", "contestant"], set_=update)
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def eval_items(self, run_id: int) -> list[dict[str, Any]]:
        """Every stored answer of a run, by prompt then contestant."""
        c = T_EVAL_ITEM.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(T_EVAL_ITEM).where(c.run_id == int(run_id))
                                .order_by(c.prompt_index, c.contestant)).mappings().all()
        return [dict(r, paid=bool(r["paid"]), simulated=bool(r["simulated"]),
                     created_at=from_db_time(r["created_at"])) for r in rows]

    def eval_spent(self, run_id: int) -> float:
        """What the run has paid so far: every answer bought for it plus every judge call (unpriced = 0)."""
        i, v = T_EVAL_ITEM.c, T_VERDICT.c
        answers = sa.select(sa.func.coalesce(sa.func.sum(i.cost_usd), 0.0)).where(
            i.run_id == int(run_id), i.paid == sa.true())
        judge = sa.select(sa.func.coalesce(sa.func.sum(v.judge_cost_usd), 0.0)).where(v.run_id == int(run_id))
        with self.engine.connect() as conn:
            return float(conn.execute(answers).scalar() or 0.0) + float(conn.execute(judge).scalar() or 0.0)

    def eval_costs(self, run_id: int, contestant: str = "router") -> dict[str, float]:
        """Measured cost of `contestant`'s answers, of the baseline's answers to the same prompts, and of
        the judge calls of that contestant's verdicts (unpriced calls count as 0)."""
        i, v = T_EVAL_ITEM.c, T_VERDICT.c
        base = T_EVAL_ITEM.alias("base")
        answered = sa.and_(i.run_id == int(run_id), i.contestant == contestant, i.error.is_(None))
        cost = sa.select(sa.func.coalesce(sa.func.sum(i.cost_usd), 0.0)).where(answered)
        baseline = (sa.select(sa.func.coalesce(sa.func.sum(base.c.cost_usd), 0.0))
                    .select_from(T_EVAL_ITEM.join(base, sa.and_(base.c.run_id == i.run_id,
                                                                base.c.prompt_index == i.prompt_index)))
                    .where(answered, base.c.contestant == "baseline", base.c.error.is_(None)))
        judge = sa.select(sa.func.coalesce(sa.func.sum(v.judge_cost_usd), 0.0)).where(
            v.run_id == int(run_id), v.contestant == contestant)
        with self.engine.connect() as conn:
            return {"cost_usd": float(conn.execute(cost).scalar() or 0.0),
                    "baseline_cost_usd": float(conn.execute(baseline).scalar() or 0.0),
                    "judge_cost_usd": float(conn.execute(judge).scalar() or 0.0)}

    # ---- prompts from the request log ---------------------------------------------------------------
    def logged_prompts(self, *, since: datetime | None = None, until: datetime | None = None, org: str | None = None,
                       agent: str | None = None, tier: str | None = None, limit: int = 100,
                       sources: Sequence[str | None] = REAL_TRAFFIC_FILTER) -> list[dict[str, Any]]:
        """Distinct prompts of answered real traffic (rows from before sources count as real; newest first):
        prompt, tier, org, agent."""
        c = T_LOG.c
        where = [c.status == "ok", source_in(c.source, sources), c.prompt != ""]
        if since is not None:
            where.append(c.ts >= to_db_time(since))
        if until is not None:
            where.append(c.ts < to_db_time(until))
        for column, value in ((c.org, org), (c.agent, agent), (c.complexity, tier)):
            if value is not None:
                where.append(column == value)
        latest = sa.func.max(c.ts).label("latest")
        stmt = (sa.select(c.prompt, sa.func.max(c.complexity).label("tier"), sa.func.max(c.org).label("org"),
                          sa.func.max(c.agent).label("agent"), latest)
                .where(*where).group_by(c.prompt).order_by(latest.desc()).limit(int(limit)))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]
