"""Routing — the policy (edit, validate, save, activate), the team's leaderboard, explain a prompt, what-if replay,
routing quality, learned routing.

Each tab lives in pages/ui/routing/; validation, estimates and replay are the Workspace's
(router_core.workspace), quality is router_core.routing_eval. This page only lays the tabs out.
"""

from __future__ import annotations

import streamlit as st

from pages.shared import demo_banner, error_text, workspace_or_stop
from pages.ui.routing.explain_tab import explain_tab
from pages.ui.routing.leaderboard_tab import leaderboard_tab
from pages.ui.routing.learned_tab import learned_tab
from pages.ui.routing.policy_tab import policy_tab
from pages.ui.routing.quality_tab import quality_tab
from pages.ui.routing.replay_tab import replay_tab


def main() -> None:
    ws = workspace_or_stop()
    demo_banner(ws.router)
    st.title("🧭 Routing")
    flash = st.session_state.pop("rt_flash", None)
    if flash:
        st.success(flash, icon="✅")
    # Keyed and tracked: the open tab is session state, so it survives reruns even when the elements above it
    # change (the flash after "Save and make active" used to send the next rerun back to the first tab).
    policy, board, explain, what_if, quality, learned = st.tabs(
        ["Policy", "Leaderboard", "Explain a prompt", "What-if replay", "Routing quality", "Learned routing"],
        key="rt_tabs", on_change="rerun")
    for tab, body in ((policy, policy_tab), (board, leaderboard_tab), (explain, explain_tab), (what_if, replay_tab),
                      (quality, quality_tab), (learned, learned_tab)):
        with tab:
            try:
                body(ws)
            except Exception as exc:  # noqa: BLE001 - a message, never a traceback (st.rerun is not an Exception)
                st.error(f"Something went wrong on this tab: {error_text(exc)}", icon="🛑")


main()
