"""Logs — the request log: filter, page through, open one request (messages, answer, attempts, reasons).

Rows come from the Workspace (log_page / log_entry / export_log_csv); one request in full is
pages/ui/log_detail.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pandas as pd
import streamlit as st

from pages.shared import demo_banner, duration, error_text, missing, money, shorten, signed_money, workspace_or_stop
from pages.ui.log_detail import render_request, saved
from router_core import Complexity
from router_core.statuses import STATUSES
from router_core.workspace import Workspace

PERIODS = {"Last hour": timedelta(hours=1), "Last 24 hours": timedelta(days=1), "Last 7 days": timedelta(days=7),
           "Last 30 days": timedelta(days=30), "All time": None, "Custom range": "custom"}
PAGE_SIZES = [25, 50, 100, 200]
ANY = "Any"
TABLE_KEY = "lg_table"


def _utc_day(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def _filters(ws: Workspace) -> dict[str, Any]:
    """The filter widgets -> log filters (Workspace.log_page); `_`-keys are the page's own."""
    router = ws.router
    now = datetime.now(timezone.utc)
    r1 = st.columns([1.1, 2.2, 0.9, 0.9])
    period = r1[0].selectbox("Period", list(PERIODS), index=2, key="lg_period")
    search = r1[1].text_input("Search prompts and answers", key="lg_search", placeholder="any words, case-insensitive",
                              max_chars=200)
    status = r1[2].selectbox("Status", [ANY, *STATUSES], key="lg_status",
                             help="cut: the provider stopped mid-answer; cancelled: the caller stopped reading "
                                  "(both keep the text that was sent). invalid, unauthorized, rate_limited, "
                                  "budget_exceeded: refused by the gateway before routing, at no cost.")
    cached = r1[3].selectbox("Cached", [ANY, "cached", "not cached"], key="lg_cached")
    r2 = st.columns([1.1, 1.1, 2.0, 0.9])
    tiers = r2[0].multiselect("Tier", [t.value for t in [*Complexity.tiers(), Complexity.CACHED]], key="lg_tiers",
                              placeholder="all tiers")
    providers = r2[1].multiselect("Provider", list(router.config.providers), key="lg_providers",
                                  placeholder="all providers")
    models = sorted({m.id for name, p in router.config.providers.items() if not providers or name in providers
                     for m in p.models})
    chosen_models = r2[2].multiselect("Model", models, key="lg_models", placeholder="all models")
    agent, version = _agent_filter(ws)

    since: datetime | None
    until: datetime | None = None
    span = PERIODS[period]
    if span == "custom":
        today = now.date()
        picked = st.date_input("Dates (UTC)", value=(today - timedelta(days=6), today), max_value=today,
                               key="lg_dates", format="YYYY-MM-DD")
        days = list(picked) if isinstance(picked, (tuple, list)) else [picked]
        start = days[0] if days else today
        end = days[-1] if days else today
        since, until = _utc_day(start), _utc_day(end) + timedelta(days=1)
    elif span is None:
        since = None
    else:
        since = now - span
    return {
        "since": since, "until": until, "search": search.strip() or None,
        "status": None if status == ANY else status,
        "cached": None if cached == ANY else cached == "cached",
        "complexity": tiers or None, "provider": providers or None, "model": chosen_models or None,
        "agent": agent, "agent_version": version,
        "_page_size": r2[3].selectbox("Rows per page", PAGE_SIZES, index=1, key="lg_page_size"),
        "_period": period,
    }


def _agent_filter(ws: Workspace) -> tuple[str | None, int | None]:
    """Agent (archived ones too: their traffic stays in the log) and, once one is picked, its version."""
    agents = {a.code: a for a in ws.list_agents(include_archived=True)}
    r3 = st.columns([1.1, 1.1, 2.9])
    agent = r3[0].selectbox("Agent", [ANY, *agents], key="lg_agent",
                            format_func=lambda c: c if c == ANY else f"{agents[c].name} ({c})")
    if agent == ANY:
        return None, None
    numbers = [v.version for v in ws.agent_versions(agent)]
    version = r3[1].selectbox("Agent version", [ANY, *reversed(numbers)], key="lg_agent_version",
                              format_func=lambda v: v if v == ANY else f"v{v}",
                              help="The version of the agent each request used (not recorded before versions).")
    return agent, None if version == ANY else int(version)


def _signature(filters: dict[str, Any]) -> str:
    """What identifies a result set (a rolling "last hour" is identified by its name, not its timestamp)."""
    stable = {k: v for k, v in filters.items() if k not in ("since", "until") or filters["_period"] == "Custom range"}
    return json.dumps(stable, default=str, sort_keys=True)


def _table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "id": df["id"].astype("int64"),
        "time (UTC)": pd.to_datetime(df["ts"], utc=True).dt.tz_localize(None),
        "tier": df["complexity"],
        "prompt": df["prompt"].map(lambda p: shorten(p, 90)),
        "route": [f"{p}:{m}" if isinstance(p, str) and p else "–" for p, m in zip(df["provider"], df["model"])],
        "status": df["status"],
        "cached": df["cached"].astype(bool),
        "cost": df["cost_usd"].map(lambda v: money(None if missing(v) else v)),
        "saved": [signed_money(saved(b, x, c))
                  for b, x, c in zip(df["baseline_cost_usd"], df["cost_usd"], df["cached"])],
        "latency": df["latency_ms"].map(duration),
        "tokens in/out": [f"{int(i):,} / {int(o):,}" for i, o in zip(df["input_tokens"], df["output_tokens"])],
        "agent": [_agent_label(a, v) for a, v in zip(df["agent"], df.get("agent_version", [None] * len(df)))],
        "org": df["org"].fillna(""),
    })


def _agent_label(agent: Any, version: Any) -> str:
    if missing(agent) or not agent:
        return ""
    return str(agent) if missing(version) else f"{agent} v{int(version)}"


def _pager(filters: dict[str, Any]) -> tuple[str, int]:
    """(page widget key, page asked for): new filters start a fresh pager at page 1 with nothing open."""
    signature = _signature(filters)
    if st.session_state.get("lg_signature") != signature:
        st.session_state["lg_signature"] = signature
        st.session_state["lg_gen"] = int(st.session_state.get("lg_gen", 0)) + 1
        st.session_state.pop(TABLE_KEY, None)
    page_key = f"lg_page_{st.session_state['lg_gen']}"
    page = int(st.session_state.get(page_key) or 1)
    if st.session_state.get("lg_shown_page") != page:  # another page: the selected row index means nothing now
        st.session_state["lg_shown_page"] = page
        st.session_state.pop(TABLE_KEY, None)
    return page_key, page


def _empty_state(ws: Workspace) -> None:
    try:
        everything = ws.log_count()
    except Exception:  # noqa: BLE001 - the filtered query just worked; assume there is traffic
        everything = 1
    if everything:
        st.info("**No requests match these filters.** Widen the period, clear the search or remove a filter.",
                icon="🔍")
    else:
        st.info("**Nothing logged yet.** Chat on the **Playground** page or run "
                "`python -m router_core demo-routing`, and the requests appear here.", icon="💡")
        st.page_link("pages/playground.py", label="Open the Playground", icon="💬")


def _open_request(ws: Workspace, picked_id: int | None) -> None:
    with st.expander("Open a request by id", expanded=False):
        typed = st.number_input("Request id", min_value=0, step=1, value=0, key="lg_open_id",
                                help="For example the id the Playground shows under an answer. 0 = none.")
    if typed:
        picked_id = int(typed)
    if picked_id is None:
        st.caption("Select a row to see its messages, answer, attempts and reasons.")
        return
    st.divider()
    try:
        row = ws.log_entry(picked_id)
    except Exception as exc:  # noqa: BLE001
        st.error(f"Could not load request #{picked_id}: {error_text(exc)}")
        return
    if row is None:
        st.warning(f"There is no request #{picked_id}.")
        return
    render_request(row)


def main() -> None:
    ws = workspace_or_stop()
    demo_banner(ws.router)
    st.title("📜 Logs")
    st.caption("Every request the router handled, newest first. Times are UTC. Click a row to open it.")

    filters = _filters(ws)
    query = {k: v for k, v in filters.items() if not k.startswith("_")}
    page_key, page = _pager(filters)
    default_page = 1
    try:
        with st.spinner("Reading the log…"):
            shown = ws.log_page(page, filters["_page_size"], **query)
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(f"Could not read the request log: {error_text(exc)} Check DATABASE_URL (Settings) and reload.",
                 icon="🛑")
        return
    if shown.page != page:  # the rows shrank under us: a fresh pager showing the last page
        st.session_state["lg_gen"] += 1
        page_key, default_page = f"lg_page_{st.session_state['lg_gen']}", shown.page
    if shown.total == 0:
        _empty_state(ws)
        return

    df, total = shown.rows, shown.total
    head_left, head_right = st.columns([3, 1], vertical_alignment="center")
    head_left.markdown(f"**Rows {shown.first:,}–{shown.last:,} of {total:,}** · page {shown.page:,} of "
                       f"{shown.pages:,}")

    def csv_export() -> str:
        try:
            return ws.export_log_csv(**query)
        except Exception as exc:  # noqa: BLE001 - the download shows why instead of failing silently
            return f"error\nThe export failed: {error_text(exc)} Reload the Logs page and try again.\n"

    head_right.download_button(f"⬇️ CSV of {total:,} rows", data=csv_export,
                               file_name="switchboard-log.csv", mime="text/csv", key="lg_csv", on_click="ignore",
                               help="Every row matching the filters (all pages), oldest first.")
    state = st.dataframe(_table(df), hide_index=True, width="stretch", key=TABLE_KEY, on_select="rerun",
                         selection_mode="single-row", height=min(38 + 35 * len(df), 600),
                         column_config={"time (UTC)": st.column_config.DatetimeColumn(format="MMM D HH:mm:ss"),
                                        "cached": st.column_config.CheckboxColumn(width="small"),
                                        "id": st.column_config.NumberColumn(width="small", format="%d"),
                                        "tier": st.column_config.TextColumn(width="small"),
                                        "prompt": st.column_config.TextColumn(width="medium"),
                                        "status": st.column_config.TextColumn(width="small"),
                                        "cost": st.column_config.TextColumn(width="small"),
                                        "saved": st.column_config.TextColumn(width="small"),
                                        "latency": st.column_config.TextColumn(width="small")})
    if shown.pages > 1:
        st.pagination(shown.pages, default=default_page, key=page_key, max_visible_pages=7)
    selected = list(getattr(getattr(state, "selection", None), "rows", []) or [])
    _open_request(ws, int(df.iloc[selected[0]]["id"]) if selected and selected[0] < len(df) else None)


main()
