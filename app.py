"""Switchboard — the Streamlit app: a window on router_core (no routing, pricing or SQL here)."""

import streamlit as st

st.set_page_config(page_title="Switchboard", page_icon="🔀", layout="wide")

PAGES = [
    st.Page("pages/playground.py", title="Playground", icon="💬", default=True),
    st.Page("pages/compare.py", title="Compare", icon="⚖️"),
    st.Page("pages/health.py", title="Health", icon="🩺"),
    st.Page("pages/savings.py", title="Savings", icon="💰"),
    st.Page("pages/routing.py", title="Routing", icon="🧭"),
    st.Page("pages/logs.py", title="Logs", icon="📜"),
    st.Page("pages/settings.py", title="Settings", icon="⚙️"),
]

st.navigation(PAGES).run()
