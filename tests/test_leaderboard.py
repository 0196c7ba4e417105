"""The team's leaderboard: Bradley-Terry ratings from Compare votes (scripted sets with known answers), and the
rolled-up leaderboard from a real store (SQLite and PostgreSQL) beside thumbs and judge verdicts."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta, timezone

import pytest
from pg import db_url, store  # noqa: F401  (fixtures)

from router_core import analytics
from router_core.analytics.bradley_terry import TIE, Vote, fit_ratings
from router_core.analytics.leaderboard import COLUMNS
from router_core.store import InteractionRecord

EVERYWHERE = dict(since=datetime(2000, 1, 1, tzinfo=timezone.utc), until=datetime(2100, 1, 1, tzinfo=timezone.utc))
ANSWERS = itertools.count()
GAP_4_TO_1 = 400 * math.log10(4)  # ~240.8: the Elo gap at which A beats B four times in five


def a_beats_b(n: int, share: float = 0.8) -> list[Vote]:
    wins = round(n * share)
    return [Vote(("a:x", "b:y"), "a:x")] * wins + [Vote(("a:x", "b:y"), "b:y")] * (n - wins)


# ------------------------------------------------------------------------------------------- the model
def test_a_beating_b_80_times_in_100_is_about_241_points_above_it():
    ratings = fit_ratings(a_beats_b(100))
    a, b = ratings["a:x"], ratings["b:y"]
    assert list(ratings) == ["a:x", "b:y"]
    assert a.rating - b.rating == pytest.approx(GAP_4_TO_1, abs=8)  # the weak prior pulls it in a few points
    assert (a.rating + b.rating) / 2 == pytest.approx(1000)
    assert a.low < a.rating < a.high and b.low < b.rating < b.high
    assert a.votes == b.votes == 100


def test_intervals_shrink_as_votes_grow():
    few, many = fit_ratings(a_beats_b(100)), fit_ratings(a_beats_b(1000))
    assert many["a:x"].rating - many["b:y"].rating == pytest.approx(GAP_4_TO_1, abs=3)
    for name in ("a:x", "b:y"):
        narrow, wide = many[name].high - many[name].low, few[name].high - few[name].low
        assert narrow < wide / 2, (narrow, wide)  # ~1/sqrt(10) as wide in theory
    assert fit_ratings(a_beats_b(100)) == few  # a fixed seed: the same figures every time


def test_a_transitive_set_of_three_orders_correctly_and_three_way_votes_count_every_pair():
    votes = a_beats_b(60, 0.75) + [Vote(("b:y", "c:z"), "b:y")] * 45 + [Vote(("b:y", "c:z"), "c:z")] * 15
    votes += [Vote(("a:x", "b:y", "c:z"), "a:x")] * 10  # beats both b and c
    ratings = fit_ratings(votes)
    assert list(ratings) == ["a:x", "b:y", "c:z"]
    assert ratings["a:x"].votes == 70 and ratings["c:z"].votes == 70 and ratings["b:y"].votes == 130
    assert ratings["a:x"].low > ratings["c:z"].high


def test_ties_are_half_a_win_each_and_nobody_wins_an_all_tie_set():
    ratings = fit_ratings([Vote(("a:x", "b:y"), TIE)] * 50)
    assert ratings["a:x"].rating == pytest.approx(1000, abs=1e-6)
    assert ratings["b:y"].rating == pytest.approx(1000, abs=1e-6)
    # 60 wins, 20 losses and 20 ties is 70 : 30, the same as 70 wins and 30 losses.
    with_ties = fit_ratings(a_beats_b(80, 0.75) + [Vote(("a:x", "b:y"), TIE)] * 20)
    plain = fit_ratings(a_beats_b(100, 0.7))
    gap = lambda r: r["a:x"].rating - r["b:y"].rating  # noqa: E731
    assert gap(with_ties) == pytest.approx(gap(plain), abs=0.5)
    assert gap(with_ties) == pytest.approx(400 * math.log10(70 / 30), abs=8)


def test_a_clean_sweep_stays_finite_and_bad_votes_are_ignored():
    ratings = fit_ratings([Vote(("a:x", "b:y"), "a:x")] * 20)
    assert 1000 < ratings["a:x"].rating < 2000
    assert fit_ratings([Vote(("a:x",), "a:x"), Vote(("a:x", "b:y"), "c:z")]) == {}
    assert fit_ratings([]) == {}


# ------------------------------------------------------------------------------------------- from the store
def record(response: str, *, source: str = "compare", tier: str = "SIMPLE", target: str = "cheap:x",
           simulated: bool = False, agent: str | None = None) -> InteractionRecord:
    provider, model = target.split(":")
    return InteractionRecord(
        org="acme", agent=agent, session_id=None, prompt="q", messages_json="[]", response=response,
        complexity=tier, score=0.1, reasons=[], provider=provider, model=model, input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source=source, simulated=simulated)


def compared(store, winner: str, targets=("cheap:x", "premium:y"), *, tier: str = "SIMPLE",
             simulated: bool = False, agent: str | None = None, failed: str | None = None) -> None:
    """Log each column as Compare traffic (as Router.compare does), save the comparison and vote."""
    results = []
    for target in targets:
        if target == failed:
            results.append({"target": target, "text": None, "error": "timed out"})
            continue
        text = f"{target} answer #{next(ANSWERS)}"  # unique, as the log lookup matches answers by text
        store.log_interaction(record(text, tier=tier, target=target, simulated=simulated, agent=agent))
        results.append({"target": target, "text": text})
    store.vote_comparison(store.save_comparison("q", None, results), winner)


def by_target(df):
    return {row.target: row for row in df.itertuples(index=False)}


def test_leaderboard_rates_votes_per_tier_keeps_simulated_apart_and_drops_no_pick(store):
    for _ in range(8):
        compared(store, "premium:y")
    for _ in range(2):
        compared(store, "cheap:x")
    compared(store, "none")
    compared(store, TIE)
    for _ in range(5):
        compared(store, "cheap:x", tier="EXPERT")
    for _ in range(3):
        compared(store, "cheap:x", simulated=True)
    compared(store, "premium:y", targets=("cheap:x", "premium:y", "mid:z"), failed="mid:z")

    df = analytics.leaderboard(store, **EVERYWHERE, tier="SIMPLE")
    rows = by_target(df)
    assert list(df["target"]) == ["premium:y", "cheap:x"]  # mid:z failed: never rated
    assert rows["premium:y"].rating > rows["cheap:x"].rating
    assert (rows["premium:y"].votes, rows["premium:y"].vote_wins, rows["premium:y"].vote_ties) == (12, 9, 1)
    assert (rows["cheap:x"].votes, rows["cheap:x"].vote_wins) == (12, 2)

    expert = by_target(analytics.leaderboard(store, **EVERYWHERE, tier="EXPERT"))
    assert expert["cheap:x"].rating > expert["premium:y"].rating

    overall = by_target(analytics.leaderboard(store, **EVERYWHERE))
    assert overall["cheap:x"].votes == 17 and overall["premium:y"].votes == 17

    demo = by_target(analytics.leaderboard(store, **EVERYWHERE, simulated=True))
    assert demo["cheap:x"].votes == 3 and demo["cheap:x"].rating > demo["premium:y"].rating
    assert demo["cheap:x"].provisional and not rows["cheap:x"].provisional  # 3 votes against 12


def test_leaderboard_splits_by_agent_and_shows_thumbs_and_judge_rates(store):
    for _ in range(4):
        compared(store, "premium:y", agent="support")
    compared(store, "cheap:x", agent="coder")
    for value in (1, 1, 1, -1):
        store.set_feedback(store.log_interaction(record("live", source="playground", target="cheap:x")), value)
    store.set_feedback(store.log_interaction(record("cli", source="cli", target="cheap:x")), -1)  # not real traffic
    verdict = dict(baseline_target="premium:y", judge_target="judge:j", tier="SIMPLE", simulated=False)
    for i, outcome in enumerate(("win", "tie", "loss", "loss", "error")):
        store.save_verdict("eval", outcome, run_id=None, prompt_index=i, contestant="router",
                           contestant_target="cheap:x", **verdict)
    store.save_verdict("eval", "win", prompt_index=9, contestant="extra", contestant_target="cheap:x",
                       **{**verdict, "simulated": True})
    store.save_verdict("eval", "tie", prompt_index=9, contestant="baseline", contestant_target="premium:y",
                       same_target=True, **verdict)

    support = by_target(analytics.leaderboard(store, **EVERYWHERE, agent="support"))
    assert support["premium:y"].votes == 4 and support["cheap:x"].votes == 4
    assert by_target(analytics.leaderboard(store, **EVERYWHERE, agent="coder"))["cheap:x"].vote_wins == 1

    rows = by_target(analytics.leaderboard(store, **EVERYWHERE))
    cheap = rows["cheap:x"]
    assert (cheap.thumbs_up, cheap.thumbs_down, cheap.thumbs_up_rate) == (3, 1, 0.75)
    assert (cheap.judged, cheap.judge_wins) == (4, 1)
    assert cheap.judge_win_rate == pytest.approx(0.25) and cheap.judge_matched_rate == pytest.approx(0.5)
    assert rows["premium:y"].judged == 0 and math.isnan(rows["premium:y"].judge_win_rate)


def test_an_empty_window_is_an_empty_leaderboard(store):
    compared(store, "cheap:x")
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    df = analytics.leaderboard(store, since=later, until=later + timedelta(days=1))
    assert df.empty and list(df.columns) == COLUMNS
