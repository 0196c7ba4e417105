"""Routing — the policy (edit, validate, save, activate), explain a prompt, what-if replay, routing quality.

Validation is router_core's (Policy.from_dict -> catalog.validate_routing), replay is router_core.replay,
quality is router_core.routing_eval; this page only gathers input and shows the results.
"""

from __future__ import annotations

import re
import time as _time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages.shared import (TIER_HEX, demo_banner, error_text, md_escape, money, router_or_stop, shorten,
                          tier_badge)
from router_core import Complexity, replay
from router_core.catalog import parse_target
from router_core.config import REPO_ROOT
from router_core.errors import ConfigError, RouterError
from router_core.policy import Policy
from router_core.types import Usage


def code(text) -> str:
    """Inline code for st.markdown (Markdown escapes do not apply inside backticks, so none are added)."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


TIERS = [t.value for t in Complexity.tiers()]
LAST_RESORT = "last resort"
DEFAULT_NAME = "default (router.toml)"
EDITED = "Edited table (unsaved)"
EDITOR_KEY = "rt_editor"
ROUTELLM_DIR = REPO_ROOT / "data" / "benchmarks" / "routellm"


# ------------------------------------------------------------------------------------------ policies
def _policy_sources(router) -> list[str]:
    """Where a policy can come from: the active one, the router.toml default, each saved one."""
    saved = router.store.list_policies()
    return [f"Active: {router.policy.name}", DEFAULT_NAME, *[n for n in saved if n != DEFAULT_NAME]]


def _load_policy(router, source: str) -> Policy:
    """A source label -> a Policy (raises ConfigError when a saved policy no longer fits this config)."""
    if source.startswith("Active: "):
        return router.policy
    if source == DEFAULT_NAME:
        return Policy(router.config.routing, router.config.baseline, DEFAULT_NAME, router.why_not_configured)
    if source == EDITED:
        data = st.session_state.get("rt_edited_data")
        if data is None:
            raise ConfigError("the edited table has problems; fix them on the Policy tab first")
        return Policy.from_dict(data, router.config.providers, "edited (unsaved)", router.config.baseline,
                                router.why_not_configured)
    data = router.store.get_policy(source)
    if data is None:
        raise ConfigError(f"no saved policy named {source!r}")
    return Policy.from_dict(data, router.config.providers, source, router.config.baseline, router.why_not_configured)


def _table_rows(data: dict[str, Any]) -> pd.DataFrame:
    """Policy data -> one editor row per candidate: tier, order, target."""
    rows = []
    for tier in TIERS:
        targets = data.get(tier) or []
        if isinstance(targets, str):
            targets = [targets]
        for i, target in enumerate(targets, start=1):
            rows.append({"tier": tier, "order": i, "target": str(target)})
    if data.get("last_resort"):
        rows.append({"tier": LAST_RESORT, "order": 1, "target": str(data["last_resort"])})
    return pd.DataFrame(rows, columns=["tier", "order", "target"])


def _rows_to_data(df: pd.DataFrame) -> tuple[dict[str, Any], list[str]]:
    """Editor rows -> policy data (tier -> ordered targets, last_resort) plus problems of the table's shape."""
    problems: list[str] = []
    data: dict[str, Any] = {t: [] for t in TIERS}
    last: list[tuple[float, str]] = []
    ranked: dict[str, list[tuple[float, int, str]]] = {t: [] for t in TIERS}
    for i, row in enumerate(df.to_dict("records"), start=1):
        tier = row.get("tier")
        target = row.get("target")
        target = "" if target is None or (isinstance(target, float) and pd.isna(target)) else str(target).strip()
        tier = "" if tier is None or (isinstance(tier, float) and pd.isna(tier)) else str(tier)
        if not tier and not target:
            continue  # an empty new row
        if not tier:
            problems.append(f"row {i} ({target}): choose a tier")
            continue
        if not target:
            problems.append(f"row {i} ({tier}): choose a provider:model")
            continue
        order = row.get("order")
        order = float(order) if order is not None and not (isinstance(order, float) and pd.isna(order)) else 1e9
        if tier == LAST_RESORT:
            last.append((order, target))
        elif tier in ranked:
            ranked[tier].append((order, i, target))
        else:
            problems.append(f"row {i}: unknown tier {tier!r}")
    for tier in TIERS:
        data[tier] = [t for _, _, t in sorted(ranked[tier])]
    if len(last) > 1:
        problems.append(f"{len(last)} rows are marked 'last resort'; keep one")
    data["last_resort"] = sorted(last)[0][1] if last else ""
    return data, problems


def _readable(problem: str) -> str:
    """"routing.MEDIUM[1]: ..." -> "MEDIUM candidate 2: ..." (the editor's words, not the TOML's)."""
    problem = re.sub(r"routing\.([A-Za-z_]+)\[(\d+)\]", lambda m: f"{m.group(1)} candidate {int(m.group(2)) + 1}",
                     problem)
    return re.sub(r"routing\.last_resort", "last resort", re.sub(r"routing\.([A-Z]+)", r"\1", problem))


def _reset_editor() -> None:
    for key in (EDITOR_KEY, "rt_edited_data", "rt_name", "rt_baseline"):
        st.session_state.pop(key, None)


def _unit_price(router, target: str) -> str:
    provider, _, model = target.partition(":")
    unit = router.prices.unit_prices(provider, model)
    if unit is None:
        return "unpriced"
    return f"${unit.input_per_mtok:g} / ${unit.output_per_mtok:g}"


def policy_tab(router) -> None:
    store = router.store
    providers = router.config.providers
    st.markdown(f"**Active policy:** {code(router.policy.name)} · **Baseline:** "
                f"{code(router.policy.baseline)}")
    st.caption("Each request is classified into a tier and sent to the first *available* candidate of that "
               "tier, cheapest first; the next one is tried when it fails, then the last resort. The baseline "
               "is the premium model savings are measured against; it is saved with the policy.")

    sources = _policy_sources(router)
    pending = st.session_state.pop("rt_pending_source", None)
    if pending is not None:  # just saved: show the new active policy in a fresh editor
        _reset_editor()
        st.session_state["rt_source"] = pending if pending in sources else sources[0]
    left, right = st.columns([2, 1])
    source = left.selectbox("Start from", sources, key="rt_source", on_change=_reset_editor,
                            help="Load a policy into the editor. Switching discards unsaved edits.")
    try:
        base = _load_policy(router, source)
    except RouterError as exc:
        st.error(f"Saved policy {source!r} does not fit the current configuration: {exc}", icon="⚠️")
        base = router.policy
    saved = [s for s in sources[2:]]
    if saved and source in saved and source != router.policy.name:
        if right.button(f"Activate “{shorten(source, 30)}” as is", key="rt_activate"):
            try:
                store.activate_policy(source)
                router.refresh_policy(force=True)
            except Exception as exc:  # noqa: BLE001
                st.error(f"Could not activate {source!r}: {error_text(exc)}")
            else:
                st.session_state["rt_flash"] = (f"Policy **{md_escape(source)}** is now active. Every Switchboard "
                                                "instance on this database uses it within 2 s.")
                st.session_state["rt_pending_source"] = f"Active: {source}"
                st.rerun()

    if router.policy.name != DEFAULT_NAME and right.button("↩️ Back to router.toml", key="rt_default",
                                                          help="Deactivate every saved policy (they stay saved)."):
        store.deactivate_policies()
        router.refresh_policy(force=True)
        st.session_state["rt_flash"] = "No saved policy is active now: routing follows router.toml again."
        st.session_state["rt_pending_source"] = DEFAULT_NAME
        st.rerun()

    options = [str(t) for t in router.config.all_targets()]
    baseline = st.selectbox("Baseline — the premium model savings are measured against", options,
                            index=options.index(str(base.baseline)) if str(base.baseline) in options else 0,
                            key="rt_baseline")
    table = _table_rows(base.to_dict())
    extra = sorted(set(table["target"]) - set(options))  # keep unknown entries visible (they fail validation)
    st.markdown("**Routing table** — one row per candidate. Add a row to add a candidate, lower *order* = "
                "tried first. Prices are USD per 1M input / output tokens.")
    edited = st.data_editor(
        table, key=EDITOR_KEY, num_rows="dynamic", hide_index=True, width="stretch",
        height=min(36 * (len(table) + 2) + 3, 900),
        column_config={
            "tier": st.column_config.SelectboxColumn("Tier", options=[*TIERS, LAST_RESORT], required=True,
                                                     width="small"),
            "order": st.column_config.NumberColumn("Order", min_value=1, max_value=99, step=1, required=True,
                                                   width="small", help="1 = tried first within the tier"),
            "target": st.column_config.SelectboxColumn("Provider:model", options=[*options, *extra],
                                                       required=True, width="large"),
        })
    data, problems = _rows_to_data(edited)
    validated: Policy | None = None
    if not problems:
        try:
            validated = Policy.from_dict({**data, "baseline": baseline}, providers, "edited", router.config.baseline,
                                         router.why_not_configured)
        except ConfigError as exc:
            problems = [_readable(line.strip(" -")) for line in str(exc).splitlines() if line.strip()
                        and not line.strip().endswith("problems:")]
    if problems:
        st.session_state["rt_edited_data"] = None
        st.error("**This table cannot be saved yet:**\n\n" + "\n".join(f"- {md_escape(p)}" for p in problems),
                 icon="🚫")
    else:
        st.session_state["rt_edited_data"] = data
        assert validated is not None
        summary = []
        for tier in TIERS:
            plan = validated.candidates(Complexity(tier))
            first = str(plan.candidates[0]) if plan.candidates else "nobody available"
            summary.append({"tier": tier, "first choice now": first,
                            "price of first choice": _unit_price(router, first) if plan.candidates else "",
                            "candidates": " → ".join(str(t) for t in validated.targets(Complexity(tier))),
                            "skipped now": "; ".join(f"{s.target} ({s.reason})" for s in plan.skipped)})
        st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch",
                     column_config={"tier": st.column_config.TextColumn(width="small"),
                                    "candidates": st.column_config.TextColumn(width="large")})

    with st.form("rt_save_form", border=False):
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        default_name = base.name if base.name not in (DEFAULT_NAME,) else ""
        name = c1.text_input("Policy name", value=default_name, max_chars=80, key="rt_name",
                             placeholder="e.g. cheaper-medium-tier")
        submitted = c2.form_submit_button("💾 Save and make active", type="primary")
    if submitted:
        name = (name or "").strip()
        if problems or validated is None:
            st.error("Nothing was saved: fix the problems listed above the table first.", icon="🚫")
        elif not name:
            st.error("Nothing was saved: give the policy a name.", icon="🚫")
        elif name in (DEFAULT_NAME, EDITED) or name.startswith("Active: "):
            st.error(f"Nothing was saved: {name!r} is reserved; choose another name.", icon="🚫")
        else:
            try:
                store.save_policy(name, validated.to_dict(), activate=True)
                router.refresh_policy(force=True)
            except Exception as exc:  # noqa: BLE001
                st.error(f"Nothing was saved: {error_text(exc)}", icon="🛑")
            else:
                st.session_state["rt_flash"] = (f"Saved policy **{md_escape(name)}** and made it active. Every "
                                                "Switchboard instance on this database uses it within 2 s.")
                st.session_state["rt_pending_source"] = f"Active: {name}"
                st.rerun()


# ------------------------------------------------------------------------------------------- explain
def explain_tab(router) -> None:
    st.caption("A dry run: how the router would judge this prompt and whom it would try, without calling anyone.")
    with st.form("rt_explain_form", border=False):
        prompt = st.text_area("Prompt", key="rt_explain_prompt", height=120,
                              placeholder="e.g. Compare PostgreSQL and MongoDB for a multi-tenant SaaS")
        go_ = st.form_submit_button("🔍 Explain")
    if not go_:
        return
    if not (prompt or "").strip():
        st.warning("Type a prompt first.")
        return
    try:
        verdict, plan = router.explain(prompt)
    except Exception as exc:  # noqa: BLE001
        st.error(error_text(exc))
        return
    level = verdict.level
    st.markdown(f"**Tier** {tier_badge(level)} · **score** {verdict.score:.2f} · **policy** "
                f"{code(router.policy.name)}")
    reasons = ", ".join(md_escape(r) for r in verdict.reasons) or "no particular signal"
    st.markdown(f"**Reasons:** {reasons}")
    inp = replay.estimate_tokens(prompt)
    out = replay.DEFAULT_OUTPUT_TOKENS[level]
    rows = []
    for i, target in enumerate(plan.candidates, start=1):
        cost = router.prices.cost(target.provider, target.model, Usage(inp, out))
        rows.append({"#": i, "candidate": str(target), "status": "will be tried",
                     "USD / 1M in / out": _unit_price(router, str(target)), "estimated cost": money(cost)})
    for s in plan.skipped:
        rows.append({"#": None, "candidate": str(s.target), "status": f"skipped: {s.reason}",
                     "USD / 1M in / out": _unit_price(router, str(s.target)), "estimated cost": ""})
    if rows:
        st.markdown("**Route, in order:**")
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not plan.candidates:
        st.error("No candidate of this tier is available now, so this request would fail. Configure one of the "
                 "providers above (Settings) or add an available one to the tier.", icon="🚫")
    base = router.policy.baseline
    base_cost = router.prices.cost(base.provider, base.model, Usage(inp, out))
    st.caption(f"Estimated for about {inp:,} prompt tokens and a {out:,}-token answer (typical for "
               f"{level.value}); on the baseline {md_escape(base)}: {money(base_cost)}.")


# -------------------------------------------------------------------------------------------- replay
def _read_upload(uploaded) -> None:
    """Parse a new upload once; on success it becomes the prompt set, on failure nothing changes."""
    if uploaded is None:
        return
    marker = (uploaded.file_id, uploaded.name, uploaded.size)
    if st.session_state.get("rp_upload_marker") == marker:
        return
    st.session_state["rp_upload_marker"] = marker
    try:
        prompts = replay.load_prompts(uploaded.getvalue(), uploaded.name)
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


def _default_b(router, sources: list[str]) -> int:
    """Policy B starts as something worth comparing: an edit of the table, else another saved policy."""
    if EDITED in sources:  # what the user is editing on the Policy tab (equal to A until they edit)
        return sources.index(EDITED)
    others = [s for s in sources[1:] if s not in (EDITED, router.policy.name)]
    return sources.index(others[-1]) if others else min(1, len(sources) - 1)


def _signed_money(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "unpriced"
    return ("-" if value < 0 else "") + money(abs(value))


def replay_tab(router) -> None:
    st.caption("Run a prompt set through two policies without calling anyone: the tier of every prompt, whom "
               "each policy would send it to, and the projected cost against the baseline.")
    c1, c2 = st.columns([1, 2])
    source = c1.radio("Prompt set", ["Sample set", "Upload"], key="rp_source",
                      captions=[f"{replay.SAMPLE_PROMPTS_PATH.name}: 40 varied prompts",
                                "CSV with a 'prompt' column, or JSONL"])
    prompt_set: tuple[str, list[str]] | None = None
    if source == "Upload":
        uploaded = c2.file_uploader("CSV or JSONL prompt set", key="rp_upload",
                                    help="CSV: a header row with a column named 'prompt'. JSONL: one "
                                         "{\"prompt\": \"...\"} object per line. At most "
                                         f"{replay.MAX_PROMPTS:,} prompts.")
        _read_upload(uploaded)
        if st.session_state.get("rp_upload_error"):
            c2.error(f"**That file was not used.** {md_escape(st.session_state['rp_upload_error'])}", icon="🚫")
        prompt_set = st.session_state.get("rp_upload_set")
        if prompt_set is None:
            c2.info("Upload a prompt set to replay it.")
        else:
            c2.caption(f"Using **{md_escape(prompt_set[0])}**: {len(prompt_set[1]):,} prompts.")
    else:
        try:
            prompt_set = (replay.SAMPLE_PROMPTS_PATH.name, replay.load_sample_prompts())
            c2.caption(f"{len(prompt_set[1])} prompts from greetings to expert questions, shipped in `data/`.")
        except RouterError as exc:
            c2.error(str(exc))

    sources = _policy_sources(router)
    if st.session_state.get("rt_edited_data") is not None:
        sources.insert(1, EDITED)
    targets = [str(t) for t in router.config.all_targets()]
    p1, p2, p3 = st.columns(3)
    a = p1.selectbox("Policy A", sources, index=0, key="rp_a")
    b = p2.selectbox("Policy B", sources, index=_default_b(router, sources), key="rp_b")
    base_default = str(router.policy.baseline)
    baseline = p3.selectbox("Baseline", targets, index=targets.index(base_default) if base_default in targets else 0,
                            key="rp_baseline", help="The premium model to project savings against.")
    with st.expander("Assumed answer length per tier (output tokens)"):
        cols = st.columns(5)
        out_tokens = {Complexity(t): cols[i].number_input(t, min_value=1, max_value=32_000, step=25,
                                                          value=replay.DEFAULT_OUTPUT_TOKENS[Complexity(t)],
                                                          key=f"rp_out_{t}") for i, t in enumerate(TIERS)}

    run = st.button("▶️ Replay", type="primary", key="rp_run", disabled=prompt_set is None)
    if run and prompt_set is not None:
        try:
            policy_a, policy_b = _load_policy(router, a), _load_policy(router, b)
            base_target = parse_target(baseline, router.config.providers)
        except RouterError as exc:
            st.error(f"Cannot replay: {exc}", icon="🚫")
        else:
            name, prompts = prompt_set
            bar = st.progress(0.0, text=f"Classifying {len(prompts):,} prompts…")
            judged = replay.classify_prompts(
                prompts, progress=lambda done, total: bar.progress(done / total, text=f"Classified {done:,} of "
                                                                                      f"{total:,} prompts"))
            bar.empty()
            results = []
            for label, policy in (("A", policy_a), ("B", policy_b)):
                results.append(replay.project(judged, policy, router.prices, base_target, output_tokens=out_tokens,
                                              name=f"{label}: {policy.name}",
                                              why_unavailable=router.why_not_configured))
            st.session_state["rp_result"] = {"set": name, "prompts": len(prompts), "projections": results,
                                             "at": datetime.now(timezone.utc)}

    result = st.session_state.get("rp_result")
    if not result:
        return
    projections: list[replay.Projection] = result["projections"]
    st.markdown(f"#### Replay of **{md_escape(result['set'])}** ({result['prompts']:,} prompts)")
    st.caption(f"Baseline {projections[0].baseline}: {money(projections[0].baseline_cost_usd)} for the whole set. "
               "Tier columns count prompts.")
    table = replay.compare(projections)
    shown = pd.DataFrame({
        "policy": table["policy"],
        **{t: table[t] for t in TIERS},
        "projected": table["projected_cost_usd"].map(money),
        "saved": table["saved_usd"].map(_signed_money),
        "saved %": table["saved_pct"].map(lambda v: "–" if v is None or pd.isna(v) else f"{v:.1f}%"),
    })
    small = st.column_config.Column(width="small")
    st.dataframe(shown, hide_index=True, width="stretch", key="rp_compare",
                 column_config={"policy": st.column_config.Column(width="medium"),
                                **{c: small for c in shown.columns if c != "policy"}})
    left, right = st.columns(2)
    left.plotly_chart(_tier_chart(projections[0]), key="rp_chart_tiers")
    right.plotly_chart(_cost_chart(projections), key="rp_chart_costs")
    cols = st.columns(len(projections))
    for col, p in zip(cols, projections):
        with col:
            st.markdown(f"**{md_escape(p.name)}**")
            m1, m2, m3 = st.columns(3)
            m1.metric("Projected cost", money(p.cost_usd))
            m2.metric("Baseline cost", money(p.baseline_cost_usd))
            m3.metric("Saved", "–" if p.saved_pct is None else f"{p.saved_pct:.1f}%",
                      delta=_signed_money(p.saved_usd))
            by_tier = p.by_tier.assign(cost=p.by_tier["cost_usd"].map(money),
                                       baseline=p.by_tier["baseline_cost_usd"].map(money))
            st.dataframe(by_tier[["tier", "prompts", "target", "cost", "baseline"]], hide_index=True,
                         width="stretch", column_config={"tier": small, "prompts": small, "cost": small,
                                                         "baseline": small,
                                                         "target": st.column_config.Column(width="medium")})
    with st.expander("Per prompt"):
        rows = projections[0].rows[["prompt", "tier", "score", "input_tokens", "output_tokens"]].copy()
        for p in projections:
            rows[f"{p.name.split(':')[0]} target"] = p.rows["target"]
            rows[f"{p.name.split(':')[0]} cost"] = p.rows["cost_usd"].map(money)
        rows["baseline cost"] = projections[0].rows["baseline_cost_usd"].map(money)
        st.dataframe(rows, hide_index=True, width="stretch")
    notes = list(dict.fromkeys(n for p in projections for n in p.notes))
    for note in notes:
        st.caption(note)


# ------------------------------------------------------------------------------------------- quality
@st.cache_resource(show_spinner=False, max_entries=4)
def _evaluate(data_dir: str, stamp: float):
    from router_core import routing_eval

    return routing_eval.evaluate(Path(data_dir))


def quality_tab(router) -> None:
    st.caption("How well the classifier's difficulty signal routes on public per-prompt quality data "
               "(RouteLLM: a weak and a strong model's quality on each prompt). The hardest share of prompts "
               "goes to the strong model; a better router reaches strong-model quality with fewer strong calls.")
    try:
        from router_core import routing_eval
    except Exception as exc:  # noqa: BLE001 - still being built, or its data is missing
        st.info(f"Routing-quality evaluation is not available in this build ({type(exc).__name__}).")
        return
    data_dir = Path(getattr(routing_eval, "DEFAULT_DATA", ROUTELLM_DIR))
    if not data_dir.is_dir():
        st.info(f"**No benchmark data found** at {code(data_dir)}. Put RouteLLM's per-prompt files "
                "(MT-Bench judgements, GSM8K and MMLU responses, the contaminated-prompt lists) there to see the "
                "cost–quality curve, or run `python -m router_core eval-routing` once they are in place.",
                icon="📂")
        return
    stamp = max((f.stat().st_mtime for f in data_dir.iterdir()), default=0.0)
    if "rq_results" not in st.session_state:
        if not st.button("📈 Evaluate routing quality", key="rq_run",
                         help="Classifies about 15,000 benchmark prompts; takes a few seconds the first time."):
            return
        try:
            with st.spinner("Classifying the benchmark prompts…"):
                started = _time.perf_counter()
                st.session_state["rq_results"] = _evaluate(str(data_dir), stamp)
                st.session_state["rq_seconds"] = _time.perf_counter() - started
        except Exception as exc:  # noqa: BLE001
            st.error(f"The evaluation failed: {error_text(exc)}. Check the files in {code(data_dir)}.")
            return
    results = st.session_state["rq_results"]
    st.plotly_chart(routing_eval.curve_figure(results), key="rq_chart")
    rows = []
    for name, r in results.items():
        rows.append({"benchmark": routing_eval.TITLES.get(name, name), "prompts": r.n,
                     "APGR (router)": round(r.apgr, 3), "APGR (random)": round(r.random.apgr, 3),
                     "APGR (oracle)": round(r.oracle.apgr, 3),
                     "strong calls for 50% of the gap": "n/a" if r.cpt50 is None else f"{100 * r.cpt50:.0f}%",
                     "for 80%": "n/a" if r.cpt80 is None else f"{100 * r.cpt80:.0f}%"})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption("APGR: area under the performance-gap-recovered curve (random routing 0.50, higher is better). "
               "RouteLLM's best router on MT-Bench reaches about 0.80.")


# ---------------------------------------------------------------------------------------------- page
def main() -> None:
    router = router_or_stop()
    demo_banner(router)
    router.refresh_policy()
    st.title("🧭 Routing")
    flash = st.session_state.pop("rt_flash", None)
    if flash:
        st.success(flash, icon="✅")
    policy, explain, what_if, quality = st.tabs(["Policy", "Explain a prompt", "What-if replay", "Routing quality"])
    for tab, body in ((policy, policy_tab), (explain, explain_tab), (what_if, replay_tab), (quality, quality_tab)):
        with tab:
            try:
                body(router)
            except Exception as exc:  # noqa: BLE001 - a message, never a traceback (st.rerun is not an Exception)
                st.error(f"Something went wrong on this tab: {error_text(exc)}", icon="🛑")


main()
