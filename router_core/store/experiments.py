"""Prompt experiments and their cells: `experiments` + `experiment_cells`.

An experiment keeps its whole dataset, variants, targets and scorers, so any process can resume it; each
cell (input x variant x target) is written the moment its answer exists and again when it is scored, so a
resumed experiment never buys a stored answer or score twice. What was spent is summed in SQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .codec import dumps, from_db_time, utcnow
from .errors import StoreError
from .tables import T_EXPERIMENT, T_EXPERIMENT_CELL

EXPERIMENT_STATUSES = ("running", "done", "partial", "failed")
CELL_FIELDS = ("provider", "model", "tier", "answer", "input_tokens", "output_tokens", "cost_usd", "latency_ms",
               "error", "simulated", "interaction_id")
_JSON = ("inputs_json", "variants_json", "targets_json", "scorers_json")


def _experiment_row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("created_at", "updated_at"):
        if key in out:
            out[key] = from_db_time(out[key])
    for key in _JSON:
        if key in out:
            out[key] = json.loads(out[key] or "[]")
    if "simulated" in out:
        out["simulated"] = bool(out["simulated"])
    return out


def _cell_row(row: Any) -> dict[str, Any]:
    return dict(row, simulated=bool(row["simulated"]), created_at=from_db_time(row["created_at"]),
                score_detail=json.loads(row["score_detail"] or "{}"))


class ExperimentRepository:
    """Create, read and update experiments; store a cell's answer, then its scores; sum what was spent."""

    engine: Engine
    dialect: str

    # ---- experiments -------------------------------------------------------------------------------
    def create_experiment(self, *, dataset: str, inputs: Sequence[Mapping[str, Any]],
                          variants: Sequence[Mapping[str, Any]], targets: Sequence[Mapping[str, Any]],
                          scorers: Sequence[Mapping[str, Any]], policy: str, judge: str | None = None,
                          max_cost_usd: float | None = None, concurrency: int = 4, simulated: bool = False,
                          name: str = "") -> int:
        """A new experiment in status "running"; returns its id."""
        now = utcnow()
        values = dict(created_at=now, updated_at=now, status="running", name=name, dataset=dataset,
                      input_count=len(inputs), inputs_json=dumps(list(inputs)), variants_json=dumps(list(variants)),
                      targets_json=dumps(list(targets)), scorers_json=dumps(list(scorers)), policy=policy,
                      judge=judge, max_cost_usd=max_cost_usd, concurrency=int(concurrency), simulated=simulated)
        with self.engine.begin() as conn:
            return int(conn.execute(T_EXPERIMENT.insert().values(**values)).inserted_primary_key[0])

    def get_experiment(self, experiment_id: int) -> dict[str, Any] | None:
        """The experiment's row (JSON columns decoded), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T_EXPERIMENT).where(T_EXPERIMENT.c.id == int(experiment_id))).mappings().first()
        return None if row is None else _experiment_row(row)

    def list_experiments(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest experiments, newest first, without their inputs, each with its `answers` count."""
        e, c = T_EXPERIMENT.c, T_EXPERIMENT_CELL.c
        answers = (sa.select(sa.func.count()).where(c.experiment_id == e.id, c.error.is_(None))
                   .scalar_subquery())
        cols = [col for col in T_EXPERIMENT.columns if col.name != "inputs_json"]
        stmt = sa.select(*cols, answers.label("answers")).order_by(e.created_at.desc(), e.id.desc()).limit(int(limit))
        with self.engine.connect() as conn:
            return [_experiment_row(row) for row in conn.execute(stmt).mappings()]

    def update_experiment(self, experiment_id: int, **values: Any) -> None:
        """Set status (running / done / partial / failed), error or max_cost_usd."""
        unknown = set(values) - {"status", "error", "max_cost_usd"}
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))} of an experiment")
        if "status" in values and values["status"] not in EXPERIMENT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(EXPERIMENT_STATUSES)}")
        with self.engine.begin() as conn:
            n = conn.execute(T_EXPERIMENT.update().where(T_EXPERIMENT.c.id == int(experiment_id))
                             .values(updated_at=utcnow(), **values)).rowcount
        if n == 0:
            raise StoreError(f"no experiment with id {experiment_id}")

    # ---- cells ---------------------------------------------------------------------------------------
    def save_experiment_cell(self, experiment_id: int, input_index: int, variant: str, target: str,
                             **fields: Any) -> None:
        """Store one cell's answer (or error); replaces an earlier row of the same cell (only a retried error
        has one), clearing its scores."""
        unknown = set(fields) - set(CELL_FIELDS)
        if unknown:
            raise ValueError(f"unknown experiment cell fields: {', '.join(sorted(unknown))}")
        key = {"experiment_id": int(experiment_id), "input_index": int(input_index), "variant": variant,
               "target": target}
        values = {**key, "created_at": utcnow(), "score": None, "score_detail": "{}", "judge_cost_usd": None,
                  **fields}
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(T_EXPERIMENT_CELL)
        insert = insert.values(**values)
        update = {k: insert.excluded[k] for k in values if k not in key}
        with self.engine.begin() as conn:
            conn.execute(insert.on_conflict_do_update(index_elements=list(key), set_=update))

    def save_experiment_scores(self, experiment_id: int, input_index: int, variant: str, target: str, *,
                               score: float | None, score_detail: Mapping[str, Any],
                               judge_cost_usd: float | None) -> None:
        """Store a cell's scores: the first scorer's `score`, every scorer's result, the judge's spend on it."""
        c = T_EXPERIMENT_CELL.c
        with self.engine.begin() as conn:
            n = conn.execute(T_EXPERIMENT_CELL.update().where(
                c.experiment_id == int(experiment_id), c.input_index == int(input_index), c.variant == variant,
                c.target == target).values(score=score, score_detail=dumps(dict(score_detail)),
                                           judge_cost_usd=judge_cost_usd)).rowcount
        if n == 0:
            raise StoreError(f"experiment {experiment_id} has no cell {input_index} / {variant} / {target}")

    def experiment_cells(self, experiment_id: int) -> list[dict[str, Any]]:
        """Every stored cell of an experiment, by input, variant and target (score_detail decoded)."""
        c = T_EXPERIMENT_CELL.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(T_EXPERIMENT_CELL).where(c.experiment_id == int(experiment_id))
                                .order_by(c.input_index, c.variant, c.target)).mappings().all()
        return [_cell_row(r) for r in rows]

    def experiment_spent(self, experiment_id: int) -> float:
        """What the experiment has paid: every answer plus every judge call (unpriced counts as 0)."""
        c = T_EXPERIMENT_CELL.c
        stmt = sa.select(sa.func.coalesce(sa.func.sum(c.cost_usd), 0.0) + sa.func.coalesce(
            sa.func.sum(c.judge_cost_usd), 0.0)).where(c.experiment_id == int(experiment_id))
        with self.engine.connect() as conn:
            return float(conn.execute(stmt).scalar() or 0.0)
