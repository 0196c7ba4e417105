"""AppTest of the Routing page's Learned routing tab: the empty state says how to collect outcomes; with outcomes
the sources are listed with checkboxes, Train stores a learned router and draws its held-out curve beside the
classifier's, the threshold picker shows projected quality and cost with intervals, and Save creates an INACTIVE
policy."""

from __future__ import annotations

from learnkit import scripted_outcomes

from appkit import app, app_env, assert_no_exception, open_page  # noqa: F401  (fixtures are used by name)

PAGE = "pages/routing.py"


def texts(at) -> str:
    return "\n".join(e.value for kind in (at.info, at.success, at.error, at.warning, at.caption, at.markdown)
                     for e in kind)


def no_tab_error(at) -> None:
    assert_no_exception(at)
    assert not [e.value for e in at.error], [e.value for e in at.error]


def button(at, label: str):
    return next(b for b in at.button if label in b.label)


def test_empty_state_says_how_to_collect_outcomes(app, app_env):
    at = open_page(app, PAGE)
    no_tab_error(at)
    body = texts(at)
    assert "No outcomes yet" in body and "shadow_rate" in body and "Evaluations page" in body
    assert not any("Train" in b.label for b in at.button)


def test_train_then_save_an_inactive_learned_policy(app, app_env):
    app_env.store.add_outcomes(scripted_outcomes(260, weakness="limerick"))
    app_env.store.add_outcomes(scripted_outcomes(20, source="thumbs", start=1000))
    at = open_page(app, PAGE)
    assert at.checkbox(key="lr_src_judge_shadow").value and at.checkbox(key="lr_src_thumbs").value
    assert at.checkbox(key="lr_src_votes").disabled  # no votes yet: nothing to trust or distrust
    at.checkbox(key="lr_src_thumbs").uncheck().run()
    button(at, "Train").click().run()
    no_tab_error(at)
    assert "Learned router v1 trained on 260 outcomes" in texts(at)
    assert app_env.store.learned_routers()[0]["sources"] == ["judge_shadow"]
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Learned APGR (held out)"]) > float(metrics["Classifier APGR"])
    assert "Projected quality" in metrics and "95 % interval" in texts(at)
    assert len(at.get("plotly_chart")) >= 1
    at.slider(key="lr_target").set_value(0.99).run()
    assert_no_exception(at)
    at.text_input(key="lr_name").set_value("learned-limericks").run()
    button(at, "Save as policy").click().run()
    no_tab_error(at)
    assert "inactive" in texts(at)
    saved = app_env.store.get_policy("learned-limericks")
    assert saved["learned"]["artifact"] == 1 and 0 <= saved["learned"]["threshold"] <= 1.001
    assert app_env.store.active_policy() is None  # routing unchanged until someone activates it


def test_train_is_disabled_below_the_minimum(app, app_env):
    app_env.store.add_outcomes(scripted_outcomes(12))
    at = open_page(app, PAGE)
    assert button(at, "Train").disabled
    assert "No outcomes yet" not in texts(at)


def test_the_what_if_replay_of_a_saved_learned_policy_shows_its_projected_quality(app, app_env):
    app_env.store.add_outcomes(scripted_outcomes(240, weakness="limerick"))
    at = open_page(app, PAGE)
    button(at, "Train").click().run()
    button(at, "Save as policy").click().run()
    no_tab_error(at)
    assert "learned-v1" in at.selectbox(key="rp_a").options
    at.selectbox(key="rp_a").set_value("learned-v1").run()
    button(at, "Replay").click().run()
    no_tab_error(at)
    quality = [m for m in at.metric if m.label == "Projected quality (held-out outcomes)"]
    assert len(quality) == 1 and quality[0].value.endswith("of the baseline's")
    assert "held-out outcomes" in texts(at)


def test_the_tab_shows_the_apgr_without_the_agent_when_outcomes_name_agents(app, app_env):
    rows = scripted_outcomes(240, weakness="limerick")
    for i, row in enumerate(rows):
        row["agent"] = "maths" if i % 3 else "support"
    app_env.store.add_outcomes(rows)
    at = open_page(app, PAGE)
    button(at, "Train").click().run()
    no_tab_error(at)
    assert "Without the request's agent as a feature" in texts(at)


def test_without_agents_no_second_figure_is_shown(app, app_env):
    app_env.store.add_outcomes(scripted_outcomes(240, weakness="limerick"))
    at = open_page(app, PAGE)
    button(at, "Train").click().run()
    no_tab_error(at)
    assert "Without the request's agent" not in texts(at)
