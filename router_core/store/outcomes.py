"""Labelled outcomes (`outcomes`) and the learned routers trained on them (`learned_routers`).

Outcomes are inserted idempotently (a row whose `link` is stored already is skipped), read back per source
and org, and counted per source in SQL. A learned router is stored as a JSON artifact under a new version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .codec import dumps, from_db_time, to_db_time, utcnow
from .tables import T_LEARNED, T_OUTCOME

OUTCOME_SOURCES = ("judge_eval", "judge_shadow", "thumbs", "votes", "checks")
OUTCOME_FIELDS = tuple(c.name for c in T_OUTCOME.columns if c.name != "id")
BOOL_FIELDS = ("good", "strong_wins", "simulated")


class OutcomeRepository:
    """Add outcomes (idempotent), read and count them; save and read learned-router artifacts."""

    engine: Engine
    dialect: str

    def add_outcomes(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert outcome rows whose `link` is new; returns how many were added."""
        if not rows:
            return 0
        clean = []
        for row in rows:
            unknown = set(row) - set(OUTCOME_FIELDS)
            if unknown:
                raise ValueError(f"unknown outcome fields: {', '.join(sorted(unknown))}")
            if row.get("source") not in OUTCOME_SOURCES:
                raise ValueError(f"outcome source must be one of {', '.join(OUTCOME_SOURCES)}")
            clean.append({**{f: None for f in OUTCOME_FIELDS}, "simulated": False, "prompt": "", **row,
                          "ts": to_db_time(row.get("ts") or utcnow())})
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(T_OUTCOME)
        with self.engine.begin() as conn:
            before = conn.execute(sa.select(sa.func.count()).select_from(T_OUTCOME)).scalar() or 0
            conn.execute(insert.on_conflict_do_nothing(index_elements=["link"]), clean)
            after = conn.execute(sa.select(sa.func.count()).select_from(T_OUTCOME)).scalar() or 0
        return int(after) - int(before)

    def outcomes(self, *, sources: Sequence[str] | None = None, org: str | None = None) -> list[dict[str, Any]]:
        """Outcome rows (oldest first), only of `sources` and `org` when given."""
        c = T_OUTCOME.c
        where = []
        if sources is not None:
            where.append(c.source.in_(list(sources)))
        if org is not None:
            where.append(c.org == org)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(T_OUTCOME).where(*where).order_by(c.ts, c.id)).mappings().all()
        return [dict(r, ts=from_db_time(r["ts"]), **{k: bool(r[k]) for k in BOOL_FIELDS},
                     baseline_good=None if r["baseline_good"] is None else bool(r["baseline_good"])) for r in rows]

    def outcome_counts(self, org: str | None = None) -> dict[str, dict[str, int]]:
        """Per source: n, good (answers good enough), strong_wins, simulated (every source, zeros included)."""
        c = T_OUTCOME.c

        def count(condition: sa.ColumnElement) -> sa.Label:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        stmt = (sa.select(c.source, sa.func.count().label("n"), count(c.good == sa.true()).label("good"),
                          count(c.strong_wins == sa.true()).label("strong_wins"),
                          count(c.simulated == sa.true()).label("simulated"))
                .where(*([c.org == org] if org is not None else [])).group_by(c.source))
        out = {s: {"n": 0, "good": 0, "strong_wins": 0, "simulated": 0} for s in OUTCOME_SOURCES}
        with self.engine.connect() as conn:
            for row in conn.execute(stmt).mappings():
                out[row["source"]] = {k: int(row[k]) for k in ("n", "good", "strong_wins", "simulated")}
        return out

    def outcome_links(self, prefix: str) -> set[str]:
        """The stored links that start with `prefix` (what a collector already turned into outcomes)."""
        c = T_OUTCOME.c
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(c.link).where(c.link.startswith(prefix, autoescape=True))).scalars())

    # ---- learned routers ------------------------------------------------------------------------
    def save_learned_router(self, artifact: dict[str, Any], *, n: int, sources: Sequence[str],
                            org: str | None = None) -> int:
        """Store a trained router's JSON artifact; returns its new version."""
        values = dict(created_at=utcnow(), org=org, n=int(n), sources=",".join(sources), artifact_json=dumps(artifact))
        with self.engine.begin() as conn:
            return int(conn.execute(T_LEARNED.insert().values(**values)).inserted_primary_key[0])

    def learned_router(self, version: int) -> dict[str, Any] | None:
        """One stored version: version, created_at, org, n, sources (list), artifact_json (the text as stored)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T_LEARNED).where(T_LEARNED.c.version == int(version))).mappings().first()
        return None if row is None else _learned_row(row)

    def learned_routers(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest stored versions first (with their artifacts)."""
        c = T_LEARNED.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(T_LEARNED).order_by(c.version.desc()).limit(int(limit))).mappings().all()
        return [_learned_row(r) for r in rows]


def _learned_row(row: Any) -> dict[str, Any]:
    return dict(row, created_at=from_db_time(row["created_at"]),
                sources=[s for s in (row["sources"] or "").split(",") if s])


__all__ = ["OutcomeRepository", "OUTCOME_SOURCES", "OUTCOME_FIELDS"]
