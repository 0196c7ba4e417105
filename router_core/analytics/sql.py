"""Shared pieces of the dashboard queries: tables read through a named index (SQLite `INDEXED BY`), the time
window and org / agent filters, money columns, result frames, and GROUP BY without a sort on SQLite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import TableClause

from ..sources import SourceFilter
from ..store.codec import source_in, to_db_time
from ..store.tables import T_LOG

BUCKETS = ("hour", "day")
MONEY = ["spend_usd", "baseline_usd", "saved_by_cache_usd", "saved_cheaper_usd", "upgrades_usd"]


# --------------------------------------------------------------------------------------------------


class Indexed(TableClause):
    """A table (`interaction_logs` by default) with the same typed columns, rendered `table INDEXED BY ix`
    on SQLite."""

    inherit_cache = False  # the index name is not part of TableClause's cache key

    def __init__(self, index: str | None, table: sa.Table = T_LOG) -> None:
        super().__init__(table.name, *(sa.column(col.name, col.type) for col in table.columns))
        self.index = index


@compiles(Indexed)
def _compile_indexed(element: Indexed, compiler: Any, **kw: Any) -> str:
    text = compiler.visit_table(element, **kw)
    if kw.get("asfrom") and element.index and compiler.dialect.name == "sqlite":
        text += f" INDEXED BY {element.index}"
    return text


def log_table(engine: Engine, index: str | None) -> TableClause:
    return Indexed(index) if engine.dialect.name == "sqlite" else T_LOG


# --------------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------------


def engine_of(engine_or_store: Any) -> Engine:
    engine = getattr(engine_or_store, "engine", engine_or_store)
    if not isinstance(engine, Engine):
        raise TypeError("pass a Store or a SQLAlchemy Engine")
    return engine


def in_window(t: TableClause, since: datetime, until: datetime, org: str | None,
              agent: str | None, sources: SourceFilter | None = None,
              agent_version: int | None = None) -> list[sa.ColumnElement]:
    """WHERE for [since, until), org, agent, the agent's version and (unless None) the sources (None in it: rows
    without one)."""
    c = t.c
    return [c.ts >= to_db_time(since), c.ts < to_db_time(until), *scope(c, org, agent, sources, agent_version)]


def scope(c: Any, org: str | None, agent: str | None, sources: SourceFilter | None = None,
          agent_version: int | None = None) -> list[sa.ColumnElement]:
    """The org, agent, agent version and source conditions on columns `c` (the log's, or the summary's)."""
    where = []
    if org is not None:
        where.append(c.org == org)
    if agent is not None:
        where.append(c.agent == agent)
    if agent_version is not None:
        where.append(c.agent_version == agent_version)
    if sources is not None:
        where.append(source_in(c.source, sources))
    return where


def count_if(cond: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((cond, 1), else_=0))


FAILED_STATUSES = ("error", "cut")  # requests that count as errors: none answered, or a stream cut mid-answer


def failed(t: TableClause) -> sa.ColumnElement:
    """Rows of failed requests (a stream the caller stopped, "cancelled", is not the router's failure)."""
    return t.c.status.in_(FAILED_STATUSES)


def money_columns(t: TableClause) -> list[sa.ColumnElement]:
    """The MONEY sums. Per priced non-cached call, a route cheaper than the baseline saves baseline - cost
    (saved_cheaper_usd) and one dearer spends cost - baseline on an upgrade (upgrades_usd); a cache hit saves
    its whole baseline (saved_by_cache_usd)."""
    c = t.c
    cached, not_cached = c.cached == sa.true(), c.cached == sa.false()
    priced = sa.and_(not_cached, c.cost_usd.is_not(None), c.baseline_cost_usd.is_not(None))
    return [
        sa.func.sum(sa.case((not_cached, sa.func.coalesce(c.cost_usd, 0.0)), else_=0.0)).label("spend_usd"),
        sa.func.sum(sa.func.coalesce(c.baseline_cost_usd, 0.0)).label("baseline_usd"),
        sa.func.sum(sa.case((cached, sa.func.coalesce(c.baseline_cost_usd, 0.0)), else_=0.0))
        .label("saved_by_cache_usd"),
        sa.func.sum(sa.case((sa.and_(priced, c.baseline_cost_usd > c.cost_usd), c.baseline_cost_usd - c.cost_usd),
                            else_=0.0)).label("saved_cheaper_usd"),
        sa.func.sum(sa.case((sa.and_(priced, c.cost_usd > c.baseline_cost_usd), c.cost_usd - c.baseline_cost_usd),
                            else_=0.0)).label("upgrades_usd"),
    ]


def add_savings(df: pd.DataFrame) -> pd.DataFrame:
    """Derived money columns of a frame with MONEY: saved_by_routing_usd (cheaper routes minus upgrades) and
    saved_usd (net: cache + cheaper routes - upgrades)."""
    df["saved_by_routing_usd"] = df["saved_cheaper_usd"] - df["upgrades_usd"]
    df["saved_usd"] = df["saved_by_cache_usd"] + df["saved_by_routing_usd"]
    return df



def frame(engine: Engine, stmt: sa.Executable) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))


def numeric(df: pd.DataFrame, ints: Any = (), floats: Any = ()) -> pd.DataFrame:
    for col in ints:
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    for col in floats:
        df[col] = pd.to_numeric(df[col]).astype("float64")
    return df


def ratio(num: float, den: float) -> float | None:
    return None if not den else num / den


def rank_offset(n: int, pct: int) -> int:
    """0-based position of the nearest-rank percentile: ceil(pct/100 * n) - 1, in integers."""
    return (n * pct + 99) // 100 - 1


def check_bucket(bucket: str) -> None:
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")


# --------------------------------------------------------------------------------------------------
# GROUP BY without a sort on SQLite: find the groups with index seeks, aggregate each with a range seek
# --------------------------------------------------------------------------------------------------


def distinct(conn: sa.Connection, t: TableClause, column: str, where: list[sa.ColumnElement],
              nullable: bool | None = None) -> list[Any]:
    """Distinct values of `column` (NULL included if present) by a loose index scan: one seek per value
    on an index whose leading columns are the `where` equalities followed by `column`. `nullable`
    defaults to the interaction_logs column's."""
    col = t.c[column]
    values: list[Any] = []
    value = conn.execute(sa.select(sa.func.min(col)).where(*where)).scalar()
    while value is not None:
        values.append(value)
        value = conn.execute(sa.select(sa.func.min(col)).where(*where, col > value)).scalar()
    if (T_LOG.c[column].nullable if nullable is None else nullable) and conn.execute(
            sa.select(sa.literal(1)).where(*where, col.is_(None)).limit(1)).first() is not None:
        values.append(None)
    return values


def eq(col: sa.ColumnElement, value: Any) -> sa.ColumnElement:
    return col.is_(None) if value is None else col == value


def sqlite_grouped(engine: Engine, index: str, keys: list[str], columns_for: Any,
                    where_for: Any) -> pd.DataFrame:
    """GROUP BY `keys` as one aggregate per group, each a seek into `index` (whose leading columns are
    `keys`, then ts). `columns_for(t)` gives the aggregate columns, `where_for(t)` the filters."""
    t = log_table(engine, index)
    records: list[list[Any]] = []
    names: list[str] = []
    with engine.connect() as conn:
        groups: list[tuple[Any, ...]] = [()]
        for depth, key in enumerate(keys):
            groups = [(*g, v) for g in groups
                      for v in distinct(conn, t, key, [eq(t.c[k], gv) for k, gv in zip(keys[:depth], g)])]
        for group in groups:
            stmt = sa.select(*columns_for(t)).where(*[eq(t.c[k], v) for k, v in zip(keys, group)], *where_for(t))
            result = conn.execute(stmt)
            names = list(result.keys())
            row = result.one()
            if row[0]:  # first column is count(*): skip groups without rows in range
                records.append([*group, *row])
    if not names:
        names = [col.name for col in columns_for(t)]
    return pd.DataFrame.from_records(records, columns=[*keys, *names])
