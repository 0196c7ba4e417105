"""AppTest of the Experiments page in demo mode: the empty state explains and offers the shipped example; the
example runs to a grid with the recommended column highlighted and the Workspace's figures; an experiment stopped
at its spend cap is partial and resumes; the downloads escape model text."""

from __future__ import annotations

from appkit import app, app_env, assert_no_exception, downloads, open_page, texts  # noqa: F401  (fixtures)

PAGE = "pages/experiments.py"


def workspace():
    from pages.shared import get_router
    from router_core.workspace import Workspace

    return Workspace(get_router())


def summary_table(at):
    return next(d.value for d in at.dataframe if "mean score" in d.value.columns)


def run_example(at):
    at.button(key="xp_quick").click().run()
    assert_no_exception(at)
    assert not at.error, texts(at.error)
    return at


def test_the_empty_state_explains_and_offers_the_example(app):
    at = open_page(app, PAGE)
    assert_no_exception(at)
    assert any("No experiments yet" in i.value for i in at.info)
    assert "Try the example" in at.button(key="xp_quick").label
    assert any("Upload a dataset" in i.value for i in at.info)  # the form says what it needs first


def test_the_example_runs_to_a_grid_with_the_recommended_column(app, app_env, downloads):
    at = run_example(open_page(app, PAGE))
    [exp] = app_env.store.list_experiments()
    assert exp["status"] == "done" and exp["simulated"] and exp["input_count"] == 3
    assert at.radio(key=f"xp_scorer_{exp['id']}").options == ["contains", "on topic", "short"]
    at.radio(key=f"xp_scorer_{exp['id']}").set_value("on topic").run()
    summary = workspace().experiment_summary(exp["id"], "on topic")
    table = summary_table(at)
    assert len(table) == 4 and list(table["variant"]) == [c["variant"] for c in summary["columns"]]
    assert list(table["n"]) == [c["n"] for c in summary["columns"]] == [3, 3, 3, 3]
    [marked] = [i for i, mark in enumerate(table[""]) if mark]
    assert summary["columns"][marked]["recommended"] and summary["recommended"]
    assert any("Recommended:" in s.value for s in at.success)
    grid = next(d.value for d in at.dataframe if "input" in d.value.columns)
    assert len(grid) == 3 and len([c for c in grid.columns if " · " in c]) == 4
    assert any("simulated" in m.value for m in at.markdown)
    at.selectbox(key="xp_open").set_value(0).run()
    assert_no_exception(at)
    assert all(not m.proto.allow_html for m in at.markdown)
    html = downloads(at, "xp_html")
    assert html.startswith("<!doctype html>") and "recommended" in html
    assert downloads(at, "xp_csv").splitlines()[0].startswith("input_index,question,expected")


def test_a_capped_experiment_is_partial_and_resumes(app, app_env):
    at = open_page(app, PAGE)
    ws = workspace()
    data = ws.load_experiment_dataset(content=b"prompt\nWhat is 2+2?\nName a colour.\nSay hi.\n", filename="p.csv")
    eid = ws.create_experiment(data, variants=[{"name": "plain"}], targets=["baseline"], scorers=[{"kind": "regex",
                               "pattern": "."}], max_cost_usd=0.0000001, concurrency=1)
    assert ws.run_experiment(eid) == "partial"
    at.run()
    assert any("Partial" in w and "spend cap" in w for w in texts(at.warning))
    at.number_input(key=f"xp_cap_{eid}").set_value(5.0).run()
    at.button(key=f"xp_resume_{eid}").click().run()
    assert_no_exception(at)
    assert app_env.store.get_experiment(eid)["status"] == "done"
    assert len(app_env.store.experiment_cells(eid)) == 3 and not at.warning
