"""The Policy tab: load a policy into an editable table, validate it live, save and activate it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.shared import code, error_text, md_escape, shorten, unit_price_text
from pages.ui.routing.manage import manage_saved
from pages.ui.routing.sources import (ACTIVE_PREFIX, DEFAULT_NAME, EDITED, EDITED_DATA_KEY, load_source,
                                      policy_sources)
from router_core.errors import ConfigError, RouterError
from router_core.policy import Policy
from router_core.workspace import LAST_RESORT, TIERS, Workspace, rows_to_data, table_rows

EDITOR_KEY = "rt_editor"
COLUMNS = ["tier", "order", "target"]


def _reset_editor() -> None:
    for key in (EDITOR_KEY, EDITED_DATA_KEY, "rt_name", "rt_baseline"):
        st.session_state.pop(key, None)


def _done(message: str, source: str) -> None:
    """After a change: say what happened, show `source` in a fresh editor, rerun."""
    st.session_state["rt_flash"] = message
    st.session_state["rt_pending_source"] = source
    st.rerun()


def _source_picker(ws: Workspace) -> Policy:
    """The "Start from" box, plus Activate / Back to router.toml; returns the policy to edit."""
    active = ws.active_policy()
    sources = policy_sources(ws)
    pending = st.session_state.pop("rt_pending_source", None)
    if pending is not None:  # just saved: show the new active policy in a fresh editor
        _reset_editor()
        st.session_state["rt_source"] = pending if pending in sources else sources[0]
    left, right = st.columns([2, 1])
    source = left.selectbox("Start from", sources, key="rt_source", on_change=_reset_editor,
                            help="Load a policy into the editor. Switching discards unsaved edits.")
    try:
        base = load_source(ws, source)
    except RouterError as exc:
        st.error(f"Saved policy {source!r} does not fit the current configuration: {exc}", icon="⚠️")
        base = active
    if source in sources[2:] and source != active.name:
        if right.button(f"Activate “{shorten(source, 30)}” as is", key="rt_activate"):
            try:
                ws.activate_policy(source)
            except Exception as exc:  # noqa: BLE001
                st.error(f"Could not activate {source!r}: {error_text(exc)}")
            else:
                _done(f"Policy **{md_escape(source)}** is now active. Every Switchboard instance on this "
                      "database uses it within 2 s.", f"{ACTIVE_PREFIX}{source}")
    if active.name != DEFAULT_NAME and right.button("↩️ Back to router.toml", key="rt_default",
                                                   help="Deactivate every saved policy (they stay saved)."):
        ws.use_file_policy()
        _done("No saved policy is active now: routing follows router.toml again.", DEFAULT_NAME)
    if source in sources[2:] and base.name == source:
        manage_saved(ws, source, base, _done)
    return base


def _editor(ws: Workspace, base: Policy, options: list[str]) -> pd.DataFrame:
    table = pd.DataFrame(table_rows(base.to_dict()), columns=COLUMNS)
    extra = sorted(set(table["target"]) - set(options))  # keep unknown entries visible (they fail validation)
    st.markdown("**Routing table** — one row per candidate. Add a row to add a candidate, lower *order* = "
                "tried first. Prices are USD per 1M input / output tokens.")
    return st.data_editor(
        table, key=EDITOR_KEY, num_rows="dynamic", hide_index=True, width="stretch",
        height=min(36 * (len(table) + 2) + 3, 900),
        column_config={
            "tier": st.column_config.SelectboxColumn("Tier", options=[*TIERS, LAST_RESORT], required=True,
                                                     width="small"),
            "order": st.column_config.NumberColumn("Order", min_value=1, max_value=99, step=1, required=True,
                                                   width="small", help="1 = tried first within the tier"),
            "target": st.column_config.SelectboxColumn("Provider:model", options=[*options, *extra],
                                                       required=True, width="large"),
        })


def _show_plan(ws: Workspace, policy: Policy) -> None:
    summary = [{"tier": p.tier, "first choice now": p.first_choice or "nobody available",
                "price of first choice": unit_price_text(p.first_price) if p.first_choice else "",
                "candidates": " → ".join(p.candidates),
                "skipped now": "; ".join(f"{target} ({reason})" for target, reason in p.skipped)}
               for p in ws.policy_plan(policy)]
    st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch",
                 column_config={"tier": st.column_config.TextColumn(width="small"),
                                "candidates": st.column_config.TextColumn(width="large")})


def _save_form(ws: Workspace, base: Policy, validated: Policy | None) -> None:
    with st.form("rt_save_form", border=False):
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        name = c1.text_input("Policy name", value=base.name if base.name != DEFAULT_NAME else "", max_chars=80,
                             key="rt_name", placeholder="e.g. cheaper-medium-tier")
        submitted = c2.form_submit_button("💾 Save and make active", type="primary")
    if not submitted:
        return
    name = (name or "").strip()
    if validated is None:
        st.error("Nothing was saved: fix the problems listed above the table first.", icon="🚫")
    elif name == EDITED:
        st.error(f"Nothing was saved: {name!r} is reserved; choose another name.", icon="🚫")
    else:
        try:
            ws.save_policy(name, validated, activate=True)
        except Exception as exc:  # noqa: BLE001 - blank or reserved names, database trouble: a message
            st.error(f"Nothing was saved: {error_text(exc)}.", icon="🚫" if isinstance(exc, ConfigError) else "🛑")
        else:
            _done(f"Saved policy **{md_escape(name)}** and made it active. Every Switchboard instance on this "
                  "database uses it within 2 s.", f"{ACTIVE_PREFIX}{name}")


def policy_tab(ws: Workspace) -> None:
    active = ws.active_policy()
    st.markdown(f"**Active policy:** {code(active.name)} · **Baseline:** {code(active.baseline)}")
    st.caption("Each request is classified into a tier and sent to the first *available* candidate of that "
               "tier, cheapest first; the next one is tried when it fails, then the last resort. The baseline "
               "is the premium model savings are measured against; it is saved with the policy.")
    base = _source_picker(ws)
    options = ws.targets()
    baseline = st.selectbox("Baseline — the premium model savings are measured against", options,
                            index=options.index(str(base.baseline)) if str(base.baseline) in options else 0,
                            key="rt_baseline")
    data, problems = rows_to_data(_editor(ws, base, options).to_dict("records"))
    validated: Policy | None = None
    if not problems:
        try:
            validated = ws.validate_policy({**data, "baseline": baseline}, "edited")
        except ConfigError as exc:
            problems = [str(p) for p in exc.problems] or [str(exc)]
    if problems:
        st.session_state[EDITED_DATA_KEY] = None
        st.error("**This table cannot be saved yet:**\n\n" + "\n".join(f"- {md_escape(p)}" for p in problems),
                 icon="🚫")
    else:
        st.session_state[EDITED_DATA_KEY] = data
        assert validated is not None
        _show_plan(ws, validated)
    _save_form(ws, base, validated)
