"""Side-by-side comparisons: one prompt, each target's answer, and the vote for the best one."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .codec import frame, to_db_time, utcnow
from .errors import StoreError
from .tables import T_CMP, T_CMP_RES, T_LOG

LOG_WINDOW = timedelta(minutes=15)  # a column's request is logged at most this long before its comparison

if TYPE_CHECKING:
    import pandas as pd


class ComparisonRepository:
    """`comparisons` + `comparison_results`: save a run, vote, list the latest."""

    engine: Engine

    def save_comparison(self, prompt: str, system: str | None, results: list[dict]) -> int:
        """Store one side-by-side run. Each result: target ("provider:model", derived when absent),
        provider, model, text, cost_usd, baseline_cost_usd, latency_ms, ttft_ms, input_tokens,
        output_tokens, error (missing keys are stored as NULL)."""
        rows = []
        for i, r in enumerate(results):
            r = asdict(r) if is_dataclass(r) and not isinstance(r, type) else dict(r)
            target = r.get("target") or f"{r.get('provider') or '?'}:{r.get('model') or '?'}"
            rows.append({"position": i, "target": str(target), "provider": r.get("provider"),
                         "model": r.get("model"), "text": r.get("text"), "cost_usd": r.get("cost_usd"),
                         "baseline_cost_usd": r.get("baseline_cost_usd"), "latency_ms": r.get("latency_ms"),
                         "ttft_ms": r.get("ttft_ms"), "input_tokens": r.get("input_tokens"),
                         "output_tokens": r.get("output_tokens"), "error": r.get("error")})
        with self.engine.begin() as conn:
            cid = int(conn.execute(T_CMP.insert().values(ts=utcnow(), prompt=prompt or "", system=system))
                      .inserted_primary_key[0])
            if rows:
                conn.execute(T_CMP_RES.insert(), [dict(row, comparison_id=cid) for row in rows])
        return cid

    VOTE_SPECIALS = ("tie", "none")

    def vote_comparison(self, comparison_id: int, winner: str) -> None:
        """Record the winner: one of the comparison's targets, "tie", or "none" (no answer was good)."""
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(T_CMP.c.id).where(T_CMP.c.id == int(comparison_id))).scalar()
            if exists is None:
                raise StoreError(f"no comparison with id {comparison_id}")
            targets = list(conn.execute(sa.select(T_CMP_RES.c.target)
                                        .where(T_CMP_RES.c.comparison_id == int(comparison_id))).scalars())
            if winner not in targets and winner not in self.VOTE_SPECIALS:
                allowed = ", ".join([*targets, *self.VOTE_SPECIALS])
                raise StoreError(f"unknown winner {winner!r} for comparison {comparison_id}; use one of: {allowed}")
            conn.execute(T_CMP.update().where(T_CMP.c.id == int(comparison_id))
                         .values(winner=winner, voted_at=utcnow()))

    def list_comparisons(self, limit: int = 20) -> pd.DataFrame:
        """The latest `limit` comparisons, one row per target (newest comparison first):
        comparison_id, ts, prompt, system, winner, target, provider, model, text, cost_usd,
        baseline_cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, error, is_winner, simulated.

        `simulated` (True / False / None when unknown, e.g. an error) comes from the request log: each column
        was logged as one request with the same target and answer just before the comparison was saved."""
        import pandas as pd

        latest = sa.select(T_CMP.c.id).order_by(T_CMP.c.ts.desc(), T_CMP.c.id.desc()).limit(int(limit)).subquery()
        r = T_CMP_RES.c
        stmt = (sa.select(T_CMP.c.id.label("comparison_id"), T_CMP.c.ts, T_CMP.c.prompt, T_CMP.c.system,
                          T_CMP.c.winner, r.target, r.provider, r.model, r.text, r.cost_usd, r.baseline_cost_usd,
                          r.latency_ms, r.ttft_ms, r.input_tokens, r.output_tokens, r.error)
                .select_from(T_CMP.join(latest, latest.c.id == T_CMP.c.id)
                             .outerjoin(T_CMP_RES, r.comparison_id == T_CMP.c.id))
                .order_by(T_CMP.c.ts.desc(), T_CMP.c.id.desc(), r.position))
        with self.engine.connect() as conn:
            df = frame(conn.execute(stmt), time_cols=["ts"])
            flags = [self._simulated(conn, row.target, row.text, row.ts) for row in df.itertuples(index=False)]
        df["is_winner"] = (df["winner"] == df["target"]) if not df.empty else pd.Series(dtype=bool)
        df["simulated"] = pd.Series(flags, index=df.index, dtype=object)
        return df

    @staticmethod
    def _simulated(conn: sa.Connection, target: str, text: object, ts: object) -> bool | None:
        """Whether the request log has this column's answer as simulated (None: no such answer logged)."""
        provider, _, model = str(target).partition(":")
        if not isinstance(text, str) or not text or not model:  # no answer (NULL arrives as NaN from pandas)
            return None
        log = T_LOG.c
        until = to_db_time(ts)  # type: ignore[arg-type]
        flag = conn.execute(sa.select(sa.func.max(sa.cast(log.simulated, sa.Integer))).where(
            log.provider == provider, log.model == model, log.ts <= until, log.ts >= until - LOG_WINDOW,
            log.response == text)).scalar()
        return None if flag is None else bool(flag)
