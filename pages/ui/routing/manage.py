"""Manage one saved policy on the Policy tab: what differs from the active one, rename, delete."""

from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from pages.shared import error_text, md_escape
from pages.ui.routing.sources import ACTIVE_PREFIX, DEFAULT_NAME
from router_core.policy import Policy
from router_core.workspace import Workspace


def _diff_table(ws: Workspace, active: Policy, chosen: Policy) -> None:
    changes = ws.diff_policies(active, chosen)
    if not changes:
        st.caption(f"Same table and baseline as the active policy **{md_escape(active.name)}**.")
        return
    st.caption(f"Where it differs from the active policy **{md_escape(active.name)}**:")
    st.dataframe(pd.DataFrame([{"tier": c.tier.replace("_", " "), "active": " → ".join(c.before) or "–",
                                "this one": " → ".join(c.after) or "–",
                                "change": "reordered" if c.reordered else "; ".join(
                                    [*(f"+ {t}" for t in c.added), *(f"− {t}" for t in c.removed)])}
                               for c in changes]), hide_index=True, width="stretch", key="rt_diff")


def manage_saved(ws: Workspace, name: str, chosen: Policy, done: Callable[[str, str], None]) -> None:
    """The "Manage" expander of saved policy `name` (`done(message, source)` after a change)."""
    active = ws.active_policy()
    with st.expander(f"Manage saved policy “{name}”: compare, rename, delete"):
        _diff_table(ws, active, chosen)
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        new = left.text_input("New name", key="rt_rename_to", max_chars=80, placeholder="e.g. cheaper-medium-v2")
        if right.button("✏️ Rename", key="rt_rename", width="stretch"):
            try:
                ws.rename_policy(name, new)
            except Exception as exc:  # noqa: BLE001 - a taken or blank name: a message
                st.error(f"Not renamed: {error_text(exc)}.", icon="🚫")
            else:
                new = new.strip()
                source = f"{ACTIVE_PREFIX}{new}" if ws.active_policy().name == new else new
                done(f"Renamed **{md_escape(name)}** to **{md_escape(new)}**.", source)
        with st.popover("🗑️ Delete…"):
            st.markdown(f"Delete **{md_escape(name)}**?" + (" It is active: routing goes back to router.toml."
                                                            if name == active.name else ""))
            if st.button("Yes, delete it", type="primary", key="rt_delete"):
                try:
                    was_active = ws.delete_policy(name)
                except Exception as exc:  # noqa: BLE001
                    st.error(f"Not deleted: {error_text(exc)}.", icon="🛑")
                else:
                    done(f"Deleted policy **{md_escape(name)}**."
                         + (" Routing follows router.toml again." if was_active else ""), DEFAULT_NAME)
