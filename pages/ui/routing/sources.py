"""Where a policy shown on the Routing page comes from: the active one, router.toml, a saved one, the edit."""

from __future__ import annotations

import streamlit as st

from router_core.errors import ConfigError
from router_core.policy import Policy
from router_core.workspace import FILE_POLICY, Workspace

DEFAULT_NAME = FILE_POLICY
EDITED = "Edited table (unsaved)"
ACTIVE_PREFIX = "Active: "
EDITED_DATA_KEY = "rt_edited_data"  # the editor's valid table (None while it has problems)


def policy_sources(ws: Workspace) -> list[str]:
    """The active policy, the router.toml default, then each saved one."""
    return [f"{ACTIVE_PREFIX}{ws.active_policy().name}", DEFAULT_NAME, *ws.list_policies()]


def load_source(ws: Workspace, source: str) -> Policy:
    """A source label -> a Policy (ConfigError when a saved policy no longer fits this config)."""
    if source.startswith(ACTIVE_PREFIX):
        return ws.active_policy()
    if source == EDITED:
        data = st.session_state.get(EDITED_DATA_KEY)
        if data is None:
            raise ConfigError("the edited table has problems; fix them on the Policy tab first")
        return ws.validate_policy(data, "edited (unsaved)")
    return ws.load_policy(source)
