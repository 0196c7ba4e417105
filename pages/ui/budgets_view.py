"""Spend against each gateway key's budgets (today, this month), for the Savings page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from router_core.workspace import KeyRow


def _used(spent: float, budget: float | None) -> float | None:
    return None if not budget else spent / budget


def budget_frame(keys: list[KeyRow]) -> pd.DataFrame:
    """One row per live key that has a daily or monthly budget: spend, budget and the share used."""
    return pd.DataFrame([{
        "key": f"{k.prefix}…", "org": k.org, "agent": k.agent or "—",
        "today": k.spent_today_usd, "daily budget": k.daily_budget_usd,
        "daily used": _used(k.spent_today_usd, k.daily_budget_usd),
        "this month": k.spent_this_month_usd, "monthly budget": k.monthly_budget_usd,
        "monthly used": _used(k.spent_this_month_usd, k.monthly_budget_usd),
        "over budget": k.on_budget,
    } for k in keys if not k.revoked and (k.daily_budget_usd or k.monthly_budget_usd)])


def render_budgets(keys: list[KeyRow]) -> None:
    """The budgets section: a table with progress bars, or nothing when no key has a budget."""
    frame = budget_frame(keys)
    if frame.empty:
        return
    st.subheader("Budgets")
    st.caption("Spend of each gateway key against its budgets (UTC day and month), enforced by the gateway; "
               "manage keys on the Keys page.")
    usd = st.column_config.NumberColumn(format="$%.4f")
    bar = st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")
    st.dataframe(frame, hide_index=True, use_container_width=True,
                 column_config={"today": usd, "daily budget": usd, "this month": usd, "monthly budget": usd,
                                "daily used": bar, "monthly used": bar})
