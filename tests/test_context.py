"""Context budgets (issue 15, item 12): older turns are trimmed to fit a model's context, the system prompt and
the latest turns kept; a model the last turn alone does not fit is skipped; the local model's answer is capped."""

from __future__ import annotations

import json

import pytest
from conftest import close_after_test, run
from routerkit import CONFIG, PREMIUM_KEY, anthropic_ok, logged_rows, openai_ok

from router_core import ConfigError, Message
from router_core.config import load_config
from router_core.context import estimate_tokens, fit
from router_core.providers.llamacpp import LlamaCppProvider
from router_core.router import Router

SYSTEM = Message("system", "You are a patient tutor.")
QUESTION = Message("user", "So what do the leaves do with the sugar in the end?")


def long_chat(turns: int = 10) -> list[Message]:
    """A system prompt, `turns` user/assistant pairs of ~200 characters each, then the question."""
    chat = [SYSTEM]
    for i in range(turns):
        chat += [Message("user", f"Question {i}: " + "tell me more about photosynthesis " * 6),
                 Message("assistant", f"Answer {i}: " + "chlorophyll captures light energy " * 6)]
    return [*chat, QUESTION]


def router_with_context(tmp_path, cheap, premium, context_tokens: int) -> Router:
    text = CONFIG.format(cheap=cheap.url, premium=premium.url, deadline=30, attempt_timeout=10, max_retries=0)
    text = text.replace('"gpt-6-luna" = { aliases = ["luna"] }',
                        f'"gpt-6-luna" = {{ aliases = ["luna"], context_tokens = {context_tokens} }}')
    text = text.replace("max_prompt_chars = 2000", "max_prompt_chars = 200000")
    path = tmp_path / "router.toml"
    path.write_text(text)
    env = {"TEST_PREMIUM_KEY": PREMIUM_KEY, "DATABASE_URL": f"sqlite:///{tmp_path / 'router.db'}", "ROUTER_DOTENV": ""}
    return close_after_test(Router(load_config(path, env)))


# ---- fit --------------------------------------------------------------------------------------------------
def test_fit_keeps_the_system_prompt_and_the_latest_turns():
    chat = long_chat()
    kept = fit(chat, 400)
    assert kept is not None and kept.dropped > 0 and kept.tokens <= 400
    assert kept.messages[0] == SYSTEM and kept.messages[-1] == QUESTION
    assert kept.messages[1:] == chat[len(chat) - len(kept.messages) + 1:], "not the latest turns, in order"
    assert kept.messages[1].role == "user", "the kept history starts with an assistant turn"
    assert estimate_tokens(kept.messages) == kept.tokens


def test_fit_changes_nothing_when_the_conversation_fits():
    chat = long_chat(2)
    kept = fit(chat, 10_000)
    assert kept is not None and kept.messages == chat and kept.dropped == 0


def test_fit_gives_up_when_the_last_turn_alone_is_too_long():
    assert fit([SYSTEM, Message("user", "word " * 3000)], 500) is None
    assert fit([Message("user", "Hi")], 3) is None  # the template's own tokens count too


# ---- the router -------------------------------------------------------------------------------------------
def test_a_long_conversation_is_trimmed_for_a_small_context_and_the_vendor_gets_the_trimmed_messages(
        tmp_path, cheap, premium):
    router = router_with_context(tmp_path, cheap, premium, context_tokens=500)
    cheap.reply(json=openai_ok("They store it as starch."))
    chat = long_chat()
    c = run(router.acomplete(chat, max_tokens=100))
    assert c.provider == "cheap" and not premium.requests
    sent = [Message(m["role"], m["content"]) for m in cheap.requests[-1].json["messages"]]
    assert sent[0] == SYSTEM and sent[-1] == QUESTION and 2 < len(sent) < len(chat)
    assert sent[1:] == chat[len(chat) - len(sent) + 1:]
    assert estimate_tokens(sent) <= 500 - 100
    note = [r for r in c.reasons if r.startswith("history trimmed for cheap:gpt-6-luna")]
    assert note and "oldest turns left out to fit its context of 500 tokens" in note[0]
    [row] = logged_rows(tmp_path)
    assert note[0] in json.loads(row["reasons"])
    assert len(json.loads(row["messages_json"])) == len(chat), "the log keeps the whole conversation"


def test_a_model_the_last_turn_does_not_fit_is_skipped_for_the_next(tmp_path, cheap, premium):
    router = router_with_context(tmp_path, cheap, premium, context_tokens=200)
    premium.reply(json=anthropic_ok("A long answer"))
    chat = [SYSTEM, Message("user", "Explain, in detail, how photosynthesis works: " + "why and how? " * 100)]
    c = run(router.acomplete(chat))
    assert c.provider == "premium" and not cheap.requests
    skipped = c.attempts[0]
    assert (skipped.provider, skipped.outcome) == ("cheap", "skipped")
    assert "does not fit its context of 200 tokens" in skipped.error
    assert len(premium.requests[-1].json["messages"]) == 1 and premium.requests[-1].json["system"]


def test_a_short_conversation_is_sent_whole(tmp_path, cheap, premium):
    router = router_with_context(tmp_path, cheap, premium, context_tokens=500)
    cheap.reply(json=openai_ok())
    chat = long_chat(1)
    c = run(router.acomplete(chat))
    assert len(cheap.requests[-1].json["messages"]) == len(chat)
    assert not any(r.startswith("history trimmed") for r in c.reasons)


def test_context_tokens_must_be_a_positive_whole_number(tmp_path, cheap, premium):
    with pytest.raises(ConfigError, match=r'providers.cheap.models."gpt-6-luna".context_tokens: expected a whole '
                                          r'number > 0'):
        router_with_context(tmp_path, cheap, premium, context_tokens=0)


def test_the_local_model_answers_in_256_tokens_by_default_and_its_context_is_its_ctx_size(tmp_path):
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF" + bytes(64))
    local = LlamaCppProvider(model_path=model, ctx_size=1024)
    assert local.default_max_tokens == 256 and local.answer_reserve == 256
    assert local.context_tokens == 1024
    assert LlamaCppProvider(model_path=model, ctx_size=1024, default_max_tokens=64).answer_reserve == 64
