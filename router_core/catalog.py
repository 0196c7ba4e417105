"""The vocabulary every other module speaks: targets, model and provider specs, routing tables.

    from router_core.catalog import Target, parse_target, validate_routing
    parse_target("anthropic:claude-sonnet-4-5", cfg.providers)   # Target("anthropic", "claude-sonnet-5-5")

This module sits at the bottom of the package: it imports only `errors` and `types`, so config, policy,
pricing, providers and the front ends can all import it without cycles.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError
from .types import Complexity


# ---------------------------------------------------------------------------------------------------------
# Public data
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One routing candidate: a provider name and a real model id (aliases already resolved)."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


@dataclass(frozen=True)
class ModelSpec:
    id: str
    aliases: tuple[str, ...] = ()
    context_tokens: int | None = None  # its context window; None: the provider kind's usual one


@dataclass(frozen=True)
class PriceOverride:
    """Prices in USD per 1M tokens. `cached_input_per_mtok` None means cached input costs the input rate."""

    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None = None


@dataclass(frozen=True)
class ProviderSpec:
    """A provider as configured. `api_key` comes only from the environment / `.env` and is never shown."""

    name: str
    kind: str
    base_url: str | None
    key_env: str | None
    api_key: str | None = field(default=None, repr=False, compare=False)
    models: tuple[ModelSpec, ...] = ()
    timeout_s: float = 60.0
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)  # extra kwargs for create_provider
    key_env_alternatives: tuple[str, ...] = ()  # also read, in order, when `key_env` is unset
    base_url_env: str | None = None
    # From the kind's facts (config fills it in); a keyless kind whose TOML names a key_env needs that key too.
    needs_key: bool = True
    max_concurrency: int | None = None  # requests served at once (None: no limit of ours); see router_core.capacity

    @property
    def configured(self) -> bool:
        """The key is present, or this kind needs no key."""
        return bool(self.api_key) or not self.needs_key

    @property
    def missing(self) -> str | None:
        """What to do to configure it (e.g. "set ANTHROPIC_API_KEY"), or None when configured."""
        if self.configured:
            return None
        names = [n for n in (self.key_env, *self.key_env_alternatives) if n]
        if not names:
            return f"add key_env = \"...\" to [providers.{self.name}] and set that variable"
        extra = f" (or {', '.join(names[1:])})" if len(names) > 1 else ""
        return f"set {names[0]}{extra}"

    @property
    def model_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.models)

    def context_tokens(self, model_id: str) -> int | None:
        """The configured context window of `model_id` (None: not set; the adapter's own applies)."""
        return next((m.context_tokens for m in self.models if m.id == model_id), None)

    def has_model(self, name: str) -> bool:
        return self._lookup(name) is not None

    def _lookup(self, name: str) -> str | None:
        for m in self.models:
            if name == m.id or name in m.aliases:
                return m.id
        return None

    def resolve_model(self, name: str) -> str:
        """An id or alias -> the model id; ConfigError listing the known models otherwise."""
        found = self._lookup(name)
        if found is not None:
            return found
        known = [m.id for m in self.models] + [a for m in self.models for a in m.aliases]
        hint = difflib.get_close_matches(name, known, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        listing = ", ".join(_describe_model(m) for m in self.models) or "none configured"
        raise ConfigError(f"provider {self.name!r} has no model {name!r}.{did_you_mean} "
                          f"Known models: {listing}.")


@dataclass(frozen=True)
class RoutingTable:
    """The five tiers, each an ordered candidate list (cheapest first), plus an optional last resort."""

    tiers: Mapping[Complexity, tuple[Target, ...]] = field(hash=False)
    last_resort: Target | None = None


# ---------------------------------------------------------------------------------------------------------
# Targets and routing
# ---------------------------------------------------------------------------------------------------------
def _describe_model(m: ModelSpec) -> str:
    return f"{m.id} (alias {', '.join(m.aliases)})" if m.aliases else m.id


def _example_target(providers: Mapping[str, ProviderSpec]) -> str:
    for p in providers.values():
        if p.models:
            return f"{p.name}:{p.models[0].id}"
    return "anthropic:claude-sonnet-5-5"


def parse_target(text: str, providers: Mapping[str, ProviderSpec]) -> Target:
    """`"anthropic:claude-sonnet-4-5"` -> `Target("anthropic", "claude-sonnet-5-5")` (aliases resolved).

    Splits on the first colon, so model ids may contain colons (`ollama:qwen3:8b`) and slashes.
    """
    if not isinstance(text, str):
        raise ConfigError(f"expected a \"provider:model\" string, got {type(text).__name__} {text!r}; "
                          f"write e.g. \"{_example_target(providers)}\"")
    provider, sep, model = text.strip().partition(":")
    provider, model = provider.strip(), model.strip()
    if not sep or not provider or not model:
        raise ConfigError(f"{text!r} is not \"provider:model\"; write e.g. \"{_example_target(providers)}\"")
    spec = providers.get(provider)
    if spec is None:
        hint = difflib.get_close_matches(provider, list(providers), n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ConfigError(f"unknown provider {provider!r} in {text!r}.{did_you_mean} "
                          f"Known providers: {', '.join(providers) or 'none'} "
                          "(add a [providers.NAME] table to define another).")
    return Target(provider, spec.resolve_model(model))


def validate_routing(data: Mapping[str, Any], providers: Mapping[str, ProviderSpec], *,
                     where: str = "routing") -> RoutingTable:
    """Check a routing table given as plain data; ConfigError listing every problem.

    `data` maps each tier name (TRIVIAL SIMPLE MEDIUM COMPLEX EXPERT, any case) to a list of
    "provider:model" strings, cheapest first, and optionally `last_resort` to one such string ("" = none).
    Repeats within a tier are dropped.
    """
    table, problems = check_routing(data, providers, where)
    if problems:
        raise ConfigError(join_problems(problems))
    assert table is not None
    return table


def check_routing(data: Any, providers: Mapping[str, ProviderSpec], where: str,
                   broken: frozenset[str] = frozenset()) -> tuple[RoutingTable | None, list[str]]:
    """(table, problems); targets naming a provider in `broken` (already reported) add no problem."""
    problems: list[str] = []
    tiers: dict[Complexity, tuple[Target, ...]] = {}
    last_resort: Target | None = None
    valid = [t.value for t in Complexity.tiers()]
    if not isinstance(data, Mapping):
        return None, [f"{where}: expected a table of tiers ({', '.join(valid)}), got {type(data).__name__}"]
    seen: set[Complexity] = set()
    for key, value in data.items():
        if str(key).lower() == "last_resort":
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if value in (None, ""):
                continue
            try:
                last_resort = parse_target(value, providers)
            except ConfigError as exc:
                if provider_part(value) not in broken:
                    problems.append(f"{where}.last_resort: {exc}")
            continue
        try:
            tier = Complexity(str(key).upper())
        except ValueError:
            tier = None
        if tier is None or tier is Complexity.CACHED:
            problems.append(f"{where}.{key}: unknown tier; use one of {', '.join(valid)} or last_resort")
            continue
        if tier in seen:
            problems.append(f"{where}.{key}: tier {tier.value} is given twice")
            continue
        seen.add(tier)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            problems.append(f"{where}.{key}: expected a list of \"provider:model\" strings, "
                            f"got {type(value).__name__}")
            continue
        if not value:
            problems.append(f"{where}.{key}: empty; list at least one candidate, e.g. "
                            f"[\"{_example_target(providers)}\"]")
            continue
        targets: list[Target] = []
        for i, item in enumerate(value):
            try:
                targets.append(parse_target(item, providers))
            except ConfigError as exc:
                if provider_part(item) not in broken:
                    problems.append(f"{where}.{key}[{i}]: {exc}")
        tiers[tier] = tuple(dict.fromkeys(targets))
    for tier in Complexity.tiers():
        if tier not in seen:
            example = _example_target(providers)
            problems.append(f"{where}.{tier.value}: missing; add {tier.value} = [\"{example}\", ...]")
    if problems:
        return None, problems
    return RoutingTable({t: tiers[t] for t in Complexity.tiers()}, last_resort), []


def provider_part(text: Any) -> str:
    return text.partition(":")[0].strip() if isinstance(text, str) else ""


def join_problems(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)


__all__ = ["Target", "ModelSpec", "PriceOverride", "ProviderSpec", "RoutingTable", "parse_target", "validate_routing",
           "check_routing", "join_problems", "provider_part"]
