"""Routing policies for a front end: list, load, validate, save, activate, rename, delete, diff.

Saved policies live in the store and are shared by every instance on the database; the config file's
table ("default (router.toml)") is used while none is active. Every change refreshes the router at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..catalog import parse_target
from ..errors import ConfigError
from ..policy import LAST_RESORT, LEARNED, Policy, PolicyProblem, check_policy, policy_problems
from ..pricing import PriceOverride
from ..types import Complexity

if TYPE_CHECKING:
    from ..router import Router

FILE_POLICY = "default (router.toml)"  # the name the router gives the config file's table
TIERS = tuple(t.value for t in Complexity.tiers())


@dataclass(frozen=True)
class TierChange:
    """How one tier (or the last resort, or the baseline) differs between two policies."""

    tier: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(t for t in self.after if t not in self.before)

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(t for t in self.before if t not in self.after)

    @property
    def reordered(self) -> bool:
        """Same candidates, another order."""
        return set(self.before) == set(self.after) and self.before != self.after


@dataclass(frozen=True)
class TierPlan:
    """One tier of a policy as it would route now: the first available choice and the full order."""

    tier: str
    first_choice: str | None
    first_price: PriceOverride | None
    candidates: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (target, reason)


def _entries(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    return tuple(str(v) for v in ([value] if isinstance(value, str) else value))


def table_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Policy data -> one row per candidate: tier, order (1 = tried first), target."""
    rows = [{"tier": tier, "order": i, "target": target}
            for tier in TIERS for i, target in enumerate(_entries(data, tier), start=1)]
    if data.get("last_resort"):
        rows.append({"tier": LAST_RESORT, "order": 1, "target": str(data["last_resort"])})
    return rows


def _blank(value: Any) -> bool:
    return value is None or value != value or (isinstance(value, str) and not value.strip())  # NaN != NaN


def rows_to_data(rows: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """Rows (tier, order, target) -> policy data, plus problems of the rows' shape (row numbers 1-based)."""
    problems: list[str] = []
    ranked: dict[str, list[tuple[float, int, str]]] = {t: [] for t in TIERS}
    last: list[tuple[float, str]] = []
    for i, row in enumerate(rows, start=1):
        tier = "" if _blank(row.get("tier")) else str(row["tier"])
        target = "" if _blank(row.get("target")) else str(row["target"]).strip()
        if not tier and not target:
            continue  # an empty new row
        if not tier:
            problems.append(f"row {i} ({target}): choose a tier")
            continue
        if not target:
            problems.append(f"row {i} ({tier}): choose a provider:model")
            continue
        order = 1e9 if _blank(row.get("order")) else float(row["order"])
        if tier == LAST_RESORT:
            last.append((order, target))
        elif tier in ranked:
            ranked[tier].append((order, i, target))
        else:
            problems.append(f"row {i}: unknown tier {tier!r}")
    problems += _duplicate_orders(ranked)
    data: dict[str, Any] = {tier: [t for _, _, t in sorted(ranked[tier])] for tier in TIERS}
    if len(last) > 1:
        problems.append(f"{len(last)} rows are marked 'last resort'; keep one")
    data["last_resort"] = sorted(last)[0][1] if last else ""
    return data, problems


def _duplicate_orders(ranked: Mapping[str, list[tuple[float, int, str]]]) -> list[str]:
    """One problem per order value used by more than one row of a tier (which one goes first is unclear)."""
    problems = []
    for tier, entries in ranked.items():
        rows_by_order: dict[float, list[int]] = {}
        for order, row, _ in entries:
            rows_by_order.setdefault(order, []).append(row)
        for order, rows in rows_by_order.items():
            if len(rows) > 1 and order < 1e9:
                listed = ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}"
                problems.append(f"{tier}: rows {listed} all have order {order:g}; give each candidate its own "
                                "order (1 = tried first)")
    return problems


class PolicyOps:
    """The policy half of the Workspace (needs `self.router`)."""

    router: "Router"

    # ---- reading ------------------------------------------------------------------------------
    def list_policies(self) -> list[str]:
        """Names of the saved policies, sorted."""
        return [n for n in self.router.store.list_policies() if n != FILE_POLICY]

    def active_policy(self) -> Policy:
        """The policy routing uses now (re-read from the database at most every 2 s)."""
        self.router.refresh_policy()
        return self.router.policy

    def file_policy(self) -> Policy:
        """The config file's table and baseline."""
        cfg = self.router.config
        return Policy(cfg.routing, cfg.baseline, FILE_POLICY, self.router.why_not_configured)

    def load_policy(self, name: str) -> Policy:
        """A saved policy (or FILE_POLICY); ConfigError when it is missing or no longer fits the config."""
        if name == FILE_POLICY:
            return self.file_policy()
        data = self.router.store.get_policy(name)
        if data is None:
            raise ConfigError(f"no saved policy named {name!r}")
        return self.validate_policy(data, name)

    # ---- checking -----------------------------------------------------------------------------
    def policy_problems(self, data: Mapping[str, Any]) -> list[PolicyProblem]:
        """Every problem of policy data, each with its tier and candidate number (empty: it is valid)."""
        return policy_problems(data, self.router.config.providers)

    def validate_policy(self, data: Mapping[str, Any], name: str = "edited") -> Policy:
        """Policy data -> a Policy; ConfigError whose `problems` are PolicyProblems otherwise."""
        cfg = self.router.config
        return check_policy(data, cfg.providers, name, cfg.baseline, self.router.why_not_configured)

    def policy_plan(self, policy: Policy) -> list[TierPlan]:
        """Per tier: whom the policy would try first now, at what unit price, and who is skipped."""
        plans = []
        for tier in Complexity.tiers():
            plan = policy.candidates(tier)
            first = str(plan.candidates[0]) if plan.candidates else None
            plans.append(TierPlan(tier.value, first, self.unit_price(first) if first else None,
                                  tuple(str(t) for t in policy.targets(tier)),
                                  tuple((str(s.target), s.reason) for s in plan.skipped)))
        return plans

    def unit_price(self, target: str) -> PriceOverride | None:
        """USD per 1M input / output tokens of "provider:model" (None: unpriced)."""
        provider, _, model = str(target).partition(":")
        return self.router.prices.unit_prices(provider, model)

    def diff_policies(self, before: Policy, after: Policy) -> list[TierChange]:
        """The tiers (and last resort, baseline, learned rule) whose candidates differ, in tier order."""
        a, b = before.to_dict(), after.to_dict()
        changes = [TierChange(key, _entries(a, key), _entries(b, key))
                   for key in (*TIERS, "last_resort", "baseline")]
        rules = tuple(() if p.learned is None else (str(p.learned),) for p in (before, after))
        changes.append(TierChange(LEARNED, *rules))
        return [c for c in changes if c.before != c.after]

    # ---- changing -----------------------------------------------------------------------------
    def _check_name(self, name: str) -> str:
        name = (name or "").strip()
        if not name:
            raise ConfigError("give the policy a name")
        if name == FILE_POLICY or name.startswith("Active: "):
            raise ConfigError(f"{name!r} is reserved; choose another name")
        return name

    def save_policy(self, name: str, policy: Policy | Mapping[str, Any], *, activate: bool = True) -> Policy:
        """Validate and save under `name` (replacing a policy of that name); by default it becomes active.
        Saving and activating a table identical to the active policy is refused (ConfigError): nothing changes."""
        name = self._check_name(name)
        data = policy.to_dict() if isinstance(policy, Policy) else dict(policy)
        checked = self.validate_policy(data, name)
        active = self.active_policy()
        if activate and checked.to_dict() == active.to_dict():  # it would change nothing
            raise ConfigError(f"this table and baseline are identical to the active policy {active.name!r}; "
                              "nothing was saved (change a tier or the baseline first)")
        self.router.store.save_policy(name, checked.to_dict(), activate=activate)
        self.router.refresh_policy(force=True)
        return checked

    def activate_policy(self, name: str) -> None:
        """Make a saved policy the active one (refused when it no longer fits the config)."""
        self.load_policy(name)
        self.router.store.activate_policy(name)
        self.router.refresh_policy(force=True)

    def use_file_policy(self) -> None:
        """Deactivate every saved policy (they stay saved): routing follows the config file again."""
        self.router.store.deactivate_policies()
        self.router.refresh_policy(force=True)

    def _active_name(self) -> str | None:
        active = self.router.store.active_policy()
        return active[0] if active else None

    def rename_policy(self, old: str, new: str) -> None:
        """Rename a saved policy; an active one stays active. Refused when `new` is taken."""
        store = self.router.store
        new = self._check_name(new)
        data = store.get_policy(old)
        if data is None:
            raise ConfigError(f"no saved policy named {old!r}")
        if new == old:
            return
        if store.get_policy(new) is not None:
            raise ConfigError(f"a policy named {new!r} already exists; choose another name or delete that one")
        store.save_policy(new, data, activate=self._active_name() == old)
        store.delete_policy(old)
        self.router.refresh_policy(force=True)

    def delete_policy(self, name: str) -> bool:
        """Delete a saved policy. Returns True when it was active (routing then follows the config file)."""
        store = self.router.store
        if store.get_policy(name) is None:
            raise ConfigError(f"no saved policy named {name!r}")
        was_active = self._active_name() == name
        store.delete_policy(name)
        self.router.refresh_policy(force=True)
        return was_active

    def parse_target(self, text: str) -> str:
        """"provider:model" checked against the config (aliases resolved); ConfigError otherwise."""
        return str(parse_target(text, self.router.config.providers))
