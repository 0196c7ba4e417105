"""Prompt experiments refuse bad input with a clear message before anything is paid: a missing variable,
malformed or incomplete TOML, a bad regex or JSON schema, an empty dataset, exact match without `expected`,
unknown targets, agents and versions."""

from __future__ import annotations

import pytest
from experimentkit import DATASET, JUDGE, TERSE
from fakevendor import FakeVendor
from qualitykit import quality_router

from router_core.experiments import ExperimentError, spec
from router_core.quality import SelfJudgeError
from router_core.workspace import Workspace


@pytest.fixture
def judge():
    with FakeVendor() as server:
        yield server


@pytest.fixture
def ws(tmp_path, cheap, premium, judge):
    return Workspace(quality_router(tmp_path, cheap, premium, judge))


def data(ws: Workspace, text: str = DATASET, name: str = "facts.csv"):
    return ws.load_experiment_dataset(content=text.encode(), filename=name)


def refused(ws: Workspace, match: str, *, dataset=None, **kw) -> None:
    options = {"variants": [TERSE], "targets": ["baseline"], "scorers": [{"kind": "exact"}], **kw}
    with pytest.raises(ExperimentError, match=match):
        ws.create_experiment(dataset or data(ws), **options)


def nothing_paid(ws: Workspace, *vendors: FakeVendor) -> None:
    assert ws.list_experiments() == [] and all(v.requests == [] for v in vendors)


def test_a_missing_variable_is_named_with_the_variant_and_the_columns(ws, cheap, premium):
    refused(ws, r"variant 'typo' uses \{\{questoin\}\}, but input 1 of upload facts.csv \(3 inputs\) has no "
                r"'questoin' .*Variables every input has: question",
            variants=[{"name": "typo", "template": "{{questoin}}"}])
    refused(ws, r"uses \{\{tone\}\}", variants=[{"name": "sys", "system": "Be {{ tone }}.", "template": "{{question}}"}])
    jsonl = '{"question": "a"}\n{"other": "b"}\n'
    refused(ws, r"input 2 of upload rows.jsonl \(2 inputs\) has no 'question'", dataset=data(ws, jsonl, "rows.jsonl"),
            scorers=[{"kind": "regex", "pattern": "x"}])
    nothing_paid(ws, cheap, premium)


def test_an_empty_dataset_and_unreadable_files_are_refused(ws):
    for text, name, match in [("", "x.csv", "is empty"), ("question,expected\n", "x.csv", "the dataset is empty"),
                              ("\n\n", "x.jsonl", "the dataset is empty"), ("[1, 2]\n", "x.jsonl", "not an object"),
                              ("{bad json\n", "x.jsonl", "line 1 is not valid JSON"),
                              ("question\nhi\n", "x.txt", "upload a .csv file"),
                              ('{"question": ["a"]}\n', "x.jsonl", "'question' is a list")]:
        with pytest.raises(ExperimentError, match=match):
            data(ws, text, name)


def test_scorers_with_bad_settings_are_refused(ws):
    refused(ws, r"scorer 'regex': the pattern '\(unclosed' is not a valid regular expression",
            scorers=[{"kind": "regex", "pattern": "(unclosed"}])
    refused(ws, r"the JSON schema is invalid at type: 'strin' is not valid",
            scorers=[{"kind": "json_schema", "schema": {"type": "strin"}}])
    refused(ws, "the schema is not valid JSON", scorers=[{"kind": "json_schema", "schema": "{type: object"}])
    refused(ws, "unknown scorer kind 'fuzzy'", scorers=[{"kind": "fuzzy"}])
    refused(ws, "does not take patern", scorers=[{"kind": "regex", "patern": "x"}])
    refused(ws, "the reference variant 'nope' is not one of the variants",
            scorers=[{"kind": "pairwise", "reference": "nope"}], judge=JUDGE)
    refused(ws, "add at least one scorer", scorers=[])
    refused(ws, "two scorers are named 'exact'", scorers=[{"kind": "exact"}, {"kind": "exact"}])
    no_expected = "question\nWhat is 2+2?\n"
    refused(ws, "not every input of the dataset has an 'expected' value", dataset=data(ws, no_expected))


def test_targets_variants_judge_and_cap_are_checked(ws):
    refused(ws, "target 'nowhere:model'.*unknown provider 'nowhere'", targets=["nowhere:model"])
    refused(ws, "add at least one target", targets=[])
    refused(ws, "the target 'baseline' and 'premium:claude-sonnet-5-5' is listed twice",
            targets=["baseline", "premium:claude-sonnet-5-5"])
    refused(ws, "two variants are named 'terse'", variants=[TERSE, TERSE])
    refused(ws, "no agent 'ghost'", variants=[{"agent": "ghost"}])
    refused(ws, r"agent 'support' has no version 7 \(it has 1\)", variants=[{"agent": "support", "version": 7}])
    refused(ws, "max_cost_usd cannot be negative", max_cost_usd=-1)
    refused(ws, "no saved policy named 'nope'", policy="nope")
    with pytest.raises(SelfJudgeError, match="is also a contestant"):
        ws.create_experiment(data(ws), variants=[TERSE], targets=["baseline"], scorers=[{"kind": "judge"}],
                             judge="premium:claude-sonnet-5-5")
    assert ws.list_experiments() == []


def test_an_agent_version_is_resolved_when_the_experiment_is_created(ws):
    ws.create_agent("faq", "FAQ", "Answer in one word.")
    ws.edit_agent("faq", system_prompt="Answer in a sentence.", note="longer")
    eid = ws.create_experiment(data(ws), variants=[{"agent": "faq", "version": 1, "template": "{{question}}"},
                                                   {"agent": "faq", "template": "{{question}}"}],
                               targets=["baseline"], scorers=[{"kind": "exact"}])
    variants = ws.get_experiment(eid)["variants_json"]
    assert [(v["label"], v["system"]) for v in variants] == [("faq v1", "Answer in one word."),
                                                             ("faq v2", "Answer in a sentence.")]


def write(tmp_path, text: str):
    path = tmp_path / "exp.toml"
    path.write_text(text)
    return path


GOOD = 'targets = ["baseline"]\n[dataset]\nfile = "d.csv"\n[[variants]]\ntemplate = "{{q}}"\n[[scorers]]\nkind = "exact"\n'


@pytest.mark.parametrize("text, match", [
    ("targets = [\n", "is not valid TOML"),
    (GOOD.replace('targets = ["baseline"]\n', ""), "targets must be a list"),
    ("max_cost = 2\n" + GOOD, "unknown key\\(s\\) max_cost"),
    (GOOD.replace("[[scorers]]\nkind = \"exact\"\n", ""), "add at least one \\[\\[scorers\\]\\] table"),
    (GOOD.replace('[dataset]\nfile = "d.csv"\n', ""), "add a \\[dataset\\] table"),
    (GOOD.replace('file = "d.csv"', 'file = "d.csv"\nlogs = {}'), "one of them"),
    ("concurrency = \"four\"\n" + GOOD, "concurrency must be a whole number"),
    (GOOD.replace('template = "{{q}}"', 'agent = "a"\nsystem = "s"'), "names an agent and a system prompt"),
    (GOOD.replace('template = "{{q}}"', 'templte = "{{q}}"'), "variant 1 has unknown key\\(s\\) templte"),
])
def test_a_malformed_file_says_what_is_wrong(tmp_path, text, match):
    with pytest.raises(ExperimentError, match=match):
        spec.load(write(tmp_path, text))


def test_a_good_file_resolves_its_dataset_next_to_it(tmp_path):
    loaded = spec.load(write(tmp_path, GOOD))
    assert loaded.dataset_file == (tmp_path / "d.csv").resolve() and loaded.targets == ["baseline"]
    assert loaded.concurrency == 4 and loaded.max_cost_usd is None
