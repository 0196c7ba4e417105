"""Response cache: key normalisation, hits and counters, TTL with a fake clock, clearing (SQLite + PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from pg import db_url, store  # noqa: F401  (fixtures)

from router_core.cache import CachedAnswer, ResponseCache, normalise_text
from router_core.types import Message, Usage

T = 1_750_000_000.0


class Clock:
    def __init__(self, now: float = T) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cache(store, clock):
    return ResponseCache(store, ttl_s=3600, clock=clock)


def key(messages, target="auto", max_tokens=None, temperature=None):
    return ResponseCache.key(messages, target=target, max_tokens=max_tokens, temperature=temperature)


def put(cache, k, text="answer", cost=0.001, baseline=0.01):
    cache.put(k, text=text, provider="groq", model="llama", usage=Usage(12, 34), cost_usd=cost,
              baseline_cost_usd=baseline)


# ------------------------------------------------------------------------------------------------ key


def test_key_ignores_whitespace_only_differences():
    a = [Message("system", "You are   helpful."), Message("user", "What is\tTCP?")]
    b = [Message("system", "  You are helpful.\n"), Message("user", "What   is TCP?  ")]
    c = [Message("system", "You are helpful."), Message("user", "What is TCP?\r\n")]
    assert key(a) == key(b) == key(c)
    assert len(key(a)) == 64 and all(ch in "0123456789abcdef" for ch in key(a))
    assert normalise_text("  a  b \n  c\r\n") == "a b\nc"


def test_key_changes_with_content_roles_system_and_settings():
    base = [Message("system", "Be brief."), Message("user", "Hi")]
    k = key(base)
    assert key([Message("user", "Hi")]) != k  # the system prompt counts
    assert key([Message("system", "Be verbose."), Message("user", "Hi")]) != k
    assert key([Message("system", "Be brief."), Message("assistant", "Hi")]) != k  # roles count
    assert key([Message("system", "Be brief."), Message("user", "hi")]) != k  # case counts
    assert key([Message("system", "Be brief."), Message("user", "H i")]) != k
    assert key(base, target="groq:llama") != k
    assert key(base, target="openai:gpt-4o") != key(base, target="groq:llama")
    assert key(base, temperature=0.7) != k and key(base, temperature=0.7) != key(base, temperature=0.2)
    assert key(base, temperature=0.0) != k  # 0 is not "provider default"
    assert key(base, max_tokens=100) != k and key(base, max_tokens=100) != key(base, max_tokens=200)
    assert key(base, temperature=0.7) == key(list(base), temperature=0.7)  # deterministic
    # a message split differently is a different conversation
    assert key([Message("user", "a"), Message("user", "b")]) != key([Message("user", "a b")])


# ------------------------------------------------------------------------------------------- get/put


def test_miss_then_hit_bumps_counters_and_saved(cache, store, clock):
    k = key([Message("user", "Hi")])
    assert cache.get(k) is None
    put(cache, k)
    clock.now += 10
    hit = cache.get(k)
    assert hit == CachedAnswer(text="answer", provider="groq", model="llama",
                               usage=Usage(input_tokens=12, output_tokens=34), cost_usd=0.001,
                               baseline_cost_usd=0.01, hits=1)
    clock.now += 5
    assert cache.get(k).hits == 2
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT hit_count, saved_usd, last_hit_at, expires_at, prompt_preview "
                                   "FROM response_cache WHERE key = :k"), {"k": k}).one()
    assert row[0] == 2 and row[1] == pytest.approx(0.02)
    last_hit = row[2] if isinstance(row[2], datetime) else datetime.fromisoformat(str(row[2]))
    assert last_hit.replace(tzinfo=timezone.utc) == datetime.fromtimestamp(T + 15, timezone.utc)
    assert cache.stats() == {"entries": 1, "live": 1, "hits": 2, "saved_usd": pytest.approx(0.02)}


def test_unknown_baseline_saves_nothing_and_none_costs_round_trip(cache):
    k = key([Message("user", "local")])
    put(cache, k, cost=None, baseline=None)
    hit = cache.get(k)
    assert hit.cost_usd is None and hit.baseline_cost_usd is None
    assert cache.stats()["saved_usd"] == 0.0


def test_ttl_expiry_with_fake_clock(cache, clock):
    k = key([Message("user", "Hi")])
    put(cache, k)
    clock.now += 3599
    assert cache.get(k) is not None
    clock.now += 1  # exactly at expiry: gone
    assert cache.get(k) is None
    assert cache.stats()["live"] == 0 and cache.stats()["entries"] == 1
    put(cache, k, text="fresh")  # refreshing an expired entry makes it live again
    got = cache.get(k)
    assert got.text == "fresh" and got.hits == 2  # the hit count carries over


def test_put_upserts(cache):
    k = key([Message("user", "Hi")])
    put(cache, k, text="one")
    put(cache, k, text="two", cost=0.5)
    got = cache.get(k)
    assert got.text == "two" and got.cost_usd == 0.5
    assert cache.stats()["entries"] == 1


def test_clear_all_and_clear_expired(store, clock):
    short = ResponseCache(store, ttl_s=10, clock=clock)
    long = ResponseCache(store, ttl_s=1000, clock=clock)
    for i in range(3):
        put(short, f"s{i}")
    for i in range(2):
        put(long, f"l{i}")
    clock.now += 11
    assert long.stats() == {"entries": 5, "live": 2, "hits": 0, "saved_usd": 0.0}
    assert long.clear_expired() == 3
    assert long.clear_expired() == 0
    assert long.get("l0") is not None and long.get("s0") is None
    assert long.clear_all() == 2
    assert long.stats()["entries"] == 0 and long.get("l1") is None


def test_instances_share_the_table(store, clock, db_url):
    from router_core.store import Store

    other_store = Store(db_url)
    try:
        a = ResponseCache(store, ttl_s=60, clock=clock)
        b = ResponseCache(other_store, ttl_s=60, clock=clock)
        put(a, "shared")
        assert b.get("shared").text == "answer" and a.get("shared").hits == 2
    finally:
        other_store.close()
