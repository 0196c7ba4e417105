"""The Learned routing tab: outcomes per source (which ones the team trusts), Train, the held-out cost-quality
curve beside the plain classifier's, a threshold for a quality target with its projection, Save as policy
(inactive). Everything goes through the Workspace (router_core/workspace/learning.py)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from pages.shared import ACCENT_HEX, MUTED_HEX, error_text
from router_core.errors import RouterError
from router_core.workspace import MIN_OUTCOMES, MIN_POLICY_OUTCOMES, SOURCE_LABELS, Workspace

EMPTY = ("**No outcomes yet.** The learned router learns which requests the cheap models get wrong from the team's "
         "own evidence. Collect some first:\n"
         "- **Shadow checks**: set `shadow_rate` (say 0.05) and a `judge` under `[quality]` in router.toml; a random "
         "slice of live answers is then judged against the baseline's. This is the best source: an unbiased sample.\n"
         "- **Evaluations**: run one on the Evaluations page (or `python -m router_core eval`).\n"
         "- **Thumbs** on Playground answers and **votes** on the Compare page.\n"
         "- **Known-answer checks**: `python -m router_core check-answers --target provider:model`.")


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _sources(ws: Workspace) -> tuple[list[str], int]:
    """The outcome table with a checkbox per source; returns the chosen sources and how many outcomes they hold."""
    counts = ws.outcome_counts()
    chosen, total = [], 0
    head = st.columns([3, 1, 1, 1])
    for col, title in zip(head, ("Source (trusted?)", "Outcomes", "Good enough", "Strong model wins")):
        col.markdown(f"**{title}**")
    for source, c in counts.items():
        row = st.columns([3, 1, 1, 1])
        if row[0].checkbox(SOURCE_LABELS[source], value=c["n"] > 0, key=f"lr_src_{source}", disabled=c["n"] == 0):
            chosen.append(source)
            total += c["n"]
        row[1].write(f"{c['n']:,}")
        row[2].write(f"{c['good']:,}")
        row[3].write(f"{c['strong_wins']:,}")
    return chosen, total


def _curve(curves: dict[str, list[dict[str, float]]], cost_known: bool) -> go.Figure:
    fig = go.Figure()
    for name, label, colour in (("learned", "Learned router", ACCENT_HEX), ("classifier", "Plain classifier", MUTED_HEX)):
        points = curves[name]
        fig.add_scatter(x=[100 * p["cost"] for p in points], y=[100 * p["quality"] for p in points], name=label,
                        mode="lines+markers", line={"color": colour},
                        customdata=[100 * p["escalated"] for p in points],
                        hovertemplate="cost %{x:.0f} %, quality %{y:.1f} %, escalated %{customdata:.0f} %")
    axis = "Cost, % of the baseline's" if cost_known else "Requests escalated, %"
    fig.update_layout(height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend={"orientation": "h"},
                      title="Held-out outcomes: quality retained against cost", xaxis_title=axis,
                      yaxis_title="Quality, % of the baseline's")
    return fig


def _train(ws: Workspace, chosen: list[str], total: int) -> None:
    short = total < MIN_OUTCOMES
    help_text = f"Needs at least {MIN_OUTCOMES} outcomes from the chosen sources." if short else None
    if st.button("🧠 Train", key="lr_train", disabled=short or not chosen, help=help_text, type="primary"):
        try:
            with st.spinner(f"Training on {total:,} outcomes and cross-validating…"):
                info = ws.train_learned_router(chosen)
            st.session_state["lr_version"] = info.version
            st.success(f"Learned router v{info.version} trained on {info.n:,} outcomes. Routing is unchanged until "
                       "you save a policy from it and activate that.", icon="✅")
        except (RouterError, ValueError) as exc:
            st.error(f"Nothing was trained: {error_text(exc)}", icon="🛑")


def _threshold(ws: Workspace, version: int, n: int) -> None:
    target = st.slider("Keep at least this share of the baseline's quality", 0.80, 1.00, 0.95, 0.01,
                       key="lr_target", format="%.2f")
    pick = ws.learned_threshold(version, target)
    cost_label = "Projected cost" if pick.cost_known else "Projected cost (share escalated)"
    cols = st.columns(4)
    cols[0].metric("Threshold P(strong wins)", f"{min(pick.threshold, 1.0):.3f}")
    cols[1].metric("Escalated", _pct(pick.escalated))
    cols[2].metric("Projected quality", _pct(pick.quality),
                   help=f"95 % bootstrap interval {_pct(pick.quality_ci[0])} – {_pct(pick.quality_ci[1])}")
    cols[3].metric(cost_label, _pct(pick.cost), help=f"Of the baseline's cost; 95 % interval {_pct(pick.cost_ci[0])} – "
                                                    f"{_pct(pick.cost_ci[1])}")
    st.caption(f"On {pick.n:,} held-out outcomes: quality {_pct(pick.quality)} (95 % interval "
               f"{_pct(pick.quality_ci[0])} – {_pct(pick.quality_ci[1])}), cost {_pct(pick.cost)} (95 % interval "
               f"{_pct(pick.cost_ci[0])} – {_pct(pick.cost_ci[1])}). Requests at or above the threshold go to the next "
               "tier's candidates; the outcomes judge those as the baseline's answer, so this is an estimate.")
    if not pick.meets_target:
        st.warning(f"No threshold reaches {_pct(target)} on the held-out outcomes; this one keeps the most quality.",
                   icon="⚠️")
    if n < MIN_POLICY_OUTCOMES:
        st.info(f"A learned policy needs at least {MIN_POLICY_OUTCOMES} outcomes (this router learned from {n:,}): "
                "collect more and train again.", icon="📏")
        return
    name = st.text_input("Policy name", value=f"learned-v{version}", key="lr_name")
    if st.button("💾 Save as policy (inactive)", key="lr_save"):
        try:
            ws.save_learned_policy(name, version, pick.threshold)
        except RouterError as exc:
            st.error(f"Not saved: {error_text(exc)}", icon="🛑")
            return
        # The page's flash, after a rerun: the Policy and What-if tabs (drawn before this one) list it at once.
        st.session_state["rt_flash"] = f"Saved {name!r}, inactive: compare and activate it on the Policy tab."
        st.rerun()


def learned_tab(ws: Workspace) -> None:
    st.caption("Learn from the team's own outcomes which requests the cheap models get wrong, and escalate those. "
               "Trained on demand, evaluated on held-out outcomes, used only through a policy you activate.")
    if not st.session_state.get("lr_collected"):  # once a session (Train collects again): the page reruns often
        ws.collect_outcomes()
        st.session_state["lr_collected"] = True
    if not any(c["n"] for c in ws.outcome_counts().values()):
        st.info(EMPTY, icon="🌱")
        return
    chosen, total = _sources(ws)
    _train(ws, chosen, total)
    routers = ws.learned_routers()
    if not routers:
        st.info(f"Choose the sources you trust and press Train (at least {MIN_OUTCOMES} outcomes).", icon="🧠")
        return
    by_version = {r.version: r for r in routers}
    default = st.session_state.get("lr_version", routers[0].version)
    versions = list(by_version)
    version = st.selectbox("Learned router", versions, index=versions.index(default) if default in versions else 0,
                           format_func=lambda v: f"v{v}: {by_version[v].n:,} outcomes ("
                           + ", ".join(SOURCE_LABELS.get(s, s) for s in by_version[v].by_source) + ")", key="lr_pick")
    info = by_version[version]
    cv = info.cv
    cols = st.columns(3)
    cols[0].metric("Outcomes", f"{info.n:,}")
    for col, key, label in ((cols[1], "learned", "Learned APGR (held out)"), (cols[2], "classifier", "Classifier APGR")):
        value = cv.get(f"{key}_apgr")
        col.metric(label, "–" if value is None else f"{value:.3f}",
                   help=f"± {cv.get(f'{key}_sd') or 0:.3f} over {cv.get('scored_folds', 0)} folds; random order 0.5")
    if cv.get("meta_used"):
        bare = cv.get("learned_apgr_no_meta")
        st.caption("Without the request's agent as a feature (topics from the prompt text alone), the learned "
                   f"router's held-out APGR is {'–' if bare is None else f'{bare:.3f}'} "
                   f"(± {cv.get('learned_sd_no_meta') or 0:.3f}).")
    curves = ws.learned_curves(version)
    cost_known = ws.learned_threshold(version).cost_known
    st.plotly_chart(_curve(curves, cost_known), key="lr_chart")
    _threshold(ws, version, info.n)
