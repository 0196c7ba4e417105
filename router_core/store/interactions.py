"""The request log: one row per routed request plus one per provider attempt, feedback, paging, CSV export."""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from .codec import enum_str, frame, from_db_time, loads_list, source_in, to_db_time
from .engine import is_busy, without_password, write_transaction
from .errors import StoreError
from .pacing import paced
from .prepared import Prepared, Write, next_ids, ready_writes, run_ready_writes
from .records import InteractionRecord, attempt_rows
from .summary import SUMMARY_COLUMNS, summary_rows, upsert_statement
from .tables import LOG_COLUMNS, T_ATTEMPT, T_LOG

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


class InteractionRepository:
    """`interaction_logs` + `attempt_logs`: log (with retries when SQLite is busy), feedback, read, filter,
    page, export."""

    engine: Engine
    log_retries: int
    safe_url: str
    _serial: Any

    ATTEMPT_COLUMNS = ("interaction_id", "ts", "provider", "model", "outcome", "status", "latency_ms", "retryable",
                       "org", "agent", "simulated")

    def _prepare_interactions(self) -> None:
        """The statements the writer runs for every batch, compiled once for this dialect."""
        dialect = self.engine.dialect
        self._log_insert = Prepared(T_LOG.insert(), dialect, LOG_COLUMNS)
        self._attempt_insert = Prepared(T_ATTEMPT.insert(), dialect, self.ATTEMPT_COLUMNS)
        self._summary_upsert = Prepared(upsert_statement(dialect.name), dialect, SUMMARY_COLUMNS)

    def _retrying(self, write: Callable[[Connection], T], what: str) -> T:
        """`write` in one transaction, retried briefly when SQLite is busy or the connection dropped; a
        StoreError (without the password) when it still fails."""
        last: BaseException | None = None
        for attempt in range(self.log_retries + 1):
            try:
                with self._serial, write_transaction(self.engine) as conn:
                    return write(conn)
            except (OperationalError, DBAPIError) as exc:
                last = exc
                if not is_busy(exc) and not getattr(exc, "connection_invalidated", False):
                    break
                if attempt < self.log_retries:
                    time.sleep(min(0.02 * (2 ** attempt), 0.25) * (0.5 + random.random()))
        reason = str(getattr(last, "orig", last)).strip().splitlines()[0] if last else "unknown error"
        raise StoreError(without_password(self.engine, f"could not {what} to {self.safe_url}: {reason}"))

    def log_interaction(self, rec: InteractionRecord) -> int:
        """Insert the interaction row, its attempt_logs rows and its share of interaction_summary (one statement
        per table, one transaction); returns the interaction's id. Retries briefly when SQLite is busy."""
        return self._log_records([rec], (), "log the interaction")[0]

    def log_batch(self, records: Sequence[InteractionRecord],
                  before: Sequence[Write] = ()) -> list[int]:
        """Many interactions in ONE transaction: `before` (other writes of the batch, e.g. cache entries, in
        order), then every row, every attempt row and every summary share (one `Prepared.run_ready` each: a few
        INSERTs of many rows on SQLite, an executemany elsewhere). Returns the ids in the order of `records`;
        retries like log_interaction."""
        return self._log_records(records, before, f"log {len(records)} interactions")

    def _log_records(self, records: Sequence[InteractionRecord], before: Sequence[Write],
                     what: str) -> list[int]:
        """log_batch's transaction (one record: log_interaction's); `what` names it in the error. Every parameter
        is made before the transaction; inside it the rows take their ids (`next_ids`, bound then), so every table
        is one `run_ready`; the summary gets one upsert per (day, group) of the batch."""
        rows: list[dict[str, Any]] = []
        trails: list[list[dict[str, Any]]] = []
        for rec in paced(records):
            row = rec.to_row()
            rows.append(row)
            trails.append(attempt_rows(rec.attempts, provider=row["provider"], model=row["model"],
                                       status=row["status"], latency_ms=row["latency_ms"], cached=row["cached"],
                                       org=row["org"], agent=row["agent"], simulated=row["simulated"],
                                       simulated_providers=rec.simulated_providers))
        for row in rows:
            row["id"] = 0  # a stand-in: the ids are taken inside the transaction (`next_ids`) and bound then
        logs = [self._log_insert.params(row) for row in paced(rows)]
        attempts = [(i, self._attempt_insert.params({**a, "interaction_id": 0, "ts": row["ts"]}))
                    for i, (row, trail) in enumerate(paced(zip(rows, trails))) for a in trail]
        shares = [self._summary_upsert.params(share) for share in summary_rows(paced(rows))]
        ready = ready_writes(before)

        def write(conn: Connection) -> list[int]:
            """Only the statements: everything they bind was made before, so the write lock is held briefly."""
            run_ready_writes(conn, ready)
            if not rows:
                return []
            ids = next_ids(conn, T_LOG, len(rows))
            self._log_insert.run_ready(conn, [self._log_insert.rebound(p, "id", iid) for p, iid in zip(logs, ids)])
            self._attempt_insert.run_ready(conn, [self._attempt_insert.rebound(p, "interaction_id", ids[i])
                                                  for i, p in attempts])
            self._summary_upsert.run_ready(conn, shares)
            return ids

        return self._retrying(write, what)

    def set_feedback(self, interaction_id: int, value: int) -> None:
        """Thumbs up (+1), down (-1) or cleared (0)."""
        if value not in (-1, 0, 1):
            raise ValueError("feedback must be +1, -1 or 0")
        with self.engine.begin() as conn:
            n = conn.execute(T_LOG.update().where(T_LOG.c.id == int(interaction_id))
                             .values(feedback=int(value))).rowcount
        if n == 0:
            raise StoreError(f"no interaction with id {interaction_id}")

    @staticmethod
    def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
        row["ts"] = from_db_time(row.get("ts"))
        row["reasons"] = loads_list(row.get("reasons"))
        row["attempts"] = loads_list(row.get("attempts"))
        row["cached"] = bool(row.get("cached"))
        row["simulated"] = bool(row.get("simulated"))
        return row

    def get_interaction(self, interaction_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T_LOG).where(T_LOG.c.id == int(interaction_id))).mappings().first()
        return None if row is None else self._decode_row(dict(row))

    @staticmethod
    def _match(column: sa.ColumnElement, value: Any) -> sa.ColumnElement:
        if isinstance(value, (list, tuple, set, frozenset)):
            return column.in_([enum_str(v) for v in value])
        return column == enum_str(value)

    def _filters(self, *, since=None, until=None, org=None, agent=None, complexity=None, provider=None,
                 model=None, status=None, cached=None, search=None, session_id=None,
                 source=None, agent_version=None) -> list[sa.ColumnElement]:
        """WHERE clauses for the request log. `since` is inclusive, `until` exclusive; string filters
        also take a list (IN); `search` is a case-insensitive substring of the prompt or the response;
        `source` is a list of sources where None matches the rows logged before sources existed;
        `agent_version` (an int or a list of them) is the agent's version the request used."""
        c = T_LOG.c
        where: list[sa.ColumnElement] = []
        if since is not None:
            where.append(c.ts >= to_db_time(since))
        if until is not None:
            where.append(c.ts < to_db_time(until))
        for column, value in ((c.org, org), (c.agent, agent), (c.complexity, complexity), (c.provider, provider),
                              (c.model, model), (c.status, status), (c.session_id, session_id)):
            if value is not None:
                where.append(self._match(column, value))
        if source is not None:
            where.append(source_in(c.source, source))
        if agent_version is not None:
            versions = agent_version if isinstance(agent_version, (list, tuple, set)) else [agent_version]
            where.append(c.agent_version.in_([int(v) for v in versions]))
        if cached is not None:
            where.append(c.cached == (sa.true() if cached else sa.false()))
        if search:
            needle = "%" + str(search).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(sa.or_(c.prompt.ilike(needle, escape="\\"), c.response.ilike(needle, escape="\\")))
        return where

    def list_interactions(self, *, since=None, until=None, org=None, agent=None, complexity=None, provider=None,
                          model=None, status=None, cached=None, search=None, session_id=None, source=None,
                          agent_version=None, offset: int = 0,
                          limit: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the request log, newest first, and the total number of matching rows."""
        import pandas as pd

        where = self._filters(since=since, until=until, org=org, agent=agent, complexity=complexity,
                              provider=provider, model=model, status=status, cached=cached, search=search,
                              session_id=session_id, source=source, agent_version=agent_version)
        newest_first = (T_LOG.c.ts.desc(), T_LOG.c.id.desc())
        # Page through ids only (an index walk), then fetch the page's wide rows: a deep page no longer
        # sorts hundreds of thousands of whole rows.
        ids = (sa.select(T_LOG.c.id).where(*where).order_by(*newest_first)
               .offset(max(0, int(offset))).limit(max(0, int(limit)))).subquery()
        page = sa.select(T_LOG).join(ids, ids.c.id == T_LOG.c.id).order_by(*newest_first)
        count = sa.select(sa.func.count()).select_from(T_LOG).where(*where)
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar() or 0)
            df = frame(conn.execute(page))
        if df.empty:
            return pd.DataFrame(columns=LOG_COLUMNS), total
        df["ts"] = pd.to_datetime(df["ts"], utc=True)
        df["reasons"] = df["reasons"].map(loads_list)
        df["attempts"] = df["attempts"].map(loads_list)
        df["cached"] = df["cached"].astype(bool)
        df["simulated"] = df["simulated"].astype(bool)
        return df, total

    REPLAY_COLUMNS = ("id", "ts", "org", "agent", "prompt", "complexity", "score", "provider", "model",
                      "input_tokens", "output_tokens", "cached_input_tokens", "cost_usd", "baseline_cost_usd",
                      "cached", "attempts", "reasons")

    def replay_rows(self, *, limit: int, **filters: Any) -> tuple[list[dict[str, Any]], int]:
        """The answered requests matching `filters` (those of `_filters`) for a what-if replay: the newest
        `limit` of them (narrow columns: no answer, no conversation), oldest first, and how many matched."""
        c = T_LOG.c
        where = [*self._filters(**filters), c.status == "ok"]
        newest = (sa.select(*(c[n] for n in self.REPLAY_COLUMNS)).where(*where)
                  .order_by(c.ts.desc(), c.id.desc()).limit(max(0, int(limit))))
        count = sa.select(sa.func.count()).select_from(T_LOG).where(*where)
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar() or 0)
            rows = [dict(r) for r in conn.execute(newest).mappings()]
        for row in rows:
            row["ts"] = from_db_time(row["ts"])
            row["attempts"] = loads_list(row["attempts"])
            row["reasons"] = loads_list(row["reasons"])
            row["cached"] = bool(row["cached"])
        rows.reverse()
        return rows, total

    EXPORT_COLUMNS: tuple[str, ...] = tuple(n for n in LOG_COLUMNS if n != "messages_json")

    def iter_interactions_csv(self, *, chunk_rows: int = 2000, columns: Sequence[str] | None = None,
                              **filters: Any) -> Iterator[str]:
        """The filtered log as CSV text, yielded in chunks (a header first), oldest first, with a
        saved_usd column. Cells that a spreadsheet would run as a formula are prefixed with a quote."""
        cols = list(columns or self.EXPORT_COLUMNS)
        unknown = [c for c in cols if c not in LOG_COLUMNS]
        if unknown:
            raise ValueError(f"unknown columns: {', '.join(unknown)}")
        where = self._filters(**filters)
        c = T_LOG.c
        saved = sa.case((c.cached == sa.true(), c.baseline_cost_usd),
                        else_=c.baseline_cost_usd - c.cost_usd).label("saved_usd")
        stmt = sa.select(*(c[n] for n in cols), saved).where(*where).order_by(c.ts, c.id)
        header = cols + ["saved_usd"]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        yield buf.getvalue()
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
            for part in result.partitions(chunk_rows):
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator="\n")
                writer.writerows([_csv_cell(v) for v in row] for row in part)
                yield buf.getvalue()

    def export_interactions_csv(self, **filters: Any) -> str:
        """The filtered log as one CSV string (built from `iter_interactions_csv` chunks)."""
        return "".join(self.iter_interactions_csv(**filters))


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
