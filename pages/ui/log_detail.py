"""One logged request in full (Logs page): badges, who and what it cost, messages, answer, reasons,
feedback, attempts. Prompts and answers are untrusted: plain text, or Markdown that never renders HTML."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from pages.ui.text import code, md_escape, missing, safe_markdown, signed_money
from pages.ui.widgets import tier_badge
from router_core.display import duration, money
from router_core.statuses import REFUSED


def saved(baseline: Any, cost: Any, cached: Any) -> float | None:
    """Baseline minus cost (the whole baseline for a cache hit); None when either is unknown."""
    if missing(baseline):
        return None
    if cached:
        return float(baseline)
    return None if missing(cost) else float(baseline) - float(cost)


def _or_dash(value: Any) -> str:
    """A cell as text, "–" when missing (a data frame would show a literal "None")."""
    return "–" if missing(value) else str(int(value)) if isinstance(value, float) else str(value)


def _yes_no(flag: Any) -> str:
    """yes / no, "–" when it does not apply (an attempt that succeeded)."""
    return "–" if missing(flag) else ("yes" if flag else "no")


def _messages(raw: Any) -> list[dict[str, str]]:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except (TypeError, ValueError):
        return []
    return [{"role": str(m.get("role") or "user"), "content": str(m.get("content") or "")}
            for m in (value if isinstance(value, list) else []) if isinstance(m, dict)]


def _show_text(text: str, as_markdown: bool) -> None:
    """Untrusted text: Markdown without HTML (st.markdown never renders HTML here) or plain text."""
    if as_markdown:
        st.markdown(safe_markdown(text))
    else:
        st.text(text)


# A stream stopped mid-answer keeps what was sent: cut by the provider, or cancelled by the caller.
# A request the gateway refused before routing (router_core.statuses.REFUSED) reached no provider and cost nothing.
STATUS_BADGES = {"ok": ":green-badge[ok]", "cut": ":orange-badge[✂️ cut off]", "cancelled": ":gray-badge[cancelled]",
                 **{status: f":gray-badge[🚫 refused: {status.replace('_', ' ')}]" for status in REFUSED}}


def _header(row: dict[str, Any]) -> None:
    ts = row.get("ts")
    when = ts.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(ts, datetime) else str(ts)
    badges = [tier_badge(row.get("complexity") or "?")]
    badges.append(STATUS_BADGES.get(row.get("status") or "", ":red-badge[error]"))
    if row.get("cached"):
        badges.append(":violet-badge[⚡ cached]")
    if row.get("simulated"):
        badges.append(":orange-badge[🧪 simulated]")
    st.subheader(f"Request #{row['id']}")
    st.markdown(" ".join(badges) + f" · {md_escape(when)} · score {float(row.get('score') or 0):.2f}")
    who = [f"**{md_escape(row.get('provider') or '–')}** · {md_escape(row.get('model') or '–')}"]
    for label, key in (("org", "org"), ("agent", "agent"), ("session", "session_id")):
        if row.get(key):
            version = row.get("agent_version") if key == "agent" else None
            who.append(f"{label} {code(row[key])}" + (f" v{int(version)}" if not missing(version) else ""))
    who.append(f"{int(row.get('input_tokens') or 0):,} tokens in / {int(row.get('output_tokens') or 0):,} out")
    st.markdown(" · ".join(who))
    cost, base = row.get("cost_usd"), row.get("baseline_cost_usd")
    m = st.columns(5)
    m[0].metric("Cost", money(cost))
    m[1].metric("Baseline", money(base), help="The same usage on the baseline model.")
    m[2].metric("Saved", signed_money(saved(base, cost, row.get("cached"))))
    m[3].metric("Latency", duration(row.get("latency_ms")))
    m[4].metric("First token", duration(row.get("ttft_ms")))


def _conversation(row: dict[str, Any]) -> None:
    as_markdown = st.toggle("Render as Markdown (HTML is never rendered)", value=True, key="lg_markdown")
    st.markdown("**Messages**")
    messages = _messages(row.get("messages_json"))
    if not messages and row.get("prompt"):
        messages = [{"role": "user", "content": row["prompt"]}]
    for msg in messages:
        with st.chat_message(msg["role"] if msg["role"] in ("user", "assistant") else "system",
                             avatar="⚙️" if msg["role"] == "system" else None):
            if msg["role"] == "system":
                st.caption("system prompt")
            _show_text(msg["content"], as_markdown)
    st.markdown("**Answer**")
    if row.get("response"):
        with st.chat_message("assistant"):
            _show_text(row["response"], as_markdown)
    else:
        st.caption("No answer was returned.")
    if row.get("error") and row.get("status") in ("cancelled", *REFUSED):  # the caller's doing, not a failure
        st.info(md_escape(row["error"]), icon="⏹️")
    elif row.get("error"):
        st.error(md_escape(row["error"]), icon="❌")


def render_request(row: dict[str, Any]) -> None:
    """Everything about one request (a row of Workspace.log_entry)."""
    _header(row)
    _conversation(row)
    left, right = st.columns(2)
    with left:
        st.markdown("**Why this route**")
        reasons = row.get("reasons") or []
        st.markdown("\n".join(f"- {md_escape(r)}" for r in reasons) if reasons else "No particular signal.")
    with right:
        st.markdown("**Feedback**")
        st.markdown({1: "👍 helpful", -1: "👎 not helpful"}.get(int(row.get("feedback") or 0), "none given"))
    st.markdown("**Attempts**")  # full width: the attempts table has long error messages
    attempts = [a for a in (row.get("attempts") or []) if isinstance(a, dict)]
    if attempts:
        st.dataframe(pd.DataFrame([{
            "#": i, "provider": a.get("provider"), "model": a.get("model"), "outcome": a.get("outcome"),
            "HTTP": _or_dash(a.get("status")), "latency": duration(a.get("latency_ms")),
            "retryable": _yes_no(a.get("retryable")), "error": a.get("error") or "",
        } for i, a in enumerate(attempts, start=1)]), hide_index=True, width="stretch", key="lg_attempts")
    elif row.get("cached"):
        st.caption("Served from the cache: no provider was called.")
    else:
        st.caption("No attempts recorded.")
