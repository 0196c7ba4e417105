"""AppTest of the Evaluations page over fake vendors on real HTTP (cheap / premium answers, a scripted judge):
the empty state, a run to completion whose figures are the Workspace's, the losses filter, the drill-down as
text, the self-judge refusal, and partial runs (spend cap, interrupted) that resume."""

from __future__ import annotations

import json

import pytest
from fakevendor import FakeVendor, Recorded, Reply
from qualitykit import CHEAP_TEXT, JUDGE_KEY, PREMIUM_TEXT, answers_shown, config_file, serve_answers
from routerkit import PREMIUM_KEY, openai_ok

from appkit import app, app_env, assert_no_exception, downloads, open_page, plain, texts  # noqa: F401
from pages.ui.eval_results import pct
from router_core.display import money

PAGE = "pages/evaluations.py"
HOSTILE = "<script>alert(1)</script> Cheap answer"


@pytest.fixture
def judge():
    with FakeVendor() as server:
        yield server


def prefers_cheap_on_travel(request: Recorded) -> Reply:
    """A judge that prefers the cheap answer on the travel question (MT-Bench's first) and the premium one
    elsewhere, whichever position each is shown in."""
    user = next(m["content"] for m in request.json["messages"] if m["role"] == "user")
    wanted = CHEAP_TEXT if "travel" in user.lower() else PREMIUM_TEXT
    letter = next(k for k, v in answers_shown(request).items() if wanted in v)
    return Reply(json=openai_ok(f"Assistant {letter} is better. [[{letter}]]", model="gpt-6-astra", inp=300, out=40))


@pytest.fixture
def vendors_app(app, app_env, tmp_path, cheap, premium, judge, monkeypatch):
    """The app over the cheap / premium / judge fake vendors (live mode, [quality] judge = judge:gpt-6-astra)."""
    serve_answers(cheap, premium)
    judge.route("/v1/chat/completions", prefers_cheap_on_travel)
    folder = tmp_path / "vendors"
    folder.mkdir()
    monkeypatch.setenv("ROUTER_CONFIG", str(config_file(folder, cheap, premium, judge)))
    monkeypatch.setenv("ROUTER_DEMO", "0")
    monkeypatch.setenv("TEST_PREMIUM_KEY", PREMIUM_KEY)
    monkeypatch.setenv("TEST_JUDGE_KEY", JUDGE_KEY)
    yield app
    workspace().router.close()  # the app's cached router holds pooled HTTP clients


def workspace():
    from pages.shared import get_router
    from router_core.workspace import Workspace

    return Workspace(get_router())


def quick_start(app):
    app.button(key="ev_quick").click().run()
    assert_no_exception(app)
    assert not app.error, texts(app.error)
    return app


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def grid(app):
    return next(d.value for d in app.dataframe if "verdict" in d.value.columns)


def test_the_empty_state_explains_and_offers_one_click(vendors_app):
    open_page(vendors_app, PAGE)
    assert any("No evaluation runs yet" in i.value for i in vendors_app.info)
    assert vendors_app.button(key="ev_quick").label == "▶️ Start with MT-Bench, 10 prompts"
    assert any("10 prompts" in m and "Rough worst case" in m for m in texts(vendors_app.markdown))


def test_a_quick_run_finishes_and_shows_the_workspace_figures(vendors_app, app_env, downloads):
    quick_start(open_page(vendors_app, PAGE))
    [run] = app_env.store.list_eval_runs()
    assert run["status"] == "done" and run["prompt_count"] == 10 and not run["simulated"]
    s = workspace().eval_summary(run["id"]).as_dict()
    assert s["judged"] == 10 and s["wins"] >= 1 and s["losses"] >= 1
    shown = metrics(vendors_app)
    assert shown["Quality retained"] == pct(s["quality_retained"])
    assert shown["95 % interval"] == f"{pct(s['ci_low'])}–{pct(s['ci_high'])}"
    assert shown["Wins / ties / losses"] == f"{s['wins']} / {s['ties']} / {s['losses']}"
    assert shown["Routed answers cost"] == money(s["cost_usd"]) != shown["Baseline answers cost"]
    assert shown["Baseline answers cost"] == money(s["baseline_cost_usd"])
    assert shown["Judge spend"] == money(s["judge_cost_usd"]) != money(0)
    sentence = next(m for m in texts(vendors_app.markdown) if "matched or beat the baseline" in m)
    assert f"n = {s['judged']} judged" in sentence and "Simulated" not in sentence
    assert set(grid(vendors_app)["answers"]) == {"measured"}
    exported = json.loads(downloads(vendors_app, "ev_json"))
    assert exported["summary"]["router"]["losses"] == s["losses"] and exported["summary"]["router"]["simulated"] is False
    assert downloads(vendors_app, "ev_csv").splitlines()[0].endswith("simulated")


def test_losses_only_keeps_the_losses(vendors_app, app_env):
    quick_start(open_page(vendors_app, PAGE))
    everything = grid(vendors_app)
    vendors_app.toggle(key="ev_losses").set_value(True).run()
    losses = grid(vendors_app)
    s = workspace().eval_summary(app_env.store.list_eval_runs()[0]["id"]).as_dict()
    assert len(everything) == 10 and len(losses) == s["losses"] < 10
    assert set(losses["verdict"]) == {"❌ loss"}
    assert not losses["prompt"].str.contains("travel").any()
    assert everything["prompt"].str.contains("travel").any()


def test_the_drilldown_shows_both_answers_and_the_explanation_as_text(vendors_app, cheap):
    cheap.reset()
    cheap.route("/v1/chat/completions", lambda r: Reply(json=openai_ok(HOSTILE)))
    quick_start(open_page(vendors_app, PAGE))
    vendors_app.selectbox(key="ev_open").set_value(0).run()
    assert_no_exception(vendors_app)
    answers = [m for m in vendors_app.markdown if "<script>" in m.value or PREMIUM_TEXT in m.value]
    hostile = [m for m in answers if "<script>alert(1)</script>" in m.value]
    assert hostile and all(not m.proto.allow_html for m in vendors_app.markdown)
    assert any(PREMIUM_TEXT in m.value for m in answers)
    assert any("Assistant" in m.value and "[[" in m.value for m in vendors_app.markdown)  # the judge's words


def test_a_judge_that_is_a_contestant_is_refused_with_the_reason(vendors_app, app_env, judge):
    open_page(vendors_app, PAGE)
    vendors_app.selectbox(key="ev_judge").set_value("cheap:gpt-6-luna").run()
    vendors_app.button(key="ev_start").click().run()
    assert_no_exception(vendors_app)
    error = " ".join(texts(vendors_app.error))
    assert "The judge is a contestant" in error and "would grade its own answers" in error
    assert app_env.store.list_eval_runs() == [] and judge.requests == []


def test_a_capped_run_is_partial_and_resumes_without_paying_twice(vendors_app, app_env, cheap):
    open_page(vendors_app, PAGE)
    vendors_app.number_input(key="ev_limit").set_value(6).run()
    vendors_app.number_input(key="ev_cap").set_value(0.00001).run()
    vendors_app.number_input(key="ev_concurrency").set_value(1).run()
    vendors_app.button(key="ev_start").click().run()
    assert_no_exception(vendors_app)
    [run] = app_env.store.list_eval_runs()
    assert run["status"] == "partial"
    assert any("Partial" in w and "spend cap" in w for w in texts(vendors_app.warning))
    assert "partial" in vendors_app.selectbox(key="ev_run").format_func(run["id"])
    asked_before = len(cheap.requests)
    vendors_app.number_input(key=f"ev_cap_{run['id']}").set_value(10.0).run()
    vendors_app.button(key=f"ev_resume_{run['id']}").click().run()
    assert_no_exception(vendors_app)
    assert app_env.store.get_eval_run(run["id"])["status"] == "done"
    prompts = [r.json["messages"][-1]["content"] for r in cheap.requests]
    assert len(prompts) == len(set(prompts)) > asked_before  # more answers, none bought twice
    assert not vendors_app.warning and metrics(vendors_app)["Wins / ties / losses"]


def test_an_interrupted_run_shows_partial_and_resumes(vendors_app, app_env):
    open_page(vendors_app, PAGE)
    ws = workspace()
    run_id = ws.create_eval_run(ws.load_eval_prompts(set_name="vicuna", limit=3))  # stored "running", never run
    vendors_app.run()
    assert any("interrupted" in w for w in texts(vendors_app.warning))
    assert "partial" in vendors_app.selectbox(key="ev_run").format_func(run_id)
    vendors_app.button(key=f"ev_resume_{run_id}").click().run()
    assert_no_exception(vendors_app)
    assert app_env.store.get_eval_run(run_id)["status"] == "done"
    assert metrics(vendors_app)["Wins / ties / losses"] != "0 / 0 / 0"
