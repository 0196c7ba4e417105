"""`collect_outcomes(store)`: turn what is stored into labelled outcome rows (idempotent).

    judge_eval / judge_shadow  a judge verdict of an answer against the baseline's (evaluation runs, shadow checks):
                               win or tie = good enough; loss = not good enough and the strong model wins
    thumbs                     a thumb on a logged answer: up = good enough, down = not
    votes                      a Compare vote: the voted column good, the others not ("tie": all good, "none": none)
    checks                     a logged answer (source "eval") to a known-answer question: right = good enough

`strong_wins` (the learned router's target) = the baseline was good where the answer was not. A judge verdict
is relative to the baseline, so the baseline counts as good there; thumbs, votes and checks know the baseline's
answer only when it answered the same request (it was thumbed, in the comparison, or checked) and otherwise count
it as good too. Every row links to what it came from ("judge:<verdict id>", "thumbs:<interaction id>",
"votes:<comparison result id>", "checks:<interaction id>"); collecting again adds only new rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from .. import known_answers
from ..complexity import classify
from ..store import Store
from ..store.codec import from_db_time
from ..store.outcomes import OUTCOME_SOURCES
from ..store.tables import T_CMP, T_CMP_RES, T_EVAL_ITEM, T_LOG, T_VERDICT

SOURCE_GROUPS = {"judge": ("judge_eval", "judge_shadow"), "thumbs": ("thumbs",), "votes": ("votes",),
                 "checks": ("checks",)}  # the learn command's --sources names
JUDGED = ("win", "tie", "loss")


def expand_sources(names: Iterable[str] | None) -> tuple[str, ...]:
    """--sources names (judge, thumbs, votes, checks, or an outcome source itself) -> outcome sources."""
    if names is None:
        return OUTCOME_SOURCES
    out: list[str] = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        if name in SOURCE_GROUPS:
            out += SOURCE_GROUPS[name]
        elif name in OUTCOME_SOURCES:
            out.append(name)
        else:
            raise ValueError(f"unknown outcome source {name!r}; use {', '.join(SOURCE_GROUPS)} "
                             f"(or one of {', '.join(OUTCOME_SOURCES)})")
    return tuple(dict.fromkeys(out))


def collect_outcomes(store: Store, *, baseline: str | None = None,
                     sources: Sequence[str] = OUTCOME_SOURCES) -> dict[str, int]:
    """Add the outcome rows not collected yet; returns how many were added per source.
    `baseline` ("provider:model"): the premium model thumbs, votes and checks are compared with."""
    added = {s: 0 for s in sources}
    collectors = ((("judge_eval", "judge_shadow"), _judged), (("thumbs",), _thumbs), (("votes",), _votes),
                  (("checks",), _checks))
    for kinds, collect in collectors:
        if not set(kinds) & set(sources):
            continue
        rows = [r for r in collect(store, baseline) if r["source"] in sources]
        store.add_outcomes(rows)
        for row in rows:
            added[row["source"]] += 1
    return added


def _classified(prompt: str) -> tuple[str, float]:
    verdict = classify(prompt or " ")
    return verdict.level.value, float(verdict.score)


def _row(source: str, link: str, prompt: str, target: str | None, good: bool, baseline: str | None,
         baseline_good: bool | None, **fields: Any) -> dict[str, Any]:
    same = baseline is not None and target == baseline
    strong_good = True if baseline_good is None else baseline_good
    if fields.get("tier") is None:
        fields["tier"], fields["score"] = _classified(prompt)
    return dict(source=source, link=link, prompt=prompt, target=target, good=bool(good), baseline_target=baseline,
                baseline_good=baseline_good, strong_wins=bool(strong_good and not good and not same), **fields)


def _judged(store: Store, _baseline: str | None) -> list[dict[str, Any]]:
    v, log, item = T_VERDICT.c, T_LOG.c, T_EVAL_ITEM.c
    seen = store.outcome_links("judge:")
    stmt = (sa.select(v.id, v.kind, v.ts, v.outcome, v.contestant_target, v.baseline_target, v.tier,
                      v.baseline_cost_usd, v.simulated, v.org, v.agent, v.interaction_id,
                      sa.func.coalesce(log.prompt, item.prompt).label("prompt"), log.score,
                      sa.func.coalesce(log.cost_usd, item.cost_usd).label("cost_usd"),
                      log.baseline_cost_usd.label("logged_baseline_cost"))
            .select_from(T_VERDICT.outerjoin(T_LOG, log.id == v.interaction_id)
                         .outerjoin(T_EVAL_ITEM, sa.and_(item.run_id == v.run_id, item.prompt_index == v.prompt_index,
                                                         item.contestant == v.contestant)))
            .where(v.outcome.in_(JUDGED), v.same_target == sa.false()).order_by(v.id))
    rows = []
    with store.engine.connect() as conn:
        for r in conn.execute(stmt).mappings():
            link = f"judge:{r['id']}"
            if link in seen or not r["prompt"]:
                continue
            score = r["score"] if r["tier"] and r["score"] is not None else None
            tier = r["tier"] if score is not None else None
            baseline_cost = r["baseline_cost_usd"] if r["baseline_cost_usd"] is not None else r["logged_baseline_cost"]
            rows.append(_row("judge_shadow" if r["kind"] == "shadow" else "judge_eval", link, r["prompt"],
                             r["contestant_target"], r["outcome"] != "loss", r["baseline_target"], None,
                             ts=from_db_time(r["ts"]), verdict_id=r["id"], interaction_id=r["interaction_id"],
                             tier=tier, score=score, cost_usd=r["cost_usd"], baseline_cost_usd=baseline_cost,
                             simulated=bool(r["simulated"]), org=r["org"], agent=r["agent"]))
    return rows


def _target(provider: str | None, model: str | None) -> str | None:
    return f"{provider}:{model}" if provider and model else None


def _thumbs(store: Store, baseline: str | None) -> list[dict[str, Any]]:
    log = T_LOG.c
    seen = store.outcome_links("thumbs:")
    stmt = (sa.select(log.id, log.ts, log.prompt, log.complexity, log.score, log.provider, log.model, log.feedback,
                      log.cost_usd, log.baseline_cost_usd, log.simulated, log.org, log.agent, log.cached)
            .where(log.feedback != 0, log.status == "ok").order_by(log.id))
    with store.engine.connect() as conn:
        found = [dict(r) for r in conn.execute(stmt).mappings() if f"thumbs:{r['id']}" not in seen]
    # The baseline's own thumbed answer to the same prompt says whether the baseline was good there.
    baseline_says = {r["prompt"]: r["feedback"] > 0 for r in found
                     if baseline and _target(r["provider"], r["model"]) == baseline}
    rows = []
    for r in found:
        tier = r["complexity"] if r["complexity"] and r["complexity"] != "CACHED" else None
        rows.append(_row("thumbs", f"thumbs:{r['id']}", r["prompt"], _target(r["provider"], r["model"]),
                         r["feedback"] > 0, baseline, baseline_says.get(r["prompt"]), ts=from_db_time(r["ts"]),
                         interaction_id=r["id"], tier=tier, score=r["score"] if tier else None,
                         cost_usd=r["cost_usd"], baseline_cost_usd=r["baseline_cost_usd"],
                         simulated=bool(r["simulated"]), org=r["org"], agent=r["agent"]))
    return rows


def _votes(store: Store, baseline: str | None) -> list[dict[str, Any]]:
    cmp_, res = T_CMP.c, T_CMP_RES.c
    seen = store.outcome_links("votes:")
    answered = sa.and_(res.text.is_not(None), res.text != "", res.error.is_(None))
    stmt = (sa.select(res.id, res.comparison_id, res.target, res.cost_usd, res.baseline_cost_usd, cmp_.prompt,
                      cmp_.winner, cmp_.voted_at)
            .select_from(T_CMP_RES.join(T_CMP, cmp_.id == res.comparison_id))
            .where(cmp_.winner.is_not(None), answered).order_by(res.comparison_id, res.position))
    with store.engine.connect() as conn:
        found = [dict(r) for r in conn.execute(stmt).mappings()]
    shown = {(r["comparison_id"], r["target"]) for r in found}
    rows = []
    for r in found:
        if f"votes:{r['id']}" in seen:
            continue
        winner = r["winner"]
        good = winner == "tie" or winner == r["target"]
        baseline_good = (winner == "tie" or winner == baseline) if (r["comparison_id"], baseline) in shown else None
        rows.append(_row("votes", f"votes:{r['id']}", r["prompt"], r["target"], good, baseline, baseline_good,
                         ts=from_db_time(r["voted_at"]), cost_usd=r["cost_usd"],
                         baseline_cost_usd=r["baseline_cost_usd"]))
    return rows


def _checks(store: Store, baseline: str | None) -> list[dict[str, Any]]:
    try:
        items = {item.prompt: item for item in known_answers.load_items()}
    except known_answers.KnownAnswersError:
        return []
    log = T_LOG.c
    seen = store.outcome_links("checks:")
    stmt = (sa.select(log.id, log.ts, log.prompt, log.response, log.complexity, log.score, log.provider, log.model,
                      log.cost_usd, log.baseline_cost_usd, log.simulated, log.org, log.agent)
            .where(log.source == "eval", log.status == "ok", log.prompt.in_(list(items))).order_by(log.id))
    with store.engine.connect() as conn:
        found = [dict(r) for r in conn.execute(stmt).mappings()]
    right = {r["id"]: known_answers.check_answer(items[r["prompt"]], r["response"] or "")[1] for r in found}
    baseline_says = {r["prompt"]: right[r["id"]] for r in found
                     if baseline and _target(r["provider"], r["model"]) == baseline}
    rows = []
    for r in found:
        if f"checks:{r['id']}" in seen:
            continue
        tier = r["complexity"] if r["complexity"] and r["complexity"] != "CACHED" else None
        rows.append(_row("checks", f"checks:{r['id']}", r["prompt"], _target(r["provider"], r["model"]),
                         right[r["id"]], baseline, baseline_says.get(r["prompt"]), ts=from_db_time(r["ts"]),
                         interaction_id=r["id"], tier=tier, score=r["score"] if tier else None,
                         cost_usd=r["cost_usd"], baseline_cost_usd=r["baseline_cost_usd"],
                         simulated=bool(r["simulated"]), org=r["org"], agent=r["agent"]))
    return rows
