"""Playground: chat with the router. Every answer says which tier, provider and model, what it cost,
how long it took, what it saved against the baseline, and whether it was real or simulated. The system prompt
beside the agent picker can be edited into a draft (sent without an agent) and saved as an agent; `{{name}}`
variables in it and in messages are filled from a small form (pages/ui/prompt_panel.py)."""

from __future__ import annotations

import uuid
from itertools import chain

import streamlit as st

from pages.shared import (completion_line, current_org, error_text, md_escape, md_message, render_route_details,
                          safe_markdown, split_target, target_label, workspace_or_stop)
from pages.ui.prompt_panel import (HELD, VALUES, filled_values, pick_next_agent, save_as_agent,
                                   system_prompt_box, unfilled, variables_box)
from pages.ui.text import shorten
from router_core import Completion, Message
from router_core.errors import ProviderError, redact
from router_core.prompt_vars import fill
from router_core.sources import PLAYGROUND

AUTO = "auto"
EXAMPLES = {
    "👋 Say hi": "Hi",
    "🌱 Explain photosynthesis": "Can you explain how photosynthesis works?",
    "⚛️ React vs Vue": "Write a detailed analysis comparing React and Vue.js for enterprise applications",
    "🗄️ Tune a busy database": "I need expert advice on optimizing database queries for a high-traffic application",
}
TEMPERATURES = ["default"] + [round(i / 10, 1) for i in range(21)]

ws = workspace_or_stop()
router = ws.router
state = st.session_state
state.setdefault("pg_messages", [])
state.setdefault("pg_session", uuid.uuid4().hex)


def new_chat() -> None:
    state["pg_messages"] = []
    state["pg_session"] = uuid.uuid4().hex
    state[VALUES] = {}
    state.pop(HELD, None)


def queue_example(prompt: str) -> None:
    state["pg_pending"] = prompt


def save_feedback(message: dict, key: str) -> None:
    """st.feedback thumbs: 1 = up, 0 = down, None = cleared -> stored as +1 / -1 / 0."""
    value = state.get(key)
    score = 0 if value is None else (1 if value == 1 else -1)
    try:
        ws.set_feedback(message["completion"].interaction_id, score)
        message["feedback"] = value
        st.toast("Thanks — feedback saved." if score else "Feedback cleared.", icon="🗳️")
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.toast(f"Feedback was not saved: {redact(str(exc))}", icon="⚠️")


# ------------------------------------------------------------------------------------------ sidebar
with st.sidebar:
    st.subheader("Chat settings")
    try:
        agents = {a.code: a for a in ws.list_agents()}
    except Exception as exc:  # noqa: BLE001
        agents = {}
        st.warning(f"Agents could not be loaded: {redact(str(exc))}")
    pick_next_agent()
    agent = st.selectbox("Agent (system prompt)", ["", *agents], key="pg_agent", persist_state="session",
                         format_func=lambda c: f"{agents[c].name} ({c})" if c in agents else "None — plain chat",
                         help="A saved system prompt sent before your messages.") or None
    system = system_prompt_box(agents, agent)
    save_as_agent(ws, system)
    if system.draft:
        agent = None  # a draft is sent as its own system message, logged with no agent
    options = [AUTO, *ws.targets()]
    route = st.selectbox("Routing", options, key="pg_route", persist_state="session",
                         format_func=lambda t: "Auto — cheapest capable model" if t == AUTO else target_label(ws, t),
                         help="Auto lets the router judge the request and pick the model; or force one.")
    temperature = st.select_slider("Temperature", TEMPERATURES, value="default", key="pg_temperature",
                                   persist_state="session", help="\"default\" leaves it to each provider.")
    max_tokens = st.number_input("Max tokens", min_value=1, max_value=200_000, value=None, step=64,
                                 key="pg_max_tokens", persist_state="session", placeholder="provider default")
    use_cache = st.toggle("Use the cache", value=True, key="pg_cache", persist_state="session",
                          help="Exact repeats are answered from the cache at no cost.")


def request_kwargs() -> dict:
    provider, model = (None, None) if route == AUTO else split_target(route)
    return {"provider": provider, "model": model, "agent": agent, "org": current_org(), "use_cache": use_cache,
            "variables": filled_values() if agent else None,
            "max_tokens": int(max_tokens) if max_tokens else None,
            "temperature": None if temperature == "default" else float(temperature),
            "session_id": state["pg_session"]}


def history() -> list[Message]:
    """The draft system prompt (variables filled) and the turns that got an answer (failed or cut turns are left
    out of the context)."""
    out: list[Message] = [Message("system", fill(system.text, filled_values()))] if draft_sent() else []
    msgs = state["pg_messages"]
    for user, answer in zip(msgs[::2], msgs[1::2]):
        if answer.get("completion") is not None and not answer.get("error"):
            out += [Message("user", user["content"]), Message("assistant", answer["content"])]
    return out


def draft_sent() -> bool:
    """A draft with some text is sent as a system message (an emptied one sends none)."""
    return system.draft and bool(system.text.strip())


def planned_candidates(prompt: str, kwargs: dict) -> list[str]:
    """The route the router has in mind for this request (a dry run: nothing is sent)."""
    if kwargs["provider"]:
        return [f"{kwargs['provider']}:{kwargs['model']}"]
    msgs = [*history(), Message("user", prompt)]
    if agent and agent in agents:
        msgs.insert(0, Message("system", fill(agents[agent].system_prompt, filled_values())))
    try:
        _, plan = router.explain(msgs)
    except Exception:  # noqa: BLE001 - the explanation is a nicety; the request itself reports errors
        return []
    return [str(t) for t in plan.candidates]


# ------------------------------------------------------------------------------------------- render
def render_answer(message: dict) -> None:
    """An assistant turn: the answer, its one-line summary, why this route, and thumbs."""
    c: Completion | None = message.get("completion")
    if message.get("content"):
        st.markdown(safe_markdown(message["content"]))
    if message.get("error"):
        st.error(md_message(message["error"]), icon="⚠️")
    if c is None:
        return
    st.caption(completion_line(ws, c))
    if message.get("agent"):
        st.caption(f"🤖 Agent **{md_escape(message['agent'])}**")
    if message.get("draft"):
        st.caption(f"✏️ Draft system prompt ({md_escape(message['draft'])}) — not a saved agent version; "
                   "logged without an agent.")
    if c.log_error:
        st.warning(md_message(c.log_error), icon="🗄️")
    cols = st.columns([6, 1], vertical_alignment="top")
    with cols[0]:
        with st.expander("Why this route"):
            render_route_details(c, message.get("candidates"))
    with cols[1]:
        if c.interaction_id is not None:
            key = f"pg_fb_{c.interaction_id}"
            st.feedback("thumbs", key=key, default=message.get("feedback"), on_change=save_feedback,
                        args=(message, key))


def agent_used(c: Completion | None, code: str | None) -> str | None:
    """"code vN": the agent version the logged request used (the picker's when the log has none)."""
    if not code or c is None:
        return None
    entry = ws.log_entry(c.interaction_id) if c.interaction_id is not None else None
    version = (entry or {}).get("agent_version") or (agents[code].version if code in agents else None)
    return f"{code} v{version}" if version else code


def render_user(message: dict) -> None:
    st.markdown(safe_markdown(message["content"]))
    if message.get("template"):
        st.caption(f"🧩 Filled from {md_escape(shorten(message['template'], 200))}")


def send(template: str) -> None:
    """One turn: the user's bubble (variables filled), then the streamed answer, then its metadata."""
    prompt = fill(template, filled_values())
    kwargs = request_kwargs()
    candidates = planned_candidates(prompt, kwargs)
    past = history()
    user = {"role": "user", "content": prompt, "template": template if template != prompt else None}
    with st.chat_message("user"):
        render_user(user)
    state["pg_messages"].append(user)
    answer: dict = {"role": "assistant", "content": "", "completion": None, "error": None,
                    "candidates": candidates, "feedback": None,
                    "draft": (f"edited from {system.origin}" if system.agent else "free-form") if system.draft else None}
    state["pg_messages"].append(answer)
    got: dict = {"completion": None, "error": None, "text": []}

    def deltas(items):
        try:
            for item in items:
                if isinstance(item, Completion):
                    got["completion"] = item
                else:
                    got["text"].append(item)
                    yield item
        except Exception as exc:  # noqa: BLE001 - RouterError and anything unexpected: a message, not a traceback
            got["error"] = exc

    with st.chat_message("assistant"):
        body = st.empty()
        stream = deltas(router.stream(prompt, history=past, source=PLAYGROUND, **kwargs))
        with st.spinner("Routing to the cheapest model that can handle this…", show_time=True):
            first = next(stream, None)  # the wait for the first token (classify, pick, call)
        if first is not None:
            with body.container():
                st.write_stream(chain([first], stream), cursor="▌")
        answer["content"] = "".join(got["text"])
        answer["completion"] = got["completion"]
        answer["agent"] = agent_used(got["completion"], kwargs["agent"])
        error = got["error"]
        if error is not None:
            if isinstance(error, ProviderError) and error.kind == "stream_cut" and answer["content"]:
                answer["error"] = f"The answer was cut off — what arrived is shown above. {error_text(error)}"
            else:
                answer["error"] = error_text(error)
        body.empty()
        render_answer(answer)


# --------------------------------------------------------------------------------------------- page
head, button = st.columns([6, 1], vertical_alignment="bottom")
head.title("💬 Playground")
button.button("🆕 New chat", on_click=new_chat, width="stretch", help="Clear this conversation and start over.")
st.caption("Each message goes to the cheapest provider trusted with its complexity tier, falls back when one "
           "fails, and is priced against the baseline "
           f"**{md_escape(router.policy.baseline)}**.")

variables_box(system.text, state["pg_session"])
intro = st.empty()
if not state["pg_messages"] and not state.get("pg_pending") and not state.get(HELD):
    with intro.container():
        st.markdown("##### Start with a question below, or try one of these:")
        cols = st.columns(len(EXAMPLES))
        for col, (label, example) in zip(cols, EXAMPLES.items()):
            col.button(label, on_click=queue_example, args=(example,), width="stretch", help=example)
        st.caption("Easy questions go to free or cheap models, hard ones to premium models. Open **Why this "
                   "route** under an answer to see the reasoning; use the sidebar to pick an agent or force a "
                   "model.")

for message in state["pg_messages"]:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            render_user(message)
        else:
            render_answer(message)

prompt = st.chat_input("Ask anything — Switchboard picks the model")
if prompt is None and state.get("pg_pending"):
    prompt = state.pop("pg_pending")
if prompt is not None:
    if not prompt.strip():
        st.error("The prompt is empty. Type a question or an instruction.", icon="✍️")
    elif unfilled([system.text, prompt]):
        if state.get(HELD) != prompt:  # hold it; the form above asks for the missing values (and says why)
            state[HELD] = prompt
            st.rerun()
    else:
        state.pop(HELD, None)
        intro.empty()
        send(prompt)
