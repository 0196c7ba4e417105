"""Health: per provider — configured, reachable, last check, cooldown, 24 h error rate and latency,
models offered, each from the checks and requests of the provider's current mode (simulated or real).
"Check now" runs the no-token checks; the chart shows check latency and failures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages.shared import ERROR_HEX, ago, duration, md_escape, md_message, shorten, workspace_or_stop
from router_core.errors import redact
from router_core.report import padded_time_range

COOLDOWN = {"closed": "—", "open": "🧊 cooling down", "half-open": "🔁 probing"}
PALETTE = ["#4F46E5", "#0EA5E9", "#16A34A", "#EA580C", "#DB2777", "#7C3AED", "#CA8A04", "#64748B"]

ws = workspace_or_stop()
providers = ws.provider_status()
state = st.session_state

head, button = st.columns([4, 1], vertical_alignment="bottom")
head.title("🩺 Health")
check = button.button("🔄 Check now", type="primary", width="stretch",
                      help="Calls each provider's model-listing endpoint: no tokens are spent.")
if ws.mode().demo:
    scope = ("Each provider shows the checks and requests of its current mode: a 🧪 simulated one its simulated "
             "checks and requests, any other its real ones.")
else:
    scope = ("In live mode only real checks and requests are shown: what was recorded while a provider was "
             "simulated (demo mode) is left out.")
st.caption("Reachability comes from no-token checks (each provider's model list); error rates and latency "
           f"come from the last 24 h of requests. {scope}")

if check:
    try:
        with st.spinner(f"Checking {len(providers)} providers (no tokens spent)…", show_time=True):
            state["health_checked"] = ws.check_health()
        providers = ws.provider_status()  # a failed check may start a cooldown
    except Exception as exc:  # noqa: BLE001
        st.error(f"The check failed: {redact(str(exc))}")

now = datetime.now(timezone.utc)
since = now - timedelta(hours=24)
problems: list[str] = []
try:
    history = ws.health_history(since)
except Exception as exc:  # noqa: BLE001
    history = pd.DataFrame(columns=["ts", "provider", "reachable", "latency_ms", "detail", "simulated"])
    problems.append(f"check history: {redact(str(exc))}")
try:
    latency, errors = ws.provider_traffic(since=since, until=now)
except Exception as exc:  # noqa: BLE001
    latency = errors = pd.DataFrame()
    problems.append(f"traffic statistics: {redact(str(exc))}")
for problem in problems:
    st.warning(f"Could not load the {problem}")

last_checks = {} if history.empty else {p: rows.iloc[-1] for p, rows in history.groupby("provider", sort=False)}


def stat(frame: pd.DataFrame, provider: str, column: str):
    if frame.empty or provider not in frame.index:
        return None
    value = frame.loc[provider, column]
    return None if pd.isna(value) else value


# ------------------------------------------------------------------------------------- provider cards
up = sum(1 for p in providers if p.name in last_checks and bool(last_checks[p.name]["reachable"]))
m1, m2, m3 = st.columns(3)
m1.metric("Providers configured", f"{sum(p.configured for p in providers)} / {len(providers)}", border=True)
m2.metric("Reachable at last check", f"{up} / {len(providers)}" if last_checks else "not checked", border=True)
m3.metric("Cooling down", sum(1 for p in providers if p.cooldown != "closed"), border=True)
if not last_checks:
    st.info("No health check in the last 24 h. Press **Check now** to ask every provider for its model list.",
            icon="👆")

cols = st.columns(3)
for i, status in enumerate(providers):
    name, why_not, simulated = status.name, status.why_not_configured, status.simulated
    last = last_checks.get(name)
    with cols[i % 3].container(border=True, key=f"health-card-{name}"):
        mode = " · :orange-badge[🧪 simulated]" if simulated else ""
        st.markdown(f"**{md_escape(name)}** · {md_escape(status.kind)}{mode}")
        if why_not:
            st.markdown(f"❌ **Not configured** — {md_message(why_not)}")
        elif simulated and status.missing:
            st.markdown(f"🧪 **Simulated** — {md_message(status.missing)} for real answers")
        else:
            st.markdown("✅ **Configured**")
        if last is None:
            st.markdown("⚪ Not checked yet")
        elif bool(last["reachable"]):
            st.markdown(f"🟢 **Reachable** · {duration(last['latency_ms'] if pd.notna(last['latency_ms']) else None)}"
                        f" · checked {ago(last['ts'].to_pydatetime())}")
        elif why_not:  # the check failed for the reason already shown above
            st.markdown(f"🔴 **Unreachable** · checked {ago(last['ts'].to_pydatetime())}")
        else:
            st.markdown(f"🔴 **Unreachable** · checked {ago(last['ts'].to_pydatetime())}  \n"
                        f"{md_message(shorten(redact(str(last['detail'])), 200))}")
        cooldown = COOLDOWN.get(status.cooldown, status.cooldown)
        requests = stat(errors, name, "requests")
        if requests:
            rate = stat(errors, name, "error_rate") or 0.0
            p50, p95 = stat(latency, name, "p50_ms"), stat(latency, name, "p95_ms")
            traffic = f"{rate:.1%} errors of {int(requests):,} · p50 {duration(p50)} · p95 {duration(p95)}"
        else:
            traffic = "no requests"
        st.caption(f"Cooldown: {cooldown}  \n24 h traffic: {traffic}")
        checked = state.get("health_checked", {}).get(name)
        offered = list(checked.models) if checked is not None and checked.models else list(status.models)
        st.caption("Models: " + md_escape(", ".join(offered) or "none listed"))

# ------------------------------------------------------------------------------------------- chart
st.subheader("Checks over the last 24 h")
if history.empty:
    st.caption("No checks yet — each **Check now** adds one point per provider.")
else:
    fig = go.Figure()
    any_ok = bool(history["reachable"].any())
    for i, (name, rows) in enumerate(history.groupby("provider", sort=True)):
        color = PALETTE[i % len(PALETTE)]
        ok = rows[rows["reachable"]]
        if not ok.empty:
            fig.add_trace(go.Scatter(x=ok["ts"], y=ok["latency_ms"], mode="lines+markers", name=name,
                                     line=dict(color=color), hovertemplate="%{y:.0f} ms<extra>" + name + "</extra>"))
        failed = rows[~rows["reachable"]]
        if not failed.empty:
            fig.add_trace(go.Scatter(x=failed["ts"], y=[0] * len(failed), mode="markers", name=f"{name} failed",
                                     marker=dict(symbol="x", size=11, color=ERROR_HEX),
                                     text=[shorten(redact(str(d)), 120) for d in failed["detail"]],
                                     hovertemplate="failed: %{text}<extra>" + name + "</extra>"))
    fig.update_traces(cliponaxis=False)  # a failure's ✕ sits on the axis line: draw it whole
    fig.update_layout(height=340 if any_ok else 180, margin=dict(l=10, r=10, t=10, b=10),
                      yaxis=dict(rangemode="tozero", visible=any_ok, title="check latency (ms)" if any_ok else None),
                      xaxis=dict(range=padded_time_range(history["ts"], minimum=timedelta(minutes=5))),
                      legend=dict(orientation="h", y=-0.2 if any_ok else -0.6), hovermode="closest")
    st.plotly_chart(fig, key="health_chart", config={"displayModeBar": False})
    if any_ok:
        st.caption("Lines: check latency of reachable providers. Red ✕ on the axis: a failed check.")
    else:
        st.caption("No check succeeded in the last 24 h: each red ✕ is a failed check (hover for the reason). "
                   "The cards above say what each provider needs.")
