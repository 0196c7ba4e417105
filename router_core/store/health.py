"""Provider health history: one row per check (reachable, latency, detail, simulated), pruned by age."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .codec import frame, to_db_time, utcnow
from .tables import T_HEALTH

if TYPE_CHECKING:
    import pandas as pd


class HealthRepository:
    """`health_checks`: record, read since a time, prune."""

    engine: Engine

    def record_health(self, provider: str, reachable: bool, latency_ms: float | None, detail: str,
                      *, ts: datetime | None = None, simulated: bool = False) -> None:
        """One check; `simulated`: it asked a simulated vendor (demo mode)."""
        with self.engine.begin() as conn:
            conn.execute(T_HEALTH.insert().values(ts=to_db_time(ts) or utcnow(), provider=provider,
                                                  reachable=bool(reachable),
                                                  latency_ms=None if latency_ms is None else float(latency_ms),
                                                  detail=detail or "", simulated=bool(simulated)))

    def health_history(self, since: datetime, provider: str | None = None, *,
                       simulated: bool | None = None) -> pd.DataFrame:
        """Checks since `since`, oldest first: ts, provider, reachable, latency_ms, detail, simulated; only
        those of simulated vendors (True) or of real ones (False) when `simulated` is given."""
        c = T_HEALTH.c
        stmt = (sa.select(c.ts, c.provider, c.reachable, c.latency_ms, c.detail, c.simulated)
                .where(c.ts >= to_db_time(since)))
        if provider is not None:
            stmt = stmt.where(c.provider == provider)
        if simulated is not None:
            stmt = stmt.where(c.simulated == (sa.true() if simulated else sa.false()))
        with self.engine.connect() as conn:
            df = frame(conn.execute(stmt.order_by(c.ts, c.id)), time_cols=["ts"])
        if not df.empty:
            df["reachable"] = df["reachable"].astype(bool)
            df["simulated"] = df["simulated"].astype(bool)
        return df

    def prune_health(self, before: datetime) -> int:
        with self.engine.begin() as conn:
            return conn.execute(T_HEALTH.delete().where(T_HEALTH.c.ts < to_db_time(before))).rowcount
