"""Agents: saved system prompts with their defaults, versioned. Create, edit (each save is a new version with
a note), duplicate, archive, and compare any two versions as a text diff. Requests name an agent with
`agent=code`; each logged request records the version it used (Logs filters by it)."""

from __future__ import annotations

import streamlit as st

from pages.shared import md_escape, workspace_or_stop
from pages.ui.agents_view import agents_frame, settings_inputs, versions_frame
from router_core.workspace import WorkspaceError

FLASH = "ag_flash"  # what the last action did, shown once after its rerun

ws = workspace_or_stop()
state = st.session_state

st.title("🤖 Agents")
st.caption("An agent is a named system prompt with default settings. Requests name it (`agent=code` in the API "
           "and the gateway, the agent picker in the Playground) and always get its **current version**; every "
           "edit is saved as a new version with your note, so any answer can be traced to the prompt that "
           "produced it.")

flash = state.pop(FLASH, None)
if flash:
    st.success(flash, icon="✅")


def done(message: str, pick: str | None = None) -> None:
    state[FLASH] = message
    if pick is not None:
        state["ag_pick_next"] = pick
    st.rerun()


show_archived = st.toggle("Show archived agents", key="ag_show_archived")
agents = ws.list_agents(include_archived=show_archived)
if agents:
    st.dataframe(agents_frame(agents), hide_index=True, width="stretch")

# ------------------------------------------------------------------------------------------ create
with st.expander("➕ Create an agent", expanded=not agents):
    with st.form("ag_create"):
        new_code = st.text_input("Code", key="ag_new_code", max_chars=80, placeholder="e.g. support-de",
                                 help="The name requests use (`agent=code`); it cannot change later.")
        values = settings_inputs(ws, "ag_new", None)
        note = st.text_input("Note", value="created", key="ag_new_note", max_chars=500)
        if st.form_submit_button("Create agent", type="primary"):
            try:
                made = ws.create_agent(new_code, values.pop("name"), values.pop("system_prompt"),
                                       values.pop("role"), note=note, **values)
            except WorkspaceError as exc:
                st.error(md_escape(str(exc)), icon="⚠️")
            else:
                done(f"Created agent {made.code} (v1).", pick=made.code)

if not agents:
    st.info("No agents yet" + ("." if show_archived else " (archived ones are hidden)."))
    st.stop()

# ------------------------------------------------------------------------------------------ one agent
codes = [a.code for a in agents]
if state.get("ag_pick_next") in codes:
    state["ag_pick"] = state.pop("ag_pick_next")
code = st.selectbox("Agent", codes, key="ag_pick",
                    format_func=lambda c: next(f"{a.name} ({a.code})" for a in agents if a.code == c))
agent = ws.get_agent(code)
if agent is None:  # deleted by someone else since the list was read
    st.warning("That agent no longer exists.")
    st.stop()
if agent.archived:
    st.warning("Archived: hidden from the Playground's picker. Requests that name it still work.", icon="🗄️")

edit_tab, versions_tab, more_tab = st.tabs(["✏️ Edit", "🕘 Versions and diff", "🧬 Duplicate / archive"])

with edit_tab:
    form_key = f"ag_edit_{code}_{agent.version}"  # a new version starts the form from its own values
    with st.form(form_key):
        values = settings_inputs(ws, form_key, agent)
        note = st.text_input("What changed and why", key=f"{form_key}_note", max_chars=500,
                             placeholder="e.g. shorter answers for mobile")
        if st.form_submit_button(f"Save as v{(agent.version or 0) + 1}", type="primary"):
            if not note.strip():
                st.error("Add a note: it is how the team reads the history of this prompt.", icon="✍️")
            else:
                try:
                    saved = ws.edit_agent(code, note=note, **values)
                except WorkspaceError as exc:
                    st.error(md_escape(str(exc)), icon="⚠️")
                else:
                    done(f"Saved {code} v{saved.version}.")

with versions_tab:
    versions = ws.agent_versions(code)
    st.dataframe(versions_frame(versions), hide_index=True, width="stretch")
    numbers = [v.version for v in versions]
    now = agent.version  # in the keys: a new version starts the pickers at the newest pair
    if len(numbers) < 2:
        st.caption("Only one version so far: edit the agent to compare versions.")
    else:
        cols = st.columns(2)
        old = cols[0].selectbox("From version", numbers, index=len(numbers) - 2, key=f"ag_diff_old_{code}_{now}",
                                format_func=lambda n: f"v{n}")
        new = cols[1].selectbox("To version", numbers, index=len(numbers) - 1, key=f"ag_diff_new_{code}_{now}",
                                format_func=lambda n: f"v{n}")
        st.code(ws.diff_agent_versions(code, old, new).text(), language="diff")
    shown = st.selectbox("Show the full prompt of", list(reversed(numbers)), key=f"ag_show_{code}_{now}",
                         format_func=lambda n: f"v{n}")
    st.code(next(v.system_prompt for v in versions if v.version == shown) or "(empty)", language=None,
            wrap_lines=True)

with more_tab:
    with st.form(f"ag_dup_{code}"):
        st.markdown("**Duplicate** — a new agent starting from this one's current version.")
        dup_code = st.text_input("New code", key=f"ag_dup_code_{code}", max_chars=80)
        dup_name = st.text_input("New name (optional)", key=f"ag_dup_name_{code}", max_chars=120)
        if st.form_submit_button("Duplicate"):
            try:
                copy = ws.duplicate_agent(code, dup_code, dup_name.strip() or None)
            except WorkspaceError as exc:
                st.error(md_escape(str(exc)), icon="⚠️")
            else:
                done(f"Created {copy.code} from {code} v{agent.version}.", pick=copy.code)
    if agent.archived:
        if st.button("Restore", key=f"ag_restore_{code}"):
            ws.archive_agent(code, archived=False)
            done(f"Restored {code}.")
    elif st.button("Archive", key=f"ag_archive_{code}",
                   help="Hide it from pickers; its history and its logged requests stay."):
        ws.archive_agent(code)
        done(f"Archived {code}.")
