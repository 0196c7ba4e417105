"""DeepSeek and Mistral, the first-class OpenAI-compatible vendors: each one module and one registry line.

Tested over real HTTP against a fake vendor: the adapter alone, then through config and the router with the
provider tables data/router.toml lists (commented out), including the not-configured case.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import ROOT, close_after_test, run
from fakevendor import sse
from providerkit import ProviderKit

from router_core import Message
from router_core.config import load_config
from router_core.pricing import PriceBook
from router_core.providers import create_provider, provider_class
from router_core.router import Router
from router_core.types import ProviderResult, Usage

CHAT = [Message("system", "Be terse."), Message("user", "Capital of Australia?")]
SECRET = "vendor-test-key-0123456789SECRET"
# kind -> (a model of it in data/router.toml, its key variable, its base-URL variable, genai-prices price in/out
# at PRICED_AT: DeepSeek charges double in its peak hours, 01:00-04:00 and 06:00-10:00 UTC)
PRICED_AT = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc).timestamp()
VENDORS = {
    "deepseek": ("deepseek-v4-flash", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", (0.15, 0.60)),
    "mistral": ("mistral-small-latest", "MISTRAL_API_KEY", "MISTRAL_BASE_URL", (0.15, 0.60)),
}
KIT = ProviderKit(CHAT, "m", secret=SECRET)


def ok(model: str, text: str = "Canberra.", inp: int = 1000, out: int = 500) -> dict:
    return {"id": "cmpl-1", "object": "chat.completion", "created": 1795627231, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}}


def toml_example(kind: str) -> str:
    """The commented-out [providers.<kind>] block of data/router.toml, uncommented."""
    text = (ROOT / "data" / "router.toml").read_text()
    block = re.search(rf"^# \[providers\.{kind}\]\n(?:^# .*\n)+", text, re.M)
    assert block, f"data/router.toml lists no commented [providers.{kind}] table"
    return "".join(line[2:] + "\n" for line in block.group(0).splitlines())


def write_config(tmp_path: Path) -> Path:
    """Both vendors (as data/router.toml lists them), each tier trying mistral first, then deepseek."""
    first = [f'"{k}:{VENDORS[k][0]}"' for k in ("mistral", "deepseek")]
    tiers = "\n".join(f"{t} = [{', '.join(first)}]" for t in ("TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT"))
    path = tmp_path / "router.toml"
    path.write_text(f'[router]\nbaseline = "deepseek:deepseek-v4-pro"\n[demo]\nfailure_rate = 0\n'
                    f'{toml_example("deepseek")}\n{toml_example("mistral")}\n[routing]\n{tiers}\n')
    return path


# ---- the adapter alone -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", VENDORS)
def test_adapter_completes_and_streams_over_the_openai_wire(kind, vendor):
    model = VENDORS[kind][0]
    vendor.reply(json=ok(model))
    p = create_provider(kind, base_url=vendor.url + "/v1", api_key=SECRET, timeout=5)
    result = KIT.complete(p, model, max_tokens=40, temperature=0.3)
    req = vendor.requests[0]
    assert (req.method, req.path) == ("POST", "/v1/chat/completions")
    assert req.headers["authorization"] == f"Bearer {SECRET}"
    assert req.json["model"] == model and req.json["max_tokens"] == 40 and req.json["temperature"] == 0.3
    assert (result.text, result.usage.input_tokens, result.usage.output_tokens) == ("Canberra.", 1000, 500)

    vendor.stream(sse({"choices": [{"index": 0, "delta": {"content": "Can"}}]},
                      {"choices": [{"index": 0, "delta": {"content": "berra."}, "finish_reason": "stop"}]},
                      {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}}, done=True))
    items = KIT.stream(p, model)
    assert items[:-1] == ["Can", "berra."] and isinstance(items[-1], ProviderResult)
    assert items[-1].usage == Usage(9, 2)


@pytest.mark.parametrize("kind", VENDORS)
def test_kind_facts_follow_the_vendors_sdk(kind):
    model, key_env, url_env, _ = VENDORS[kind]
    cls = provider_class(kind)
    assert (cls.key_envs, cls.base_url_env, cls.needs_key, cls.genai_prices_id) == ((key_env,), url_env, True, kind)
    assert cls.default_base_url.startswith("https://api.") and cls.demo is not None and model in cls.demo.models
    p = create_provider(kind)
    assert not p.configured and p.key_env == key_env


def test_missing_key_fails_without_calling_the_vendor(vendor):
    p = create_provider("mistral", base_url=vendor.url + "/v1")
    err = KIT.failure(KIT.complete, p, "mistral-small-latest")
    assert err.kind == "not_configured" and "MISTRAL_API_KEY" in str(err) and not vendor.requests


# ---- through config and the router ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", VENDORS)
def test_priced_from_genai_prices(kind, tmp_path):
    model, _, _, (inp, out) = VENDORS[kind]
    cfg = load_config(write_config(tmp_path), {"ROUTER_DOTENV": ""})
    book = PriceBook(cfg.price_overrides, cfg.providers, clock=lambda: PRICED_AT)
    unit = book.unit_prices(kind, model)
    assert unit is not None and (unit.input_per_mtok, unit.output_per_mtok) == pytest.approx((inp, out))
    assert book.source(kind, model).startswith("genai-prices")


@pytest.mark.parametrize("configured, skipped", [("deepseek", "mistral"), ("mistral", "deepseek")])
def test_router_uses_the_configured_vendor_and_skips_the_other_with_a_reason(tmp_path, vendor, configured,
                                                                             skipped):
    model, key_env, url_env, _ = VENDORS[configured]
    vendor.default(json=ok(model))
    env = {key_env: SECRET, url_env: vendor.url + "/v1", "ROUTER_DOTENV": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'router.db'}"}
    config = load_config(write_config(tmp_path), env)
    assert config.demo is False  # a DeepSeek or Mistral key is a cloud key
    assert config.providers[configured].configured
    assert not config.providers[skipped].configured
    assert config.providers[skipped].missing == f"set {VENDORS[skipped][1]}"
    router = close_after_test(Router(config))  # closed on this test's loop, where its clients were opened
    c = run(router.acomplete([Message("user", "Capital of Australia?")], use_cache=False))
    assert router.why_not_configured(skipped) == f"set {VENDORS[skipped][1]}"
    assert (c.provider, c.model, c.text) == (configured, model, "Canberra.")
    assert any(p == skipped and VENDORS[skipped][1] in why for p, _, why in c.skipped)
    unit = router.prices.unit_prices(configured, model)  # the price in effect now (DeepSeek's varies by hour)
    assert unit is not None and c.cost_usd == pytest.approx((1000 * unit.input_per_mtok + 500 * unit.output_per_mtok) / 1e6)
    assert [r.path for r in vendor.requests] == ["/v1/chat/completions"]
    assert vendor.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_neither_configured_means_demo_mode_simulates_both(tmp_path):
    env = {"ROUTER_DOTENV": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'router.db'}"}
    config = load_config(write_config(tmp_path), env)
    assert config.demo is True and not config.configured_providers
    router = close_after_test(Router(config))  # closed on this test's loop, where its clients were opened
    c = run(router.acomplete([Message("user", "Capital of Australia?")], use_cache=False))
    assert c.simulated and c.provider == "mistral" and c.text.startswith("[simulated mistral")
