"""The Playground's prompt tools: the system prompt beside the agent picker (filled from the picked agent's current
version, a *draft* once edited, saved as a new agent or a new version through the Workspace) and the `{{name}}`
variables form (one input per variable, values kept per chat; router_core.prompt_vars finds and fills them).

A draft is sent as a plain system message with no agent: it is logged with no agent and no version, because no
saved version produced it (and the agent's default temperature, max tokens and route are not applied either).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

import streamlit as st

from pages.ui.text import md_escape, shorten
from router_core.prompt_vars import MissingVariables, variables_of
from router_core.workspace import AgentProfile, Workspace, WorkspaceError

TEXT, SOURCE, BASE = "pg_system", "pg_system_from", "pg_system_base"  # session keys of the system prompt
SAVED, PICK_NEXT = "pg_saved_flash", "pg_agent_next"
VALUES, HELD = "pg_values", "pg_held"  # variable values of this chat; a message waiting for them


@dataclass(frozen=True)
class SystemPrompt:
    """The system prompt as typed (it may use `{{variables}}`) and the agent it started from."""

    text: str
    agent: AgentProfile | None

    @property
    def draft(self) -> bool:
        """Edited away from the agent's current version, or typed free-form with no agent."""
        return self.text != self.agent.system_prompt if self.agent else bool(self.text.strip())

    @property
    def origin(self) -> str:
        return f"{self.agent.code} v{self.agent.version}" if self.agent else "no agent"


def _refill(state: MutableMapping, agent: AgentProfile | None) -> None:
    """Fill the box from the agent when another agent (or none) is picked, or when the agent got a new version
    and the box still shows the old one; an edited draft of the same agent is kept."""
    source = (agent.code, agent.version) if agent else None
    if TEXT in state and state.get(SOURCE, "unset") == source:
        return
    previous = state.get(SOURCE)
    edited = TEXT in state and state[TEXT] != state.get(BASE)
    same_agent = bool(previous and source and previous[0] == source[0])
    if not (same_agent and edited):
        state[TEXT] = agent.system_prompt if agent else ""
    state[SOURCE], state[BASE] = source, agent.system_prompt if agent else ""


def _back_to_saved(state: MutableMapping) -> None:
    state[TEXT] = state.get(BASE, "")


def system_prompt_box(agents: Mapping[str, AgentProfile], code: str | None) -> SystemPrompt:
    """The system prompt text area (call in the sidebar, right under the agent picker) and what it means."""
    state = st.session_state
    agent = agents.get(code) if code else None
    _refill(state, agent)
    text = st.text_area("System prompt", key=TEXT, height=140, max_chars=50_000,
                        placeholder="Optional: instructions sent before your messages. Use {{name}} for a variable.",
                        help="Picking an agent fills this with its current version. Edit it to try a change: the "
                             "chat then sends your draft instead of the agent.")
    prompt = SystemPrompt(text, agent)
    if prompt.draft:
        based = f"Edited from **{md_escape(prompt.origin)}**, not saved." if agent else "Free-form, not saved."
        st.markdown(f":orange-badge[✏️ Draft] {based}")
        st.caption("Messages send this prompt and are logged **without an agent** (the agent's default settings "
                   "do not apply). Save it below to keep it as an agent.")
        if agent:
            st.button(f"↩️ Back to {agent.code} v{agent.version}", key="pg_system_reset", on_click=_back_to_saved,
                      args=(state,))
    elif agent:
        st.caption(f"**v{agent.version}** of {md_escape(agent.name)} — edit it to try a change without saving.")
    flash = state.pop(SAVED, None)
    if flash:
        st.success(flash, icon="✅")
    return prompt


def save_as_agent(ws: Workspace, prompt: SystemPrompt) -> None:
    """"Save as agent" for a draft: a new agent, or a new version (with a note) of the agent it started from."""
    if not prompt.draft or not prompt.text.strip():
        return
    with st.expander("💾 Save as agent", expanded=False), st.form("pg_save"):
        options = ["version", "new"] if prompt.agent else ["new"]
        how = st.radio("Save as", options, key="pg_save_how", horizontal=True,
                       format_func=lambda o: f"New version of {prompt.agent.code}" if o == "version" and prompt.agent
                       else "New agent")
        code = st.text_input("Code (new agent)", key="pg_save_code", max_chars=80, placeholder="e.g. support-de")
        name = st.text_input("Name (new agent, optional)", key="pg_save_name", max_chars=120)
        note = st.text_input("Note", key="pg_save_note", max_chars=500, placeholder="what changed and why")
        if not st.form_submit_button("Save", type="primary"):
            return
    try:
        if how == "version" and prompt.agent:
            if not note.strip():
                st.error("Add a note: it is how the team reads the history of this prompt.", icon="✍️")
                return
            saved = ws.edit_agent(prompt.agent.code, note=note, system_prompt=prompt.text)
        else:
            saved = ws.create_agent(code, name, prompt.text, note=note.strip() or "created from a Playground draft")
    except WorkspaceError as exc:
        st.error(md_escape(str(exc)), icon="⚠️")
        return
    st.session_state[SAVED] = f"Saved {saved.code} v{saved.version}."
    st.session_state[PICK_NEXT] = saved.code
    st.rerun()


def pick_next_agent() -> None:
    """Select the agent just saved (call before the agent picker is drawn)."""
    state = st.session_state
    if PICK_NEXT in state:
        state["pg_agent"] = state.pop(PICK_NEXT)


# ------------------------------------------------------------------------------------------ variables
def filled_values() -> dict[str, str]:
    """The chat's variable values that are filled in (a blank input is not a value)."""
    return {k: v for k, v in st.session_state.get(VALUES, {}).items() if v.strip()}


def _send_held() -> None:
    """Queue the held message again; the page sends it, or holds it once more if a value is still missing."""
    st.session_state["pg_pending"] = st.session_state.pop(HELD, None)


def _discard_held() -> None:
    st.session_state.pop(HELD, None)


def unfilled(texts: list[str]) -> list[str]:
    """The variables of `texts` without a value in this chat, in order of first appearance."""
    return [n for n in variables_of(texts) if n not in filled_values()]


def variables_box(system: str, chat: str) -> None:
    """One text input per variable of the system prompt, of a held message and of earlier ones in this chat
    (`chat`: its id); a message held back for unfilled variables is shown with the reason and a Send button."""
    state = st.session_state
    values: dict[str, str] = state.setdefault(VALUES, {})
    held = state.get(HELD)
    names = variables_of([system, held or ""]) + [n for n in values if n not in variables_of([system, held or ""])]
    if not names:
        return
    with st.container(border=True):
        st.markdown("**🧩 Variables** · filled into each `{{name}}` of the system prompt and your messages; "
                    "kept for this chat.")
        cols = st.columns(min(3, len(names)))
        for i, name in enumerate(names):
            values[name] = cols[i % len(cols)].text_input(name, value=values.get(name, ""), key=f"pg_var_{chat}_{name}",
                                                          max_chars=20_000, placeholder=f"value of {{{{{name}}}}}")
        absent = unfilled([system, held]) if held else []
        if held:
            if absent:
                st.error(f"{md_escape(MissingVariables(absent))} Your message is kept: fill in the "
                         f"variable{'s' if len(absent) > 1 else ''} above and press **Send**.", icon="🧩")
            st.caption(f"Waiting to send: {md_escape(shorten(held, 200))}")
            left, right, _ = st.columns([1, 1, 4])
            left.button("▶️ Send", key="pg_send_held_btn", type="primary", on_click=_send_held)
            right.button("✖ Discard", key="pg_discard_held", on_click=_discard_held)
