"""The savings report: KPI tiles, plotly charts and a self-contained HTML file to mail to stakeholders.

    from router_core import analytics, report
    data = report.SavingsData.load(store, since=since, until=until, org=None, agent=None)
    tiles = report.kpi_tiles(data.kpis)                      # the same numbers the Savings page shows
    figs = report.savings_figures(data)                      # the same charts
    html = report.build_html(data, policy_name=..., policy=router.policy.to_dict(), baseline="anthropic:...")

Plain Python (no Streamlit). The HTML embeds plotly.js inline, so it opens offline in any browser,
and every piece of user or model text in it (org and agent names, prompts, answers, policy entries)
is escaped with `html.escape`; plotly escapes "<" in the figure JSON itself.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from . import analytics
from .display import duration, money
from .types import Complexity

# The app's tier colours (pages/shared.py TIER_HEX holds the same values for the Streamlit pages).
TIER_HEX: dict[str, str] = {"TRIVIAL": "#9CA3AF", "SIMPLE": "#16A34A", "MEDIUM": "#2563EB",
                            "COMPLEX": "#EA580C", "EXPERT": "#DC2626", "CACHED": "#7C3AED"}
ACTUAL_COLOR = "#2563EB"
BASELINE_COLOR = "#9CA3AF"
SAVED_COLOR = "#16A34A"

SAVINGS_DEFINITION = ("Saved = what the same usage would have cost on the baseline model minus what was actually "
                      "spent. A cache hit costs nothing, so its whole baseline cost counts as saved.")


def esc(value: Any) -> str:
    """Text for HTML: escaped, quotes included. None becomes an empty string."""
    return html.escape("" if value is None else str(value), quote=True)


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


@dataclass
class SavingsData:
    """Everything the Savings page and the report show, for one date range and filter."""

    since: datetime
    until: datetime
    org: str | None
    agent: str | None
    bucket: str
    kpis: dict[str, Any]
    spend: pd.DataFrame
    tiers: pd.DataFrame
    providers: pd.DataFrame
    cache: pd.DataFrame
    latency: pd.DataFrame
    sample: pd.DataFrame | None = None  # optional recent requests (prompt/response excerpts) for the report

    @staticmethod
    def bucket_for(since: datetime, until: datetime) -> str:
        """Hourly buckets for spans up to 3 days, daily ones beyond."""
        return "hour" if (until - since).total_seconds() <= 3 * 86400 else "day"

    @classmethod
    def load(cls, store: Any, *, since: datetime, until: datetime, org: str | None = None,
             agent: str | None = None, bucket: str | None = None) -> "SavingsData":
        """Run the aggregate queries (SQL GROUP BY; nothing row by row). Time buckets follow the span of the
        data, not of the period asked for: one day of traffic in a 30-day period is drawn per hour."""
        kw = dict(since=since, until=until, org=org, agent=agent)
        span = analytics.traffic_span(store, **kw)
        bucket = bucket or cls.bucket_for(*(span or (since, until)))
        return cls(since, until, org, agent, bucket,
                   kpis=analytics.kpis(store, **kw),
                   spend=analytics.spend_over_time(store, bucket=bucket, **kw),
                   tiers=analytics.requests_by_tier(store, **kw),
                   providers=analytics.requests_by_provider_model(store, **kw),
                   cache=analytics.cache_hit_rate_over_time(store, bucket=bucket, **kw),
                   latency=analytics.latency_by_provider(store, **kw))

    @property
    def empty(self) -> bool:
        return not self.kpis.get("requests")


# --------------------------------------------------------------------------------------------------
# KPI tiles
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    help: str = ""
    delta: str | None = None


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}%"


def kpi_tiles(k: Mapping[str, Any], baseline: str | None = None) -> list[Tile]:
    """The headline tiles, formatted once for the page and the report alike."""
    base = f" on {baseline}" if baseline else " on the baseline model"
    requests = int(k.get("requests") or 0)
    errors = int(k.get("errors") or 0)
    unpriced = int(k.get("unpriced_requests") or 0)
    hit_rate = k.get("cache_hit_rate")
    spend_help = "What the routed calls actually cost (cache hits cost nothing)."
    if unpriced:
        spend_help += f" {unpriced:,} call(s) went to an unpriced model and are not included."
    return [
        Tile("requests", "Requests", f"{requests:,}",
             f"{int(k.get('ok') or 0):,} answered, {errors:,} failed."),
        Tile("spend", "Actual spend", money(k.get("spend_usd") or 0.0), spend_help),
        Tile("baseline", "Baseline spend", money(k.get("baseline_usd") or 0.0),
             f"What the same usage would have cost{base}."),
        Tile("saved", "Saved", money(k.get("saved_usd") or 0.0), SAVINGS_DEFINITION,
             delta=_pct(k.get("saved_pct")) if k.get("saved_pct") is not None else None),
        Tile("saved_pct", "Saved %", _pct(k.get("saved_pct")), "Saved as a share of the baseline spend."),
        Tile("saved_by_cache", "Of which by cache", money(k.get("saved_by_cache_usd") or 0.0),
             "The baseline cost of every request answered from the cache."),
        Tile("cache_hit_rate", "Cache hit rate", "–" if hit_rate is None else f"{100 * hit_rate:.1f}%",
             f"{int(k.get('cache_hits') or 0):,} of {requests:,} requests answered from the cache."),
        Tile("p50_latency", "Median latency", duration(k.get("p50_latency_ms")),
             "Median end-to-end latency of successful requests, cache hits included."),
    ]


# --------------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------------


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
    return _layout(fig, "Latency by provider (successful, non-cached calls)", y_title="ms")


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


# --------------------------------------------------------------------------------------------------
# The HTML report
# --------------------------------------------------------------------------------------------------

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
     color:#111827;background:#F9FAFB}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:28px} h2{font-size:20px;margin:32px 0 12px}
.meta{color:#4B5563;margin:2px 0}
.tiles{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px;margin-top:20px}
.tile{background:#fff;border:1px solid #E5E7EB;border-radius:10px;padding:14px 16px}
.tile .label{color:#6B7280;font-size:13px} .tile .value{font-size:26px;font-weight:600;margin-top:4px}
.tile .help{color:#6B7280;font-size:12px;margin-top:6px}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}
.chart{background:#fff;border:1px solid #E5E7EB;border-radius:10px;padding:6px}
.chart.wide{grid-column:1 / -1}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border:1px solid #E5E7EB;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#F3F4F6} td.num{text-align:right;font-variant-numeric:tabular-nums}
.pre{white-space:pre-wrap;word-break:break-word;max-width:480px}
.note{color:#6B7280;font-size:13px}
@media (max-width:900px){.tiles{grid-template-columns:repeat(2,minmax(0,1fr))}.charts{grid-template-columns:1fr}}
"""


def _period(since: datetime, until: datetime) -> str:
    """"2026-11-01 – 2026-11-25 (UTC)": `until` is exclusive, so a midnight end shows the day before."""
    last = until
    if (until.hour, until.minute, until.second, until.microsecond) == (0, 0, 0, 0):
        last = until - timedelta(microseconds=1)
    if (since.hour, since.minute) == (0, 0) and (until.hour, until.minute) == (0, 0):
        return f"{since:%Y-%m-%d} – {last:%Y-%m-%d} (UTC)"
    return f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} (UTC)"


def _policy_table(policy: Mapping[str, Any]) -> str:
    rows = []
    for tier in [t.value for t in Complexity.tiers()]:
        targets = policy.get(tier) or []
        if isinstance(targets, str):
            targets = [targets]
        cells = " → ".join(esc(t) for t in targets) or "<em>none</em>"
        rows.append(f"<tr><td><strong style='color:{TIER_HEX[tier]}'>{esc(tier)}</strong></td><td>{cells}</td></tr>")
    last = policy.get("last_resort")
    if last:
        rows.append(f"<tr><td>last resort</td><td>{esc(last)}</td></tr>")
    return "<table><tr><th>Tier</th><th>Candidates, tried in order</th></tr>" + "".join(rows) + "</table>"


def _frame_table(df: pd.DataFrame, columns: Sequence[tuple[str, str, str]]) -> str:
    """columns: (column, header, kind) with kind in text / int / money / ms / pct / pre."""
    head = "".join(f"<th>{esc(h)}</th>" for _, h, _ in columns)
    body = []
    for _, row in df.iterrows():
        cells = []
        for col, _, kind in columns:
            v = row.get(col)
            missing = v is None or (isinstance(v, float) and pd.isna(v))
            if kind == "int":
                cells.append(f"<td class='num'>{'' if missing else f'{int(v):,}'}</td>")
            elif kind == "money":
                cells.append(f"<td class='num'>{esc(money(None if missing else float(v)))}</td>")
            elif kind == "ms":
                cells.append(f"<td class='num'>{esc(duration(None if missing else float(v)))}</td>")
            elif kind == "pct":
                cells.append(f"<td class='num'>{'' if missing else f'{100 * float(v):.1f}%'}</td>")
            elif kind == "pre":
                cells.append(f"<td><div class='pre'>{esc('' if missing else v)}</div></td>")
            else:
                cells.append(f"<td>{esc('' if missing else v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _excerpt(text: Any, limit: int = 300) -> str:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def build_html(data: SavingsData, *, policy_name: str, policy: Mapping[str, Any], baseline: str,
               title: str = "Switchboard — LLM cost savings report", generated_at: datetime | None = None,
               tier_colors: Mapping[str, str] | None = None, notes: Sequence[str] = (),
               demo: bool = False) -> str:
    """A self-contained HTML page (plotly.js inlined once, no network needed to open it)."""
    generated = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    tiles = kpi_tiles(data.kpis, baseline)
    scope = []
    scope.append(f"Organisation: <strong>{esc(data.org) if data.org else 'all'}</strong>")
    scope.append(f"Agent: <strong>{esc(data.agent) if data.agent else 'all'}</strong>")

    parts: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='meta'>Period: <strong>{esc(_period(data.since, data.until))}</strong> · {' · '.join(scope)}</p>",
        f"<p class='meta'>Baseline model: <strong>{esc(baseline)}</strong> · Routing policy in effect: "
        f"<strong>{esc(policy_name)}</strong></p>",
        f"<p class='meta'>Generated {esc(generated.strftime('%Y-%m-%d %H:%M UTC'))}</p>",
    ]
    if demo:
        parts.append("<p class='note'><strong>Demo mode:</strong> cloud answers in this period may be simulated "
                     "(no API keys were configured); costs are what the real vendors would have charged.</p>")
    parts.append("<div class='tiles'>")
    for t in tiles:
        delta = f" <span style='color:{SAVED_COLOR};font-size:14px'>({esc(t.delta)})</span>" if t.delta else ""
        parts.append(f"<div class='tile' data-kpi='{esc(t.key)}'><div class='label'>{esc(t.label)}</div>"
                     f"<div class='value'>{esc(t.value)}{delta}</div><div class='help'>{esc(t.help)}</div></div>")
    parts.append("</div>")
    parts.append(f"<p class='note'>{esc(SAVINGS_DEFINITION)}</p>")

    if data.empty:
        parts.append("<h2>Charts</h2><p>No requests in this period.</p>")
    else:
        parts.append("<h2>Charts</h2><div class='charts'>")
        figures = savings_figures(data, tier_colors)
        first = True
        for name, fig in figures.items():
            div = fig.to_html(full_html=False, include_plotlyjs=True if first else False,
                              config={"displaylogo": False, "responsive": True}, default_width="100%")
            first = False
            wide = " wide" if name == "cumulative_spend" else ""
            parts.append(f"<div class='chart{wide}'>{div}</div>")
        parts.append("</div>")

        parts.append("<h2>By tier</h2>")
        parts.append(_frame_table(data.tiers, [("complexity", "Tier", "text"), ("requests", "Requests", "int"),
                                               ("share", "Share", "pct"), ("spend_usd", "Spend", "money"),
                                               ("baseline_usd", "Baseline", "money"),
                                               ("saved_usd", "Saved", "money")]))
        parts.append("<h2>By provider and model</h2>")
        parts.append(_frame_table(data.providers, [("provider", "Provider", "text"), ("model", "Model", "text"),
                                                   ("requests", "Requests", "int"),
                                                   ("cache_hits", "Cache hits", "int"), ("errors", "Errors", "int"),
                                                   ("spend_usd", "Spend", "money"),
                                                   ("baseline_usd", "Baseline", "money"),
                                                   ("saved_usd", "Saved", "money"),
                                                   ("avg_latency_ms", "Avg latency", "ms")]))

    parts.append("<h2>Routing policy in effect</h2>")
    parts.append(f"<p class='meta'>Policy <strong>{esc(policy_name)}</strong>: each request is classified into a "
                 "tier and sent to the first available candidate of that tier, falling back in order.</p>")
    parts.append(_policy_table(policy))

    if data.sample is not None and not data.sample.empty:
        sample = data.sample.copy()
        sample["prompt"] = sample["prompt"].map(_excerpt)
        sample["response"] = sample["response"].map(_excerpt) if "response" in sample else ""
        sample["ts"] = pd.to_datetime(sample["ts"], utc=True).dt.strftime("%Y-%m-%d %H:%M")
        parts.append("<h2>Recent requests (sample)</h2>")
        parts.append(_frame_table(sample, [("ts", "Time (UTC)", "text"), ("org", "Org", "text"),
                                           ("agent", "Agent", "text"), ("complexity", "Tier", "text"),
                                           ("provider", "Provider", "text"), ("model", "Model", "text"),
                                           ("prompt", "Prompt", "pre"), ("response", "Answer", "pre"),
                                           ("cost_usd", "Cost", "money")]))
    for note in notes:
        parts.append(f"<p class='note'>{esc(note)}</p>")
    parts.append("<p class='note'>Made with Switchboard. Figures are interactive; this file needs no network.</p>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


__all__ = ["SavingsData", "Tile", "kpi_tiles", "savings_figures", "build_html", "esc", "TIER_HEX",
           "SAVINGS_DEFINITION", "fig_cumulative_spend", "fig_requests_by_tier", "fig_requests_by_provider",
           "fig_cache_hit_rate", "fig_latency_by_provider"]
