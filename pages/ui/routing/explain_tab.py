"""The Explain tab: a dry run of one prompt — tier, reasons, the route in order and what it would cost."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.shared import code, error_text, md_escape, money, tier_badge, unit_price_text
from router_core.workspace import Workspace


def explain_tab(ws: Workspace) -> None:
    st.caption("A dry run: how the router would judge this prompt and whom it would try, without calling anyone.")
    with st.form("rt_explain_form", border=False):
        prompt = st.text_area("Prompt", key="rt_explain_prompt", height=120,
                              placeholder="e.g. Compare PostgreSQL and MongoDB for a multi-tenant SaaS")
        go_ = st.form_submit_button("🔍 Explain")
    if not go_:
        return
    if not (prompt or "").strip():
        st.warning("Type a prompt first.")
        return
    try:
        estimate = ws.estimate_prompt(prompt)
    except Exception as exc:  # noqa: BLE001
        st.error(error_text(exc))
        return
    verdict = estimate.verdict
    st.markdown(f"**Tier** {tier_badge(verdict.level)} · **score** {verdict.score:.2f} · **policy** "
                f"{code(estimate.policy)}")
    reasons = ", ".join(md_escape(r) for r in verdict.reasons) or "no particular signal"
    st.markdown(f"**Reasons:** {reasons}")
    rows = []
    number = 0
    for c in estimate.candidates:
        tried = c.reason is None
        number += tried
        rows.append({"#": number if tried else None, "candidate": c.target,
                     "status": "will be tried" if tried else f"skipped: {c.reason}",
                     "USD / 1M in / out": unit_price_text(c.unit), "estimated cost": money(c.cost_usd) if tried else ""})
    if rows:
        st.markdown("**Route, in order:**")
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not estimate.routable:
        st.error("No candidate of this tier is available now, so this request would fail. Configure one of the "
                 "providers above (Settings) or add an available one to the tier.", icon="🚫")
    st.caption(f"Estimated for about {estimate.input_tokens:,} prompt tokens and a {estimate.output_tokens:,}-token "
               f"answer (typical for {verdict.level.value}); on the baseline {md_escape(estimate.baseline)}: "
               f"{money(estimate.baseline_cost_usd)}.")
