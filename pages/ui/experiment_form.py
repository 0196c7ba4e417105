"""The "new experiment" controls of the Experiments page: the dataset, the prompt variants, the targets, the
scorers and the limits; then the size of the grid and a rough worst-case cost, before anything is spent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import streamlit as st

from pages.ui.text import md_escape, md_message
from pages.ui.widgets import error_text
from router_core.display import money
from router_core.workspace import Workspace

if TYPE_CHECKING:
    from router_core.experiments import Dataset

SOURCES = ("Upload a file", "Logged prompts")
PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": None}
SCORER_LABELS = {"exact": "Exact match with `expected`", "contains": "Contains `expected`", "regex": "Regex",
                 "json_schema": "JSON schema", "judge": "Judge rating 1-10 (MT-Bench single-v1)",
                 "pairwise": "Pairwise judge against a reference variant"}
KINDS = ("Draft", "Agent version")


@dataclass(frozen=True)
class ExperimentRequest:
    """What the user asked for: the dataset and the keyword arguments of Workspace.create_experiment."""

    dataset: "Dataset"
    options: dict[str, Any]


@st.cache_data(ttl=60, max_entries=16, show_spinner="Estimating the worst case…")
def worst_case(database: str, key: str, _ws: Workspace, _dataset: "Dataset",
               _options: dict[str, Any]) -> tuple[float, bool]:
    """Workspace.estimate_experiment_cost, cached per database and choice (`key`: the choice as text)."""
    keep = ("variants", "targets", "scorers", "policy", "judge")
    return _ws.estimate_experiment_cost(_dataset, **{k: v for k, v in _options.items() if k in keep})


def _dataset(ws: Workspace) -> tuple[dict[str, Any] | None, int]:
    source = st.radio("Dataset", SOURCES, horizontal=True, key="xp_source")
    limit = int(st.number_input("Inputs at most", min_value=1, max_value=5000, value=20, key="xp_limit"))
    if source == SOURCES[0]:
        upload = st.file_uploader("CSV or JSONL: a column (or key) per `{{variable}}` of your templates, plus an "
                                  "optional `expected` column for exact / contains scoring",
                                  type=["csv", "jsonl", "ndjson"], key="xp_upload")
        return (None if upload is None else {"content": upload.getvalue(), "filename": upload.name}), limit
    days = PERIODS[st.selectbox("Period", list(PERIODS), index=1, key="xp_period")]
    st.caption("Distinct prompts of answered real traffic, newest first, as the variable `{{prompt}}`.")
    since = None if days is None else datetime.now(timezone.utc) - timedelta(days=days)
    return {"logs": {"since": since} if since else {}}, limit


def _variant(ws: Workspace, number: int) -> dict[str, Any]:
    with st.container(border=True):
        kind = st.radio(f"Variant {number}", KINDS, horizontal=True, key=f"xp_kind_{number}")
        name = st.text_input("Name", key=f"xp_name_{number}", placeholder=f"draft {number}" if kind == KINDS[0]
                             else "agent vN")
        if kind == KINDS[1]:
            agents = [a.code for a in ws.list_agents()]
            if not agents:
                st.caption("No agents yet: create one on the Agents page, or write a draft.")
                return {"name": name}
            agent = st.selectbox("Agent", agents, key=f"xp_agent_{number}")
            versions = [v.version for v in ws.agent_versions(agent)]
            version = st.selectbox("Version", versions[::-1], key=f"xp_version_{number}")
            template = st.text_input("User message template", "{{prompt}}", key=f"xp_template_{number}")
            return {"name": name, "agent": agent, "version": version, "template": template}
        system = st.text_area("System prompt", key=f"xp_system_{number}", height=90,
                              placeholder="You are a support assistant. Answer in one sentence.")
        template = st.text_area("User message template", "{{prompt}}", key=f"xp_template_{number}", height=68)
        return {"name": name, "system": system, "template": template}


def _scorers(variant_names: list[str]) -> list[dict[str, Any]]:
    kinds = st.multiselect("Scorers (the first one ranks the columns)", list(SCORER_LABELS), default=["contains"],
                           format_func=lambda k: SCORER_LABELS[k].replace("`", ""), key="xp_scorers")
    out: list[dict[str, Any]] = []
    for kind in kinds:
        if kind == "regex":
            out.append({"kind": kind, "pattern": st.text_input("Regex (found anywhere in the answer)", r"\d",
                                                               key="xp_regex")})
        elif kind == "json_schema":
            out.append({"kind": kind, "schema": st.text_area("JSON schema", '{"type": "object"}', key="xp_schema")})
        elif kind == "pairwise":
            out.append({"kind": kind, "reference": st.selectbox("Reference variant", variant_names,
                                                                key="xp_reference")})
        else:
            out.append({"kind": kind})
    return out


def experiment_form(ws: Workspace) -> ExperimentRequest | None:
    """The controls; returns the request when **Start experiment** is pressed and everything checks out."""
    left, right = st.columns(2, gap="large")
    with left:
        source, limit = _dataset(ws)
        count = int(st.number_input("Prompt variants", min_value=1, max_value=4, value=2, key="xp_count"))
        variants = [_variant(ws, n) for n in range(1, count + 1)]
    with right:
        targets = st.multiselect("Targets (columns: each variant x each target)",
                                 ["auto", "baseline", *ws.targets()], default=["auto", "baseline"], key="xp_targets",
                                 help="auto: the router under the policy below; baseline: the policy's baseline")
        active = ws.active_policy().name
        policy = st.selectbox("Policy for auto", [None, *ws.list_policies()], key="xp_policy",
                              format_func=lambda p: f"Active: {active}" if p is None else p)
        names = [v.get("name") or (f"{v['agent']} v{v['version']}" if v.get("agent") else f"draft {n}")
                 for n, v in enumerate(variants, start=1)]
        scorers = _scorers(names)
        judge = None
        if any(s["kind"] in ("judge", "pairwise") for s in scorers):
            all_targets = ws.targets()
            default = str(ws.router.config.quality.judge or "")
            judge = st.selectbox("Judge", all_targets, key="xp_judge",
                                 index=all_targets.index(default) if default in all_targets else 0)
        c1, c2 = st.columns(2)
        cap = c1.number_input("Spend cap (USD)", min_value=0.0, value=1.0, step=0.5, format="%.4f", key="xp_cap",
                              help="Answers plus judge calls; the experiment stops (partial, resumable) there.")
        concurrency = int(c2.number_input("Concurrency", min_value=1, max_value=16, value=4, key="xp_concurrency"))
        name = st.text_input("Experiment name (optional)", key="xp_title")
    if source is None:
        st.info("Upload a dataset to see the size of the grid and its worst-case cost.", icon="📄")
        return None
    options = {"variants": variants, "targets": targets, "scorers": scorers, "policy": policy, "judge": judge,
               "max_cost_usd": float(cap), "concurrency": concurrency, "name": name}
    try:
        dataset = ws.load_experiment_dataset(**source, limit=limit)
        usd, unpriced = worst_case(ws.database(), repr((dataset.description, dataset.inputs, options)), ws, dataset,
                                   options)
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(md_message(error_text(exc)), icon="⚠️")
        return None
    cells = len(dataset.inputs) * len(variants) * len(targets)
    st.markdown(f"**{len(dataset.inputs):,} inputs x {len(variants)} variants x {len(targets)} targets = {cells:,} "
                f"cells** — {md_escape(dataset.description)}; variables: "
                f"{md_escape(', '.join(dataset.variables) or 'none')}. Rough worst case **≈ {money(usd)}**"
                + (" (some targets are unpriced and not counted)" if unpriced else "")
                + f"; the spend cap stops it at **{money(cap)}**.")
    if not st.button("▶️ Start experiment", type="primary", key="xp_start"):
        return None
    return ExperimentRequest(dataset, options)
