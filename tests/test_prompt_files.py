"""The one prompt-file reader behind the What-if replay and evaluation prompt sets: both callers refuse a bad
file with the same clear message, in their own error type, and read the fields they need."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from router_core import prompt_files, replay
from router_core.prompt_files import PromptFileError, read_rows
from router_core.quality import promptsets
from router_core.quality.promptsets import PromptSetError
from router_core.replay import ReplayInputError

ROOT = Path(__file__).resolve().parents[1]

LOADERS = [pytest.param(replay.load_prompts, ReplayInputError, id="replay"),
           pytest.param(promptsets.load_file, PromptSetError, id="promptsets")]


def test_rows_say_where_they_come_from_and_keys_match_in_any_case():
    csv_rows = list(read_rows(b"id,Prompt ,Reference\n1,hi,hello\n", "set.csv"))
    assert csv_rows == [("set.csv row 2", {"id": "1", "Prompt ": "hi", "Reference": "hello"})]
    assert prompt_files.field(csv_rows[0][1], "prompt") == "hi"
    assert prompt_files.field(csv_rows[0][1], "reference") == "hello"
    jsonl = "\n".join([json.dumps({"PROMPT": "a"}), "", json.dumps({"prompt": "b", "category": "x"})])
    assert [w for w, _ in read_rows(jsonl, "dir/set.ndjson")] == ["set.ndjson line 1", "set.ndjson line 3"]


def test_both_error_types_share_one_base():
    assert issubclass(ReplayInputError, PromptFileError) and issubclass(PromptSetError, PromptFileError)
    assert issubclass(PromptFileError, ValueError)


@pytest.mark.parametrize("load, error", LOADERS)
@pytest.mark.parametrize("name, content, expected", [
    ("prompts.txt", b"prompt\nhi\n", ["is a .txt file", ".csv", ".jsonl"]),
    ("zip.csv", b"PK\x03\x04\x00\x00binary", ["looks like a binary file"]),
    ("latin.csv", "prompt\ncafé\n".encode("latin-1"), ["not UTF-8 text (byte 10"]),
    ("empty.csv", b"", ["is empty", "'prompt' column"]),
    ("qa.csv", b"question,answer\nhi,hello\n", ["no 'prompt' column", "'question'", "'answer'", "Rename"]),
    ("cr.csv", b"prompt\nhi\na\rb\n", ["not valid CSV near line 3", "new-line character"]),
    ("bad.jsonl", b'{"prompt": "ok"}\n{not json}\n', ["line 2 is not valid JSON", "at column 2"]),
    ("bad.jsonl", b'["a", "b"]\n', ["line 1 is a JSON list, not an object"]),
    ("set.jsonl", b'{"prompt": "ok"}\n{"text": "hi", "id": 2}\n', ["line 2", "no 'prompt' key", "'text'", "'id'"]),
])
def test_a_bad_file_gets_the_same_clear_message_from_both_callers(load, error, name, content, expected):
    with pytest.raises(error) as err:
        load(content, name)
    assert all(part in str(err.value) for part in expected), str(err.value)


@pytest.mark.parametrize("load, error", LOADERS)
def test_an_over_long_prompt_is_refused_naming_its_line(load, error, monkeypatch):
    monkeypatch.setattr(prompt_files, "MAX_PROMPT_CHARS", 10)
    content = "\n".join(json.dumps({"prompt": p}) for p in ["short", "x" * 11])
    with pytest.raises(error, match=r"long.jsonl line 2: the prompt has 11 characters, more than the 10"):
        load(content.encode(), "long.jsonl")


def test_a_null_prompt_is_a_blank_one_in_an_evaluation_set_too():
    content = "\n".join(json.dumps(r) for r in [{"prompt": None}, {"prompt": "What is 2+2?", "reference": "4"}])
    loaded = promptsets.load_file(content.encode(), "set.jsonl")
    assert [(p.prompt, p.reference) for p in loaded.prompts] == [("What is 2+2?", "4")]
    assert replay.load_prompts(content.encode(), "set.jsonl") == ["What is 2+2?"]


def test_each_caller_keeps_its_own_value_rules():
    content = b'{"prompt": 42, "category": 7}\n'
    assert [(p.prompt, p.category) for p in promptsets.load_file(content, "n.jsonl").prompts] == [("42", "7")]
    with pytest.raises(ReplayInputError, match="n.jsonl line 1: 'prompt' is a int"):
        replay.load_prompts(content, "n.jsonl")
    with pytest.raises(PromptSetError, match="n.jsonl line 1: 'reference' is a list"):
        promptsets.load_file(b'{"prompt": "hi", "reference": [1]}\n', "n.jsonl")


def test_a_long_csv_prompt_within_the_limit_loads_in_a_fresh_process(tmp_path):
    """Python's csv refuses fields over 131,072 characters by default; a 150,000-character prompt (under the
    200,000 limit) loads from CSV as it does from JSONL, whatever else the process imported before."""
    import subprocess
    import sys

    path = tmp_path / "long.csv"
    path.write_text("prompt\n" + "y" * 150_000 + "\n")
    code = ("import sys; from router_core.replay import load_prompts; "
            f"p = load_prompts(open({str(path)!r}, 'rb').read(), 'long.csv'); print(len(p), len(p[0]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr[-600:]
    assert out.stdout.split() == ["1", "150000"]
