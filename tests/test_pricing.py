"""Pricing: genai-prices' bundled data plus overrides, by hand-computed examples, and fast."""

from __future__ import annotations

import time

import pytest
from genai_prices import Usage as GUsage
from genai_prices import calc_price

from router_core.config import load_config
from router_core.pricing import GENAI_VERSION, PriceBook, PriceOverride
from router_core.types import Usage

M = 1_000_000


@pytest.fixture(scope="module")
def cfg():
    return load_config(env={"ROUTER_DOTENV": ""})


@pytest.fixture(scope="module")
def book(cfg):
    return PriceBook(cfg.price_overrides, cfg.providers)


def test_known_model_matches_documented_prices(book):
    # claude-sonnet-5-5: 2 / 10 per 1M, cache read 0.10, cache write (5 min) 2.50
    u = Usage(input_tokens=10_000, output_tokens=1_000, cached_input_tokens=4_000, cache_write_tokens=1_000)
    expected = (5_000 * 2 + 4_000 * 0.10 + 1_000 * 2.50 + 1_000 * 10) / M
    assert book.cost("anthropic", "claude-sonnet-5-5", u) == pytest.approx(expected, rel=1e-12)
    # gpt-6-luna: 0.10 / 0.50, cached 0.01
    u = Usage(input_tokens=2_000, output_tokens=500, cached_input_tokens=1_500)
    assert book.cost("openai", "gpt-6-luna", u) == pytest.approx((500 * 0.10 + 1_500 * 0.01 + 500 * 0.50) / M)
    # llama-3.1-8b-instant: 0.05 / 0.08, no cache discount: cached tokens cost the input rate
    u = Usage(input_tokens=3_000, output_tokens=700, cached_input_tokens=1_000)
    assert book.cost("groq", "llama-3.1-8b-instant", u) == pytest.approx((3_000 * 0.05 + 700 * 0.08) / M)
    # gemini-3.1-flash-lite: 0.25 / 1.50, cached 0.025
    u = Usage(input_tokens=1_000, output_tokens=100, cached_input_tokens=600)
    assert book.cost("gemini", "gemini-3.1-flash-lite", u) == pytest.approx((400 * 0.25 + 600 * 0.025 + 100 * 1.5) / M)


def test_unit_prices_and_aliases(book):
    assert book.unit_prices("anthropic", "claude-sonnet-5-5") == PriceOverride(2.0, 10.0, 0.1)
    assert book.unit_prices("openai", "gpt-6-astra") == PriceOverride(10.0, 50.0, 1.0)
    assert book.unit_prices("groq", "openai/gpt-oss-120b") == PriceOverride(0.15, 0.60, 0.075)
    # an alias is priced as the model it stands for (not as the old model genai-prices also knows)
    u = Usage(1_000, 1_000)
    assert book.cost("openai", "gpt-4o-mini", u) == book.cost("openai", "gpt-6-luna", u)
    assert book.cost("anthropic", "claude-sonnet-4-5", u) == book.cost("anthropic", "claude-sonnet-5-5", u)


def test_overrides_price_local_models_at_zero(book):
    u = Usage(5_000, 2_000)
    assert book.cost("ollama", "llama3.2", u) == 0.0
    assert book.cost("ollama", "anything-pulled-later", u) == 0.0
    assert book.cost("local", "smollm2-135m", u) == 0.0
    assert book.source("ollama", "qwen3:8b") == "override (ollama:*)"
    assert book.unit_prices("ollama", "qwen3:8b") == PriceOverride(0.0, 0.0, 0.0)


def test_specific_override_beats_wildcard_and_genai(cfg):
    book = PriceBook({"openai:gpt-6.1-terra": PriceOverride(0.8, 4.0, 0.04), "openai:*": PriceOverride(9, 9)},
                     cfg.providers)
    u = Usage(input_tokens=1_000, output_tokens=1_000, cached_input_tokens=500)
    assert book.cost("openai", "gpt-6.1-terra", u) == pytest.approx((500 * 0.8 + 500 * 0.04 + 1_000 * 4.0) / M)
    assert book.cost("openai", "gpt-6-luna", u) == pytest.approx((1_000 * 9 + 1_000 * 9) / M)  # cached = input
    assert book.source("openai", "gpt-6.1-terra") == "override (openai:gpt-6.1-terra)"


def test_unknown_model_is_unpriced_not_free(cfg, book):
    u = Usage(1_000, 1_000)
    assert book.cost("groq", "no-such-model-xyz", u) is None
    assert book.unit_prices("groq", "no-such-model-xyz") is None
    assert book.cost("nobody", "nothing", u) is None
    bare = PriceBook({}, cfg.providers)  # without the $0 override a local model is unpriced, never $0
    assert bare.cost("ollama", "llama3.2", u) is None
    assert bare.cost("ollama", "gpt-oss:20b", u) is None


def test_openai_compatible_is_priced_by_model_id():
    from router_core.catalog import ModelSpec, ProviderSpec

    spec = ProviderSpec("proxy", "openai_compatible", "http://127.0.0.1:1/v1", None,
                        models=(ModelSpec("claude-sonnet-5-5"),))
    book = PriceBook({}, {"proxy": spec})
    assert book.unit_prices("proxy", "claude-sonnet-5-5") == PriceOverride(2.0, 10.0, 0.1)


def test_tiered_price_for_a_big_prompt(book):
    # claude-haiku-5-5: 0.10 / 0.50 (cached 0.01), and 5x for every token once the prompt exceeds 100k tokens
    small = Usage(input_tokens=100_000, output_tokens=1_000)
    assert book.cost("anthropic", "claude-haiku-5-5", small) == pytest.approx((100_000 * 0.10 + 1_000 * 0.50) / M)
    big = Usage(input_tokens=150_000, output_tokens=1_000, cached_input_tokens=50_000)
    expected = (100_000 * 0.50 + 50_000 * 0.05 + 1_000 * 2.50) / M
    assert book.cost("anthropic", "claude-haiku-5-5", big) == pytest.approx(expected, rel=1e-12)
    # gpt-6-luna doubles input above 272k tokens
    huge = Usage(input_tokens=300_000, output_tokens=2_000)
    assert book.cost("openai", "gpt-6-luna", huge) == pytest.approx((300_000 * 0.20 + 2_000 * 0.75) / M)


GENAI_ID = {"openai": "openai", "anthropic": "anthropic", "gemini": "google", "groq": "groq"}


def test_every_default_cloud_model_agrees_with_genai_prices(cfg, book):
    usages = [Usage(1_234, 567), Usage(20_000, 3_000, cached_input_tokens=15_000, cache_write_tokens=2_000),
              Usage(150_000, 800, cached_input_tokens=10_000), Usage(400_000, 10_000, cached_input_tokens=100_000)]
    checked = 0
    for target in cfg.all_targets():
        kind = cfg.providers[target.provider].kind
        if kind not in GENAI_ID:
            continue
        for u in usages:
            g = GUsage(input_tokens=u.input_tokens, output_tokens=u.output_tokens,
                       cache_read_tokens=u.cached_input_tokens, cache_write_tokens=u.cache_write_tokens)
            exact = float(calc_price(g, target.model, provider_id=GENAI_ID[kind]).total_price)
            assert book.cost(target.provider, target.model, u) == pytest.approx(exact, rel=1e-9, abs=1e-15), target
            checked += 1
    assert checked == 13 * len(usages)


def test_table_rows_for_settings(book):
    rows = {(r["provider"], r["model"]): r for r in book.table()}
    assert len(rows) == 16
    sonnet = rows[("anthropic", "claude-sonnet-5-5")]
    assert (sonnet["input"], sonnet["output"], sonnet["cached_input"]) == (2.0, 10.0, 0.1)
    assert sonnet["source"] == f"genai-prices {GENAI_VERSION}"
    assert rows[("ollama", "llama3.2")]["source"].startswith("override")
    assert "100,000" in rows[("anthropic", "claude-haiku-5-5")]["tiers"]
    assert GENAI_VERSION in book.snapshot


def test_cost_is_fast_on_the_hot_path(book):
    u = Usage(input_tokens=1_200, output_tokens=300, cached_input_tokens=1_000)
    book.warm()  # compiles every configured model once
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        book.cost("anthropic", "claude-sonnet-5-5", u)
        book.cost("groq", "llama-3.1-8b-instant", u)
    per_call_us = (time.perf_counter() - start) / (2 * n) * 1e6
    print(f"PriceBook.cost: {per_call_us:.2f} µs per call")
    assert per_call_us < 25


def test_no_price_update_is_ever_fetched(book):
    from genai_prices import data_snapshot, update_prices

    book.cost("openai", "gpt-6-luna", Usage(10, 10))
    assert update_prices._shared_updater.thread is None
    assert data_snapshot._custom_snapshot is None


def test_a_price_that_changes_within_the_day_is_not_kept_past_its_hour():
    """DeepSeek charges more during its peak hours (genai-prices: 01:00-04:00 and 06:00-10:00 UTC); a price
    compiled at 05:00 must not still be used at 07:00 (it used to be cached until midnight)."""
    from datetime import datetime, timezone

    from router_core.catalog import ModelSpec, ProviderSpec

    now = [datetime(2026, 12, 2, 5, 0, tzinfo=timezone.utc).timestamp()]
    spec = ProviderSpec("deepseek", "deepseek", None, None, models=(ModelSpec("deepseek-v4-flash"),))
    book = PriceBook({}, {"deepseek": spec}, clock=lambda: now[0])
    usage = Usage(input_tokens=M, output_tokens=0)

    def genai(ts: float) -> float:
        when = datetime.fromtimestamp(ts, timezone.utc)
        return float(calc_price(GUsage(input_tokens=M), "deepseek-v4-flash", provider_id="deepseek",
                                genai_request_timestamp=when).total_price)

    off_peak = book.cost("deepseek", "deepseek-v4-flash", usage)
    now[0] += 2 * 3600  # 07:00 UTC, inside a peak window
    peak = book.cost("deepseek", "deepseek-v4-flash", usage)
    assert off_peak == pytest.approx(genai(now[0] - 2 * 3600)) and peak == pytest.approx(genai(now[0]))
    assert peak != off_peak
