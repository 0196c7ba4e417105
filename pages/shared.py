"""What every page starts with: the cached Router and its Workspace, the app shell, the password gate,
the demo banner and the sidebar's org. Widgets and formatting live in pages/ui/ and are re-exported here,
so a page imports everything it needs from `pages.shared`.

Everything here only *displays* what router_core decided; no routing, pricing or SQL lives in pages/.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

from pages.ui.local_model import fetch_local_model
from pages.ui.text import (ago, code, md_escape, md_message, missing, safe_markdown, shorten, signed_money,
                           unit_price_text)
from pages.ui.widgets import (ACCENT_HEX, ERROR_HEX, MUTED_HEX, TIER_COLORS, TIER_HEX, completion_line, error_text,
                              render_route_details, saved_text, split_target, target_label, tier_badge)
from router_core.display import duration, money
from router_core.errors import RouterError, redact
from router_core.workspace import Workspace

AUTH_KEY = "sb_authenticated"
APP_SHELL_KEY = "_app_shell_running"  # True while app.py runs the current page


@st.cache_resource(show_spinner="Starting the router…")
def _router_for(config_path: str, database_url: str, demo: str):
    from router_core import Router

    return Router.from_env(config_path or None)


def get_router():
    """The process-wide Router (created once, survives reruns; a new one if the config env changes)."""
    return _router_for(os.environ.get("ROUTER_CONFIG", ""), os.environ.get("DATABASE_URL", ""),
                       os.environ.get("ROUTER_DEMO", ""))


def ensure_app_shell() -> None:
    """Make sure app.py (navigation, shared sidebar, demo banner) runs around this page.

    Because the pages live in a folder named `pages/`, Streamlit starts each new server (and every
    AppTest run) believing this is a v1 "pages folder" app; a run that starts on a page's URL then
    executes that page file *directly*, skipping app.py. st.navigation switches that belief off, so a
    page that finds app.py did not run switches it off too and reruns — app.py then runs first.
    """
    if st.session_state.get(APP_SHELL_KEY):
        return
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_password() -> None:
    """With APP_PASSWORD set (environment or .env), nothing renders until it is typed (constant-time check)."""
    from router_core.config import load_env

    expected = load_env().get("APP_PASSWORD", "")
    if not expected or st.session_state.get(AUTH_KEY):
        return
    st.title("🔀 Switchboard")
    with st.form("login"):
        typed = st.text_input("Team password", type="password", help="Set by APP_PASSWORD on this server.")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if hmac.compare_digest(typed.encode(), expected.encode()):
            st.session_state[AUTH_KEY] = True
            st.rerun()
        st.error("That password is not right.")
    st.stop()


def router_or_stop():
    """The Router, or an actionable error (bad config, unreachable database) and st.stop()."""
    ensure_app_shell()
    try:
        return get_router()
    except RouterError as exc:
        st.error(f"**Switchboard could not start.** {exc}\n\nFix the configuration (ROUTER_CONFIG, default "
                 "`data/router.toml`) or DATABASE_URL, then reload this page.", icon="🛑")
    except Exception as exc:  # noqa: BLE001 - never a traceback in the UI
        st.error(f"**Switchboard could not start:** {type(exc).__name__}: {redact(str(exc))}", icon="🛑")
    st.stop()


def workspace_or_stop() -> Workspace:
    """The Workspace over the process-wide Router (see router_or_stop)."""
    return Workspace(router_or_stop())


def demo_banner(router) -> None:
    """A clear banner in demo mode: which answers are simulated and how to add keys.

    app.py shows it once above every page; a page that calls it too does not get a second copy.
    """
    if st.session_state.get(APP_SHELL_KEY):
        return
    if router.config.demo:
        st.info("**Demo mode** — no API keys found, so the cloud providers are *simulated* inside the app "
                "(real wire formats and prices, made-up answers). The `local` model gives real answers. "
                "Add keys to `.env` (see `.env.example`) and restart for real cloud answers.", icon="🧪")


def current_org() -> str | None:
    """The workspace / org typed in the shared sidebar (None when blank)."""
    value = str(st.session_state.get("sb_org") or "").strip()
    return value or None


__all__ = ["TIER_COLORS", "TIER_HEX", "ACCENT_HEX", "MUTED_HEX", "ERROR_HEX", "APP_SHELL_KEY", "get_router",
           "ensure_app_shell", "require_password", "router_or_stop", "workspace_or_stop", "fetch_local_model",
           "tier_badge", "demo_banner", "money", "duration", "md_escape", "md_message", "code", "safe_markdown",
           "shorten", "ago", "missing", "signed_money", "unit_price_text", "error_text", "saved_text",
           "completion_line", "render_route_details", "target_label", "split_target", "current_org"]
