"""`python -m router_core eval` over fake vendors on real HTTP: the --json line, exit 2 for a judge that is a
contestant, exit 0 + partial at the spend cap, and a run killed mid-way that resumes without buying a stored
answer again."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakevendor import FakeVendor, Reply
from qualitykit import CHEAP_TEXT, JUDGE_KEY, config_file, scripted_judge, serve_answers
from routerkit import PREMIUM_KEY, anthropic_ok, openai_ok

from router_core.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
JSON_KEYS = {"n", "judged", "wins", "ties", "losses", "quality_retained", "ci_low", "ci_high", "position_flips",
             "cost_usd", "baseline_cost_usd", "judge_cost_usd", "partial", "by_tier"}


@pytest.fixture
def judge():
    with FakeVendor() as server:
        yield server


@pytest.fixture
def prompts(tmp_path) -> Path:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"What are your opening hours on day {i}?"}) + "\n"
                            for i in range(4)))
    return path


@pytest.fixture
def env(monkeypatch, tmp_path, cheap, premium, judge):
    serve_answers(cheap, premium)
    judge.route("/v1/chat/completions", scripted_judge(prefers=CHEAP_TEXT))
    monkeypatch.setenv("ROUTER_CONFIG", str(config_file(tmp_path, cheap, premium, judge)))
    monkeypatch.setenv("TEST_PREMIUM_KEY", PREMIUM_KEY)
    monkeypatch.setenv("TEST_JUDGE_KEY", JUDGE_KEY)


def test_json_last_line_has_the_contract_keys(env, prompts, capsys):
    assert main(["eval", "--prompts", str(prompts), "--baseline", "premium:claude-sonnet-5-5", "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert JSON_KEYS <= set(summary)
    assert (summary["n"], summary["wins"], summary["partial"], summary["simulated"]) == (4, 4, False, False)
    assert JSON_KEYS - {"cost_usd", "baseline_cost_usd", "judge_cost_usd", "partial", "by_tier"} <= \
        set(next(iter(summary["by_tier"].values())))
    assert "eval: 4/4 prompts" in captured.err  # the progress line


def test_a_judge_that_is_a_contestant_exits_2_saying_why(env, prompts, capsys, judge):
    code = main(["eval", "--prompts", str(prompts), "--baseline", "premium:claude-sonnet-5-5",
                 "--judge", "premium:claude-sonnet-5-5", "--json"])
    err = capsys.readouterr().err
    assert code == 2 and "is also a contestant (the baseline)" in err
    assert judge.requests == []


def test_the_spend_cap_exits_0_with_partial(env, prompts, capsys):
    code = main(["eval", "--prompts", str(prompts), "--max-cost", "0.0000001", "--concurrency", "1", "--json"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and summary["partial"] is True and summary["n"] < 4


def test_unreadable_input_exits_2(env, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("question\nhi\n")
    assert main(["eval", "--prompts", str(bad)]) == 2
    assert "no 'prompt' column" in capsys.readouterr().err


def _stored(db: Path) -> set[tuple[int, str]]:
    if not db.exists():
        return set()
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute("SELECT prompt_index, contestant FROM eval_items WHERE error IS NULL"))
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()


@pytest.mark.slow
def test_a_killed_run_resumes_without_buying_a_stored_answer_again(tmp_path, cheap, premium, judge, prompts):
    slow = 0.4  # every answer takes this long, so the run can be killed half way
    cheap.route("/v1/chat/completions", lambda r: Reply(json=openai_ok(CHEAP_TEXT), delay=slow))
    premium.route("/v1/messages", lambda r: Reply(json=anthropic_ok("Premium answer"), delay=slow))
    judge.route("/v1/chat/completions", scripted_judge(prefers=CHEAP_TEXT))
    db = tmp_path / "router.db"
    env = {**os.environ, "ROUTER_CONFIG": str(config_file(tmp_path, cheap, premium, judge)),
           "TEST_PREMIUM_KEY": PREMIUM_KEY, "TEST_JUDGE_KEY": JUDGE_KEY, "DATABASE_URL": f"sqlite:///{db}",
           "ROUTER_DOTENV": ""}
    command = [sys.executable, "-m", "router_core", "eval", "--prompts", str(prompts), "--concurrency", "1"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_stored(db)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _stored(db)
    assert 3 <= len(before) < 8, before  # killed mid-run: some answers stored, not all
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM eval_runs").fetchall() == [("running",)]
    conn.close()

    resumed = subprocess.run([*command[:4], "--resume", "1", "--json"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert (summary["n"], summary["wins"], summary["partial"]) == (4, 4, False)

    def asked(server: FakeVendor, prompt: str) -> int:
        return sum(1 for r in server.requests if r.json and prompt in json.dumps(r.json))

    texts = [json.loads(line)["prompt"] for line in prompts.read_text().splitlines()]
    for index, contestant in before:  # nothing stored before the kill was bought again
        server = cheap if contestant == "router" else premium
        assert asked(server, texts[index]) == 1, (index, contestant)
