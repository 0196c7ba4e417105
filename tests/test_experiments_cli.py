"""`python -m router_core experiment FILE.toml [--json] [--resume ID]` over fake vendors on real HTTP: the --json
line carries the Workspace's figures, a capped run is partial (exit 0) and resumes, a malformed file exits 2
with the reason, and the shipped example runs in demo mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from experimentkit import DATASET, ONE_WORD, chat_requests, grading_judge, serve
from fakevendor import FakeVendor
from qualitykit import JUDGE_KEY, config_file
from routerkit import PREMIUM_KEY

from router_core.__main__ import main
from router_core.router import Router
from router_core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
COLUMN_KEYS = {"variant", "target", "n", "mean_score", "ci_low", "ci_high", "cost_usd", "cost_per_point",
               "latency_ms_p50", "recommended"}
TOML = """
name = "facts"
targets = ["cheap:gpt-6-luna", "baseline"]
judge = "judge:gpt-6-astra"
concurrency = 1
{cap}

[dataset]
file = "facts.csv"

[[variants]]
name = "terse"
system = "Answer with one word."
template = "{{{{question}}}}"

[[variants]]
name = "chatty"
system = "Answer chattily."
template = "Tell me: {{{{question}}}}"

[[scorers]]
kind = "exact"

[[scorers]]
name = "one word"
kind = "regex"
pattern = '{pattern}'

[[scorers]]
kind = "judge"
"""


@pytest.fixture
def judge():
    with FakeVendor() as server:
        server.route("/v1/chat/completions", grading_judge)
        yield server


@pytest.fixture
def env(monkeypatch, tmp_path, cheap, premium, judge):
    serve(cheap, premium)
    monkeypatch.setenv("ROUTER_CONFIG", str(config_file(tmp_path, cheap, premium, judge)))
    monkeypatch.setenv("TEST_PREMIUM_KEY", PREMIUM_KEY)
    monkeypatch.setenv("TEST_JUDGE_KEY", JUDGE_KEY)
    (tmp_path / "facts.csv").write_text(DATASET)


def experiment_file(tmp_path: Path, cap: str = "") -> Path:
    path = tmp_path / "facts.toml"
    path.write_text(TOML.format(cap=cap, pattern=ONE_WORD))
    return path


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def workspace_summary(run_id: int) -> dict:
    router = Router.from_env()
    try:
        return Workspace(router).experiment_summary(run_id)
    finally:
        router.close()
        router.store.close()


def test_json_has_the_contract_keys_and_the_workspaces_figures(env, tmp_path, capsys):
    assert main(["experiment", str(experiment_file(tmp_path)), "--json"]) == 0
    captured = capsys.readouterr()
    summary = last_json(captured.out)
    assert {"run_id", "partial", "recommended", "columns"} <= set(summary) and summary["partial"] is False
    assert len(summary["columns"]) == 4 and all(COLUMN_KEYS <= set(c) for c in summary["columns"])
    assert summary == workspace_summary(summary["run_id"])
    means = {(c["variant"], c["target"]): c["mean_score"] for c in summary["columns"]}
    assert means == pytest.approx({("terse", "cheap:gpt-6-luna"): 2 / 3, ("terse", "baseline"): 1.0,
                                   ("chatty", "cheap:gpt-6-luna"): 0.0, ("chatty", "baseline"): 0.0})
    assert summary["recommended"] == "terse · cheap:gpt-6-luna"
    assert "Recommended: terse · cheap:gpt-6-luna" in captured.out and "experiment: 3/3 inputs" in captured.err
    assert main(["experiment", "--resume", str(summary["run_id"]), "--scorer", "judge", "--json"]) == 0
    judged = last_json(capsys.readouterr().out)
    assert judged["scorer"] == "judge" and judged["recommended"] == "terse · baseline"


def test_a_capped_run_is_partial_and_resumes(env, tmp_path, capsys, cheap, premium, judge):
    assert main(["experiment", str(experiment_file(tmp_path, "max_cost_usd = 0.0003")), "--json"]) == 0
    first = last_json(capsys.readouterr().out)
    assert first["partial"] is True and first["status"] == "partial"
    paid = chat_requests(cheap) + chat_requests(premium) + chat_requests(judge)
    assert 0 < paid < 12 + 12
    assert main(["experiment", "--resume", str(first["run_id"]), "--max-cost", "5", "--json"]) == 0
    done = last_json(capsys.readouterr().out)
    assert done["partial"] is False and done["recommended"] == "terse · cheap:gpt-6-luna"
    assert chat_requests(cheap) + chat_requests(premium) + chat_requests(judge) == 12 + 12  # 12 answers, 12 grades


@pytest.mark.parametrize("text, message", [
    ("targets = [", "is not valid TOML"),
    ('targets = ["baseline"]\n[dataset]\nfile = "missing.csv"\n[[variants]]\ntemplate = "{{q}}"\n'
     '[[scorers]]\nkind = "exact"\n', "cannot read the dataset"),
    ('targets = ["baseline"]\n[dataset]\nfile = "facts.csv"\n[[variants]]\ntemplate = "{{q}}"\n'
     '[[scorers]]\nkind = "exact"\n', "uses {{q}}, but input 1"),
])
def test_a_malformed_file_exits_2_saying_why(env, tmp_path, capsys, text, message, cheap):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["experiment", str(path), "--json"]) == 2
    assert message in capsys.readouterr().err and cheap.requests == []


def test_the_shipped_example_runs_in_demo_mode(monkeypatch, tmp_path, capsys):
    from appkit import write_config

    monkeypatch.setenv("ROUTER_CONFIG", str(write_config(tmp_path)))
    monkeypatch.setenv("ROUTER_DEMO", "1")
    example = str(ROOT / "data" / "experiments" / "support_faq.toml")
    assert main(["experiment", example, "--json"]) == 0
    out = capsys.readouterr().out
    summary = last_json(out)
    assert summary["simulated"] is True and len(summary["columns"]) == 4
    assert all(c["n"] == 3 for c in summary["columns"])
    if all(c["mean_score"] == 0 for c in summary["columns"]):  # simulated answers hold no facts
        assert summary["recommended"] is None and "no answer passed this scorer" in out
    assert main(["experiment", "--resume", str(summary["run_id"]), "--scorer", "on topic", "--json"]) == 0
    on_topic = last_json(capsys.readouterr().out)
    assert on_topic["scorer"] == "on topic" and on_topic["recommended"] is not None
