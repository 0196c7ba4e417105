"""The savings report: the headline, KPI tiles, plotly charts (report_charts.py) and a self-contained HTML file
to mail to stakeholders.

    from router_core import analytics, report
    data = report.SavingsData.load(store, since=since, until=until, org=None, agent=None)  # real traffic
    report.savings_headline(data.kpis)                       # "Saved 41.2 % of the baseline cost ..."
    data.quality, data.feedback = ws.quality_headline(...), ws.feedback_rollup(...)   # optional, see below
    tiles = report.kpi_tiles(data.kpis)                      # the same numbers the Savings page shows
    figs = report.savings_figures(data)                      # the same charts
    html = report.build_html(data, policy_name=..., policy=router.policy.to_dict(), baseline="anthropic:...")

With `data.quality` set (workspace.QualityHeadline) the report's headline is report_quality.headline: the net
savings beside measured quality, or plainly "quality not measured yet"; `data.feedback` adds the thumbs and Compare
votes table. Plain Python (no Streamlit). The HTML embeds plotly.js inline, so it opens offline in any browser,
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

from . import analytics, report_quality
from .display import duration, money
from .sources import REAL_TRAFFIC_FILTER, SourceFilter, describe_filter
from .types import Complexity

from .report_charts import (ACTUAL_COLOR, BASELINE_COLOR, SAVED_COLOR, TIER_HEX, fig_cache_hit_rate,  # noqa: F401
                            fig_cumulative_spend, fig_latency_by_provider, fig_requests_by_provider,
                            fig_requests_by_tier, padded_time_range, savings_figures)

SAVINGS_DEFINITION = ("Saved (net) = what the same usage would have cost on the baseline model minus what was "
                      "actually spent: saved on routes cheaper than the baseline, plus the whole baseline cost of "
                      "every cache hit, minus what routes dearer than the baseline spent above it (upgrades).")
MEASURING_NOTE = ("Compare columns, evaluation runs and shadow checks: what finding out how good and how cheap "
                  "the routes are costs. Not part of the savings above.")


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
    measuring: pd.DataFrame  # what measuring cost (analytics.measuring_costs), never part of the savings
    sources: SourceFilter = REAL_TRAFFIC_FILTER  # the traffic the savings count
    sample: pd.DataFrame | None = None  # optional recent requests (prompt/response excerpts) for the report
    quality: report_quality.Quality | None = None  # measured quality of the period (workspace.QualityHeadline)
    feedback: pd.DataFrame | None = None  # thumbs and Compare votes (workspace.feedback_rollup)
    agent_version: int | None = None  # only this version of `agent` (provider latency and measuring: every version)

    @staticmethod
    def bucket_for(since: datetime, until: datetime) -> str:
        """Hourly buckets for spans up to 3 days, daily ones beyond."""
        return "hour" if (until - since).total_seconds() <= 3 * 86400 else "day"

    @classmethod
    def load(cls, store: Any, *, since: datetime, until: datetime, org: str | None = None,
             agent: str | None = None, bucket: str | None = None,
             sources: SourceFilter = REAL_TRAFFIC_FILTER, agent_version: int | None = None) -> "SavingsData":
        """Run the aggregate queries (SQL GROUP BY; nothing row by row) over the traffic of `sources`. Time
        buckets follow the span of the data, not of the period asked for: one day of traffic in a 30-day
        period is drawn per hour. Provider latency counts every source and every version of the agent (attempt_logs
        carry neither)."""
        kw: dict[str, Any] = dict(since=since, until=until, org=org, agent=agent)
        sourced = dict(kw, sources=sources, agent_version=agent_version)
        span = analytics.traffic_span(store, **sourced)
        bucket = bucket or cls.bucket_for(*(span or (since, until)))
        return cls(since, until, org, agent, bucket,
                   kpis=analytics.kpis(store, **sourced),
                   spend=analytics.spend_over_time(store, bucket=bucket, **sourced),
                   tiers=analytics.requests_by_tier(store, **sourced),
                   providers=analytics.requests_by_provider_model(store, **sourced),
                   cache=analytics.cache_hit_rate_over_time(store, bucket=bucket, **sourced),
                   latency=analytics.latency_by_provider(store, **kw),
                   measuring=analytics.measuring_costs(store, **kw), sources=sources, agent_version=agent_version)

    @property
    def agent_label(self) -> str | None:
        """"triage v3", "triage", or None for every agent."""
        if not self.agent:
            return None
        return self.agent if self.agent_version is None else f"{self.agent} v{self.agent_version}"

    @property
    def scope(self) -> str:
        """Which traffic the savings count, in words."""
        return describe_filter(self.sources)

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


def _split(k: Mapping[str, Any]) -> str:
    """"$1.50 saved on cheaper routes and the cache, $0.27 spent on upgrades above the baseline."."""
    gross = float(k.get("saved_cheaper_usd") or 0.0) + float(k.get("saved_by_cache_usd") or 0.0)
    return (f"{money(gross)} saved on cheaper routes and the cache, "
            f"{money(float(k.get('upgrades_usd') or 0.0))} spent on upgrades above the baseline.")


def savings_headline(k: Mapping[str, Any]) -> str:
    """One sentence: net saved % of the baseline cost, then what cheaper routes and the cache saved and what
    upgrades above the baseline spent."""
    if not k.get("baseline_usd"):
        return "No priced requests in this period, so nothing to compare with the baseline yet."
    saved = float(k.get("saved_usd") or 0.0)
    pct = abs(float(k.get("saved_pct") or 0.0))
    lead = (f"Saved {pct:.1f} % of the baseline cost ({money(saved)} net)" if saved >= 0 else
            f"Spent {pct:.1f} % more than the baseline cost ({money(-saved)} net)")
    return f"{lead}: {_split(k)}"


def savings_breakdown(k: Mapping[str, Any]) -> str:
    """"$1.23 net: $1.50 saved on cheaper routes and the cache, $0.27 spent on upgrades above the baseline."."""
    return f"{money(float(k.get('saved_usd') or 0.0))} net: {_split(k)}"


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
    answered = int(k.get("ok") or 0)
    other = requests - answered - errors  # router_core.statuses: cancelled streams and refused requests
    other_text = (f", {other:,} cancelled by the caller or refused by the gateway (rate limit, budget, bad request "
                  "or key; no cost, no saving)") if other > 0 else ""
    return [
        Tile("requests", "Requests", f"{requests:,}", f"{answered:,} answered, {errors:,} failed{other_text}."),
        Tile("spend", "Actual spend", money(k.get("spend_usd") or 0.0), spend_help),
        Tile("baseline", "Baseline spend", money(k.get("baseline_usd") or 0.0),
             f"What the same usage would have cost{base}."),
        Tile("saved", "Saved (net)", money(k.get("saved_usd") or 0.0), SAVINGS_DEFINITION,
             delta=_pct(k.get("saved_pct")) if k.get("saved_pct") is not None else None),
        Tile("saved_pct", "Saved %", _pct(k.get("saved_pct")), "Net saved as a share of the baseline spend."),
        Tile("saved_cheaper", "Cheaper routes", money(k.get("saved_cheaper_usd") or 0.0),
             f"Saved on cheaper routes: baseline minus cost of every call routed to a model cheaper than{base}."),
        Tile("upgrades", "Upgrades", money(k.get("upgrades_usd") or 0.0),
             f"Spent on upgrades: cost above the baseline of every call routed to a model dearer than{base}; "
             "subtracted from the savings, never hidden in them."),
        Tile("saved_by_cache", "Saved by cache", money(k.get("saved_by_cache_usd") or 0.0),
             "Saved by the cache: the baseline cost of every request answered from the cache."),
        Tile("cache_hit_rate", "Cache hit rate", "–" if hit_rate is None else f"{100 * hit_rate:.1f}%",
             f"{int(k.get('cache_hits') or 0):,} of {requests:,} requests answered from the cache."),
        Tile("p50_latency", "Median latency", duration(k.get("p50_latency_ms")),
             "Median end-to-end latency of successful requests, cache hits included."),
    ]


def measuring_tiles(measuring: pd.DataFrame) -> list[Tile]:
    """What measuring cost: the total, then one tile per measuring source (compare, eval, shadow)."""
    tiles = [Tile("measuring", "Measuring, total", money(float(measuring["spend_usd"].sum())),
                  "Spend of every measuring source in the period.")]
    for _, row in measuring.iterrows():
        tiles.append(Tile(f"measuring_{row['source']}", str(row["source"]), money(float(row["spend_usd"])),
                          f"{int(row['requests']):,} request(s), {int(row['errors']):,} failed."))
    return tiles


def _tiles_html(tiles: Sequence[Tile]) -> str:
    out = ["<div class='tiles'>"]
    for t in tiles:
        delta = f" <span style='color:{SAVED_COLOR};font-size:14px'>({esc(t.delta)})</span>" if t.delta else ""
        out.append(f"<div class='tile' data-kpi='{esc(t.key)}'><div class='label'>{esc(t.label)}</div>"
                   f"<div class='value'>{esc(t.value)}{delta}</div><div class='help'>{esc(t.help)}</div></div>")
    out.append("</div>")
    return "".join(out)


# --------------------------------------------------------------------------------------------------
# The HTML report
# --------------------------------------------------------------------------------------------------

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
     color:#111827;background:#F9FAFB}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:28px} h2{font-size:20px;margin:32px 0 12px}
.meta{color:#4B5563;margin:2px 0}
.headline{font-size:20px;font-weight:600;margin:20px 0 0}
.tiles{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:12px;margin-top:20px}
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


def _headline_html(data: SavingsData) -> list[str]:
    """The headline: net savings beside measured quality (when `data.quality` is known), the money breakdown and
    what the quality figure leaves out."""
    q = data.quality
    if q is None:
        return [f"<p class='headline' data-kpi='headline'>{esc(savings_headline(data.kpis))}</p>"]
    out = [f"<p class='headline' data-kpi='headline'>{esc(report_quality.headline(data.kpis, q))}</p>"]
    if data.kpis.get("baseline_usd"):
        out.append(f"<p class='meta' data-kpi='savings'>{esc(savings_breakdown(data.kpis))}</p>")
    notes = report_quality.quality_notes(q, org=data.org, agent=data.agent)
    notes.append(report_quality.QUALITY_DEFINITION)
    out += [f"<p class='note' data-kpi='quality-note'>{esc(note)}</p>" for note in notes]
    return out


def _feedback_html(feedback: pd.DataFrame) -> list[str]:
    """What people said: thumbs and Compare votes per model and per tier."""
    out = ["<h2>Thumbs and Compare votes</h2>", f"<p class='meta'>{esc(report_quality.FEEDBACK_NOTE)}</p>"]
    if feedback.empty:
        return [*out, "<p>No thumbs or Compare votes in this period.</p>"]
    for by, label in report_quality.FEEDBACK_BY.items():
        table = report_quality.feedback_table(feedback, by)
        columns = [(c, c, "text" if c in (label, "Answers") else "int") for c in table.columns]
        out.append(f"<h3>Per {label.lower()}</h3><div data-kpi='feedback-{by}'>{_frame_table(table, columns)}</div>")
    return out


def build_html(data: SavingsData, *, policy_name: str, policy: Mapping[str, Any], baseline: str,
               title: str = "Switchboard — LLM cost savings report", generated_at: datetime | None = None,
               tier_colors: Mapping[str, str] | None = None, notes: Sequence[str] = (),
               demo: bool = False) -> str:
    """A self-contained HTML page (plotly.js inlined once, no network needed to open it)."""
    generated = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    tiles = kpi_tiles(data.kpis, baseline)
    scope = []
    scope.append(f"Organisation: <strong>{esc(data.org) if data.org else 'all'}</strong>")
    scope.append(f"Agent: <strong>{esc(data.agent_label) if data.agent else 'all'}</strong>")
    scope.append(f"Traffic counted: <strong>{esc(data.scope)}</strong>")

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
    parts.extend(_headline_html(data))
    parts.append(_tiles_html(tiles))
    parts.append(f"<p class='note'>{esc(SAVINGS_DEFINITION)}</p>")
    if data.feedback is not None:
        parts.extend(_feedback_html(data.feedback))

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
                                               ("saved_cheaper_usd", "Saved on cheaper routes", "money"),
                                               ("upgrades_usd", "Spent on upgrades", "money"),
                                               ("saved_usd", "Saved (net)", "money")]))
        parts.append("<h2>By provider and model</h2>")
        parts.append(_frame_table(data.providers, [("provider", "Provider", "text"), ("model", "Model", "text"),
                                                   ("requests", "Requests", "int"),
                                                   ("cache_hits", "Cache hits", "int"), ("errors", "Errors", "int"),
                                                   ("spend_usd", "Spend", "money"),
                                                   ("baseline_usd", "Baseline", "money"),
                                                   ("upgrades_usd", "Spent on upgrades", "money"),
                                                   ("saved_usd", "Saved (net)", "money"),
                                                   ("avg_latency_ms", "Avg latency", "ms")]))

    parts.append("<h2>What measuring cost</h2>")
    parts.append(f"<p class='meta'>{esc(MEASURING_NOTE)}</p>")
    parts.append(_tiles_html(measuring_tiles(data.measuring)))

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


__all__ = ["SavingsData", "Tile", "kpi_tiles", "savings_headline", "savings_breakdown", "measuring_tiles",
           "MEASURING_NOTE", "savings_figures", "build_html",
           "esc", "TIER_HEX", "SAVINGS_DEFINITION", "fig_cumulative_spend", "fig_requests_by_tier",
           "fig_requests_by_provider", "fig_cache_hit_rate", "fig_latency_by_provider"]
