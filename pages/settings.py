"""Settings: what is in effect — mode, providers and models, which keys are present (never their values),
prices and their source, the cache, and the local model file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.shared import duration, md_escape, md_message, money, workspace_or_stop
from router_core.errors import redact
from router_core.model_files import MODEL_FILENAME, MODEL_SIZE, PULL_COMMAND, ModelFileError, pull_model

ws = workspace_or_stop()
facts = ws.settings()
providers = ws.provider_status()


def code(value) -> str:
    """Text for inside `backticks` (Markdown escapes do not apply there)."""
    return str(value).replace("`", "'")


st.title("⚙️ Settings")
st.caption(f"Read from `{code(facts.config_source)}` and the environment / `.env`. Edit those and restart the app to "
           "change them; keys are only ever read from the environment.")

# ------------------------------------------------------------------------------------------- mode
st.subheader("Mode")
mode = ws.mode()
if mode.demo:
    st.info("**Demo mode is on**: answers from the cloud providers are **simulated** (real wire formats and "
            "prices, made-up text); the `local` model is real. To go live, put at least one key in `.env` — e.g. "
            "`GROQ_API_KEY=…` — and restart. `ROUTER_DEMO=0` / `1` forces the mode.\n\n"
            f"Why: {md_message(mode.why)}", icon="🧪")
else:
    st.success(f"**Live mode**: {md_message(mode.why)}", icon="🟢")
for tier, why in ws.tier_gaps().items():
    st.warning(f"**{tier}** requests have no candidate that can answer now: {md_message(why)}", icon="⚠️")
ttl_days = facts.cache_ttl_s / 86400
limits = facts.limits
st.markdown(
    f"- **Baseline** (savings are measured against it): `{code(facts.baseline)}`\n"
    f"- **Cache lifetime**: {f'{ttl_days:g} days' if ttl_days >= 1 else duration(facts.cache_ttl_s * 1000)}\n"
    f"- **Database**: `{code(facts.database)}`\n"
    f"- **Limits**: prompts up to {limits.max_prompt_chars:,} characters, "
    f"{limits.max_retries} retries per provider, request deadline {limits.request_deadline_s:g} s, "
    f"cooldown {limits.cooldown_s:g} s after {limits.cooldown_failures} failures")

# -------------------------------------------------------------------------------------- providers
st.subheader("Providers, models and keys")
rows = []
problems = []
for p in providers:
    if not p.needs_key:
        key = "not needed"
    elif p.key_present:  # presence only — the value is never read out
        key = "✅ present (" + " or ".join(p.key_names) + ")"
    else:
        key = "❌ missing — set " + (" or ".join(p.key_names) or "a key_env")
    if p.why_not_configured is not None:
        status = "❌ not configured"
        problems.append(f"**{md_escape(p.name)}**: {md_message(p.why_not_configured)}")
    else:
        status = "🧪 simulated" if p.simulated else "✅ ready"
    rows.append({"provider": p.name, "kind": p.kind, "status": status, "API key": key, "models": ", ".join(p.models)})
st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")  # a static table wraps long cells instead of scrolling
for problem in problems:
    st.caption("❌ " + problem)
aliases = [f"{model} ← {', '.join(names)}" for p in providers for model, names in p.aliases]
if aliases:
    with st.expander("Model aliases"):
        st.markdown("\n".join(f"- {md_escape(a)}" for a in aliases))
st.caption("Keys are shown as present or missing only; their values are never displayed, logged or stored.")

# ----------------------------------------------------------------------------------------- prices
st.subheader("Prices in effect")
try:
    prices = pd.DataFrame(ws.price_table())
except Exception as exc:  # noqa: BLE001
    prices = pd.DataFrame()
    st.error(f"The price table could not be built: {redact(str(exc))}")
st.caption(f"USD per 1M tokens. Source: **{md_escape(facts.price_snapshot)}**, plus the overrides below. "
           "A model without a price is shown as *unpriced*, never as $0.")
if not prices.empty:
    for column in ("input", "output", "cached_input"):
        if column in prices:
            prices[column] = prices[column].map(lambda v: "unpriced" if v is None or pd.isna(v) else f"${v:,.3f}")
    notes = [prices[c].fillna("").astype(str) for c in ("tiers", "next_change") if c in prices]
    prices["notes"] = [" · ".join(n for n in parts if n.strip()) for parts in zip(*notes)] if notes else ""
    prices = prices.drop(columns=[c for c in ("tiers", "next_change") if c in prices])
    prices = prices.rename(columns={"input": "input $/1M", "output": "output $/1M", "cached_input": "cached input"})
    st.table(prices, hide_index=True, border="horizontal")
overrides = facts.price_overrides
if overrides:
    st.markdown("**Overrides from the config** (they win over genai-prices): " + ", ".join(
        f"`{code(key)}` {o.input_per_mtok:g} in / {o.output_per_mtok:g} out"
        + (f" / {o.cached_input_per_mtok:g} cached" if o.cached_input_per_mtok is not None else "")
        for key, o in overrides.items()))
else:
    st.caption("No price overrides in the config.")

# ------------------------------------------------------------------------------------------ cache
st.subheader("Response cache")
try:
    stats = ws.cache_stats()
except Exception as exc:  # noqa: BLE001
    stats = None
    st.error(f"Cache statistics are unavailable: {redact(str(exc))}")
if stats is not None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Entries", f"{stats.entries:,}", border=True)
    c2.metric("Still fresh", f"{stats.live:,}", border=True)
    c3.metric("Hits", f"{stats.hits:,}", border=True)
    c4.metric("Saved by hits", money(stats.saved_usd), border=True)
b1, b2, _ = st.columns([1, 1, 3])
if b1.button("🧹 Clear expired", width="stretch"):
    try:
        st.success(f"Removed {ws.clear_cache(expired_only=True):,} expired entries.")
    except Exception as exc:  # noqa: BLE001
        st.error(f"Could not clear the cache: {redact(str(exc))}")
with b2.popover("🗑️ Clear all…", width="stretch"):
    st.markdown("Remove **every** cached answer? The next identical request will be paid for again.")
    if st.button("Yes, clear the whole cache", type="primary"):
        try:
            st.success(f"Removed {ws.clear_cache(expired_only=False):,} entries.")
        except Exception as exc:  # noqa: BLE001
            st.error(f"Could not clear the cache: {redact(str(exc))}")

# ------------------------------------------------------------------------------------ local model
st.subheader("Local model")
local = [p for p in providers if p.model_path is not None]
if not local:
    st.caption("No embedded local model is configured (a provider with kind = \"llamacpp\").")
for p in local:
    name, path, why_not = p.name, p.model_path, p.why_not_configured
    if why_not is None:
        size = path.stat().st_size / 1e6 if path.is_file() else None
        st.success(f"**{md_escape(name)}** is ready: `{code(path.name)}`" +
                   (f" ({size:,.0f} MB)." if size else "."), icon="✅")
        continue
    st.warning(f"**{md_escape(name)}** is not available: {md_message(why_not)}", icon="📦")
    if path.name != MODEL_FILENAME:
        st.caption(f"Put the GGUF file at `{code(path)}` yourself; the download button only knows the default "
                   f"model {MODEL_FILENAME}.")
        continue
    if st.button(f"⬇️ Download local model ({MODEL_SIZE / 1e6:.0f} MB)", key=f"pull_{name}", type="primary",
                 help=f"The same as `{PULL_COMMAND}`: fetch, verify the checksum, install."):
        bar = st.progress(0.0, text="Starting the download…")
        labels = {"download": "Downloading", "extract": "Unpacking", "verify": "Verifying checksum", "done": "Done"}
        weights = {"download": (0.0, 0.6), "extract": (0.6, 0.8), "verify": (0.8, 1.0), "done": (1.0, 1.0)}

        def progress(phase: str, fraction: float) -> None:
            start, end = weights.get(phase, (0.0, 1.0))
            bar.progress(min(1.0, start + (end - start) * fraction),
                         text=f"{labels.get(phase, phase)}… {fraction:.0%}")

        try:
            installed = pull_model(path.parent, progress=progress, filename=path.name)
            bar.progress(1.0, text="Done")
            st.success(f"Installed and verified `{code(installed.name)}`. The local model answers from the "
                       "next request on.", icon="✅")
        except ModelFileError as exc:
            st.error(f"The download failed: {md_escape(redact(str(exc)))} You can also run `{PULL_COMMAND}`.")
        except Exception as exc:  # noqa: BLE001
            st.error(f"The download failed ({type(exc).__name__}): {md_escape(redact(str(exc)))}")
