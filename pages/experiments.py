"""Experiments: which prompt, on which model, is good enough for the least money? A dataset x prompt variants
(agent versions or drafts with {{variables}}) x targets (auto, the baseline, any model), every cell answered,
scored and priced, with a recommended column.

Experiments, cells and figures come from the Workspace (router_core/workspace/experiments.py); this page picks
the inputs, runs an experiment in the background with a progress bar (pages/ui/eval_runner.py, shared with
Evaluations) and shows the outcome (pages/ui/experiment_results.py).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages.shared import ago, md_escape, md_message, money, workspace_or_stop
from pages.ui import eval_runner
from pages.ui.experiment_form import ExperimentRequest, experiment_form
from pages.ui.experiment_results import render_exports, render_grid, render_summary
from router_core.errors import redact
from router_core.quality import SelfJudgeError
from router_core.workspace.experiments import EXAMPLE_EXPERIMENT

STATUS = {"done": "✅ done", "partial": "⏸️ partial", "running": "⏳ running", "failed": "🛑 failed"}
KIND = "experiment"

ws = workspace_or_stop()
state = st.session_state


def launch(experiment_id: int) -> None:
    eval_runner.start(ws, experiment_id, ws.get_experiment(experiment_id)["input_count"], kind=KIND, unit="inputs")
    state["xp_run"] = experiment_id
    st.rerun()


def start(request: ExperimentRequest) -> None:
    """Create the experiment (every check before anything is paid), start it in the background, show it."""
    try:
        experiment_id = ws.create_experiment(request.dataset, **request.options)
    except SelfJudgeError as exc:
        st.error(f"**The judge is a target.** {md_message(str(exc))}", icon="🧑‍⚖️")
        return
    except Exception as exc:  # noqa: BLE001 - ExperimentError and friends: a message, never a traceback
        st.error(f"The experiment was not started: {md_message(redact(str(exc)))}", icon="⚠️")
        return
    launch(experiment_id)


def label(exp: dict[str, Any]) -> str:
    status = exp["status"]
    if status == "running" and not eval_runner.active(ws, exp["id"], KIND):
        status = "partial"
    title = f" · {exp['name']}" if exp["name"] else ""
    sim = " · 🧪 simulated" if exp["simulated"] else ""
    return f"#{exp['id']}{title} · {STATUS.get(status, status)} · {exp['dataset']} · {ago(exp['created_at'])}{sim}"


def resume_controls(exp: dict[str, Any], spent: float) -> None:
    """Why the experiment is not done, and Resume (stored answers and scores are not bought again)."""
    cap = exp["max_cost_usd"]
    if exp["status"] == "running":
        st.warning("**Partial** — interrupted (the app stopped while it ran). Resume carries on where it stopped, "
                   "without paying again for what is stored.", icon="⏸️")
    elif exp["status"] == "failed":
        st.error(f"**Partial** — it failed: {md_escape(redact(exp['error'] or 'unknown error'))}", icon="🛑")
    else:
        st.warning(f"**Partial** — stopped at the spend cap ({money(cap)}; {money(spent)} spent). Raise the cap to "
                   "resume.", icon="⏸️")
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    new_cap = left.number_input("Spend cap (USD, whole experiment)", min_value=0.0, format="%.4f",
                                key=f"xp_cap_{exp['id']}", value=float(max(cap * 2, spent * 2)) if cap else None,
                                placeholder="no cap")
    if right.button("▶️ Resume", type="primary", key=f"xp_resume_{exp['id']}"):
        eval_runner.start(ws, exp["id"], exp["input_count"], max_cost_usd=new_cap, kind=KIND, unit="inputs")
        st.rerun()


def show(experiment_id: int) -> None:
    exp = ws.get_experiment(experiment_id)
    variants = ", ".join(v["label"] for v in exp["variants_json"])
    targets = ", ".join(t["label"] for t in exp["targets_json"])
    st.markdown(f"**Experiment #{exp['id']}** · {md_escape(exp['dataset'])}  \nVariants: **{md_escape(variants)}**; "
                f"targets: **{md_escape(targets)}** (auto under {md_escape(exp['policy'])}); started "
                f"{ago(exp['created_at'])}.")
    progress = eval_runner.active(ws, experiment_id, KIND)
    if progress is not None:
        eval_runner.watch(progress)
        return
    scorers = [s.name for s in ws.experiment_scorers(experiment_id)]
    scorer = st.radio("Score by", scorers, horizontal=True, key=f"xp_scorer_{experiment_id}") \
        if len(scorers) > 1 else scorers[0]
    summary = ws.experiment_summary(experiment_id, scorer)
    if exp["status"] != "done":
        cols = summary["columns"]
        resume_controls(exp, sum(c["cost_usd"] + c["judge_cost_usd"] for c in cols))
    render_summary(summary)
    st.subheader("Grid")
    render_grid(ws, experiment_id, scorer)
    render_exports(ws, experiment_id, scorer, summary["simulated"])


def empty_state() -> None:
    st.info("**No experiments yet.** An experiment runs a few prompt variants (an agent's versions, or drafts with "
            "`{{variables}}`) over a dataset on several targets — the router, the baseline, any model — and scores "
            "every answer (exact or contains match, regex, JSON schema, or a judge). You get a grid with cost, "
            "latency and score per cell, and the cheapest column that is as good as the best.", icon="🧪")
    if st.button("▶️ Try the example: 3 support questions x 2 prompts x 2 targets", type="primary", key="xp_quick"):
        try:
            experiment_id = ws.create_experiment_from_file(EXAMPLE_EXPERIMENT)
        except Exception as exc:  # noqa: BLE001
            st.error(md_message(redact(str(exc))), icon="⚠️")
            return
        launch(experiment_id)
    st.caption("The example is data/experiments/support_faq.toml (also runnable as `python -m router_core experiment "
               "data/experiments/support_faq.toml`). Or build your own below.")


# --------------------------------------------------------------------------------------------- page
st.title("🧪 Experiments")
st.caption("Compare prompt variants across models on your own inputs: score, cost and latency per cell, and the "
           "cheapest column that holds up. Every call is logged as *eval* traffic, kept out of Savings.")

try:
    experiments = ws.list_experiments()
except Exception as exc:  # noqa: BLE001
    st.error(f"Could not read the experiments: {redact(str(exc))}. Check DATABASE_URL (Settings page).", icon="🛑")
    st.stop()

if not experiments:
    empty_state()
with st.expander("➕ New experiment", expanded=not experiments):
    request = experiment_form(ws)
if request is not None:
    start(request)

if experiments:
    st.divider()
    ids = [e["id"] for e in experiments]
    if state.get("xp_run") not in ids:
        state["xp_run"] = ids[0]
    by_id = {e["id"]: e for e in experiments}
    picked = st.selectbox("Experiment", ids, key="xp_run", format_func=lambda i: label(by_id[i]))
    try:
        show(picked)
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(f"This experiment could not be shown: {md_message(redact(str(exc)))}", icon="🛑")
