"""The Compare page's answer columns (badges: router's pick, voted best, real / simulated) and its cost and
latency charts. Items are plain dicts: target, text, error, cost_usd, latency_ms, ttft_ms, input_tokens,
output_tokens, is_auto, simulated (True / False / None when unknown)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from pages.ui.text import md_escape, md_message, safe_markdown
from pages.ui.widgets import ACCENT_HEX, MUTED_HEX
from router_core.display import duration, money
from router_core.errors import redact

LONG_ANSWER_CHARS = 900
ZERO_COST_AXIS_USD = 0.0001  # the cost axis when every answer was free (plotly would run it to $1)


def grid(n: int) -> list:
    """n columns in rows of at most three (two rows of 2/3 when n > 3), so answers stay readable at 1280 px."""
    if n <= 3:
        return list(st.columns(n, border=True))
    first = (n + 1) // 2
    return [*st.columns(first, border=True), *st.columns(n - first, border=True)]


def render_columns(items: list[dict], *, winner: str | None = None) -> None:
    for col, item in zip(grid(len(items)), items):
        with col:
            marks = []
            if item["is_auto"]:
                marks.append(":violet-badge[🧭 router's pick]")
            if winner and item["target"] == winner:
                marks.append(":green-badge[🏆 voted best]")
            if item["simulated"] is True:
                marks.append(":orange-badge[🧪 simulated]")
            elif item["simulated"] is False and not item["error"]:
                marks.append(":green-badge[✅ real]")
            st.markdown(f"**{md_escape(item['target'])}**  \n" + " ".join(marks))
            if item["error"]:
                st.error(md_message(redact(item["error"])), icon="⚠️")
                continue
            tokens = (f"{int(item['input_tokens'] or 0):,} in / {int(item['output_tokens'] or 0):,} out"
                      if item["input_tokens"] is not None else "–")
            st.caption(f"💵 {md_escape(money(item['cost_usd']))} · ⏱️ {duration(item['latency_ms'])} · "
                       f"first token {duration(item['ttft_ms'])} · 🔤 {tokens}")
            text = item["text"] or ""
            if len(text) > LONG_ANSWER_CHARS or text.count("\n") > 14:  # long answers scroll inside their column
                with st.container(height=360, border=False):
                    st.markdown(safe_markdown(text))
            else:
                st.markdown(safe_markdown(text))


def cost_figure(items: list[dict], **layout) -> go.Figure:
    """Horizontal cost bars of the answered items (first at the top); the axis fits the largest cost with room
    for its label, and stays tiny (not $1) when every answer was free."""
    ok = [i for i in items if not i["error"]][::-1]  # plotly draws the first category at the bottom
    costs = [i["cost_usd"] for i in ok]
    top = max((c for c in costs if c is not None), default=0.0)
    fig = go.Figure(go.Bar(y=[i["target"] for i in ok], x=[c if c is not None else 0 for c in costs],
                           orientation="h", marker_color=[ACCENT_HEX if i["is_auto"] else MUTED_HEX for i in ok],
                           text=[money(c) for c in costs], textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_layout(title="Cost of this answer", showlegend=False, **layout,
                      xaxis=dict(tickformat="$.4f", range=[0, top * 1.3 if top > 0 else ZERO_COST_AXIS_USD]))
    return fig


def render_charts(items: list[dict]) -> None:
    """Cost and latency side by side, as horizontal bars (long model names stay readable)."""
    ok = [i for i in items if not i["error"]]
    if not ok:
        return
    names = [i["target"] for i in ok][::-1]  # plotly draws the first category at the bottom
    ok = ok[::-1]
    colors = [ACCENT_HEX if i["is_auto"] else MUTED_HEX for i in ok]
    height = 110 + 46 * len(ok)
    layout = dict(height=height, margin=dict(l=10, r=40, t=40, b=10), bargap=0.35)
    left, right = st.columns(2)
    left.plotly_chart(cost_figure(items, **layout), key="cmp_cost_chart", config={"displayModeBar": False})
    lat = go.Figure([
        go.Bar(name="time to first token", y=names, x=[i["ttft_ms"] or 0 for i in ok], orientation="h",
               marker_color="#C7D2FE", hovertemplate="%{y}: first token %{x:.0f} ms<extra></extra>"),
        go.Bar(name="total", y=names, x=[i["latency_ms"] or 0 for i in ok], orientation="h", marker_color=colors,
               text=[duration(i["latency_ms"]) for i in ok], textposition="outside", cliponaxis=False,
               hovertemplate="%{y}: %{text}<extra></extra>"),
    ])
    lat.update_layout(title="Latency (ms)", barmode="group", xaxis=dict(rangemode="tozero"),
                      legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"), **layout)
    right.plotly_chart(lat, key="cmp_latency_chart", config={"displayModeBar": False})
    notes = ["Highlighted: the router's own pick."] if any(i["is_auto"] for i in ok) else []
    unpriced = [i["target"] for i in ok if i["cost_usd"] is None]
    if unpriced:
        notes.append(f"Unpriced (no known price, drawn as 0): {', '.join(unpriced)} — add a price override in "
                     "router.toml.")
    if notes:
        st.caption(md_escape(" ".join(notes)))
