"""`Store`: the one object the router, the cache, analytics and the app hold for the database.

It opens the engine (engine.py), brings the schema to the head revision (schema.py), and answers through
one repository per concern (interactions, agents, policies, health, comparisons, evaluation runs,
verdicts, prompt experiments, outcomes and learned routers), which it combines.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from sqlalchemy.engine import Engine

from .agents import AgentRepository
from .comparisons import ComparisonRepository
from .evals import EvalRepository
from .experiments import ExperimentRepository
from .engine import create_engine, is_memory_url, normalize_url, without_password
from .errors import StoreError
from .health import HealthRepository
from .held import HeldReads
from .interactions import InteractionRepository
from .outcomes import OutcomeRepository
from .policies import PolicyRepository
from .schema import ensure_schema, meta_version
from .verdicts import VerdictRepository
from .writer import synchronise_reads


class Store(InteractionRepository, AgentRepository, PolicyRepository, HealthRepository, ComparisonRepository,
            EvalRepository, VerdictRepository, ExperimentRepository, OutcomeRepository):
    """Tables, engine and the queries the router and the app need.

    `Store("sqlite:///data/router.db")` (WAL, busy_timeout, synchronous=NORMAL, usable from any thread)
    or `Store("postgresql://user:pw@host/db")` (psycopg 3). Opening creates or migrates the schema.
    """

    def __init__(self, database_url: str, *, busy_timeout_ms: int = 5000, log_retries: int = 4,
                 echo: bool = False) -> None:
        self.database_url = normalize_url(database_url)
        self.busy_timeout_ms = int(busy_timeout_ms)
        self.log_retries = int(log_retries)
        self.engine: Engine = create_engine(self.database_url, busy_timeout_ms=self.busy_timeout_ms, echo=echo)
        self.dialect: str = self.engine.dialect.name
        synchronise_reads(self.engine)  # this process's log rows still queued are committed before a read
        self.held_reads = HeldReads(self.engine)  # the request path's one-row reads
        self._prepare_interactions()
        self._policy_lock = threading.Lock()
        # An in-memory SQLite database is one shared connection: writers take turns (files need no lock).
        self._serial: Any = threading.Lock() if is_memory_url(self.database_url) else contextlib.nullcontext()
        try:
            ensure_schema(self.engine, self.safe_url)
        except StoreError:
            self.engine.dispose()
            raise
        except Exception as exc:  # noqa: BLE001 - report where, never the password
            self.engine.dispose()
            raise StoreError(without_password(self.engine, f"cannot open the database {self.safe_url}: "
                                                    f"{type(exc).__name__}: {getattr(exc, 'orig', exc)}")) from None

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.held_reads.close()
        self.engine.dispose()

    def schema_version(self) -> int:
        """schema_meta's version (10 today; written by the migrations for releases from before Alembic)."""
        with self.engine.connect() as conn:
            return int(meta_version(conn) or 0)


__all__ = ["Store"]
