"""Evaluations: does routing keep answer quality? A prompt set x contestants (the router under a policy, the
baseline, extra targets), every answer judged blind against the baseline's, and results a stakeholder can read.

Runs, verdicts and figures come from the Workspace (router_core/workspace/evaluations.py); this page picks the
inputs, runs a run in the background with a progress bar (pages/ui/eval_runner.py) and shows the outcome.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages.shared import ago, md_escape, md_message, money, workspace_or_stop
from pages.ui import eval_runner
from pages.ui.eval_results import render_drilldown, render_exports, render_grid, render_summary
from pages.ui.eval_start import RunRequest, quick_request, run_form
from router_core.errors import redact
from router_core.quality import SelfJudgeError
from router_core.workspace import Workspace

STATUS = {"done": "✅ done", "partial": "⏸️ partial", "running": "⏳ running", "failed": "🛑 failed"}

ws = workspace_or_stop()
state = st.session_state


def start(request: RunRequest) -> None:
    """Create the run (refusing a judge that is a contestant), start it in the background, show it."""
    try:
        run_id = ws.create_eval_run(request.prompts, **request.options)
    except SelfJudgeError as exc:
        st.error(f"**The judge is a contestant.** {md_message(str(exc))}", icon="🧑‍⚖️")
        return
    except Exception as exc:  # noqa: BLE001 - WorkspaceError and friends: a message, never a traceback
        st.error(f"The run was not started: {md_message(redact(str(exc)))}", icon="⚠️")
        return
    eval_runner.start(ws, run_id, len(request.prompts.prompts))
    state["ev_run"] = run_id
    st.rerun()


def run_label(run: dict[str, Any]) -> str:
    status = "partial" if run["status"] == "running" and not eval_runner.active(ws, run["id"]) else run["status"]
    sim = " · 🧪 simulated" if run["simulated"] else ""
    return f"#{run['id']} · {STATUS.get(status, status)} · {run['prompt_source']} · {ago(run['created_at'])}{sim}"


def resume_controls(run: dict[str, Any], spent: float) -> None:
    """Why the run is not done, and a Resume button (stored answers and verdicts are not bought again)."""
    cap = run["max_cost_usd"]
    if run["status"] == "running":
        st.warning("**Partial** — this run was interrupted (the app stopped while it ran). Resume carries on where "
                   "it stopped, without paying again for what is stored.", icon="⏸️")
    elif run["status"] == "failed":
        st.error(f"**Partial** — the run failed: {md_escape(redact(run['error'] or 'unknown error'))}", icon="🛑")
    else:
        st.warning(f"**Partial** — stopped at the spend cap ({money(cap)}; {money(spent)} spent). Raise the cap to "
                   "resume.", icon="⏸️")
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    new_cap = left.number_input("Spend cap (USD, whole run)", min_value=0.0, format="%.4f", key=f"ev_cap_{run['id']}",
                                value=float(max(cap * 2, spent * 2)) if cap else None,
                                placeholder="no cap")
    if right.button("▶️ Resume", type="primary", key=f"ev_resume_{run['id']}"):
        eval_runner.start(ws, run["id"], run["prompt_count"], max_cost_usd=new_cap)
        st.rerun()


def show_run(run_id: int) -> None:
    run = ws.get_eval_run(run_id)
    sim = " · :orange-badge[🧪 simulated]" if run["simulated"] else ""
    extras = ", ".join(run["extra_targets"]) or "none"
    st.markdown(f"**Run #{run['id']}** · {md_escape(run['prompt_source'])}{sim}  \n"
                f"Router policy **{md_escape(run['policy'])}** against baseline **{md_escape(run['baseline'])}**; "
                f"extra contestants: {md_escape(extras)}; judge **{md_escape(run['judge'])}**; "
                f"started {ago(run['created_at'])}.")
    progress = eval_runner.active(ws, run_id)
    if progress is not None:
        eval_runner.watch(progress)
        return
    contestants = ws.eval_contestants(run_id)
    summary = ws.eval_summary(run_id).as_dict()
    if run["status"] != "done":
        resume_controls(run, summary["cost_usd"] + summary["baseline_cost_usd"] + summary["judge_cost_usd"])
    contestant = contestants[0]
    if len(contestants) > 1:
        contestant = st.radio("Contestant against the baseline", contestants, horizontal=True, key="ev_contestant",
                              format_func=lambda c: "The router" if c == "router" else c)
    summary = ws.eval_summary(run_id, contestant).as_dict()
    render_summary(summary, "The router" if contestant == "router" else contestant)
    st.subheader("Prompts")
    losses_only = st.toggle("Losses only", key="ev_losses")
    grid = ws.eval_grid(run_id, losses_only=losses_only, contestant=contestant)
    if grid.empty:
        st.caption("No losses against the baseline in this run." if losses_only else "No answers stored yet.")
        return
    render_grid(grid)
    render_drilldown(grid)
    render_exports(ws, run_id, bool(run["simulated"] or summary["simulated"]))


def empty_state() -> None:
    st.info("**No evaluation runs yet.** A run sends a set of prompts to the router and to the baseline model, "
            "then a judge model compares each pair of answers blind, in both orders (MT-Bench's method). You get "
            "how often the cheaper routed answers matched or beat the baseline, with a 95 % interval, next to what "
            "they cost.", icon="🏅")
    if st.button("▶️ Start with MT-Bench, 10 prompts", type="primary", key="ev_quick"):
        try:
            request = quick_request(ws)
        except Exception as exc:  # noqa: BLE001
            st.error(md_message(redact(str(exc))), icon="⚠️")
            return
        start(request)
    st.caption("Uses the active policy, the baseline and `[quality] judge` of router.toml, with a $1 spend cap. "
               "Or choose everything below.")


# --------------------------------------------------------------------------------------------- page
st.title("🏅 Evaluations")
st.caption("Measure whether routed answers are as good as the baseline's: a blind pairwise judge on your prompts "
           "or a benchmark. Every call of a run is logged as *eval* traffic, kept out of Savings.")

try:
    runs = ws.list_eval_runs()
except Exception as exc:  # noqa: BLE001
    st.error(f"Could not read the evaluation runs: {redact(str(exc))}. Check DATABASE_URL (Settings page).", icon="🛑")
    st.stop()

if not runs:
    empty_state()
with st.expander("▶️ Start a new run", expanded=not runs):
    request = run_form(ws)
if request is not None:
    start(request)

if runs:
    st.divider()
    ids = [r["id"] for r in runs]
    if state.get("ev_run") not in ids:
        state["ev_run"] = ids[0]
    by_id = {r["id"]: r for r in runs}
    picked = st.selectbox("Run", ids, key="ev_run", format_func=lambda i: run_label(by_id[i]))
    try:
        show_run(picked)
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(f"This run could not be shown: {md_message(redact(str(exc)))}", icon="🛑")
