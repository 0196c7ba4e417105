"""The known-answer check: the extractor, the shipped set, a run through the real Router over a fake vendor,
the `check-answers` command, and (slow) what the real local model gets right."""

from __future__ import annotations

import json

import pytest
from routerkit import logged_rows, openai_ok

from router_core import complexity
from router_core import known_answers as ka
from router_core.__main__ import main
from router_core.router import Router

# ---------------------------------------------------------------------------------------------- extracting


@pytest.mark.parametrize("text, expected", [
    ("17 * 23 = 391.", "391"),
    ("The answer is $1,200.00", "1200"),
    ("It is -4, not 4.5", "4.5"),
    ("No digits here.", None),
    ("2 + 2 is 4.", "4"),
])
def test_final_number_is_the_last_number_normalised(text, expected):
    assert ka.final_number(text) == expected


def test_words_match_whole_words_ignoring_case():
    assert ka.matched_word("The capital of France is Paris.", ["paris"]) == "paris"
    assert ka.matched_word("Comparison shopping", ["paris"]) is None  # inside another word: no
    assert ka.matched_word("Leonardo da Vinci painted it", ["da vinci", "leonardo"]) == "da vinci"


def test_check_answer_by_number_and_by_word():
    number = ka.KnownAnswer("What is 17 * 23?", ("391",), "number", "arithmetic", "own")
    assert ka.check_answer(number, "17 * 23 = 391") == ("391", True)
    assert ka.check_answer(number, "17 * 23 = 381.") == ("381", False)
    assert ka.check_answer(number, "I cannot say.") == (None, False)
    word = ka.KnownAnswer("Hi", ("hello", "hi"), "word", "greeting", "own")
    assert ka.check_answer(word, "Hello! How can I help?") == ("hello", True)
    assert ka.check_answer(word, "I'm sorry for any confusion.") == (None, False)


# ---------------------------------------------------------------------------------------------- the set


def test_shipped_set_covers_each_kind_and_records_the_classifiers_tier():
    items = ka.load_items()
    rows = [json.loads(line) for line in ka.KNOWN_ANSWERS_PATH.read_text().splitlines() if line.strip()]
    assert len(items) == len(rows) >= 60
    for row in rows:  # the recorded tier is the classifier's verdict now (rerun scripts/build_known_answers.py)
        assert row["tier"] == complexity.classify(row["prompt"]).level.value, row["prompt"]
    kinds = {i.kind for i in items}
    assert {"arithmetic", "unit", "fact", "greeting", "math", "reasoning", "gsm8k"} <= kinds
    assert {i.source.split(":")[0] for i in items} == {"own", "mt-bench", "gsm8k"}
    assert all(i.source.startswith("gsm8k") for i in ka.load_items(set_name="gsm8k"))


def test_bad_set_names_and_bad_files_are_refused_clearly(tmp_path):
    with pytest.raises(ka.KnownAnswersError, match="unknown set 'mmlu'"):
        ka.load_items(set_name="mmlu")
    bad = tmp_path / "ka.jsonl"
    bad.write_text('{"prompt": "Hi", "accept": ["hello"], "match": "word", "kind": "greeting", "source": "own"}\n'
                   '{"prompt": "2+2", "accept": ["4"]}\n')
    with pytest.raises(ka.KnownAnswersError, match="line 2"):
        ka.load_items(bad)
    with pytest.raises(ka.KnownAnswersError, match="missing"):
        ka.load_items(tmp_path / "nowhere.jsonl")


# ---------------------------------------------------------------------------------------------- running

GROQ_ONLY = """
[router]
baseline = "groq:llama-3.1-8b-instant"
[providers.groq]
kind = "groq"
key_env = "GROQ_API_KEY"
base_url_env = "GROQ_BASE_URL"
[providers.groq.models]
"llama-3.1-8b-instant" = {}
[routing]
TRIVIAL = ["groq:llama-3.1-8b-instant"]
SIMPLE = ["groq:llama-3.1-8b-instant"]
MEDIUM = ["groq:llama-3.1-8b-instant"]
COMPLEX = ["groq:llama-3.1-8b-instant"]
EXPERT = ["groq:llama-3.1-8b-instant"]
"""


@pytest.fixture
def groq_env(monkeypatch, tmp_path, vendor):
    path = tmp_path / "router.toml"
    path.write_text(GROQ_ONLY)
    monkeypatch.setenv("ROUTER_CONFIG", str(path))
    monkeypatch.setenv("ROUTER_DEMO", "0")
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test-0123456789")
    monkeypatch.setenv("GROQ_BASE_URL", vendor.url)
    return vendor


def test_run_asks_the_target_through_the_router_and_scores_each_answer(groq_env, tmp_path):
    items = [ka.KnownAnswer("What is 17 * 23?", ("391",), "number", "arithmetic", "own"),
             ka.KnownAnswer("What is the capital of France?", ("paris",), "word", "fact", "own"),
             ka.KnownAnswer("Hi", ("hello",), "word", "greeting", "own")]
    groq_env.reply(json=openai_ok("17 * 23 = 381.", model="llama-3.1-8b-instant"))
    groq_env.reply(json=openai_ok("Paris is the capital.", model="llama-3.1-8b-instant"))
    groq_env.reply(status=400, json={"error": {"message": "bad request", "type": "invalid_request_error"}})
    router = Router.from_env()
    try:
        results = ka.run(router, "groq:llama-3.1-8b-instant", items)
    finally:
        router.close()
    assert [(r.got, r.correct) for r in results] == [("381", False), ("paris", True), (None, False)]
    assert results[2].error and not results[0].error
    sent = groq_env.requests[0].json
    assert sent["temperature"] == 0 and sent["model"] == "llama-3.1-8b-instant"
    summary = ka.summarise(results)
    assert (summary["n"], summary["correct"], summary["errors"]) == (3, 1, 1)
    assert summary["by_kind"]["fact"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    assert summary["by_tier"]["SIMPLE"]["n"] == 2 and summary["by_tier"]["TRIVIAL"]["correct"] == 0
    assert {row["source"] for row in logged_rows(tmp_path)} == {"eval"}  # not counted as real traffic


def test_check_answers_command_prints_accuracy_and_a_json_line(groq_env, capsys):
    groq_env.default(json=openai_ok("Hello! 391", model="llama-3.1-8b-instant"))
    code = main(["check-answers", "--target", "groq:llama-3.1-8b-instant", "--set", "own", "--limit", "10",
                 "--json"])
    out = capsys.readouterr()
    assert code == 0
    figures = json.loads(out.out.strip().splitlines()[-1])
    own = ka.load_items(set_name="own")[:10]
    assert figures["n"] == 10 and figures["target"] == "groq:llama-3.1-8b-instant"
    assert figures["correct"] == sum(ka.check_answer(i, "Hello! 391")[1] for i in own)
    assert figures["by_kind"]["arithmetic"]["correct"] == 1  # only 17 * 23 is 391
    assert "accuracy" in out.out and "[10/10]" in out.err


def test_check_answers_with_an_unknown_target_or_a_dead_one_says_so(groq_env, capsys):
    assert main(["check-answers", "--target", "groq:no-such-model", "--limit", "1"]) == 2
    assert "no-such-model" in capsys.readouterr().err
    groq_env.default(status=401, json={"error": {"message": "invalid key", "type": "invalid_request_error"}})
    assert main(["check-answers", "--target", "groq:llama-3.1-8b-instant", "--limit", "2"]) == 1
    assert "2 call(s) failed" in capsys.readouterr().out


@pytest.mark.slow
def test_the_real_local_model_answers_greetings_but_not_arithmetic(capsys, monkeypatch):
    """The measurement the default table rests on (README, "The local model"), on a few items."""
    from router_core.model_files import DEFAULT_MODEL_PATH, pull_model

    if not DEFAULT_MODEL_PATH.is_file():
        pull_model()
    monkeypatch.setenv("ROUTER_DEMO", "1")
    assert main(["check-answers", "--set", "own", "--limit", "14", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["errors"] == 0
    assert figures["by_kind"]["greeting"]["accuracy"] >= 0.5
    assert figures["by_kind"]["arithmetic"]["accuracy"] <= 0.5
