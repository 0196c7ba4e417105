"""The judge's verdicts (`quality_verdicts`): from evaluation runs (kind "eval") and, later, shadow checks on
live traffic (kind "shadow"). Counts are GROUP BYs in SQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .codec import dumps, from_db_time, to_db_time, utcnow
from .tables import T_VERDICT

OUTCOMES = ("win", "tie", "loss", "not_judged", "error")
KINDS = ("eval", "shadow")
COUNT_LABELS = {"win": "wins", "tie": "ties", "loss": "losses", "not_judged": "not_judged", "error": "errors"}
VERDICT_FIELDS = ("run_id", "prompt_index", "interaction_id", "contestant", "contestant_target", "baseline_target",
                  "judge_target", "tier", "outcome", "same_target", "flipped", "explanations", "reason",
                  "judge_cost_usd", "baseline_cost_usd", "simulated", "org", "agent", "ts")


class VerdictRepository:
    """Save verdicts; read a run's; count them per tier for a run or a period."""

    engine: Engine
    dialect: str

    def save_verdict(self, kind: str, outcome: str, **fields: Any) -> None:
        """Store one verdict. An eval verdict for a (run, prompt, contestant) that already has one is kept
        as it was (the judge is never paid twice for it)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        unknown = set(fields) - set(VERDICT_FIELDS)
        if unknown:
            raise ValueError(f"unknown verdict fields: {', '.join(sorted(unknown))}")
        values = {"ts": utcnow(), **fields, "kind": kind, "outcome": outcome}
        values["ts"] = to_db_time(values["ts"])
        values["explanations"] = dumps(list(fields.get("explanations") or []))
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(T_VERDICT).values(**values)
        with self.engine.begin() as conn:
            conn.execute(insert.on_conflict_do_nothing(index_elements=["run_id", "prompt_index", "contestant"]))

    def run_verdicts(self, run_id: int) -> list[dict[str, Any]]:
        """Every verdict of a run, by prompt then contestant (explanations decoded)."""
        c = T_VERDICT.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(T_VERDICT).where(c.run_id == int(run_id))
                                .order_by(c.prompt_index, c.contestant)).mappings().all()
        return [dict(r, ts=from_db_time(r["ts"]), explanations=json.loads(r["explanations"] or "[]"),
                     flipped=bool(r["flipped"]), same_target=bool(r["same_target"]), simulated=bool(r["simulated"]))
                for r in rows]

    def verdict_counts(self, *, run_id: int | None = None, contestant: str | None = None, kind: str | None = None,
                       since: datetime | None = None, until: datetime | None = None, org: str | None = None,
                       simulated: bool | None = None) -> list[dict[str, Any]]:
        """Per tier: wins, ties, losses, not_judged, errors, flips, same_target, simulated (how many),
        judge_cost_usd. `since` inclusive, `until` exclusive."""
        c = T_VERDICT.c
        where: list[sa.ColumnElement] = []
        for column, value in ((c.run_id, run_id), (c.contestant, contestant), (c.kind, kind), (c.org, org)):
            if value is not None:
                where.append(column == value)
        if since is not None:
            where.append(c.ts >= to_db_time(since))
        if until is not None:
            where.append(c.ts < to_db_time(until))
        if simulated is not None:
            where.append(c.simulated == (sa.true() if simulated else sa.false()))

        def count(condition: sa.ColumnElement) -> sa.Label:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        stmt = (sa.select(c.tier, *(count(c.outcome == outcome).label(label) for outcome, label in COUNT_LABELS.items()),
                          count(c.flipped == sa.true()).label("flips"),
                          count(c.same_target == sa.true()).label("same_target"),
                          count(c.simulated == sa.true()).label("simulated"),
                          sa.func.coalesce(sa.func.sum(c.judge_cost_usd), 0.0).label("judge_cost_usd"))
                .where(*where).group_by(c.tier).order_by(c.tier))
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [{k: (v if k == "tier" else float(v) if k == "judge_cost_usd" else int(v)) for k, v in r.items()}
                for r in rows]
