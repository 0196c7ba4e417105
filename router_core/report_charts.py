"""The savings dashboard's charts (plotly figures), shared by the Savings page and the HTML report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

from .types import Complexity

if TYPE_CHECKING:
    from .report import SavingsData

# The app's tier colours (pages/shared.py TIER_HEX holds the same values for the Streamlit pages).
TIER_HEX: dict[str, str] = {"TRIVIAL": "#9CA3AF", "SIMPLE": "#16A34A", "MEDIUM": "#2563EB",
                            "COMPLEX": "#EA580C", "EXPERT": "#DC2626", "CACHED": "#7C3AED"}
ACTUAL_COLOR = "#2563EB"
BASELINE_COLOR = "#9CA3AF"
SAVED_COLOR = "#16A34A"


def _layout(fig: go.Figure, title: str, *, y_title: str = "", x_title: str = "", height: int = 340) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, xanchor="left"), height=height,
                      margin=dict(l=10, r=10, t=50, b=10), legend=dict(orientation="h", y=-0.2),
                      template="plotly_white", yaxis_title=y_title, xaxis_title=x_title)
    return fig


def padded_time_range(times: Any, *, minimum: timedelta = timedelta(minutes=30)) -> list[datetime] | None:
    """An x range around `times` with room on both sides (5 % of the span, at least `minimum`), so a first or
    last point, or a single one (then centred), is never cut by the edge of the axis."""
    stamps = pd.to_datetime(pd.Series(list(times)), utc=True).dropna()
    if stamps.empty:
        return None
    first, last = stamps.min().to_pydatetime(), stamps.max().to_pydatetime()
    pad = max((last - first) * 0.05, minimum)
    return [first - pad, last + pad]


def _fit_time_axis(fig: go.Figure, times: Any) -> None:
    """Pad the time axis around the data and draw markers whole even on an axis line (y = 0)."""
    fig.update_traces(cliponaxis=False)
    span = padded_time_range(times)
    if span is not None:
        fig.update_xaxes(range=span)


def fig_cumulative_spend(spend: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=spend["bucket"], y=spend["cum_baseline_usd"], name="Baseline (premium model)",
                             mode="lines+markers", line=dict(color=BASELINE_COLOR, dash="dash"),
                             hovertemplate="%{x}<br>baseline $%{y:,.4f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=spend["bucket"], y=spend["cum_spend_usd"], name="Actual spend", mode="lines+markers",
                             line=dict(color=ACTUAL_COLOR), fill="tonexty", fillcolor="rgba(22,163,74,0.12)",
                             hovertemplate="%{x}<br>actual $%{y:,.4f}<extra></extra>"))
    fig.update_yaxes(tickprefix="$", rangemode="tozero")
    _fit_time_axis(fig, spend["bucket"])
    return _layout(fig, "Cumulative spend: actual vs baseline", y_title="USD")


def fig_requests_by_tier(tiers: pd.DataFrame, tier_colors: Mapping[str, str] | None = None) -> go.Figure:
    colors = dict(TIER_HEX, **(tier_colors or {}))
    fig = go.Figure(go.Bar(x=tiers["complexity"], y=tiers["requests"],
                           marker_color=[colors.get(str(t), "#6B7280") for t in tiers["complexity"]],
                           customdata=(100 * tiers["share"]).round(1),
                           hovertemplate="%{x}: %{y:,} requests (%{customdata}%)<extra></extra>"))
    order = [t.value for t in [*Complexity.tiers(), Complexity.CACHED]]
    present = [t for t in order if t in set(tiers["complexity"])] + \
        [t for t in tiers["complexity"] if t not in order]
    fig.update_xaxes(categoryorder="array", categoryarray=present)
    return _layout(fig, "Requests by tier", y_title="requests")


def fig_requests_by_provider(providers: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for model, part in providers.groupby("model", sort=False):
        fig.add_trace(go.Bar(x=part["provider"], y=part["requests"], name=str(model),
                             hovertemplate="%{x} · %{fullData.name}: %{y:,}<extra></extra>"))
    fig.update_layout(barmode="stack")
    totals = providers.groupby("provider", sort=False)["requests"].sum().sort_values(ascending=False)
    fig.update_xaxes(categoryorder="array", categoryarray=list(totals.index))
    return _layout(fig, "Requests by provider (stacked by model)", y_title="requests")


def fig_cache_hit_rate(cache: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Scatter(x=cache["bucket"], y=100 * cache["hit_rate"], mode="lines+markers",
                               line=dict(color=TIER_HEX["CACHED"]), customdata=cache[["cache_hits", "requests"]],
                               hovertemplate="%{x}<br>%{y:.1f}% (%{customdata[0]:,} of %{customdata[1]:,})"
                                             "<extra></extra>"))
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    _fit_time_axis(fig, cache["bucket"])
    return _layout(fig, "Cache hit rate over time", y_title="hit rate")


def fig_latency_by_provider(latency: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Bar(x=latency["provider"], y=latency["p50_ms"], name="median (p50)", marker_color=ACTUAL_COLOR,
                         hovertemplate="%{x}: p50 %{y:,.0f} ms<extra></extra>"))
    fig.add_trace(go.Bar(x=latency["provider"], y=latency["p95_ms"], name="p95", marker_color="#93C5FD",
                         hovertemplate="%{x}: p95 %{y:,.0f} ms<extra></extra>"))
    fig.update_layout(barmode="group")
    return _layout(fig, "Latency by provider (successful calls, every source)", y_title="ms")


def savings_figures(data: SavingsData, tier_colors: Mapping[str, str] | None = None) -> dict[str, go.Figure]:
    """The dashboard's charts, keyed by a stable name (the page uses the names as widget keys)."""
    figures = {
        "cumulative_spend": fig_cumulative_spend(data.spend),
        "requests_by_tier": fig_requests_by_tier(data.tiers, tier_colors),
        "requests_by_provider": fig_requests_by_provider(data.providers),
        "cache_hit_rate": fig_cache_hit_rate(data.cache),
        "latency_by_provider": fig_latency_by_provider(data.latency),
    }
    for name in ("cumulative_spend", "cache_hit_rate"):  # time axes fit the data (padded), not the period
        figures[name].update_xaxes(type="date")
    return figures
