"""Keys: the HTTP gateway's team keys — who holds one, their budgets and spend, creating one (shown once)
and revoking one. The same as `python -m router_core keys create|list|revoke`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.shared import md_escape, money, workspace_or_stop
from router_core.workspace import WorkspaceError

NEW_KEY = "sb_new_gateway_key"  # the key just created: shown on this run only, then forgotten

ws = workspace_or_stop()

st.title("🔑 Keys")
st.caption("Apps call the gateway (`python -m router_core serve`) with `Authorization: Bearer <key>`. Once any "
           "key exists every request needs one. Only a hash of each key is stored; a key is shown once, "
           "when it is created.")

fresh = st.session_state.pop(NEW_KEY, None)
if fresh:
    st.success("New key created. Copy it now: it is not shown again.")
    st.code(fresh, language=None)


def budget(spent: float, limit: float | None) -> str:
    return f"{money(spent)} of {money(limit)}" if limit is not None else f"{money(spent)} (no budget)"


keys = ws.list_keys()
if keys:
    st.dataframe(pd.DataFrame([{
        "prefix": k.prefix, "org": k.org, "agent": k.agent or "—",
        "today": budget(k.spent_today_usd, k.daily_budget_usd),
        "this month": budget(k.spent_this_month_usd, k.monthly_budget_usd),
        "rpm": k.rpm or "—", "over budget": k.on_budget,
        "last used": k.last_used.strftime("%Y-%m-%d %H:%M UTC") if k.last_used else "never",
        "state": "revoked" if k.revoked else "live"} for k in keys]), hide_index=True, use_container_width=True)
else:
    st.info("No keys yet: the gateway answers anyone on 127.0.0.1 and refuses to listen on other addresses.")

st.subheader("Create a key")
with st.form("create_key", clear_on_submit=True):
    org = st.text_input("Org", max_chars=200, placeholder="e.g. growth-team")
    agent = st.text_input("Agent (optional)", max_chars=200)
    daily = st.number_input("Daily budget, USD (0 = none)", min_value=0.0, value=0.0, step=1.0)
    monthly = st.number_input("Monthly budget, USD (0 = none)", min_value=0.0, value=0.0, step=10.0)
    rpm = st.number_input("Requests per minute (0 = no limit)", min_value=0, value=0, step=10)
    on_budget = st.selectbox("Over budget", ["reject", "downgrade"],
                             help="reject: 429 budget_exceeded; downgrade: send it to the cheapest tier instead")
    if st.form_submit_button("Create key", type="primary"):
        try:
            key, row = ws.create_key(org, agent=agent.strip() or None, daily_budget_usd=daily or None,
                                     monthly_budget_usd=monthly or None, rpm=int(rpm) or None, on_budget=on_budget)
        except WorkspaceError as exc:
            st.error(md_escape(str(exc)))
        else:
            st.session_state[NEW_KEY] = key
            st.rerun()

live = [k.prefix for k in keys if not k.revoked]
if live:
    st.subheader("Revoke a key")
    prefix = st.selectbox("Key", live, key="revoke_prefix")
    if st.button("Revoke", key="revoke_key"):
        count = ws.revoke_key(prefix)
        st.toast(f"Revoked {count} key(s) starting with {prefix}.")
        st.rerun()
