"""Prompt variables: which `{{name}}` placeholders a prompt uses, and the prompt with them filled in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from router_core.prompt_vars import MissingVariables, fill, missing, variables, variables_of


def test_names_in_order_of_first_appearance_each_once():
    text = "Dear {{ name }}, about {{topic}}: {{name}} asked {{  topic  }} and {{_x1}}."
    assert variables(text) == ["name", "topic", "_x1"]


@pytest.mark.parametrize("text", ["{{1x}}", "{{a-b}}", "{{}}", "{{ }}", "{name}", "{{a b}}", "{{{", "no braces",
                                  "{{ name }", "{ {name}}", "{{na\u00efve}}"])
def test_what_is_not_a_variable_is_plain_text(text):
    assert variables(text) == []
    assert fill(text, {}) == text


def test_whitespace_inside_braces_includes_newlines_and_tabs():
    assert variables("{{\n\tcity \n}}") == ["city"]
    assert fill("in {{\n\tcity \n}}!", {"city": "Oslo"}) == "in Oslo!"


def test_fill_replaces_every_occurrence_and_ignores_extra_values():
    text = "{{a}}+{{ a }}={{b}}"
    assert fill(text, {"a": "1", "b": 2, "unused": "x"}) == "1+1=2"


def test_fill_is_one_pass_a_value_with_braces_is_not_expanded():
    assert fill("say {{a}}", {"a": "{{b}}", "b": "boom"}) == "say {{b}}"


def test_an_empty_string_is_a_value_none_is_not():
    assert fill("[{{a}}]", {"a": ""}) == "[]"
    assert missing("{{a}} {{b}}", {"a": None, "b": ""}) == ["a"]


def test_missing_names_every_unfilled_variable_in_order():
    with pytest.raises(ValueError) as caught:
        fill("{{tone}} reply to {{ customer }} about {{order_id}}", {"customer": "Ada"})
    err = caught.value
    assert isinstance(err, MissingVariables)
    assert err.names == ["tone", "order_id"]
    assert "tone" in str(err) and "order_id" in str(err) and "customer" not in str(err)


def test_one_missing_variable_is_named_in_the_singular():
    with pytest.raises(MissingVariables, match=r"variable topic\b"):
        fill("{{topic}}", {})


def test_variables_across_system_and_user_prompt():
    assert variables_of(["You are {{role}}.", "As {{ role }}, explain {{topic}}", ""]) == ["role", "topic"]


NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
PLAIN = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=12)


@given(st.lists(st.tuples(PLAIN, NAMES), max_size=6), PLAIN,
       st.dictionaries(NAMES, PLAIN, max_size=6))
def test_filled_text_is_the_template_with_each_slot_replaced(parts, tail, extra):
    template = "".join(f"{text}{{{{ {name} }}}}" for text, name in parts) + tail
    values = {**extra, **{name: f"<{name}>" for _, name in parts}}
    assert variables(template) == list(dict.fromkeys(name for _, name in parts))
    assert fill(template, values) == "".join(f"{text}<{name}>" for text, name in parts) + tail
