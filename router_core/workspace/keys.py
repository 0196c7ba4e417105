"""The gateway's team keys, for a front end: list them with their spend, create one (shown once), revoke one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..store.keys import KeyStore
from .records import WorkspaceError

if TYPE_CHECKING:
    from ..router import Router


@dataclass(frozen=True)
class KeyRow:
    """One key as a front end shows it (never the key itself)."""

    prefix: str
    org: str
    agent: str | None
    daily_budget_usd: float | None
    monthly_budget_usd: float | None
    spent_today_usd: float
    spent_this_month_usd: float
    rpm: int | None
    on_budget: str
    last_used: datetime | None
    revoked: bool


def _when(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)


class KeyOps:
    """Team keys of the HTTP gateway (`python -m router_core keys ...` does the same)."""

    router: "Router"

    def _keystore(self) -> KeyStore:
        return KeyStore(self.router.store.engine)

    def list_keys(self) -> list[KeyRow]:
        """Every key, revoked ones too, with its spend in the current UTC day and month."""
        return [KeyRow(k.prefix, k.org, k.agent, k.daily_budget_usd, k.monthly_budget_usd, spend["daily"],
                       spend["monthly"], k.rpm, k.on_budget, _when(k.last_used_at), k.revoked_at is not None)
                for k, spend in self._keystore().list_keys()]

    def create_key(self, org: str, *, agent: str | None = None, daily_budget_usd: float | None = None,
                   monthly_budget_usd: float | None = None, rpm: int | None = None,
                   on_budget: str = "reject") -> tuple[str, KeyRow]:
        """A new key: returns it (show it once; only its hash is stored) and its row."""
        try:
            key, info = self._keystore().create(org, agent=agent, daily_budget_usd=daily_budget_usd,
                                                monthly_budget_usd=monthly_budget_usd, rpm=rpm, on_budget=on_budget)
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None
        return key, KeyRow(info.prefix, info.org, info.agent, info.daily_budget_usd, info.monthly_budget_usd, 0.0,
                           0.0, info.rpm, info.on_budget, None, False)

    def revoke_key(self, prefix: str) -> int:
        """Revoke the live key(s) whose prefix starts with `prefix`; returns how many."""
        try:
            return self._keystore().revoke(prefix)
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None
