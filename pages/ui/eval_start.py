"""The "start a run" controls of the Evaluations page: the prompt set, the contestants, the judge and the
limits, then how many prompts that is and a rough worst-case cost, before anything is spent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import streamlit as st

from pages.ui.text import md_escape, md_message
from pages.ui.widgets import error_text
from router_core.display import money
from router_core.workspace import TIERS, Workspace

if TYPE_CHECKING:
    from router_core.quality.promptsets import PromptSet

SET_LABELS = {"mt-bench": "MT-Bench", "vicuna": "Vicuna-bench", "arena-hard": "Arena-Hard"}
SOURCES = ("Built-in benchmark", "Upload a file", "Logged traffic")
PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": None}
ANY = "Any"
QUICK_START = {"set_name": "mt-bench", "limit": 10, "max_cost_usd": 1.0, "concurrency": 4}


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for: the prompts and the keyword arguments of Workspace.create_eval_run."""

    prompts: "PromptSet"
    options: dict[str, Any]


@st.cache_data(ttl=60, max_entries=16, show_spinner="Estimating the worst case…")
def worst_case(database: str, prompts: tuple[str, ...], policy: str | None, baseline: str, extras: tuple[str, ...],
               judge: str, _ws: Workspace) -> tuple[float, bool]:
    """Workspace.estimate_eval_cost, cached per database and choice (the page reruns on every click)."""
    return _ws.estimate_eval_cost(prompts, policy=policy, baseline=baseline, extra_targets=extras, judge=judge)


def _logs_filter(ws: Workspace) -> dict[str, Any]:
    options = ws.orgs_and_agents()
    cols = st.columns(4)
    days = PERIODS[cols[0].selectbox("Period", list(PERIODS), index=1, key="ev_logs_period")]
    org = cols[1].selectbox("Org", [ANY, *options.get("orgs", [])], key="ev_logs_org")
    agent = cols[2].selectbox("Agent", [ANY, *options.get("agents", [])], key="ev_logs_agent")
    tier = cols[3].selectbox("Tier", [ANY, *TIERS], key="ev_logs_tier")
    since = None if days is None else datetime.now(timezone.utc) - timedelta(days=days)
    picked = {"since": since, "org": org, "agent": agent, "tier": tier}
    return {k: v for k, v in picked.items() if v not in (None, ANY)}


def _prompt_source(ws: Workspace) -> dict[str, Any] | None:
    """The keyword arguments of Workspace.load_eval_prompts for the chosen source (None: nothing uploaded)."""
    source = st.radio("Prompt set", SOURCES, horizontal=True, key="ev_source")
    if source == SOURCES[0]:
        name = st.selectbox("Benchmark", ws.eval_set_names(), key="ev_set",
                            format_func=lambda n: SET_LABELS.get(n, n))
        return {"set_name": name}
    if source == SOURCES[1]:
        upload = st.file_uploader("CSV with a `prompt` column, or JSONL with one {\"prompt\": …} per line "
                                  "(`reference` and `category` optional)", type=["csv", "jsonl", "ndjson"],
                                  key="ev_upload")
        return None if upload is None else {"content": upload.getvalue(), "filename": upload.name}
    st.caption("Distinct prompts of answered real traffic (Playground, API, gateway), newest first.")
    return {"logs": _logs_filter(ws)}


def run_form(ws: Workspace) -> RunRequest | None:
    """The controls; returns the request when **Start run** is pressed with a usable prompt set."""
    left, right = st.columns(2, gap="large")
    with left:
        source = _prompt_source(ws)
        limit = int(st.number_input("Prompts at most", min_value=1, max_value=5000, value=10, key="ev_limit"))
    with right:
        targets = ws.targets()
        active = ws.active_policy().name
        policy = st.selectbox("Router policy", [None, *ws.list_policies()], key="ev_policy",
                              format_func=lambda p: f"Active: {active}" if p is None else p)
        base = str(ws.router.policy.baseline)
        baseline = st.selectbox("Baseline", targets, index=targets.index(base) if base in targets else 0,
                                key="ev_baseline")
        extras = st.multiselect("Extra contestants (optional)", [t for t in targets if t != baseline],
                                max_selections=4, key="ev_extras")
        default_judge = str(ws.router.config.quality.judge or "")
        judge = st.selectbox("Judge", targets, key="ev_judge",
                             index=targets.index(default_judge) if default_judge in targets else 0,
                             help="Default: [quality] judge in router.toml. It must not be a contestant.")
        c1, c2 = st.columns(2)
        cap = c1.number_input("Spend cap (USD)", min_value=0.0, value=1.0, step=0.5, format="%.4f", key="ev_cap",
                              help="Answers plus judge calls; the run stops (partial, resumable) once it is reached.")
        concurrency = int(c2.number_input("Concurrency", min_value=1, max_value=16, value=4, key="ev_concurrency"))
    if source is None:
        st.info("Upload a prompt file to see how many prompts it has.", icon="📄")
        return None
    try:
        prompts = ws.load_eval_prompts(**source, limit=limit)
        usd, unpriced = worst_case(ws.database(), tuple(p.prompt for p in prompts.prompts), policy, baseline,
                                   tuple(extras), judge, ws)
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(md_message(error_text(exc)), icon="⚠️")
        return None
    st.markdown(f"**{len(prompts.prompts):,} prompts** — {md_escape(prompts.description)}. Rough worst case "
                f"**≈ {money(usd)}**" + (" (some targets are unpriced and not counted)" if unpriced else "")
                + f"; the spend cap stops the run at **{money(cap)}**.")
    st.caption("Worst case: each answer from its tier's priciest candidate at a typical length, the baseline and "
               "extra contestants, and the judge's longest reply in both orders.")
    if not st.button("▶️ Start run", type="primary", key="ev_start"):
        return None
    return RunRequest(prompts, {"policy": policy, "baseline": baseline, "extra_targets": list(extras), "judge": judge,
                                "max_cost_usd": float(cap), "concurrency": concurrency})


def quick_request(ws: Workspace) -> RunRequest:
    """The one-click first run: MT-Bench's first 10 prompts, the defaults of router.toml, a $1 cap."""
    prompts = ws.load_eval_prompts(set_name=QUICK_START["set_name"], limit=QUICK_START["limit"])
    return RunRequest(prompts, {"max_cost_usd": QUICK_START["max_cost_usd"],
                                "concurrency": QUICK_START["concurrency"]})
