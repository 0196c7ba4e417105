"""KeyStore admission on a real database (SQLite; PostgreSQL when TEST_POSTGRES_URL is set), under a fake clock:
the rate bucket refills at rpm/60 per second, budgets hold and reset with the UTC window, settle turns a hold
into spend."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pg import fresh_database
from router_core.store import Store
from router_core.store.keys import KeyStore, Refusal, Reservation

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def keys(request, tmp_path):
    database = fresh_database(request.param, tmp_path)
    store = Store(next(database))
    clock = Clock()
    yield KeyStore(store.engine, clock=clock), clock
    store.close()
    database.close()


def test_rate_bucket_refills_at_rpm_per_minute(keys):
    ks, clock = keys
    _, key = ks.create("acme", rpm=2)
    assert ks.admit(key) is None and ks.admit(key) is None
    refused = ks.admit(key)
    assert isinstance(refused, Refusal) and refused.reason == "rate" and refused.retry_after_s == pytest.approx(30)
    clock.now += 15  # half a token
    assert ks.admit(key).retry_after_s == pytest.approx(15)
    clock.now += 15
    assert ks.admit(key) is None and isinstance(ks.admit(key), Refusal)
    clock.now += 3600  # never more than a full bucket
    assert ks.admit(key) is None and ks.admit(key) is None and isinstance(ks.admit(key), Refusal)


def test_budget_holds_settles_and_resets_with_the_day(keys):
    ks, clock = keys
    _, key = ks.create("acme", daily_budget_usd=1.0, monthly_budget_usd=1.5)
    first = ks.admit(key, (0.6,))
    assert isinstance(first, Reservation) and ks.spend(key.id)["daily"] == pytest.approx((0.0, 0.6))
    refused = ks.admit(key, (0.6,))
    assert isinstance(refused, Refusal) and refused.reason == "daily" and refused.retry_after_s == pytest.approx(43200)
    assert isinstance(ks.admit(key, (0.6, 0.3)), Reservation)  # the second (downgraded) amount fits
    ks.settle(first, 0.25)
    assert ks.spend(key.id)["daily"] == pytest.approx((0.25, 0.3)) and ks.spend(key.id)["monthly"] == \
        pytest.approx((0.25, 0.3))
    clock.now += 86400  # the next UTC day: a fresh daily window, the month's spend carries on
    fresh = ks.admit(key, (0.9,))
    assert isinstance(fresh, Reservation) and ks.spend(key.id)["daily"] == pytest.approx((0.0, 0.9))
    over_month = ks.admit(key, (0.1,))  # 0.25 spent + 0.3 + 0.9 held = 1.45 of 1.5
    assert isinstance(over_month, Refusal) and over_month.reason == "monthly"
    assert ks.spend(key.id)["daily"] == pytest.approx((0.0, 0.9)), "a refusal holds nothing in any window"
