"""Thumbs and Compare votes rolled up per tier and target (analytics.feedback), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pg import db_url, store  # noqa: F401  (fixtures)

from router_core import analytics
from router_core.store import InteractionRecord

EVERYWHERE = dict(since=datetime(2000, 1, 1, tzinfo=timezone.utc), until=datetime(2100, 1, 1, tzinfo=timezone.utc))


def record(response: str, *, source: str = "playground", tier: str = "SIMPLE", target: str = "cheap:x",
           simulated: bool = False, **kw) -> InteractionRecord:
    provider, model = target.split(":")
    base = dict(org="acme", agent=None, session_id=None, prompt="q", messages_json="[]", response=response,
                complexity=tier, score=0.1, reasons=[], provider=provider, model=model, input_tokens=1,
                output_tokens=1, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001,
                latency_ms=5.0, ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source=source,
                simulated=simulated)
    return InteractionRecord(**{**base, **kw})


def thumb(store, value: int, **kw) -> None:
    store.set_feedback(store.log_interaction(record("an answer", **kw)), value)


def compared(store, tier: str, answers: dict[str, str], winner: str | None, simulated: bool = False) -> int:
    """Log each column as Compare traffic (as Router.compare does), save the comparison and vote."""
    for target, text in answers.items():
        store.log_interaction(record(text, source="compare", tier=tier, target=target, simulated=simulated))
    cid = store.save_comparison("q", None, [{"target": t, "text": a} for t, a in answers.items()])
    if winner:
        store.vote_comparison(cid, winner)
    return cid


def rows(df) -> dict[tuple, tuple]:
    return {tuple(r[:3]): tuple(r[3:]) for r in df.itertuples(index=False)}


def test_thumbs_count_per_tier_and_target_and_follow_the_filters(store):
    thumb(store, 1)
    thumb(store, 1)
    thumb(store, -1)
    thumb(store, -1, tier="EXPERT", target="premium:opus", org="globex")
    thumb(store, 1, simulated=True)
    thumb(store, 1, source="cli")  # not real traffic
    store.log_interaction(record("never rated"))
    df = analytics.thumbs(store, **EVERYWHERE)
    assert rows(df) == {("SIMPLE", "cheap:x", False): (2, 1), ("EXPERT", "premium:opus", False): (0, 1),
                        ("SIMPLE", "cheap:x", True): (1, 0)}
    assert rows(analytics.thumbs(store, **EVERYWHERE, org="globex")) == {("EXPERT", "premium:opus", False): (0, 1)}
    everything = analytics.thumbs(store, **EVERYWHERE, sources=None)
    assert rows(everything)[("SIMPLE", "cheap:x", False)] == (3, 1)
    assert rows(analytics.feedback(store, **EVERYWHERE))[("SIMPLE", "cheap:x", False)] == (2, 1, 0, 0, 0)
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert analytics.thumbs(store, since=later, until=later + timedelta(days=1)).empty


def test_votes_count_per_target_with_the_tier_the_columns_were_logged_with(store):
    compared(store, "MEDIUM", {"cheap:x": "A1", "premium:sonnet": "B1"}, "cheap:x")
    compared(store, "MEDIUM", {"cheap:x": "A2", "premium:sonnet": "B2"}, "premium:sonnet")
    compared(store, "MEDIUM", {"cheap:x": "A3", "premium:sonnet": "B3"}, "tie")
    compared(store, "EXPERT", {"cheap:x": "A4", "premium:opus": "B4"}, "none")
    compared(store, "EXPERT", {"cheap:x": "A5", "premium:opus": "B5"}, None)  # never voted: not counted
    compared(store, "SIMPLE", {"cheap:x": "A6", "premium:sonnet": "B6"}, "cheap:x", simulated=True)
    df = analytics.compare_votes(store, **EVERYWHERE)
    assert rows(df) == {("MEDIUM", "cheap:x", False): (3, 1, 1), ("MEDIUM", "premium:sonnet", False): (3, 1, 1),
                        ("EXPERT", "cheap:x", False): (1, 0, 0), ("EXPERT", "premium:opus", False): (1, 0, 0),
                        ("SIMPLE", "cheap:x", True): (1, 1, 0), ("SIMPLE", "premium:sonnet", True): (1, 0, 0)}
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert analytics.compare_votes(store, since=later, until=later + timedelta(days=1)).empty
    both = analytics.feedback(store, **EVERYWHERE)  # votes without any thumbs
    assert rows(both)[("MEDIUM", "cheap:x", False)] == (0, 0, 3, 1, 1) and len(both) == 6


def test_feedback_puts_thumbs_and_votes_side_by_side(store):
    thumb(store, 1, tier="MEDIUM")
    compared(store, "MEDIUM", {"cheap:x": "A1", "premium:sonnet": "B1"}, "cheap:x")
    df = analytics.feedback(store, **EVERYWHERE)
    assert rows(df) == {("MEDIUM", "cheap:x", False): (1, 0, 1, 1, 0), ("MEDIUM", "premium:sonnet", False): (0, 0, 1, 0, 0)}
    assert list(df["target"]) == ["cheap:x", "premium:sonnet"]  # most feedback first
