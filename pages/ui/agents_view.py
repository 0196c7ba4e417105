"""The Agents page's widgets: the settings inputs shared by the create and edit forms, the route choice
(router's choice, a fixed target, or a saved policy) and the tables of agents and versions."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from router_core.workspace import AgentProfile, AgentVersionInfo, Workspace

AUTO_ROUTE = ""  # route as every other request: the active policy
TARGET, POLICY = "target:", "policy:"


def route_label(target: str | None, policy: str | None) -> str:
    if target:
        return f"fixed: {target}"
    return f"policy: {policy}" if policy else "auto (active policy)"


def _route_options(ws: Workspace, current: AgentProfile | None) -> list[str]:
    options = [AUTO_ROUTE, *(TARGET + t for t in ws.targets()), *(POLICY + p for p in ws.agent_policies())]
    for kept in (current and current.target and TARGET + current.target,
                 current and current.policy and POLICY + current.policy):
        if kept and kept not in options:  # no longer in the config: keep it choosable, the save will say why
            options.append(kept)
    return options


def settings_inputs(ws: Workspace, key: str, current: AgentProfile | None) -> dict[str, Any]:
    """Name, role, system prompt, defaults and route inside a form; `key` makes the widgets unique per agent
    and version, so a new version starts the form from its own values."""
    name = st.text_input("Name", value=current.name if current else "", key=f"{key}_name", max_chars=120)
    role = st.text_input("Role (optional)", value=current.role if current else "", key=f"{key}_role",
                         max_chars=120)
    prompt = st.text_area("System prompt", value=current.system_prompt if current else "", key=f"{key}_prompt",
                          height=160, max_chars=20_000)
    cols = st.columns(3)
    temperature = cols[0].number_input("Default temperature", min_value=0.0, max_value=2.0, step=0.1,
                                       value=current.temperature if current else None, key=f"{key}_temp",
                                       placeholder="provider default",
                                       help="Used when a request gives no temperature.")
    max_tokens = cols[1].number_input("Default max tokens", min_value=1, max_value=200_000, step=64,
                                      value=current.max_tokens if current else None, key=f"{key}_max",
                                      placeholder="provider default", help="Used when a request gives none.")
    options = _route_options(ws, current)
    now = TARGET + current.target if current and current.target else \
        POLICY + current.policy if current and current.policy else AUTO_ROUTE
    route = cols[2].selectbox("Route", options, index=options.index(now), key=f"{key}_route",
                              format_func=lambda o: route_label(o[len(TARGET):] if o.startswith(TARGET) else None,
                                                                o[len(POLICY):] if o.startswith(POLICY) else None),
                              help="Auto routes by complexity; a fixed target always answers (unless the request "
                                   "names a model); a policy routes under that saved policy.")
    return {"name": name, "role": role, "system_prompt": prompt, "temperature": temperature,
            "max_tokens": None if max_tokens is None else int(max_tokens),
            "target": route[len(TARGET):] if route.startswith(TARGET) else None,
            "policy": route[len(POLICY):] if route.startswith(POLICY) else None}


def agents_frame(agents: list[AgentProfile]) -> pd.DataFrame:
    return pd.DataFrame([{
        "code": a.code, "name": a.name, "role": a.role, "version": f"v{a.version}" if a.version else "–",
        "temperature": "default" if a.temperature is None else a.temperature,
        "max tokens": "default" if a.max_tokens is None else f"{a.max_tokens:,}",
        "route": route_label(a.target, a.policy), "state": "archived" if a.archived else "active",
    } for a in agents])


def versions_frame(versions: list[AgentVersionInfo]) -> pd.DataFrame:
    """Newest first, one row per version."""
    return pd.DataFrame([{
        "version": f"v{v.version}",
        "saved (UTC)": v.created_at.strftime("%Y-%m-%d %H:%M") if v.created_at else "",
        "note": v.note, "temperature": "default" if v.temperature is None else v.temperature,
        "max tokens": "default" if v.max_tokens is None else f"{v.max_tokens:,}",
        "route": route_label(v.target, v.policy), "prompt chars": len(v.system_prompt),
    } for v in reversed(versions)])
