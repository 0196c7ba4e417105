"""Compare: one prompt to 2–6 provider/models at once, side by side, with cost and latency charts,
the router's own pick marked, and a vote for the best answer."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages.shared import (ago, current_org, error_text, md_escape, md_message, shorten, target_label, tier_badge,
                          workspace_or_stop)
from pages.ui.compare_view import render_charts, render_columns
from router_core import Message
from router_core.errors import redact
from router_core.workspace import AUTO_TARGET

MIN_TARGETS, MAX_TARGETS = 2, 6
SPECIAL_VOTES = {"tie": "🤝 A tie", "none": "👎 None was good"}

ws = workspace_or_stop()
router = ws.router
state = st.session_state


def result_items(comparison) -> list[dict]:
    """A fresh router.compare() result as plain rows for the columns and charts."""
    auto = str(comparison.auto_route) if comparison.auto_route else None
    items = []
    for r in comparison.results:
        c = r.completion
        simulated = ws.provider(r.target.provider).simulated if c is None else bool(c.simulated)
        items.append({"target": str(r.target), "text": c.text if c else None, "error": r.error,
                      "cost_usd": c.cost_usd if c else None, "latency_ms": c.latency_ms if c else None,
                      "ttft_ms": c.ttft_ms if c else None, "input_tokens": c.input_tokens if c else None,
                      "output_tokens": c.output_tokens if c else None, "is_auto": str(r.target) == auto,
                      "simulated": simulated})
    return items


def stored_items(rows: pd.DataFrame) -> list[dict]:
    """Rows of Workspace.list_comparisons() for one comparison, as the same plain rows."""
    items = []
    for row in rows.itertuples(index=False):
        def val(name):
            v = getattr(row, name, None)
            return None if v is None or (isinstance(v, float) and pd.isna(v)) else v
        items.append({"target": row.target, "text": val("text"), "error": val("error"), "cost_usd": val("cost_usd"),
                      "latency_ms": val("latency_ms"), "ttft_ms": val("ttft_ms"),
                      "input_tokens": val("input_tokens"), "output_tokens": val("output_tokens"),
                      "is_auto": False, "simulated": val("simulated")})
    return items


# --------------------------------------------------------------------------------------------- page
st.title("⚖️ Compare")
st.caption("Send one prompt to several provider/models at once and compare answers, cost and speed. "
           "Comparisons bypass the cache and are saved with your vote.")

options = [AUTO_TARGET, *ws.targets()]
with st.form("cmp_form", border=True):
    prompt = st.text_area("Prompt", key="cmp_prompt", height=110,
                          placeholder="e.g. Summarise the trade-offs of microservices for a 5-person team")
    system = st.text_area("System prompt (optional)", key="cmp_system", height=68,
                          placeholder="e.g. You are a concise senior architect.")
    left, right = st.columns([4, 1])
    targets = left.multiselect(f"Models ({MIN_TARGETS}–{MAX_TARGETS})", options, default=ws.compare_defaults(),
                               max_selections=MAX_TARGETS, key="cmp_targets",
                               format_func=lambda t: "🧭 Router's pick for this prompt" if t == AUTO_TARGET
                               else target_label(ws, t))
    max_tokens = right.number_input("Max tokens", min_value=1, max_value=200_000, value=None, step=64,
                                    key="cmp_max_tokens", placeholder="default")
    submitted = st.form_submit_button("⚖️ Compare", type="primary")

if submitted:
    if not (prompt or "").strip():
        st.error("The prompt is empty. Type the question you want every model to answer.", icon="✍️")
    elif not MIN_TARGETS <= len(targets) <= MAX_TARGETS:
        st.error(f"Pick {MIN_TARGETS} to {MAX_TARGETS} models to compare (you picked {len(targets)}).", icon="☝️")
    else:
        messages = ([Message("system", system.strip())] if (system or "").strip() else []) + \
                   [Message("user", prompt)]
        try:
            with st.spinner(f"Asking {len(targets)} models at once…", show_time=True):
                comparison = router.compare(messages, ws.resolve_compare_targets(messages, targets), org=current_org(),
                                            max_tokens=int(max_tokens) if max_tokens else None)
            state["cmp_current"] = {"comparison": comparison, "items": result_items(comparison),
                                    "prompt": prompt, "voted": None}
        except Exception as exc:  # noqa: BLE001 - InvalidRequest and friends: a message, not a traceback
            st.error(md_message(error_text(exc)), icon="⚠️")

current = state.get("cmp_current")
if current:
    comparison, items = current["comparison"], current["items"]
    verdict = comparison.verdict
    auto = str(comparison.auto_route) if comparison.auto_route else None
    st.subheader("Results")
    st.markdown(f"{tier_badge(verdict.level)} · the router judges this prompt **{verdict.level.value}** "
                f"({md_escape(', '.join(verdict.reasons) or 'no particular signal')}) and would send it to "
                + (f"**{md_escape(auto)}** 🧭" if auto else "no available model (see Health)") + ".")
    if auto and auto not in [i["target"] for i in items]:
        st.caption("The router's pick is not among the models compared here.")
    render_columns(items, winner=current.get("voted"))
    render_charts(items)

    st.markdown("##### Which answer is best?")
    if comparison.id is None:
        st.warning("This comparison could not be saved, so it cannot take a vote.")
    else:
        vote_options = [i["target"] for i in items if not i["error"]] + list(SPECIAL_VOTES)
        cols = st.columns([4, 1], vertical_alignment="bottom")
        choice = cols[0].radio("Your vote", vote_options, horizontal=True, index=None, key=f"cmp_vote_{comparison.id}",
                               format_func=lambda v: SPECIAL_VOTES.get(v, v), label_visibility="collapsed")
        if cols[1].button("🗳️ Save vote", disabled=choice is None, width="stretch"):
            try:
                ws.vote_comparison(comparison.id, choice)
                current["voted"] = choice
                st.rerun()
            except Exception as exc:  # noqa: BLE001
                st.error(f"The vote was not saved: {redact(str(exc))}")
        if current.get("voted"):
            st.success(f"Vote saved: {md_escape(SPECIAL_VOTES.get(current['voted'], current['voted']))}.", icon="🗳️")
else:
    st.info("Write a prompt, pick 2 to 6 models and press **Compare**. The router's own pick for your prompt and "
            "the baseline are preselected, to show what routing saves.", icon="👆")

# ------------------------------------------------------------------------------------------ history
st.divider()
st.subheader("Past comparisons")
try:
    past = ws.list_comparisons(limit=20)
except Exception as exc:  # noqa: BLE001
    past = None
    st.error(f"Past comparisons could not be loaded: {redact(str(exc))}")
if past is not None and past.empty:
    st.caption("None yet — your comparisons and votes will be listed here.")
elif past is not None:
    summary = []
    for cid, rows in past.groupby("comparison_id", sort=False):
        ok = rows[rows["error"].isna()]
        cheapest = ok.loc[ok["cost_usd"].idxmin(), "target"] if ok["cost_usd"].notna().any() else None
        fastest = ok.loc[ok["latency_ms"].idxmin(), "target"] if ok["latency_ms"].notna().any() else None
        winner = rows["winner"].iloc[0]
        summary.append({"id": int(cid), "when": ago(rows["ts"].iloc[0].to_pydatetime()),
                        "prompt": shorten(rows["prompt"].iloc[0], 70), "models": len(rows),
                        "voted best": SPECIAL_VOTES.get(winner, winner) if isinstance(winner, str) else "—",
                        "cheapest": cheapest or "—", "fastest": fastest or "—"})
    st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch",
                 column_config={"id": st.column_config.NumberColumn("#", width=40),
                                "when": st.column_config.TextColumn(width=90),
                                "prompt": st.column_config.TextColumn(width=260),
                                "models": st.column_config.NumberColumn(width=60)})
    ids = [row["id"] for row in summary]
    picked = st.selectbox("Open a past comparison", [None, *ids], key="cmp_open",
                          format_func=lambda i: "—" if i is None else
                          f"#{i} · {next(r['prompt'] for r in summary if r['id'] == i)}")
    if picked is not None:
        rows = past[past["comparison_id"] == picked]
        system_prompt = rows["system"].iloc[0]
        st.markdown(f"**Prompt:** {md_escape(rows['prompt'].iloc[0])}")
        if isinstance(system_prompt, str) and system_prompt:
            st.caption(f"System prompt: {md_escape(system_prompt)}")
        winner = rows["winner"].iloc[0]
        render_columns(stored_items(rows), winner=winner if isinstance(winner, str) else None)
