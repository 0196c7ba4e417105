"""Switchboard — the Streamlit app: a window on router_core (no routing, pricing or SQL here)."""

import streamlit as st

from pages.shared import (APP_SHELL_KEY, demo_banner, fetch_local_model, md_message, require_password,
                          workspace_or_stop)

st.set_page_config(page_title="Switchboard", page_icon="🔀", layout="wide")
require_password()

PAGES = [
    st.Page("pages/playground.py", title="Playground", icon="💬", default=True),
    st.Page("pages/compare.py", title="Compare", icon="⚖️"),
    st.Page("pages/agents.py", title="Agents", icon="🤖"),
    st.Page("pages/health.py", title="Health", icon="🩺"),
    st.Page("pages/savings.py", title="Savings", icon="💰"),
    st.Page("pages/evaluations.py", title="Evaluations", icon="🏅"),
    st.Page("pages/experiments.py", title="Experiments", icon="🧪"),
    st.Page("pages/routing.py", title="Routing", icon="🧭"),
    st.Page("pages/logs.py", title="Logs", icon="📜"),
    st.Page("pages/keys.py", title="Keys", icon="🔑"),
    st.Page("pages/settings.py", title="Settings", icon="⚙️"),
]

page = st.navigation(PAGES)

# The sidebar shared by every page: who is working, and in which mode. Page controls follow below it.
with st.sidebar:
    st.text_input("Workspace / org", key="sb_org", placeholder="e.g. growth-team", max_chars=80,
                  persist_state="session",
                  help="Every request you send is attributed to this name (Logs and Savings can filter by it).")

workspace = workspace_or_stop()
router = workspace.router
fetch_local_model(workspace)

with st.sidebar:
    mode = workspace.mode()
    st.caption(f"{'🧪' if mode.demo else '🟢'} **{mode.title}** — {md_message(mode.why)}")
    gaps = workspace.tier_gaps()
    if gaps:
        st.warning(f"**Nothing can answer {', '.join(gaps)} requests right now.** Details on the Settings page.",
                   icon="⚠️")
    st.divider()

# Once, above every page (pages that call demo_banner themselves get no second copy).
demo_banner(router)
st.session_state[APP_SHELL_KEY] = True
try:
    page.run()
finally:
    st.session_state[APP_SHELL_KEY] = False
