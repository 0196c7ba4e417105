"""The What-if replay tab: a prompt set (sample, upload or logged traffic) through two policies, projected cost
against a baseline."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages.shared import TIER_HEX, md_escape, money, signed_money
from pages.ui.routing.replay_logged import LoggedQuery, logged_source
from pages.ui.routing.sources import EDITED, EDITED_DATA_KEY, load_source, policy_sources
from router_core import Complexity, replay
from router_core.errors import RouterError
from router_core.workspace import TIERS, Workspace


def _read_upload(ws: Workspace, uploaded) -> None:
    """Parse a new upload once; on success it becomes the prompt set, on failure nothing changes."""
    if uploaded is None:
        return
    marker = (uploaded.file_id, uploaded.name, uploaded.size)
    if st.session_state.get("rp_upload_marker") == marker:
        return
    st.session_state["rp_upload_marker"] = marker
    try:
        prompts = ws.read_prompt_file(uploaded.getvalue(), uploaded.name)
    except RouterError as exc:
        st.session_state["rp_upload_error"] = str(exc)
        return
    st.session_state["rp_upload_error"] = None
    st.session_state["rp_upload_set"] = (uploaded.name, prompts)


def _tier_chart(projection: replay.Projection) -> go.Figure:
    counts = projection.tier_counts()
    fig = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), marker_color=[TIER_HEX[t] for t in counts],
                           hovertemplate="%{x}: %{y} prompts<extra></extra>"))
    fig.update_layout(title=dict(text="Tier distribution of the prompt set", x=0), height=300,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis_title="prompts", template="plotly_white")
    return fig


def _cost_chart(projections: list[replay.Projection]) -> go.Figure:
    fig = go.Figure()
    colors = ["#2563EB", "#EA580C"]
    for i, p in enumerate(projections):
        fig.add_trace(go.Bar(x=p.by_tier["tier"], y=p.by_tier["cost_usd"], name=p.name, marker_color=colors[i % 2],
                             hovertemplate="%{x}: $%{y:,.4f}<extra>" + "%{fullData.name}</extra>"))
    fig.add_trace(go.Bar(x=projections[0].by_tier["tier"], y=projections[0].by_tier["baseline_cost_usd"],
                         name=f"baseline ({projections[0].baseline})", marker_color="#9CA3AF",
                         hovertemplate="%{x}: $%{y:,.4f}<extra>baseline</extra>"))
    fig.update_layout(barmode="group", title=dict(text="Projected cost by tier", x=0), height=320,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis_tickprefix="$", template="plotly_white",
                      legend=dict(orientation="h", y=-0.2))
    return fig


def _default_b(active: str, sources: list[str]) -> int:
    """Policy B starts as something worth comparing: an edit of the table, else another saved policy."""
    if EDITED in sources:  # what the user is editing on the Policy tab (equal to A until they edit)
        return sources.index(EDITED)
    others = [s for s in sources[1:] if s not in (EDITED, active)]
    return sources.index(others[-1]) if others else min(1, len(sources) - 1)


def _prompt_set(ws: Workspace) -> tuple[str, list[str]] | LoggedQuery | None:
    c1, c2 = st.columns([1, 2])
    source = c1.radio("Prompt set", ["Sample set", "Upload", "Logged traffic"], key="rp_source",
                      captions=[f"{replay.SAMPLE_PROMPTS_PATH.name}: 40 varied prompts",
                                "CSV with a 'prompt' column, or JSONL",
                                "real requests, priced from their logged tokens"])
    if source == "Logged traffic":
        return logged_source(ws, c2)
    if source == "Upload":
        uploaded = c2.file_uploader("CSV or JSONL prompt set", key="rp_upload",
                                    help="CSV: a header row with a column named 'prompt'. JSONL: one "
                                         "{\"prompt\": \"...\"} object per line. At most "
                                         f"{replay.MAX_PROMPTS:,} prompts.")
        _read_upload(ws, uploaded)
        if st.session_state.get("rp_upload_error"):
            c2.error(f"**That file was not used.** {md_escape(st.session_state['rp_upload_error'])}", icon="🚫")
        prompt_set = st.session_state.get("rp_upload_set")
        if prompt_set is None:
            c2.info("Upload a prompt set to replay it.")
        else:
            c2.caption(f"Using **{md_escape(prompt_set[0])}**: {len(prompt_set[1]):,} prompts.")
        return prompt_set
    try:
        prompt_set = ws.sample_prompts()
    except RouterError as exc:
        c2.error(str(exc))
        return None
    c2.caption(f"{len(prompt_set[1])} prompts from greetings to expert questions, shipped in `data/`.")
    return prompt_set


def _judged(ws: Workspace, prompt_set: tuple[str, list[str]] | LoggedQuery) -> tuple[str, list[replay.JudgedPrompt]]:
    """(name, judged prompts): logged traffic as logged, a prompt set classified here with a progress bar."""
    if isinstance(prompt_set, LoggedQuery):
        with st.spinner("Reading the logged requests…"):
            traffic = prompt_set.load(ws)
        return traffic.name + (f" (the newest of {traffic.matched:,})" if traffic.capped else ""), traffic.prompts
    name, prompts = prompt_set
    bar = st.progress(0.0, text=f"Classifying {len(prompts):,} prompts…")
    judged = ws.classify_prompts(prompts, progress=lambda done, total: bar.progress(
        done / total, text=f"Classified {done:,} of {total:,} prompts"))
    bar.empty()
    return name, judged


def _run(ws: Workspace, prompt_set: tuple[str, list[str]] | LoggedQuery, a: str, b: str, baseline: str,
         out_tokens: dict[Complexity, int]) -> None:
    try:
        policies = [("A", load_source(ws, a)), ("B", load_source(ws, b))]
        ws.parse_target(baseline)
    except RouterError as exc:
        st.error(f"Cannot replay: {exc}", icon="🚫")
        return
    name, judged = _judged(ws, prompt_set)
    if not judged:
        st.info("Nothing to replay: no request matches any more.", icon="💡")
        return
    results = [ws.project(judged, policy, baseline, output_tokens=out_tokens, name=f"{label}: {policy.name}")
               for label, policy in policies]
    st.session_state["rp_result"] = {"set": name, "prompts": len(judged), "projections": results,
                                     "at": datetime.now(timezone.utc)}


def _show(result: dict) -> None:
    projections: list[replay.Projection] = result["projections"]
    st.markdown(f"#### Replay of **{md_escape(result['set'])}** ({result['prompts']:,} prompts)")
    st.caption(f"Baseline {projections[0].baseline}: {money(projections[0].baseline_cost_usd)} for the whole set. "
               "Tier columns count prompts. *Above baseline*: what routes priced above the baseline (upgrades) "
               "cost beyond it.")
    logged = projections[0].logged_cost_usd
    if logged is not None:
        st.caption(f"These requests cost **{money(logged)}** as logged; under the policy that served them the "
                   "projection should come within about 1 % of it.")
    table = replay.compare(projections)
    tiers = [t for t in (*TIERS, Complexity.CACHED.value) if t in table.columns]
    shown = pd.DataFrame({
        "policy": table["policy"], **{t: table[t] for t in tiers},
        "projected": table["projected_cost_usd"].map(money),
        "saved": table["saved_usd"].map(lambda v: signed_money(v, "unpriced")),
        "saved %": table["saved_pct"].map(lambda v: "–" if v is None or pd.isna(v) else f"{v:.1f}%"),
        "above baseline": table["upgrade_cost_usd"].map(money),
    })
    small = st.column_config.Column(width="small")
    st.dataframe(shown, hide_index=True, width="stretch", key="rp_compare",
                 column_config={"policy": st.column_config.Column(width="medium"),
                                **{c: small for c in shown.columns if c != "policy"}})
    left, right = st.columns(2)
    left.plotly_chart(_tier_chart(projections[0]), key="rp_chart_tiers")
    right.plotly_chart(_cost_chart(projections), key="rp_chart_costs")
    for col, p in zip(st.columns(len(projections)), projections):
        with col:
            st.markdown(f"**{md_escape(p.name)}**")
            m1, m2, m3 = st.columns(3)
            m1.metric("Projected cost", money(p.cost_usd))
            m2.metric("Baseline cost", money(p.baseline_cost_usd))
            m3.metric("Saved", "–" if p.saved_pct is None else f"{p.saved_pct:.1f}%",
                      delta=signed_money(p.saved_usd, "unpriced"))
            if p.quality is not None:  # a learned policy: its quality from the held-out outcomes
                q = p.quality
                st.metric("Projected quality (held-out outcomes)", f"{100 * q.quality:.1f}% of the baseline's",
                          help=f"95 % interval {100 * q.quality_ci[0]:.1f}% – {100 * q.quality_ci[1]:.1f}% over "
                               f"{q.n:,} held-out outcomes; {100 * q.escalated:.0f}% of them escalated")
            by_tier = p.by_tier.assign(cost=p.by_tier["cost_usd"].map(money),
                                       baseline=p.by_tier["baseline_cost_usd"].map(money),
                                       above=p.by_tier["upgrade_cost_usd"].map(money))
            st.dataframe(by_tier[["tier", "prompts", "target", "cost", "baseline", "above"]], hide_index=True,
                         width="stretch", column_config={"tier": small, "prompts": small, "cost": small,
                                                         "baseline": small, "above": st.column_config.Column(
                                                             "above baseline", width="small"),
                                                         "target": st.column_config.Column(width="medium")})
    with st.expander("Per prompt"):
        rows = projections[0].rows[["prompt", "tier", "score", "input_tokens", "output_tokens"]].copy()
        for p in projections:
            rows[f"{p.name.split(':')[0]} target"] = p.rows["target"]
            rows[f"{p.name.split(':')[0]} cost"] = p.rows["cost_usd"].map(money)
        rows["baseline cost"] = projections[0].rows["baseline_cost_usd"].map(money)
        st.dataframe(rows, hide_index=True, width="stretch")
    for note in dict.fromkeys(n for p in projections for n in p.notes):
        st.caption(note)


def replay_tab(ws: Workspace) -> None:
    st.caption("Run a prompt set through two policies without calling anyone: the tier of every prompt, whom "
               "each policy would send it to, and the projected cost against the baseline.")
    prompt_set = _prompt_set(ws)
    sources = policy_sources(ws)
    if st.session_state.get(EDITED_DATA_KEY) is not None:
        sources.insert(1, EDITED)
    targets = ws.targets()
    active = ws.active_policy()
    p1, p2, p3 = st.columns(3)
    a = p1.selectbox("Policy A", sources, index=0, key="rp_a")
    b = p2.selectbox("Policy B", sources, index=_default_b(active.name, sources), key="rp_b")
    base_default = str(active.baseline)
    baseline = p3.selectbox("Baseline", targets, index=targets.index(base_default) if base_default in targets else 0,
                            key="rp_baseline", help="The premium model to project savings against.")
    with st.expander("Assumed answer length per tier (output tokens; logged traffic keeps its own)"):
        cols = st.columns(5)
        out_tokens = {Complexity(t): cols[i].number_input(t, min_value=1, max_value=32_000, step=25,
                                                          value=replay.DEFAULT_OUTPUT_TOKENS[Complexity(t)],
                                                          key=f"rp_out_{t}") for i, t in enumerate(TIERS)}
    if st.button("▶️ Replay", type="primary", key="rp_run", disabled=prompt_set is None) and prompt_set is not None:
        _run(ws, prompt_set, a, b, baseline, out_tokens)
    result = st.session_state.get("rp_result")
    if result:
        _show(result)
