"""Prompt experiments through the Workspace over fake vendors on real HTTP (3 inputs x 2 variants x 2 targets):
the grid's scores for exact match, regex, the scripted single-answer judge and the pairwise judge; per-column
statistics and the recommended column; a run stopped half-way by its spend cap that resumes in a new process
without paying twice and ends equal to an uninterrupted run; CSV and escaped HTML exports."""

from __future__ import annotations

import csv
import io

import pytest
from experimentkit import CHATTY, DATASET, JUDGE, ONE_WORD, TARGETS, TERSE, chat_requests, grading_judge, serve
from fakevendor import FakeVendor, Reply
from qualitykit import quality_router
from routerkit import logged_rows, openai_ok

from router_core.workspace import Workspace

SCORERS = [{"kind": "exact"}, {"name": "one word", "kind": "regex", "pattern": ONE_WORD}, {"kind": "judge"},
           {"kind": "pairwise", "reference": "terse"}]
CHEAP, BASE = "cheap:gpt-6-luna", "baseline"


@pytest.fixture
def judge():
    with FakeVendor() as server:
        server.route("/v1/chat/completions", grading_judge)
        yield server


@pytest.fixture
def ws(tmp_path, cheap, premium, judge):
    serve(cheap, premium)
    return Workspace(quality_router(tmp_path, cheap, premium, judge))


def create(ws: Workspace, **kw) -> int:
    data = ws.load_experiment_dataset(content=DATASET.encode(), filename="facts.csv")
    options = {"variants": [TERSE, CHATTY], "targets": TARGETS, "scorers": SCORERS, "judge": JUDGE, **kw}
    return ws.create_experiment(data, **options)


def scores(ws: Workspace, eid: int, scorer: str) -> dict[tuple[str, str], list[float | None]]:
    """{(variant, target): [score of input 0, 1, 2]} under one scorer."""
    out: dict[tuple[str, str], list[float | None]] = {}
    for c in ws.experiment_cells(eid):
        out.setdefault((c["variant"], c["target"]), []).append(c["score_detail"][scorer]["score"])
    return out


def test_the_grid_has_the_right_scores_for_every_scorer(ws, judge, tmp_path):
    eid = create(ws, concurrency=2)
    assert ws.run_experiment(eid) == "done"
    assert scores(ws, eid, "exact") == {("terse", CHEAP): [1, 0, 1], ("terse", BASE): [1, 1, 1],
                                        ("chatty", CHEAP): [0, 0, 0], ("chatty", BASE): [0, 0, 0]}
    assert scores(ws, eid, "one word") == {("terse", CHEAP): [1, 1, 1], ("terse", BASE): [1, 1, 1],
                                           ("chatty", CHEAP): [0, 0, 0], ("chatty", BASE): [0, 0, 0]}
    assert scores(ws, eid, "judge") == {("terse", CHEAP): [9, 2, 9], ("terse", BASE): [9, 9, 9],
                                        ("chatty", CHEAP): [7, 2, 7], ("chatty", BASE): [7, 7, 7]}
    assert scores(ws, eid, "pairwise") == {("terse", CHEAP): [1, 1, 1], ("terse", BASE): [1, 1, 1],
                                           ("chatty", CHEAP): [0, 0, 0], ("chatty", BASE): [0, 0, 0]}
    cells = ws.experiment_cells(eid)
    assert len(cells) == 12 and all(c["error"] is None and c["cost_usd"] > 0 for c in cells)
    assert all(c["score"] == c["score_detail"]["exact"]["score"] for c in cells)  # the first scorer's
    # 12 single-answer gradings + 6 chatty cells x 2 orders; the terse (reference) cells ask nobody
    assert chat_requests(judge) == 12 + 6 * 2
    assert {r["source"] for r in logged_rows(tmp_path)} == {"eval"}
    assert ws.get_experiment(eid)["status"] == "done"


def test_columns_have_means_intervals_costs_and_the_recommended_column(ws):
    eid = create(ws)
    ws.run_experiment(eid)
    cols = {(c.variant, c.target): c for c in ws.experiment_columns(eid)}
    cheap, base = cols[("terse", CHEAP)], cols[("terse", BASE)]
    assert cheap.mean_score == pytest.approx(2 / 3) and base.mean_score == 1.0 and cheap.n == base.n == 3
    assert 0 < base.ci_low < cheap.mean_score < base.ci_high == pytest.approx(1.0)  # Wilson: 3/3 is not certainty
    assert 0 < cheap.cost_usd < base.cost_usd
    assert cheap.cost_per_point == pytest.approx(cheap.cost_usd / 2)
    assert [c for c in cols.values() if c.recommended] == [cheap]  # cheaper, and inside the best's interval
    judged = {(c.variant, c.target): c for c in ws.experiment_columns(eid, "judge")}
    assert judged[("terse", BASE)].mean_score == 9 and judged[("terse", BASE)].ci_low == 9  # no spread
    low, high = judged[("terse", CHEAP)].ci_low, judged[("terse", CHEAP)].ci_high
    assert low < 20 / 3 < high and high - low > 10  # t interval of (9, 2, 9), 2 degrees of freedom
    assert [c.variant for c in judged.values() if c.recommended] == ["terse"]
    assert judged[("terse", BASE)].recommended  # 9 +- 0 on the baseline: cheap's 6.7 is below its low
    assert all(c.judge_cost_usd > 0 for c in judged.values())


def test_a_capped_run_resumes_in_a_new_process_without_paying_twice(ws, tmp_path, cheap, premium, judge):
    whole = create(ws, concurrency=1)
    ws.run_experiment(whole)
    paid = {name: chat_requests(v) for name, v in (("cheap", cheap), ("premium", premium), ("judge", judge))}
    spent = ws.router.store.experiment_spent(whole)

    capped = create(ws, concurrency=1, max_cost_usd=spent / 2)
    assert ws.run_experiment(capped) == "partial"
    assert ws.get_experiment(capped)["status"] == "partial"
    stored = ws.experiment_cells(capped)
    assert 0 < len(stored) < 12
    ws.router.close()

    again = Workspace(quality_router(tmp_path, cheap, premium, judge))  # a restart: a new router on the same file
    assert again.run_experiment(capped, max_cost_usd=1.0) == "done"
    for name, vendor in (("cheap", cheap), ("premium", premium), ("judge", judge)):
        assert chat_requests(vendor) == 2 * paid[name], f"{name} was paid twice for something"

    def grid(eid: int) -> list[tuple]:
        return [(c["input_index"], c["variant"], c["target"], c["answer"], c["cost_usd"], c["score"],
                 {k: v["score"] for k, v in c["score_detail"].items()}) for c in again.experiment_cells(eid)]

    assert grid(capped) == grid(whole)
    assert again.router.store.experiment_spent(capped) == pytest.approx(spent)

    def figures(eid: int) -> list[dict]:  # latency is measured anew, everything else must be equal
        return [{k: v for k, v in c.items() if k != "latency_ms_p50"} for c in again.experiment_summary(eid)["columns"]]

    assert figures(capped) == figures(whole)


def test_auto_routes_under_the_named_policy(ws, premium):
    everything_premium = {t: ["premium:claude-sonnet-5-5"] for t in ("TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX",
                                                                     "EXPERT")}
    ws.save_policy("all-premium", everything_premium, activate=False)
    eid = create(ws, targets=["auto"], scorers=[{"kind": "exact"}], policy="all-premium")
    ws.run_experiment(eid)
    assert {(c["provider"], c["target"]) for c in ws.experiment_cells(eid)} == {("premium", "auto")}
    assert ws.get_experiment(eid)["policy"] == "all-premium" and ws.active_policy().name != "all-premium"


def test_a_judge_reply_without_a_rating_is_an_error_not_zero(ws, judge):
    judge.reset()
    judge.route("/v1/chat/completions", lambda r: Reply(json=openai_ok("Quite good overall.", model="gpt-6-astra")))
    eid = create(ws, variants=[TERSE], targets=[CHEAP], scorers=[{"kind": "judge"}])
    assert ws.run_experiment(eid) == "done"
    cells = ws.experiment_cells(eid)
    assert [c["score"] for c in cells] == [None] * 3
    assert all("no [[rating]]" in c["score_detail"]["judge"]["error"] for c in cells)
    col = ws.experiment_columns(eid)[0]
    assert (col.n, col.mean_score, col.errors, col.recommended) == (0, None, 3, False)
    ws.run_experiment(eid)  # a score that was reached is kept: the judge is not paid again
    assert chat_requests(judge) == 3


def test_exports_escape_model_text(ws, cheap):
    cheap.reset()
    cheap.route("/v1/chat/completions", lambda r: Reply(json=openai_ok("<script>alert(1)</script>")))
    eid = create(ws, variants=[TERSE], targets=[CHEAP], scorers=[{"kind": "exact"}])
    ws.run_experiment(eid)
    page = ws.export_experiment(eid, "html")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "terse · cheap:gpt-6-luna" in page and "facts.csv" in page and "recommended" not in page  # all failed
    rows = list(csv.DictReader(io.StringIO(ws.export_experiment(eid, "csv"))))
    assert len(rows) == 3 and rows[0]["answer"] == "<script>alert(1)</script>"
    assert rows[0]["question"] == "What is the capital of France?" and rows[0]["expected"] == "Paris"
    assert rows[0]["score:exact"] == "0.0" and "does not equal" in rows[0]["detail:exact"]


def test_no_column_is_recommended_when_nothing_passed(ws):
    eid = create(ws, scorers=[{"kind": "regex", "pattern": "never in any answer"}])
    ws.run_experiment(eid)
    cols = ws.experiment_columns(eid)
    assert all(c.n == 3 and c.mean_score == 0 for c in cols) and not any(c.recommended for c in cols)
    assert ws.experiment_summary(eid)["recommended"] is None


def test_an_agent_version_variant_is_answered_and_logged_as_that_version(ws, tmp_path):
    """Version 1 of an agent (terse) against its current version 2 (chatty, with a fixed route the columns
    override): each column gets its version's prompt, and the log credits the agent and version."""
    ws.create_agent("quiz", "Quiz", TERSE["system"], target="cheap:gpt-6-luna", note="first")
    ws.edit_agent("quiz", system_prompt=CHATTY["system"], note="chattier")
    variants = [{"name": "v1", "agent": "quiz", "version": 1, "template": "{{question}}"},
                {"name": "v2", "agent": "quiz", "version": 2, "template": "{{question}}"}]
    eid = create(ws, variants=variants, targets=["baseline"], scorers=[{"kind": "exact"}])
    assert ws.run_experiment(eid) == "done"
    assert scores(ws, eid, "exact") == {("v1", BASE): [1, 1, 1], ("v2", BASE): [0, 0, 0]}
    assert {c["provider"] for c in ws.experiment_cells(eid)} == {"premium"}  # the column beat the fixed route
    rows = logged_rows(tmp_path)
    assert sorted((r["agent"], r["agent_version"]) for r in rows) == [("quiz", 1)] * 3 + [("quiz", 2)] * 3
    assert {r["source"] for r in rows} == {"eval"}
