"""Bad input gets a clear message, sends nothing and changes nothing."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import run
from routerkit import make_router, openai_ok

from router_core import InvalidRequest, Message
from router_core.config import load_config
from router_core.errors import ConfigError


@pytest.fixture
def router(tmp_path, vendor):
    r = make_router(tmp_path, vendor.url, vendor.url)
    yield r
    r.close()


def nothing_happened(vendor, tmp_path) -> None:
    assert not [r for r in vendor.requests if r.method == "POST"], "nothing may be sent"
    db = sqlite3.connect(tmp_path / "router.db")
    assert db.execute("SELECT COUNT(*) FROM interaction_logs").fetchone()[0] == 0
    db.close()


@pytest.mark.parametrize("kwargs, message", [
    (dict(messages=""), "empty"),
    (dict(messages=" \n\t "), "empty"),
    (dict(messages=[Message("user", "hi"), Message("assistant", "hello")]), "end with a user message"),
    (dict(messages=[Message("robot", "hi")]), "role 'robot'"),
    (dict(messages="x" * 2001), "2,001 characters long; the limit is 2,000"),
    (dict(messages="bad \ud800 surrogate"), "unpaired surrogate"),
    (dict(messages=[{"role": "user", "content": b"caf\xe9 latin-1"}]), "not valid UTF-8"),
    (dict(messages="bell \x07 here"), "U+0007"),
    (dict(messages="nul \x00 here"), "U+0000"),
    (dict(messages="Hi", max_tokens=-5), "max_tokens must be a whole number from 1"),
    (dict(messages="Hi", max_tokens=10**9), "max_tokens must be a whole number from 1"),
    (dict(messages="Hi", max_tokens=12.5), "max_tokens must be a whole number"),
    (dict(messages="Hi", temperature=7), "temperature must be between 0 and 2"),
    (dict(messages="Hi", temperature=-0.1), "temperature must be between 0 and 2"),
    (dict(messages="Hi", provider="nowhere"), "Unknown provider 'nowhere'"),
    (dict(messages="Hi", provider="cheap", model="gpt-99"), "gpt-99"),
    (dict(messages="Hi", model="no-such-model"), "No configured provider offers model 'no-such-model'"),
    (dict(messages="Hi", agent="ghost"), "Unknown agent 'ghost'"),
    (dict(messages=[Message("user", "turn")] * 501), "the limit is 500"),
])
def test_bad_requests_are_refused_clearly(router, vendor, tmp_path, kwargs, message):
    messages = kwargs.pop("messages")
    with pytest.raises(InvalidRequest) as info:
        run(router.acomplete(messages, **kwargs))
    assert message in str(info.value)
    nothing_happened(vendor, tmp_path)


def test_a_two_hundred_turn_history_is_sent_whole(router, vendor):
    vendor.reply(json=openai_ok("still following"))
    history = [Message("user" if i % 2 == 0 else "assistant", f"t{i}") for i in range(200)]
    c = run(router.acomplete([Message("user", "and now?")], history=history))
    assert c.text == "still following"
    assert len(vendor.requests[-1].json["messages"]) == 201


@pytest.mark.parametrize("text, where", [
    ("[router\nbaseline = 1", "line"),  # half-written
    ("[providers.x]\nkind = \"telepathy\"\n", "providers.x.kind"),
    ("[router]\nbaseline = \"openai:gpt-6-luna\"\n[providers.openai]\nkind = \"openai\"\nmodels = [\"gpt-6-luna\"]\n"
     "[routing]\nTRIVIAL = [\"nobody:model\"]\n", "routing.TRIVIAL"),
])
def test_a_malformed_config_says_where_and_changes_nothing(tmp_path, text, where):
    path = tmp_path / "router.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, {"ROUTER_DOTENV": ""})
    assert where in str(info.value) and "router.toml" in str(info.value)
    assert path.read_text() == text
