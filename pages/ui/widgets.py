"""Widgets shared by the pages: tier colours and badges, error messages, the line under an answer,
"why this route", target labels. They only display what router_core decided."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from pages.ui.text import md_escape
from router_core import Complexity
from router_core.display import duration, money
from router_core.errors import InvalidRequest, NoProviderAvailable, ProviderError, RouterError, redact
from router_core.workspace import Workspace

# One colour per tier, the same everywhere in the app (Streamlit badge colours).
TIER_COLORS: dict[str, str] = {
    Complexity.TRIVIAL.value: "gray",
    Complexity.SIMPLE.value: "green",
    Complexity.MEDIUM.value: "blue",
    Complexity.COMPLEX.value: "orange",
    Complexity.EXPERT.value: "red",
    Complexity.CACHED.value: "violet",
}
# The same colours as hex, for plotly charts.
TIER_HEX: dict[str, str] = {"TRIVIAL": "#9CA3AF", "SIMPLE": "#16A34A", "MEDIUM": "#2563EB",
                            "COMPLEX": "#EA580C", "EXPERT": "#DC2626", "CACHED": "#7C3AED"}
# Chart colours that are not tiers.
ACCENT_HEX = "#4F46E5"   # the theme's primary colour: "the router's pick", highlights
MUTED_HEX = "#94A3B8"    # everything else
ERROR_HEX = "#DC2626"


def tier_badge(level: str | Complexity) -> str:
    """Markdown for a coloured tier badge."""
    name = level.value if isinstance(level, Complexity) else str(level)
    return f":{TIER_COLORS.get(name, 'gray')}-badge[{name}]"


def error_text(exc: BaseException) -> str:
    """A message a user can act on for anything the router raises (never a traceback)."""
    message = redact(str(exc)) or type(exc).__name__
    if isinstance(exc, InvalidRequest):
        return message
    if isinstance(exc, NoProviderAvailable):
        return f"No model could answer. {message}"
    if isinstance(exc, ProviderError):
        hint = {"auth": " Check the API key in `.env`.", "quota": " Check the account's billing or quota.",
                "rate_limit": " Wait a moment and try again, or force another provider.",
                "not_configured": " See the Settings page."}.get(exc.kind, "")
        return f"{message}{hint}"
    if isinstance(exc, RouterError):
        return message
    return f"Unexpected error ({type(exc).__name__}): {message}"


def saved_text(saved: float | None) -> str:
    if saved is None:
        return "saving unknown"
    if saved < 0:
        return f"{money(-saved)} more than baseline"
    return f"saved {money(saved)}"


def completion_line(ws: Workspace, c) -> str:
    """The one compact line under every answer: tier · provider/model · cost · latency · tokens · saved …"""
    parts = [tier_badge(c.complexity),
             f"**{md_escape(c.provider)}** · {md_escape(c.model)}",
             f"💵 {md_escape(money(c.cost_usd))}",
             f"⏱️ {duration(c.latency_ms)} (first token {duration(c.ttft_ms)})",
             f"🔤 {c.input_tokens:,} in / {c.output_tokens:,} out",
             f"💰 {md_escape(saved_text(c.saved_usd))}"]
    if c.cached:
        parts.append(":violet-badge[⚡ cached]")
    parts.append(":orange-badge[🧪 simulated]" if ws.is_simulated(c) else ":green-badge[✅ real]")
    return " · ".join(parts)


def render_route_details(c, candidates: Iterable[str] | None = None) -> None:
    """The "Why this route" body: verdict reasons, candidates in order, skipped ones, every attempt."""
    lines = [f"**Tier** {tier_badge(c.complexity)} (score {c.score:.2f})"]
    reasons = ", ".join(md_escape(r) for r in c.reasons) or "no particular signal"
    lines.append(f"**Reasons:** {reasons}")
    ok = [f"{a.provider}:{a.model}" for a in c.attempts if a.outcome == "ok"]
    answered = ok[-1] if ok else f"{c.provider}:{c.model}"
    if candidates:
        items = []
        for i, t in enumerate(candidates, 1):
            mark = " ← **answered**" if t == answered and not c.cached else ""
            items.append(f"{i}. {md_escape(t)}{mark}")
        lines.append("**Candidates, in order:**\n" + "\n".join(items))
    if c.cached:
        lines.append("**Served from the cache** — no provider was called, so nothing was spent.")
    if c.skipped:
        lines.append("**Skipped:**\n" + "\n".join(f"- {md_escape(p)}:{md_escape(m)} — {md_escape(why)}"
                                                  for p, m, why in c.skipped))
    if c.attempts:
        rows = []
        for a in c.attempts:
            outcome = {"ok": "✅ ok", "error": "❌ error", "skipped": "⏭️ skipped"}.get(a.outcome, a.outcome)
            status = f" HTTP {a.status}" if a.status else ""
            err = f" — {md_escape(a.error)}" if a.error else ""
            rows.append(f"- {md_escape(a.provider)}:{md_escape(a.model)} · {outcome}{status} · "
                        f"{duration(a.latency_ms)}{err}")
        lines.append("**Attempts:**\n" + "\n".join(rows))
    st.markdown("\n\n".join(lines))


def target_label(ws: Workspace, target: str) -> str:
    """"groq · llama-3.1-8b-instant" plus "(unavailable)" when it cannot be used now."""
    provider, _, model = target.partition(":")
    return f"{provider} · {model}" + (" (unavailable)" if ws.why_unavailable(provider) else "")


def split_target(target: str) -> tuple[str, str]:
    provider, _, model = target.partition(":")
    return provider, model
