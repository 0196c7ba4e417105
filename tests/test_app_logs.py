"""AppTest of the Logs page: pagination, filters, and the detail view of one request."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from appkit import app, app_env, assert_no_exception, downloads, open_page  # noqa: F401  (fixtures are used by name)
from router_core.store import InteractionRecord

PAGE = "pages/logs.py"
TIERS = ["TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT"]
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(1)>"


def seed(app_env, n: int = 60) -> list[InteractionRecord]:
    """n requests over the last hours: every 7th failed, every 10th a cache hit, providers alternate."""
    now = datetime.now(timezone.utc)
    rows = []
    for i in range(n):
        provider, model = ("groq", "llama-3.1-8b-instant") if i % 2 == 0 else ("openai", "gpt-6-luna")
        failed, cached = i % 7 == 3, i % 10 == 5
        prompt = f"Ticket {i}: where is order {1000 + i}?" if i != 4 else f"Ticket 4: {HOSTILE}"
        attempts = [{"provider": "groq", "model": "llama-3.1-8b-instant", "outcome": "error",
                     "error": "groq: HTTP 429 rate limited", "status": 429, "latency_ms": 35.0, "retryable": True},
                    {"provider": provider, "model": model, "outcome": "error" if failed else "ok",
                     "error": "openai: HTTP 500" if failed else None, "status": 500 if failed else None,
                     "latency_ms": 820.0, "retryable": True if failed else None}]
        rows.append(InteractionRecord(
            org="acme", agent="support", session_id=f"s-{i // 5}", prompt=prompt,
            messages_json=json.dumps([{"role": "system", "content": "You are a support agent."},
                                      {"role": "user", "content": prompt}]),
            response=None if failed else f"Order {1000 + i} ships **tomorrow**. {HOSTILE if i == 4 else ''}",
            complexity="CACHED" if cached else TIERS[i % 5], score=0.1 + (i % 5) * 0.2,
            reasons=["short question", "customer support"], provider=None if failed else provider,
            model=None if failed else model, input_tokens=120 + i, output_tokens=0 if failed else 80,
            cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0 if (failed or cached) else 0.00004 * (1 + i % 3),
            baseline_cost_usd=None if failed else 0.0016, latency_ms=3.0 if cached else 900.0 + i,
            ttft_ms=None if failed else 210.0, cached=cached, status="error" if failed else "ok",
            error="Every provider failed. openai: HTTP 500" if failed else None,
            attempts=[] if cached else attempts, ts=now - timedelta(minutes=7 * i + 1)))
    for r in rows:
        app_env.store.log_interaction(r)
    return rows


def table(at):
    return at.dataframe[0].value


def header(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Rows"))


def select_row(at, index: int):
    at.session_state["lg_table"] = {"selection": {"rows": [index], "columns": [], "cells": []}}
    at.run()
    assert_no_exception(at)
    return at


def page_text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "text", "caption", "error", "subheader")
                     for e in getattr(at, kind))


def test_log_paginates_with_the_total_shown(app, app_env):
    seed(app_env, 60)
    at = open_page(app, PAGE)
    first = table(at)
    assert len(first) == 50 and header(at).startswith("**Rows 1–50 of 60**")
    assert first["time (UTC)"].is_monotonic_decreasing  # newest first
    assert len(at.pagination) == 1 and at.pagination[0].num_pages == 2
    at.pagination[0].select(2).run()
    second = table(at)
    assert len(second) == 10 and header(at).startswith("**Rows 51–60 of 60**")
    assert not set(first["id"]) & set(second["id"])
    at.selectbox(key="lg_page_size").select(25).run()
    assert len(table(at)) == 25 and header(at).startswith("**Rows 1–25 of 60**")  # new size: back to page 1
    assert at.pagination[0].num_pages == 3


def test_filters_work(app, app_env):
    rows = seed(app_env, 60)
    at = open_page(app, PAGE)
    at.selectbox(key="lg_status").select("error").run()
    errors = [r for r in rows if r.status == "error"]
    assert len(table(at)) == len(errors) and set(table(at)["status"]) == {"error"}
    assert f"of {len(errors)}**" in header(at)
    at.selectbox(key="lg_status").select("Any").run()

    at.multiselect(key="lg_tiers").select("EXPERT").run()
    assert set(table(at)["tier"]) == {"EXPERT"} and len(table(at)) == sum(r.complexity == "EXPERT" for r in rows)
    at.multiselect(key="lg_tiers").unselect("EXPERT").run()

    at.multiselect(key="lg_providers").select("openai").run()
    assert {route.split(":")[0] for route in table(at)["route"]} == {"openai"}
    assert len(table(at)) == sum(r.provider == "openai" for r in rows)
    at.multiselect(key="lg_providers").unselect("openai").run()

    at.selectbox(key="lg_cached").select("cached").run()
    assert table(at)["cached"].all() and len(table(at)) == sum(r.cached for r in rows)
    at.selectbox(key="lg_cached").select("Any").run()

    at.text_input(key="lg_search").set_value("order 1042").run()
    assert table(at)["prompt"].tolist() == ["Ticket 42: where is order 1042?"]

    at.text_input(key="lg_search").set_value("no such words anywhere").run()
    assert not at.dataframe and any("No requests match" in i.value for i in at.info)


def test_period_filter(app, app_env):
    seed(app_env, 60)  # spread over the last 7 hours
    at = open_page(app, PAGE)
    at.selectbox(key="lg_period").select("Last hour").run()
    assert header(at).startswith("**Rows 1–9 of 9**")


def test_detail_view_shows_messages_answer_attempts_and_reasons(app, app_env):
    rows = seed(app_env, 60)
    at = open_page(app, PAGE)
    first = table(at)
    index = int(first.index[first["prompt"].str.startswith("Ticket 3:")][0])  # a failed request (3 % 7 == 3)
    select_row(at, index)
    rid = int(first.loc[index, "id"])
    assert any(h.value == f"Request #{rid}" for h in at.subheader)
    attempts = next(d.value for d in at.dataframe if "outcome" in d.value.columns)
    assert attempts["outcome"].tolist() == ["error", "error"] and attempts["HTTP"].tolist() == ["429", "500"]
    assert "groq: HTTP 429 rate limited" in attempts["error"].tolist()
    text = page_text(at).replace("\\", "")
    assert "You are a support agent." in text and "Ticket 3: where is order 1003?" in text
    assert "Every provider failed" in text and "short question" in text and "No answer was returned" in text
    assert rows[3].prompt in text


def test_attempts_table_shows_no_literal_none(app, app_env):
    seed(app_env, 10)
    at = open_page(app, PAGE)
    first = table(at)
    select_row(at, int(first.index[first["prompt"].str.startswith("Ticket 1:")][0]))  # answered after a 429
    attempts = next(d.value for d in at.dataframe if "outcome" in d.value.columns)
    assert attempts["HTTP"].tolist() == ["429", "–"] and attempts["retryable"].tolist() == ["yes", "–"]
    cells = [str(v) for v in attempts.to_numpy().ravel()]
    assert not any(c in ("None", "nan", "<NA>") for c in cells), cells


def test_detail_view_renders_untrusted_text_without_html(app, app_env):
    seed(app_env, 10)
    at = open_page(app, PAGE)
    first = table(at)
    index = int(first.index[first["prompt"].str.startswith("Ticket 4:")][0])
    select_row(at, index)
    answer = [m for m in at.markdown if "ships" in m.value]
    assert answer and all(not m.proto.allow_html for m in at.markdown)
    at.toggle(key="lg_markdown").set_value(False).run()
    plain = [t.value for t in at.text]
    assert any(HOSTILE in v for v in plain)  # shown verbatim as plain text
    assert not at.get("html")


def test_open_a_request_by_id(app, app_env):
    seed(app_env, 12)
    app_env.store.set_feedback(7, 1)
    at = open_page(app, PAGE)
    at.number_input(key="lg_open_id").set_value(7).run()
    assert any(h.value == "Request #7" for h in at.subheader)
    assert any(m.value == "👍 helpful" for m in at.markdown)  # the user's feedback on that answer
    at.number_input(key="lg_open_id").set_value(999).run()
    assert any("There is no request #999" in w.value for w in at.warning)


def test_csv_export_has_every_filtered_row_across_pages(app, app_env, downloads):
    import csv
    import io

    rows = seed(app_env, 60)
    at = open_page(app, PAGE)
    at.multiselect(key="lg_providers").select("groq").run()
    exported = list(csv.DictReader(io.StringIO(downloads(at, "lg_csv"))))
    assert len(exported) == sum(r.provider == "groq" for r in rows) == 26
    assert {r["provider"] for r in exported} == {"groq"}


def test_empty_log_says_what_to_do_next(app, app_env):
    at = open_page(app, PAGE)
    assert not at.dataframe
    text = " ".join(i.value for i in at.info)
    assert "Playground" in text and "python -m router_core demo-routing" in text


def test_a_cut_stream_shows_what_was_sent_and_is_found_by_its_status(app, app_env):
    seed(app_env, 5)
    partial = "Order 1234 ships to"
    app_env.store.log_interaction(InteractionRecord(
        org="acme", agent=None, session_id=None, prompt="Where is order 1234?",
        messages_json=json.dumps([{"role": "user", "content": "Where is order 1234?"}]), response=partial,
        complexity="SIMPLE", score=0.3, reasons=["short question"], provider="groq", model="llama-3.1-8b-instant",
        input_tokens=5, output_tokens=4, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.000001,
        baseline_cost_usd=None, latency_ms=700.0, ttft_ms=200.0, cached=False, status="cut",
        error="The answer from groq was cut off: the stream ended early", attempts=[]))
    at = open_page(app, PAGE)
    at.selectbox(key="lg_status").set_value("cut").run()
    only = table(at)
    assert only["prompt"].tolist() == ["Where is order 1234?"] and only["status"].tolist() == ["cut"]
    select_row(at, 0)
    text = page_text(at)
    assert "✂️ cut off" in text and partial in text and "was cut off" in text
    assert "No answer was returned" not in text
