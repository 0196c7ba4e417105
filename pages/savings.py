"""Savings — what routing and caching saved against the premium baseline, for stakeholders.

Numbers come from the Workspace (router_core.analytics' SQL aggregates, router_core.report's charts and
self-contained HTML report); this page only picks the filters and shows the result.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
import streamlit as st

from pages.shared import TIER_HEX, demo_banner, md_escape, workspace_or_stop
from pages.ui.budgets_view import render_budgets
from pages.ui.quality_headline import render_feedback
from pages.ui.savings_view import render_headline, render_measuring, source_picker
from router_core import report
from router_core.errors import redact
from router_core.sources import SourceFilter
from router_core.workspace import QualityHeadline, Workspace, WorkspaceError

PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": None, "Custom range": -1}
ALL = "All"
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
CACHE_TTL_S = 30  # aggregates are cached this long per filter combination


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=64)
def _savings_data(database: str, since: datetime, until: datetime, org: str | None, agent: str | None,
                  version: int | None, sources: SourceFilter, _ws: Workspace) -> report.SavingsData:
    return _ws.savings(since=since, until=until, org=org, agent=agent, agent_version=version, sources=sources)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=64)
def _quality(database: str, since: datetime, until: datetime, org: str | None, _ws: Workspace) -> QualityHeadline:
    return _ws.quality_headline(since, until, org)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=64)
def _feedback(database: str, since: datetime, until: datetime, org: str | None, agent: str | None,
              version: int | None, sources: SourceFilter, _ws: Workspace) -> pd.DataFrame:
    return _ws.feedback_rollup(since=since, until=until, org=org, agent=agent, agent_version=version, sources=sources)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=8)
def _orgs_agents(database: str, _ws: Workspace) -> dict[str, list[str]]:
    return _ws.orgs_and_agents()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=8)
def _any_traffic(database: str, _ws: Workspace) -> bool:
    return _ws.log_count() > 0


def _utc_day(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def _versions(ws: Workspace, agent: str) -> list[int]:
    """The agent's version numbers, newest first (none for an agent that is in the log but no longer saved)."""
    try:
        return [v.version for v in reversed(ws.agent_versions(agent))]
    except WorkspaceError:
        return []


def _filters(ws: Workspace, options: dict[str, list[str]]
             ) -> tuple[datetime, datetime, str | None, str | None, int | None, bool, SourceFilter]:
    """The filter rows: period, (custom dates), org, agent, agent version; then the traffic counted. Returns
    since, until (exclusive), org, agent, version, all_time, sources."""
    today = datetime.now(timezone.utc).date()
    cols = st.columns([1.2, 1.6, 1.2, 1.2, 1], vertical_alignment="bottom")
    period = cols[0].selectbox("Period", list(PERIODS), index=1, key="sv_period")
    days = PERIODS[period]
    if days == -1:
        picked = cols[1].date_input("Dates (UTC)", value=(today - timedelta(days=29), today), max_value=today,
                                    key="sv_dates", format="YYYY-MM-DD")
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            start, end = picked
        else:  # the user has picked the first day only so far
            start = end = picked[0] if isinstance(picked, (tuple, list)) and picked else today
    elif days is None:
        start, end = EPOCH.date(), today
        cols[1].caption("Every logged request.")
    else:
        start, end = today - timedelta(days=days - 1), today
        cols[1].caption(f"{start:%Y-%m-%d} – {end:%Y-%m-%d} (UTC)")
    org = cols[2].selectbox("Org", [ALL, *options.get("orgs", [])], key="sv_org")
    agent = cols[3].selectbox("Agent", [ALL, *options.get("agents", [])], key="sv_agent",
                              on_change=lambda: st.session_state.pop("sv_agent_version", None))  # versions are per agent
    versions = [] if agent == ALL else _versions(ws, agent)
    version = cols[4].selectbox("Agent version", [ALL, *versions], key="sv_agent_version", disabled=not versions,
                                format_func=lambda v: v if v == ALL else f"v{v}",
                                help="The version of the agent each request used (not recorded before versions).")
    sources = source_picker(st)
    return (_utc_day(start), _utc_day(end) + timedelta(days=1), None if org == ALL else org,
            None if agent == ALL else agent, None if version == ALL or not versions else int(version),
            days is None, sources)


def _empty_state(any_traffic: bool) -> None:
    if any_traffic:
        st.info("**No requests match these filters.** Widen the period, set Org / Agent / version back to *All*, "
                "or add sources to *Traffic counted*.", icon="🔍")
        return
    st.info("**No traffic logged yet.** Savings appear here as soon as requests go through the router:\n\n"
            "- chat on the **Playground** page, or\n"
            "- run `python -m router_core demo-routing` to route the five reference queries.", icon="💡")
    st.page_link("pages/playground.py", label="Open the Playground", icon="💬")


def _file_stem(data: report.SavingsData) -> str:
    last = data.until - timedelta(days=1)
    stem = f"switchboard-{data.since:%Y%m%d}-{last:%Y%m%d}"
    for part in (data.org, data.agent_label):
        if part:
            stem += "-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in part)[:40]
    return stem


def main() -> None:
    ws = workspace_or_stop()
    router = ws.router
    demo_banner(router)
    db_key = ws.database()
    st.title("💰 Savings")
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.caption(f"What routing and the cache saved against sending everything to the baseline model "
                 f"**{md_escape(router.policy.baseline)}**. Dates are UTC; numbers are cached for {CACHE_TTL_S} s.")
    if right.button("↻ Refresh", key="sv_refresh", help="Re-read the log now instead of waiting."):
        for cached in (_savings_data, _quality, _feedback, _orgs_agents):
            cached.clear()
        _any_traffic.clear()

    try:
        options = _orgs_agents(db_key, ws)
        since, until, org, agent, version, all_time, sources = _filters(ws, options)
        with st.spinner("Adding up the log…"):
            data = _savings_data(db_key, since, until, org, agent, version, sources, ws)
            quality = _quality(db_key, since, until, org, ws)
            feedback = _feedback(db_key, since, until, org, agent, version, sources, ws)
            any_traffic = True if not data.empty else _any_traffic(db_key, ws)
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(f"Could not read the request log: {redact(str(exc))}. Check DATABASE_URL (Settings page) and "
                 "reload.", icon="🛑")
        return

    if all_time and not data.spend.empty:  # show the real first day, not the year 2000
        first = data.spend["bucket"].min().to_pydatetime()
        data.since = _utc_day(first.date())

    if data.empty:
        _empty_state(any_traffic)
        if int(data.measuring["requests"].sum()):  # e.g. only Compare traffic so far
            render_measuring(data)
        return

    render_headline(data, str(router.policy.baseline), quality)
    unpriced = int(data.kpis.get("unpriced_requests") or 0)
    if unpriced:
        st.warning(f"{unpriced:,} request(s) went to a model without a price and are left out of spend and "
                   "savings. Add a `[prices]` override for it in router.toml (see Settings).", icon="⚠️")

    render_feedback(feedback)

    # ---- charts
    figures = report.savings_figures(data, TIER_HEX)
    st.plotly_chart(figures["cumulative_spend"], key="sv_chart_cumulative")
    left, right = st.columns(2)
    left.plotly_chart(figures["requests_by_tier"], key="sv_chart_tiers")
    right.plotly_chart(figures["requests_by_provider"], key="sv_chart_providers")
    left, right = st.columns(2)
    left.plotly_chart(figures["cache_hit_rate"], key="sv_chart_cache")
    if data.latency.empty:
        right.info("No successful non-cached calls in this period, so no latency to show.")
    else:
        right.plotly_chart(figures["latency_by_provider"], key="sv_chart_latency")
    render_measuring(data)
    render_budgets(ws.list_keys())

    # ---- export
    st.subheader("Share")
    policy_name = ws.active_policy().name
    stem = _file_stem(data)
    export_filters = dict(since=data.since if not all_time else None, until=data.until, org=org, agent=agent,
                          agent_version=version, source=list(data.sources))
    requests = int(data.kpis["requests"])
    c1, c2, c3 = st.columns([1, 1, 2])

    def csv_export() -> str:
        try:
            return ws.export_log_csv(**export_filters)
        except Exception as exc:  # noqa: BLE001 - the download shows why instead of failing silently
            return f"error\nThe export failed: {redact(str(exc))}. Reload the Savings page and try again.\n"

    c1.download_button(f"⬇️ CSV of {requests:,} requests", data=csv_export, file_name=f"{stem}.csv",
                       mime="text/csv", key="sv_csv", on_click="ignore",
                       help="Every filtered request, oldest first, with a saved_usd column. Built when you click.")
    include_sample = c3.checkbox("Add the 10 latest prompts and answers to the report", value=False,
                                 key="sv_sample", help="Off by default: prompts may contain customer data.")

    def html_report() -> str:
        try:
            return ws.savings_report(data, include_sample=include_sample, all_time=all_time, tier_colors=TIER_HEX)
        except Exception as exc:  # noqa: BLE001 - the download shows why instead of failing silently
            return (f"<!DOCTYPE html><meta charset='utf-8'><title>Report failed</title><p>The report could not be "
                    f"built: {report.esc(redact(str(exc)))}. Reload the Savings page and try again.</p>")

    c2.download_button("⬇️ HTML report", data=html_report, file_name=f"{stem}.html", mime="text/html",
                       key="sv_report", on_click="ignore",
                       help="One self-contained file (KPIs, charts, the routing policy in effect) that opens "
                            "offline in any browser: mail it to someone who never opens this app.")
    st.caption(f"The report shows the routing policy in effect now: **{md_escape(policy_name)}**.")


main()
