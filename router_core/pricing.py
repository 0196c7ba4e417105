"""What a call cost: genai-prices' bundled price table plus the overrides from the config.

    book = PriceBook(cfg.price_overrides, cfg.providers)
    book.cost("anthropic", "claude-sonnet-5-5", Usage(1200, 300, cached_input_tokens=1000))  # USD
    book.cost("ollama", "llama3.2", usage)      # 0.0 through the "ollama:*" override
    book.cost("groq", "no-such-model", usage)   # None: unpriced, never a silent $0

Prices come from the data bundled with the installed genai-prices package (it is never asked to fetch
updates; a newer table arrives with a package upgrade). They depend on the date (announced price changes),
on the prompt size (tiered prices: crossing a threshold re-prices *all* tokens) and on caching (cache reads
and writes have their own rates; without one they cost the input rate).

`cost()` is on the router's hot path, twice per request. The first call for a (provider, model) finds the
model in genai-prices and compiles its prices for today into a few floats; later calls are arithmetic on
those (a few microseconds). The compiled formula is checked against genai-prices' own calculation when it is
built; a model whose price structure it does not cover is priced by genai-prices itself (slower, exact).
"""

from __future__ import annotations

import calendar
import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .catalog import PriceOverride, ProviderSpec
from .providers import REGISTRY, provider_class
from .types import Usage

log = logging.getLogger(__name__)

# Price keys the fast formula understands (others are fine when they cannot apply to a text chat call).
_HANDLED = frozenset({"input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "requests_kcount"})

try:
    GENAI_VERSION = version("genai-prices")
except PackageNotFoundError:  # pragma: no cover - installed with the project
    GENAI_VERSION = "unknown"


# ---------------------------------------------------------------------------------------------------------
# genai-prices access (bundled data only)
# ---------------------------------------------------------------------------------------------------------
def _snapshot() -> Any:
    """The data bundled with the package, ignoring any snapshot an auto-updater may have installed."""
    from genai_prices import data_snapshot

    bundled = getattr(data_snapshot, "_bundled_snapshot", None)
    return bundled() if bundled is not None else data_snapshot.get_snapshot()


def _find_model(provider_id: str | None, model: str) -> tuple[Any, Any] | None:
    """(genai Provider, ModelInfo) or None when genai-prices does not know the model."""
    try:
        return _snapshot().find_provider_model(model, None, provider_id, None)
    except LookupError:
        return None


def _genai_usage(u: Usage) -> Any:
    from genai_prices import Usage as GUsage

    inp, cached, write, out = _counts(u)
    kwargs: dict[str, int] = {"input_tokens": inp, "output_tokens": out}
    if cached:
        kwargs["cache_read_tokens"] = cached
    if write:
        kwargs["cache_write_tokens"] = write
    return GUsage(**kwargs)


def _counts(u: Usage) -> tuple[int, int, int, int]:
    """(total input, cache read, cache write, output), made consistent: the cached parts fit in the input."""
    cached = max(0, int(u.cached_input_tokens or 0))
    write = max(0, int(u.cache_write_tokens or 0))
    inp = max(0, int(u.input_tokens or 0), cached + write)
    return inp, cached, write, max(0, int(u.output_tokens or 0))


def _base(price: Any) -> float | None:
    if price is None:
        return None
    return float(getattr(price, "base", price))


def _tiers(price: Any) -> list[tuple[int, float]]:
    return [(int(t.start), float(t.price)) for t in getattr(price, "tiers", None) or []]


def _price_at(price: Any, total_input: int) -> float | None:
    """genai-prices' cliff rule: the highest tier whose start the total input exceeds applies to all tokens."""
    if price is None:
        return None
    chosen = float(getattr(price, "base", price))
    for start, value in _tiers(price):
        if total_input > start:
            chosen = value
    return chosen


# ---------------------------------------------------------------------------------------------------------
# Compiled prices
# ---------------------------------------------------------------------------------------------------------
class _Band:
    """Per-token prices (USD per token) for prompts above `start` input tokens."""

    __slots__ = ("start", "input", "output", "cache_read", "cache_write")

    def __init__(self, start: int, inp: float, out: float, read: float, write: float) -> None:
        self.start, self.input, self.output, self.cache_read, self.cache_write = start, inp, out, read, write


class _Rates:
    """One (provider, model)'s prices until `expires` (a UTC midnight or an hour window edge), for arithmetic."""

    __slots__ = ("bands", "per_request", "exact", "expires", "unit", "source", "tiers_note", "change_note")

    def __init__(self) -> None:
        self.bands: tuple[_Band, ...] = ()  # highest start first; the last one starts at -1 (base prices)
        self.per_request = 0.0
        self.exact: tuple[Any, Any] | None = None  # (provider, model) priced by genai-prices itself
        self.expires = math.inf
        self.unit: PriceOverride | None = None
        self.source = ""
        self.tiers_note = ""
        self.change_note = ""

    def cost(self, u: Usage) -> float:
        if self.exact is not None:
            provider, model = self.exact
            calc = model.calc_price(_genai_usage(u), provider, genai_request_timestamp=datetime.now(tz=UTC))
            return float(calc.total_price)
        inp, cached, write, out = _counts(u)
        for band in self.bands:
            if inp > band.start:
                return ((inp - cached - write) * band.input + cached * band.cache_read
                        + write * band.cache_write + out * band.output + self.per_request)
        return self.per_request  # unreachable: the base band starts at -1


def _next_utc_midnight(now: float) -> float:
    today = datetime.fromtimestamp(now, tz=UTC).date()
    return float(calendar.timegm((today + timedelta(days=1)).timetuple()))


def _next_price_boundary(model: Any, now: float) -> float:
    """When the prices compiled at `now` may stop applying: the next UTC midnight (dated changes), or sooner
    the next start or end of a time-of-day window (e.g. a vendor's peak hours)."""
    midnight = _next_utc_midnight(now)
    day = datetime.fromtimestamp(now, tz=UTC).date()
    boundaries = [midnight]
    for conditional in model.prices if isinstance(model.prices, list) else ():
        constraint = conditional.constraint
        for edge in (getattr(constraint, "start_time", None), getattr(constraint, "end_time", None)):
            if isinstance(edge, dt_time):
                moment = datetime.combine(day, edge.replace(tzinfo=None), tzinfo=UTC).timestamp()
                boundaries.append(moment if moment > now else moment + 86_400)
    return min(boundaries)


def _override_rates(override: PriceOverride, key: str) -> _Rates:
    rates = _Rates()
    inp = override.input_per_mtok / 1e6
    cached = (override.cached_input_per_mtok if override.cached_input_per_mtok is not None
              else override.input_per_mtok) / 1e6
    rates.bands = (_Band(-1, inp, override.output_per_mtok / 1e6, cached, inp),)
    rates.unit = PriceOverride(override.input_per_mtok, override.output_per_mtok,
                               override.cached_input_per_mtok if override.cached_input_per_mtok is not None
                               else override.input_per_mtok)
    rates.source = f"override ({key})"
    return rates


_PROBES = (Usage(1000, 500), Usage(1000, 50, cached_input_tokens=300, cache_write_tokens=200), Usage(7, 0))


def _genai_rates(provider: Any, model: Any, now: float) -> _Rates:
    today = datetime.fromtimestamp(now, tz=UTC)
    prices = model.get_prices(today)
    rates = _Rates()
    rates.expires = _next_price_boundary(model, now)
    rates.source = f"genai-prices {GENAI_VERSION}"

    inp_p = getattr(prices, "input_mtok", None)
    out_p = getattr(prices, "output_mtok", None)
    read_p = getattr(prices, "cache_read_mtok", None) or inp_p
    write_p = getattr(prices, "cache_write_mtok", None) or inp_p
    base_in, base_out, base_read = _base(inp_p), _base(out_p), _base(read_p)
    if base_in is not None and base_out is not None:
        rates.unit = PriceOverride(base_in, base_out, base_read)

    starts = sorted({s for p in (inp_p, out_p, read_p, write_p) for s, _ in _tiers(p)}, reverse=True)
    if starts:
        parts = []
        for s in sorted(starts):
            probe = s + 1
            parts.append(f"prompts over {s:,} tokens: {_price_at(inp_p, probe):g} / {_price_at(out_p, probe):g}")
        rates.tiers_note = "; ".join(parts)
    rates.change_note = _change_note(model, today.date())

    # The fast formula covers input/output/cache read/cache write (tiered or not) and a per-request fee.
    keys = {k for k, v in vars(prices).items() if v is not None and not k.startswith("_")}
    if inp_p is not None and out_p is not None:
        bands = []
        for start in [*starts, -1]:
            probe = start + 1
            bands.append(_Band(start, _price_at(inp_p, probe) / 1e6, _price_at(out_p, probe) / 1e6,
                               _price_at(read_p, probe) / 1e6, _price_at(write_p, probe) / 1e6))
        rates.bands = tuple(bands)
        req = getattr(prices, "requests_kcount", None)
        rates.per_request = float(req) / 1000 if req is not None and not _tiers(req) else 0.0
        if _verify(rates, provider, model, today, starts):
            return rates
        log.info("pricing %s with genai-prices directly (price keys %s)", model.id, sorted(keys - _HANDLED))
    rates.exact = (provider, model)
    return rates


def _verify(rates: _Rates, provider: Any, model: Any, when: datetime, starts: list[int]) -> bool:
    """Does the fast formula agree with genai-prices for this model (keys it does not know may not matter)?"""
    probes = list(_PROBES) + [Usage(s + 1000, 100, cached_input_tokens=(s + 1000) // 3,
                                    cache_write_tokens=(s + 1000) // 10) for s in starts]
    for u in probes:
        try:
            exact = float(model.calc_price(_genai_usage(u), provider, genai_request_timestamp=when).total_price)
        except (ValueError, ArithmeticError):
            return False
        if not math.isclose(rates.cost(u), exact, rel_tol=1e-9, abs_tol=1e-15):
            return False
    return True


def _change_note(model: Any, today: date) -> str:
    """The next announced price change, e.g. "from 2026-12-01: 4 / 20"."""
    prices = model.prices
    if not isinstance(prices, list):
        return ""
    upcoming = []
    for conditional in prices:
        start = getattr(conditional.constraint, "start_date", None)
        if isinstance(start, date) and start > today:
            p = conditional.prices
            inp, out = _base(getattr(p, "input_mtok", None)), _base(getattr(p, "output_mtok", None))
            if inp is not None and out is not None:
                upcoming.append((start, f"from {start.isoformat()}: {inp:g} / {out:g}"))
    return min(upcoming)[1] if upcoming else ""


# ---------------------------------------------------------------------------------------------------------
# The public face
# ---------------------------------------------------------------------------------------------------------
class PriceBook:
    """Prices per (provider, model): overrides ("provider:model", then "provider:*"), then genai-prices."""

    snapshot: str

    def __init__(self, overrides: Mapping[str, PriceOverride] | None = None,
                 providers: Mapping[str, ProviderSpec] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.providers = dict(providers or {})
        self.clock = clock
        self.overrides: dict[str, PriceOverride] = {}
        for key, value in (overrides or {}).items():
            provider, _, model = key.partition(":")
            self.overrides[f"{provider}:{self._model_id(provider, model) if model != '*' else '*'}"] = value
        self.snapshot = f"genai-prices {GENAI_VERSION} (bundled data)"
        self._cache: dict[tuple[str, str], _Rates | None] = {}
        self._unpriced_until: dict[tuple[str, str], float] = {}

    # -- lookups ---------------------------------------------------------------------------------------
    def _model_id(self, provider: str, model: str) -> str:
        spec = self.providers.get(provider)
        if spec is not None and spec.has_model(model):
            return spec.resolve_model(model)
        return model

    def _kind(self, provider: str) -> str:
        spec = self.providers.get(provider)
        return spec.kind if spec is not None else provider

    def _rates(self, provider: str, model: str) -> _Rates | None:
        key = (provider, model)
        rates = self._cache.get(key)
        now = self.clock()
        if rates is not None and now < rates.expires:
            return rates
        if rates is None and key in self._cache and now < self._unpriced_until[key]:
            return None
        rates = self._build(provider, model, now)
        self._cache[key] = rates
        if rates is None:
            self._unpriced_until[key] = _next_utc_midnight(now)
        return rates

    def _build(self, provider: str, model: str, now: float) -> _Rates | None:
        model_id = self._model_id(provider, model)
        for key in (f"{provider}:{model_id}", f"{provider}:*"):
            override = self.overrides.get(key)
            if override is not None:
                return _override_rates(override, key)
        kind = self._kind(provider)
        known = kind in REGISTRY
        if known and provider_class(kind).local:
            # A local runtime is never priced from a cloud table (a local "gpt-oss:20b" is not OpenAI's): it
            # costs what the overrides say, and is unpriced without one.
            return None
        # The kind's genai-prices id (None: find the model by its id alone); a provider name we have no spec
        # for may be a genai-prices id itself.
        provider_id = provider_class(kind).genai_prices_id if known else provider
        found = _find_model(provider_id, model_id)
        if found is None and provider_id is not None and not known:
            found = _find_model(None, model_id)
        if found is None:
            return None
        return _genai_rates(found[0], found[1], now)

    # -- API ---------------------------------------------------------------------------------------------
    def warm(self) -> None:
        """Load genai-prices' data and compile every configured model now (~150 ms once), not on a request."""
        for name, spec in self.providers.items():
            for m in spec.models:
                self._rates(name, m.id)

    def cost(self, provider: str, model: str, usage: Usage) -> float | None:
        """USD for this usage on this model now; None when the model is unpriced (never a silent 0)."""
        rates = self._rates(provider, model)
        if rates is None:
            return None
        try:
            return rates.cost(usage)
        except (ValueError, ArithmeticError) as exc:  # genai-prices refused the usage (exact path only)
            log.warning("could not price %s:%s: %s", provider, model, exc)
            return None

    def unit_prices(self, provider: str, model: str) -> PriceOverride | None:
        """Per-1M input / output / cached-input prices in effect now (base tier), or None when unpriced."""
        rates = self._rates(provider, model)
        return rates.unit if rates is not None else None

    def source(self, provider: str, model: str) -> str | None:
        """Where the price comes from: "override (ollama:*)" or "genai-prices 0.2.3"; None when unpriced."""
        rates = self._rates(provider, model)
        return rates.source if rates is not None else None

    def table(self) -> list[dict[str, Any]]:
        """One row per configured model for the Settings page (prices per 1M tokens, None = unpriced)."""
        rows: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for name, spec in self.providers.items():
            for m in spec.models:
                rows.append(self._row(name, m.id))
                seen.add((name, m.id))
        for key in self.overrides:
            provider, _, model = key.partition(":")
            if model != "*" and (provider, model) not in seen:
                rows.append(self._row(provider, model))
        return rows

    def _row(self, provider: str, model: str) -> dict[str, Any]:
        rates = self._rates(provider, model)
        unit = rates.unit if rates is not None else None
        return {
            "provider": provider,
            "model": model,
            "input": unit.input_per_mtok if unit else None,
            "output": unit.output_per_mtok if unit else None,
            "cached_input": unit.cached_input_per_mtok if unit else None,
            "source": rates.source if rates is not None else f"unpriced (not in genai-prices {GENAI_VERSION})",
            "tiers": rates.tiers_note if rates is not None else "",
            "next_change": rates.change_note if rates is not None else "",
        }


__all__ = ["PriceBook", "PriceOverride", "GENAI_VERSION"]
