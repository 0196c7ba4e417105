"""AppTest of the Savings page's quality: the headline with n and the Wilson interval from seeded verdicts, the
"not measured yet" and demo-only states, the thumbs / Compare votes table, and the same in the HTML report."""

from __future__ import annotations

import math
import re

from appkit import app, app_env, downloads, open_page, plain, texts  # noqa: F401  (fixtures are used by name)
from test_app_savings import PAGE, expected, in_window, seed

HEADLINE = re.compile(r"<p class='headline' data-kpi='headline'>([^<]*)</p>")


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval, written out (independent of the code under test)."""
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def verdicts(app_env, rows, outcomes: dict[str, int], *, simulated: bool = False, org: str | None = None) -> None:
    """Shadow-check verdicts on the seeded requests (round robin), `outcomes` as {"win": 7, ...}."""
    ids = list(app_env.store.list_interactions(limit=100)[0]["id"])
    flat = [o for o, n in outcomes.items() for _ in range(n)]
    for i, outcome in enumerate(flat):
        app_env.store.save_verdict("shadow", outcome, interaction_id=int(ids[i % len(ids)]), tier="SIMPLE",
                                   contestant_target="groq:llama-3.1-8b-instant", judge_target="openai:gpt-6-astra",
                                   baseline_target="anthropic:claude-sonnet-5-5", simulated=simulated, org=org)


def headline(at) -> str:
    return plain(next(m.value for m in at.markdown if m.value.startswith("### ")))[4:]


def lead(rows) -> str:
    """The savings half of the sentence, from the seeded rows (the seeded week spends more than the baseline)."""
    pct = float(expected(in_window(rows))["Saved %"].rstrip("%"))
    return f"Saved {pct:.1f} % of the baseline cost" if pct >= 0 else f"Spent {-pct:.1f} % more than the baseline cost"


def test_the_headline_puts_measured_quality_with_n_and_its_interval_beside_the_savings(app, app_env, downloads):
    rows = seed(app_env)
    verdicts(app_env, rows, {"win": 7, "tie": 2, "loss": 3, "error": 2})  # errors are not judged
    verdicts(app_env, rows, {"loss": 5}, simulated=True)
    at = open_page(app, PAGE)
    low, high = wilson(9, 12)
    sentence = (f"{lead(rows)}; routed answers matched or beat the baseline in 75.0 % "
                f"(95 % CI {100 * low:.1f}–{100 * high:.1f} %) of 12 judged requests.")
    assert headline(at) == sentence
    notes = " ".join(texts(at.caption))
    assert "5 simulated verdicts (demo mode) are not counted" in notes and "Wilson" in notes
    assert not [i for i in texts(at.info) if "not measured" in i]
    html = downloads(at, "sv_report")
    assert HEADLINE.search(html).group(1) == sentence
    assert "5 simulated verdicts (demo mode) are not counted" in html


def test_without_verdicts_it_says_quality_is_not_measured_and_how_to_measure_it(app, app_env, downloads):
    rows = seed(app_env)
    at = open_page(app, PAGE)
    assert headline(at) == f"{lead(rows)}; quality not measured yet."
    how = " ".join(texts(at.info))
    assert "Evaluations page" in how and "python -m router_core eval" in how and "shadow_rate" in how
    html = downloads(at, "sv_report")
    assert HEADLINE.search(html).group(1).endswith("; quality not measured yet.")
    assert "shadow_rate" in html


def test_simulated_verdicts_alone_are_not_measured_quality(app, app_env, downloads):
    rows = seed(app_env)
    verdicts(app_env, rows, {"win": 3}, simulated=True)
    at = open_page(app, PAGE)
    assert headline(at) == (f"{lead(rows)}; quality not measured yet: "
                            "3 simulated verdicts (demo mode) are not counted.")
    assert "matched or beat" not in at.markdown[0].value + " ".join(m.value for m in at.markdown)
    html = downloads(at, "sv_report")
    assert "3 simulated verdicts (demo mode) are not counted" in HEADLINE.search(html).group(1)
    assert "matched or beat the baseline in" not in html


def test_an_org_filter_keeps_that_orgs_shadow_checks_and_says_so(app, app_env):
    rows = seed(app_env)
    verdicts(app_env, rows, {"win": 2})
    verdicts(app_env, rows, {"loss": 1}, org="globex")
    at = open_page(app, PAGE)
    assert "of 3 judged requests" in headline(at)
    at.selectbox(key="sv_org").select("globex").run()
    assert "in 0.0 % " in headline(at) and "of 1 judged request." in headline(at)
    assert any("its shadow checks only" in c for c in texts(at.caption))


def test_thumbs_and_compare_votes_are_rolled_up_per_model_and_tier(app, app_env, downloads):
    seed(app_env)
    store = app_env.store
    log = store.list_interactions(limit=100)[0]
    groq = [int(i) for i, m in zip(log["id"], log["model"]) if m == "llama-3.1-8b-instant"]
    luna = [int(i) for i, m in zip(log["id"], log["model"]) if m == "gpt-6-luna"]
    store.set_feedback(groq[0], 1)
    store.set_feedback(groq[1], 1)
    store.set_feedback(groq[2], -1)
    store.set_feedback(luna[0], -1)
    cid = store.save_comparison("q", None, [{"target": "groq:llama-3.1-8b-instant", "text": "x"},
                                            {"target": "anthropic:claude-sonnet-5-5", "text": "y"}])
    store.vote_comparison(cid, "groq:llama-3.1-8b-instant")
    at = open_page(app, PAGE)
    tables = {df.columns[0]: df for df in (d.value for d in at.dataframe)}
    by_model = tables["Model"].set_index("Model")
    assert by_model.loc["groq:llama-3.1-8b-instant", ["👍", "👎", "Compare votes", "Picked"]].tolist() == [2, 1, 1, 1]
    assert by_model.loc["openai:gpt-6-luna", ["👍", "👎", "Compare votes"]].tolist() == [0, 1, 0]
    assert by_model.loc["anthropic:claude-sonnet-5-5", ["Compare votes", "Picked"]].tolist() == [1, 0]
    by_tier = tables["Tier"].set_index("Tier")
    assert int(by_tier["👍"].sum()) == 2 and int(by_tier["👎"].sum()) == 2
    html = downloads(at, "sv_report")
    assert "Thumbs and Compare votes" in html and "data-kpi='feedback-target'" in html


def test_thumbs_on_simulated_answers_are_labelled_simulated(app, app_env):
    seed(app_env)
    store = app_env.store
    from router_core.store import InteractionRecord

    demo = InteractionRecord(org="acme", agent=None, session_id=None, prompt="q", messages_json="[]", response="a",
                             complexity="SIMPLE", score=0.1, reasons=[], provider="openai", model="gpt-6-luna",
                             input_tokens=1, output_tokens=1, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0,
                             baseline_cost_usd=0.001, latency_ms=5.0, ttft_ms=None, cached=False, status="ok",
                             error=None, attempts=[], source="playground", simulated=True)
    store.set_feedback(store.log_interaction(demo), 1)
    store.set_feedback(int(store.list_interactions(limit=100)[0]["id"].iloc[2]), 1)  # a real answer of the week
    at = open_page(app, PAGE)
    by_model = next(d.value for d in at.dataframe if d.value.columns[0] == "Model")
    assert sorted(by_model["Answers"]) == ["real", "simulated"]
    assert by_model.loc[by_model["Answers"] == "simulated", "Model"].tolist() == ["openai:gpt-6-luna"]
