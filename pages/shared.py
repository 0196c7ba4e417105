"""Widgets and helpers shared by every page: the cached Router, tier badges, money, the demo banner."""

from __future__ import annotations

import os

import streamlit as st

from router_core import Complexity
from router_core.display import duration, money

# One colour per tier, the same everywhere in the app (Streamlit badge colours).
TIER_COLORS: dict[str, str] = {
    Complexity.TRIVIAL.value: "gray",
    Complexity.SIMPLE.value: "green",
    Complexity.MEDIUM.value: "blue",
    Complexity.COMPLEX.value: "orange",
    Complexity.EXPERT.value: "red",
    Complexity.CACHED.value: "violet",
}
# The same colours as hex, for plotly charts.
TIER_HEX: dict[str, str] = {"TRIVIAL": "#9CA3AF", "SIMPLE": "#16A34A", "MEDIUM": "#2563EB",
                            "COMPLEX": "#EA580C", "EXPERT": "#DC2626", "CACHED": "#7C3AED"}


@st.cache_resource(show_spinner="Starting the router…")
def _router_for(config_path: str, database_url: str, demo: str):
    from router_core import Router

    return Router.from_env(config_path or None)


def get_router():
    """The process-wide Router (created once, survives reruns; a new one if the config env changes)."""
    return _router_for(os.environ.get("ROUTER_CONFIG", ""), os.environ.get("DATABASE_URL", ""),
                       os.environ.get("ROUTER_DEMO", ""))


def tier_badge(level: str | Complexity) -> str:
    """Markdown for a coloured tier badge."""
    name = level.value if isinstance(level, Complexity) else str(level)
    return f":{TIER_COLORS.get(name, 'gray')}-badge[{name}]"


def demo_banner(router) -> None:
    """A clear banner in demo mode: which answers are simulated and how to add keys."""
    if router.config.demo:
        st.info("**Demo mode** — no API keys found, so the cloud providers are *simulated* inside the app "
                "(real wire formats and prices, made-up answers). The `local` model gives real answers. "
                "Add keys to `.env` (see `.env.example`) and restart for real cloud answers.", icon="🧪")


__all__ = ["TIER_COLORS", "TIER_HEX", "get_router", "tier_badge", "demo_banner", "money", "duration"]
