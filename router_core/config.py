"""Configuration: `.env` + environment + `data/router.toml` -> providers, models, routing, baseline, limits.

    from router_core.config import load_config
    cfg = load_config()                       # ROUTER_CONFIG or <repo>/data/router.toml; .env from cwd
    cfg.providers["anthropic"].configured     # False until ANTHROPIC_API_KEY is set (not an error)
    cfg.routing.tiers[Complexity.COMPLEX]     # (Target("gemini", "gemini-4-argon"), ...)

Rules:
- Keys come only from the environment or a `.env` file (never from the TOML); the environment wins over
  `.env`, and a base URL in the environment wins over the one in the TOML. `os.environ` is never modified.
- A provider without its key is "not configured", which is not an error.
- Every mistake in the file raises `ConfigError` saying where (file + key path such as `routing.COMPLEX[1]`)
  and what to write instead. All problems are reported at once.
- Nothing here touches the network.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .catalog import (ModelSpec, PriceOverride, ProviderSpec, RoutingTable, Target, check_routing, parse_target,
                      provider_part)
from .config_checks import Checker
from .errors import ConfigError, register_secret
from .providers import REGISTRY, provider_class

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_PATH = REPO_ROOT / "data" / "router.toml"
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'data' / 'router.db'}"

KINDS: tuple[str, ...] = tuple(REGISTRY)  # the provider kinds a [providers.NAME] table may name

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Limits:
    max_prompt_chars: int = 200_000
    max_messages: int = 500
    request_deadline_s: float = 120.0
    attempt_timeout_s: float = 60.0
    max_retries: int = 2
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0
    retry_after_cap_s: float = 20.0
    cooldown_failures: int = 3
    cooldown_s: float = 30.0
    queue_wait_s: float = 1.5  # longest wait for a busy provider's slot while another candidate remains


DEFAULT_JUDGE = "openai:gpt-6-astra"  # not the default baseline, not in the default routing table


@dataclass(frozen=True)
class QualitySettings:
    """[quality]: the judge of evaluation runs and shadow checks, and the shadow checks' share and budget."""

    judge: Target | None = None  # None: the config has no DEFAULT_JUDGE and names none; give one per run
    shadow_rate: float = 0.0  # share of answered, non-baseline requests checked against the baseline (0 = off)
    shadow_daily_budget_usd: float | None = None  # None: no daily cap on shadow checks (judge + baseline)


@dataclass(frozen=True)
class Config:
    providers: Mapping[str, ProviderSpec] = field(hash=False)
    routing: RoutingTable
    baseline: Target
    cache_ttl_s: float
    database_url: str
    limits: Limits
    demo: bool  # ROUTER_DEMO forces it; otherwise True when no cloud provider has a key
    demo_failure_rate: float
    demo_latency_scale: float
    price_overrides: Mapping[str, PriceOverride] = field(hash=False)  # "provider:model" or "provider:*"
    source: str  # path of the TOML
    demo_forced: bool = False  # ROUTER_DEMO was set (on or off): no automatic decision
    quality: QualitySettings = QualitySettings()

    def provider(self, name: str) -> ProviderSpec:
        try:
            return self.providers[name]
        except KeyError:
            raise ConfigError(f"unknown provider {name!r}; configured providers: "
                              f"{', '.join(self.providers) or 'none'}") from None

    @property
    def configured_providers(self) -> list[str]:
        return [n for n, p in self.providers.items() if p.configured]

    def all_targets(self) -> list[Target]:
        """Every model of every provider, in file order."""
        return [Target(p.name, m.id) for p in self.providers.values() for m in p.models]


# ---------------------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------------------
def load_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment merged over `.env` (ROUTER_DOTENV, else `.env` in the cwd; "" disables it).

    Real environment variables always win; `os.environ` is not modified.
    """
    base = dict(os.environ if env is None else env)
    dotenv_path = base.get("ROUTER_DOTENV")
    path = Path(dotenv_path) if dotenv_path else (None if dotenv_path == "" else Path.cwd() / ".env")
    merged: dict[str, str] = {}
    if path is not None and path.is_file():
        from dotenv import dotenv_values

        merged = {k: v for k, v in dotenv_values(path).items() if v is not None}
    merged.update(base)
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found. Set ROUTER_CONFIG to your router.toml, "
                          f"or unset it to use {DEFAULT_CONFIG_PATH}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}. Fix that line (strings need quotes, "
                          "tables look like [providers.name], keys like key = value).") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None


_PROVIDER_KEYS = ("kind", "key_env", "base_url", "base_url_env", "timeout_s", "max_concurrency", "models", "options")


def _resolve_option_paths(options: dict[str, Any]) -> dict[str, Any]:
    """Relative `*_path` / `*_dir` options are relative to the repository root (where `data/` lives)."""
    out = dict(options)
    for key, value in options.items():
        if isinstance(value, str) and key.endswith(("_path", "_dir")) and value and not Path(value).is_absolute():
            out[key] = str(REPO_ROOT / value)
    return out


def _normalise_url(url: str, host_without_scheme: bool) -> str:
    url = url.strip()
    if host_without_scheme and "://" not in url:  # e.g. OLLAMA_HOST is often "host:port"
        url = f"http://{url}"
    return url.rstrip("/")


def _parse_provider(name: str, raw: Any, env: Mapping[str, str], check: Checker) -> ProviderSpec | None:
    where = f"providers.{name}"
    data = check.table(raw, where)
    if not isinstance(raw, dict):
        return None
    check.known_keys(data, _PROVIDER_KEYS, where)
    kind = data.get("kind")
    if kind not in KINDS:
        got = "missing" if kind is None else f"{kind!r} is not a provider kind"
        check.add(f"{where}.kind", f"{got}; use one of: {' '.join(KINDS)} (e.g. kind = \"openai_compatible\" "
                                   "for any OpenAI-style endpoint)")
        return None
    facts = provider_class(kind)  # the kind's env variables, key rule and URL form, as its class declares
    key_names: tuple[str, ...] = facts.key_envs  # what the vendor's SDK reads, unless the TOML names others
    needs_key = facts.needs_key
    if "key_env" in data:
        raw_key_env = data["key_env"]
        if isinstance(raw_key_env, str):
            key_names = (raw_key_env,) if raw_key_env else ()
            needs_key = needs_key or bool(key_names)  # a named key is required, even by a keyless kind
        elif isinstance(raw_key_env, list) and all(isinstance(x, str) and x for x in raw_key_env):
            key_names = tuple(raw_key_env)
            needs_key = needs_key or bool(key_names)
        else:
            check.add(f"{where}.key_env", "expected the name of an environment variable, e.g. "
                                          "key_env = \"OPENAI_API_KEY\" (or a list of names to try in order)")
    for key_name in key_names:
        if key_name.startswith(("sk-", "gsk_", "AIza")) or len(key_name) > 64:
            check.add(f"{where}.key_env", "looks like an API key, not a variable name. Never put keys in the "
                                          "TOML: write key_env = \"OPENAI_API_KEY\" and put the key in .env")
            key_names = ()
            break
    api_key = next((env[n].strip() for n in key_names if env.get(n, "").strip()), None)
    register_secret(api_key)

    url_env = check.string(data, "base_url_env", where, facts.base_url_env)
    base_url = check.string(data, "base_url", where)
    if url_env and env.get(url_env, "").strip():
        base_url = env[url_env]
    if base_url is not None:
        if not base_url.strip():
            base_url = None
        else:
            base_url = _normalise_url(base_url, facts.host_without_scheme)
            if "://" not in base_url:
                check.add(f"{where}.base_url", f"{base_url!r} is not a URL; write e.g. base_url = "
                                               "\"http://localhost:8000/v1\"")

    timeout = check.number(data, "timeout_s", where, 60.0, strictly_positive=True)
    max_concurrency = None
    if "max_concurrency" in data:
        if facts.capacity_option:
            check.add(f"{where}.max_concurrency", f"a {kind} provider serves as many requests at once as its "
                                                  f"engine has slots; set {facts.capacity_option} instead")
        else:
            max_concurrency = int(check.number(data, "max_concurrency", where, 1, integer=True,
                                               strictly_positive=True))

    models: list[ModelSpec] = []
    raw_models = data.get("models", {})
    if isinstance(raw_models, list):  # models = ["a", "b"] is accepted too
        raw_models = {m: {} for m in raw_models if isinstance(m, str)}
    models_table = check.table(raw_models, f"{where}.models")
    seen_names: dict[str, str] = {}
    for model_id, spec in models_table.items():
        mwhere = f"{where}.models.\"{model_id}\""
        aliases: tuple[str, ...] = ()
        context_tokens = None
        if isinstance(spec, dict):
            check.known_keys(spec, ("aliases", "context_tokens"), mwhere)
            if "context_tokens" in spec:
                context_tokens = int(check.number(spec, "context_tokens", mwhere, 8192, integer=True,
                                                  strictly_positive=True))
            raw_aliases = spec.get("aliases", [])
            if isinstance(raw_aliases, str):
                raw_aliases = [raw_aliases]
            if not isinstance(raw_aliases, list) or not all(isinstance(a, str) and a for a in raw_aliases):
                check.add(f"{mwhere}.aliases", "expected a list of names, e.g. aliases = [\"gpt-small\"]")
                raw_aliases = []
            aliases = tuple(raw_aliases)
        else:
            check.add(mwhere, "expected a table, e.g. \"model-id\" = { aliases = [\"short-name\"], "
                              "context_tokens = 8192 } or {}")
        for n in (model_id, *aliases):
            if n in seen_names and seen_names[n] != model_id:
                check.add(mwhere, f"name {n!r} is already used by model {seen_names[n]!r}; names must be unique "
                                  "within a provider")
            seen_names.setdefault(n, model_id)
        models.append(ModelSpec(model_id, aliases, context_tokens))

    options = check.table(data.get("options"), f"{where}.options")
    return ProviderSpec(
        name=name, kind=kind, base_url=base_url, key_env=key_names[0] if key_names else None, api_key=api_key,
        models=tuple(models), timeout_s=timeout, options=_resolve_option_paths(options),
        key_env_alternatives=key_names[1:], base_url_env=url_env, needs_key=needs_key,
        max_concurrency=max_concurrency,
    )


def _parse_prices(raw: Any, providers: Mapping[str, ProviderSpec], check: Checker,
                  broken: set[str]) -> dict[str, PriceOverride]:
    table = check.table(raw, "prices")
    out: dict[str, PriceOverride] = {}
    for key, value in table.items():
        where = f"prices.\"{key}\""
        provider, sep, model = str(key).partition(":")
        if not sep or not provider or not model:
            check.add(where, "the key must be \"provider:model\" or \"provider:*\", e.g. [prices.\"ollama:*\"]")
            continue
        spec = providers.get(provider)
        if spec is None:
            if provider not in broken:
                check.add(where, f"unknown provider {provider!r}; known providers: {', '.join(providers)}")
            continue
        if model != "*" and spec.has_model(model):
            model = spec.resolve_model(model)
        data = check.table(value, where)
        if not isinstance(value, dict):
            continue
        check.known_keys(data, ("input", "output", "cached_input"), where)
        missing = [k for k in ("input", "output") if k not in data]
        if missing:
            check.add(where, f"missing {' and '.join(missing)}; prices are USD per 1M tokens, e.g. "
                             "input = 0.5, output = 1.5")
            continue
        inp = check.number(data, "input", where, 0.0)
        outp = check.number(data, "output", where, 0.0)
        cached = check.number(data, "cached_input", where, -1.0) if "cached_input" in data else None
        out[f"{provider}:{model}"] = PriceOverride(inp, outp, cached if cached is None or cached >= 0 else None)
    return out


def _demo_flag(env: Mapping[str, str], providers: Mapping[str, ProviderSpec], check: Checker) -> bool:
    raw = env.get("ROUTER_DEMO", "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    if raw:
        check.add("ROUTER_DEMO (environment)", f"expected 1/true/yes/on or 0/false/no/off, got {raw!r}; "
                                               "unset it to decide automatically")
    # Automatic: demo mode when no cloud provider has a key (a local runtime's key, if any, does not count).
    return not any(p.api_key for p in providers.values() if not provider_class(p.kind).local)


def _parse_quality(raw: Any, providers: Mapping[str, ProviderSpec], check: Checker,
                   broken: set[str]) -> QualitySettings:
    table = check.table(raw, "quality")
    check.known_keys(table, ("judge", "shadow_rate", "shadow_daily_budget_usd"), "quality")
    judge: Target | None = None
    text = check.string(table, "judge", "quality")
    try:
        if text is not None:
            judge = parse_target(text, providers)
        elif provider_part(DEFAULT_JUDGE) in providers:
            judge = parse_target(DEFAULT_JUDGE, providers)
    except ConfigError as exc:
        if text is not None and provider_part(text) not in broken:
            check.add("quality.judge", str(exc))
    rate = check.number(table, "shadow_rate", "quality", 0.0, maximum=1.0)
    budget = check.number(table, "shadow_daily_budget_usd", "quality", 1.0) \
        if "shadow_daily_budget_usd" in table else None
    return QualitySettings(judge, rate, budget)


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config: `path`, else ROUTER_CONFIG, else `<repo>/data/router.toml`.

    `env` stands in for `os.environ` (tests); `.env` is merged underneath it either way.
    """
    merged = load_env(env)
    if path is None:
        path = merged.get("ROUTER_CONFIG") or DEFAULT_CONFIG_PATH
    path = Path(path).expanduser()
    data = _read_toml(path)
    source = str(path)
    check = Checker(source)
    check.known_keys(data, ("router", "limits", "demo", "providers", "routing", "prices", "quality"), "(top level)")

    providers: dict[str, ProviderSpec] = {}
    broken: set[str] = set()  # provider tables already reported as wrong
    providers_table = check.table(data.get("providers"), "providers")
    if not providers_table:
        check.add("providers", "no providers defined; add at least one table like [providers.local] "
                               "with kind = \"llamacpp\"")
    for name, raw in providers_table.items():
        if ":" in name or not name.strip():
            check.add(f"providers.{name}", "a provider name must be non-empty and contain no ':'")
            continue
        spec = _parse_provider(name, raw, merged, check)
        if spec is not None:
            providers[name] = spec
        else:
            broken.add(name)

    router = check.table(data.get("router"), "router")
    check.known_keys(router, ("baseline", "cache_ttl_days", "database_url"), "router")
    ttl_days = check.number(router, "cache_ttl_days", "router", 7.0)
    database_url = merged.get("DATABASE_URL", "").strip() or check.string(router, "database_url", "router") \
        or DEFAULT_DATABASE_URL

    limits_table = check.table(data.get("limits"), "limits")
    defaults = Limits()
    limit_fields = [f.name for f in fields(Limits)]
    check.known_keys(limits_table, limit_fields, "limits")
    limit_values: dict[str, Any] = {}
    for f in fields(Limits):
        default = getattr(defaults, f.name)
        integer = isinstance(default, int)
        positive = f.name not in ("max_retries", "backoff_base_s", "cooldown_s", "queue_wait_s")
        limit_values[f.name] = check.number(limits_table, f.name, "limits", default, integer=integer,
                                            strictly_positive=positive)
    limits = Limits(**limit_values)

    demo_table = check.table(data.get("demo"), "demo")
    check.known_keys(demo_table, ("failure_rate", "latency_scale"), "demo")
    failure_rate = check.number(demo_table, "failure_rate", "demo", 0.02, maximum=1.0)
    latency_scale = check.number(demo_table, "latency_scale", "demo", 1.0)

    # Targets need the providers; skip them when a provider table itself was broken (one error, not ten).
    routing: RoutingTable | None = None
    baseline: Target | None = None
    routing_data = data.get("routing")
    if not isinstance(routing_data, dict):
        check.add("routing", "missing; add a [routing] table with TRIVIAL SIMPLE MEDIUM COMPLEX EXPERT lists "
                             "of \"provider:model\" and last_resort")
    else:
        routing, routing_problems = check_routing(routing_data, providers, "routing", frozenset(broken))
        check.problems.extend(routing_problems)
    raw_baseline = router.get("baseline")
    if raw_baseline is None:
        check.add("router.baseline", f"missing; the premium model you compare savings against, e.g. "
                                     f"baseline = \"anthropic:claude-sonnet-5-5\"")
    else:
        try:
            baseline = parse_target(raw_baseline, providers)
        except ConfigError as exc:
            if provider_part(raw_baseline) not in broken:
                check.add("router.baseline", str(exc))
    price_overrides = _parse_prices(data.get("prices"), providers, check, broken)
    quality = _parse_quality(data.get("quality"), providers, check, broken)
    demo = _demo_flag(merged, providers, check)
    check.fail_if_any()
    assert routing is not None and baseline is not None
    return Config(
        providers=providers, routing=routing, baseline=baseline, cache_ttl_s=ttl_days * 86400.0,
        database_url=database_url, limits=limits, demo=demo, demo_failure_rate=failure_rate,
        demo_forced=bool(merged.get("ROUTER_DEMO", "").strip()),
        demo_latency_scale=latency_scale, price_overrides=price_overrides, source=source, quality=quality,
    )


__all__ = ["Limits", "Config", "QualitySettings", "DEFAULT_JUDGE", "load_config", "load_env", "KINDS", "DEFAULT_CONFIG_PATH", "REPO_ROOT"]
