"""Configuration: defaults, environment, .env, aliases, and errors that say where and what to write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from router_core.catalog import Target, parse_target, validate_routing
from router_core.config import DEFAULT_CONFIG_PATH, REPO_ROOT, Config, load_config
from router_core.errors import ConfigError, redact
from router_core.types import Complexity

DEFAULT_TOML = DEFAULT_CONFIG_PATH.read_text()


def write_config(tmp_path: Path, text: str, name: str = "router.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def edited(old: str, new: str) -> str:
    assert old in DEFAULT_TOML, old
    return DEFAULT_TOML.replace(old, new, 1)


def error_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env)
    message = str(info.value)
    assert str(path) in message  # every file error names the file
    return message


# ---- the default file -----------------------------------------------------------------------------------
def test_default_config_loads_without_keys():
    cfg = load_config()
    assert isinstance(cfg, Config)
    assert cfg.source == str(DEFAULT_CONFIG_PATH)
    assert cfg.demo is True
    assert list(cfg.providers) == ["local", "ollama", "groq", "gemini", "openai", "anthropic"]
    assert cfg.configured_providers == ["local", "ollama"]  # the keyless kinds only
    assert cfg.providers["anthropic"].missing == "set ANTHROPIC_API_KEY"
    assert cfg.providers["gemini"].missing == "set GEMINI_API_KEY (or GOOGLE_API_KEY)"
    assert cfg.providers["local"].missing is None
    assert cfg.baseline == Target("anthropic", "claude-sonnet-5-5")
    assert cfg.routing.last_resort == Target("anthropic", "claude-sonnet-5-5")
    assert set(cfg.routing.tiers) == set(Complexity.tiers())
    assert all(cfg.routing.tiers[t] for t in Complexity.tiers())
    assert cfg.routing.tiers[Complexity.TRIVIAL][0] == Target("local", "smollm2-135m")
    assert cfg.cache_ttl_s == 7 * 86400
    assert cfg.demo_failure_rate == 0.02
    assert set(cfg.price_overrides) == {"local:*", "ollama:*"}
    assert cfg.providers["ollama"].base_url == "http://localhost:11434"
    local = cfg.providers["local"]
    assert local.kind == "llamacpp" and local.options["threads"] == 1
    assert local.options["model_path"] == str(REPO_ROOT / "data/models/SmolLM2-135M-Instruct.Q4_1.gguf")


def test_database_url_default_and_env(monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    assert load_config().database_url == f"sqlite:///{REPO_ROOT / 'data' / 'router.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/router")
    assert load_config().database_url == "postgresql://u@db/router"


def test_router_config_env_names_the_file(tmp_path, monkeypatch):
    path = write_config(tmp_path, edited("cache_ttl_days = 7", "cache_ttl_days = 1"), "other.toml")
    monkeypatch.setenv("ROUTER_CONFIG", str(path))
    cfg = load_config()
    assert cfg.source == str(path) and cfg.cache_ttl_s == 86400


# ---- environment -----------------------------------------------------------------------------------------
def test_env_key_configures_provider_and_turns_demo_off(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-cfgtest-configured-1")
    cfg = load_config()
    assert cfg.providers["anthropic"].configured
    assert cfg.providers["anthropic"].api_key == "sk-ant-cfgtest-configured-1"
    assert not cfg.providers["openai"].configured
    assert cfg.demo is False


def test_google_api_key_is_accepted_for_gemini(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-cfgtest-google-key-1")
    assert load_config().providers["gemini"].configured


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("0", False), ("false", False)])
def test_router_demo_forces_the_flag(monkeypatch, value, expected):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cfgtest-demo-flag-1")  # auto would say False
    monkeypatch.setenv("ROUTER_DEMO", value)
    assert load_config().demo is expected
    monkeypatch.delenv("OPENAI_API_KEY")  # auto would say True
    assert load_config().demo is expected


def test_router_demo_garbage_is_an_error(monkeypatch):
    monkeypatch.setenv("ROUTER_DEMO", "maybe")
    with pytest.raises(ConfigError, match="ROUTER_DEMO"):
        load_config()


def test_env_base_url_wins_over_the_file(tmp_path, monkeypatch):
    text = edited('base_url_env = "OPENAI_BASE_URL"',
                  'base_url_env = "OPENAI_BASE_URL"\nbase_url = "https://file.example/v1"')
    path = write_config(tmp_path, text)
    assert load_config(path).providers["openai"].base_url == "https://file.example/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9000/v1/")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9001")
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9002")
    cfg = load_config(path)
    assert cfg.providers["openai"].base_url == "http://127.0.0.1:9000/v1"
    assert cfg.providers["anthropic"].base_url == "http://127.0.0.1:9001"
    assert cfg.providers["ollama"].base_url == "http://127.0.0.1:9002"


def test_explicit_env_mapping_replaces_os_environ(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_cfgtest_os_environ_1")
    cfg = load_config(env={"GROQ_BASE_URL": "http://127.0.0.1:9003", "ROUTER_DOTENV": ""})
    assert not cfg.providers["groq"].configured
    assert cfg.providers["groq"].base_url == "http://127.0.0.1:9003"


def test_dotenv_file_is_read_but_never_overrides_the_environment(tmp_path, monkeypatch):
    dotenv = tmp_path / "test.env"
    dotenv.write_text("GROQ_API_KEY=gsk_cfgtest_dotenv_1\nOPENAI_API_KEY=sk-cfgtest-dotenv-1\n"
                      "ROUTER_DEMO=\n")
    monkeypatch.setenv("ROUTER_DOTENV", str(dotenv))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cfgtest-environment-1")
    before = dict(os.environ)
    cfg = load_config()
    assert cfg.providers["groq"].api_key == "gsk_cfgtest_dotenv_1"
    assert cfg.providers["openai"].api_key == "sk-cfgtest-environment-1"
    assert dict(os.environ) == before  # os.environ untouched
    assert "GROQ_API_KEY" not in os.environ


def test_dotenv_in_cwd_is_the_default(tmp_path, monkeypatch):
    monkeypatch.delenv("ROUTER_DOTENV")
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=sk-ant-cfgtest-cwd-1\n")
    monkeypatch.chdir(tmp_path)
    assert load_config().providers["anthropic"].configured


def test_api_key_never_in_repr_and_registered_as_secret(monkeypatch):
    secret = "sk-ant-cfgtest-very-secret-42"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("GROQ_API_KEY", "cfgtestplainsecret")
    cfg = load_config()
    assert secret not in repr(cfg) and secret not in str(cfg)
    assert "cfgtestplainsecret" not in repr(cfg)
    assert secret not in repr(cfg.providers["anthropic"])
    assert "cfgtestplainsecret" not in redact("key is cfgtestplainsecret")


# ---- targets and aliases -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("anthropic:claude-sonnet-4-5", "anthropic:claude-sonnet-5-5"),
    ("openai:gpt-4-turbo", "openai:gpt-6-astra"),
    ("openai:gpt-4o-mini", "openai:gpt-6-luna"),
    ("gemini:gemini-2-flash", "gemini:gemini-3.8-flash"),
    ("groq:llama-3.3", "groq:llama-3.3-70b-versatile"),
    ("groq:openai/gpt-oss-120b", "groq:openai/gpt-oss-120b"),
    ("ollama:qwen3:8b", "ollama:qwen3:8b"),
])
def test_aliases_resolve(text, expected):
    providers = load_config().providers
    assert str(parse_target(text, providers)) == expected


def test_resolve_model_lists_known_models():
    spec = load_config().providers["anthropic"]
    assert spec.resolve_model("claude-opus") == "claude-opus-5-5"
    with pytest.raises(ConfigError) as info:
        spec.resolve_model("claude-sonet")
    assert "claude-sonnet-5-5" in str(info.value) and "claude-haiku-5-5" in str(info.value)


def test_aliases_in_routing_are_resolved(tmp_path):
    text = edited('EXPERT  = ["anthropic:claude-sonnet-5-5"', 'EXPERT  = ["anthropic:claude-sonnet"')
    cfg = load_config(write_config(tmp_path, text))
    assert cfg.routing.tiers[Complexity.EXPERT][0] == Target("anthropic", "claude-sonnet-5-5")


# ---- errors ---------------------------------------------------------------------------------------------------
def test_malformed_toml_names_file_and_line(tmp_path):
    message = error_of(tmp_path, "[router]\nbaseline = \"anthropic:claude-sonnet-5-5\"\ncache_ttl_days = = 7\n")
    assert "line 3" in message


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="ROUTER_CONFIG"):
        load_config(tmp_path / "nope.toml")


def test_unknown_kind_lists_the_valid_kinds(tmp_path):
    message = error_of(tmp_path, edited('kind = "groq"', 'kind = "grok"'))
    assert "providers.groq.kind" in message
    for kind in ("openai", "anthropic", "gemini", "groq", "ollama", "openai_compatible", "llamacpp"):
        assert kind in message


def test_routing_with_unknown_provider_and_model_names_every_place(tmp_path):
    text = edited('COMPLEX = ["openai:gpt-6.1-terra", "anthropic:claude-sonnet-5-5"',
                  'COMPLEX = ["openai:gpt-6.1-terra", "antropic:claude-sonnet-5-5"')
    text = text.replace('MEDIUM  = ["openai:gpt-6-luna"', 'MEDIUM  = ["openai:gpt-9"', 1)
    message = error_of(tmp_path, text)
    assert "routing.COMPLEX[1]" in message and "'antropic'" in message and "Did you mean 'anthropic'" in message
    assert "routing.MEDIUM[0]" in message and "gpt-9" in message and "gpt-6-luna" in message
    assert "2 problems" in message


def test_bad_numbers_say_where_and_what_to_write(tmp_path):
    text = edited("max_retries = 2", 'max_retries = "two"')
    text = text.replace("cache_ttl_days = 7", "cache_ttl_days = -1", 1)
    text = text.replace("failure_rate = 0.02", "failure_rate = 1.5", 1)
    text = text.replace("max_messages = 500", "max_messages = 2.5", 1)
    message = error_of(tmp_path, text)
    assert "limits.max_retries" in message and "max_retries = 2" in message
    assert "router.cache_ttl_days" in message and "cache_ttl_days = 7" in message
    assert "demo.failure_rate" in message and "<= 1" in message
    assert "limits.max_messages" in message and "whole number" in message


def test_unknown_setting_is_reported_with_a_suggestion(tmp_path):
    message = error_of(tmp_path, edited("max_retries = 2", "max_retry = 2"))
    assert "limits.max_retry" in message and "did you mean 'max_retries'" in message


def test_key_in_the_toml_is_refused(tmp_path):
    message = error_of(tmp_path, edited('key_env = "OPENAI_API_KEY"', 'key_env = "sk-proj-cfgtest-in-toml-1"'))
    assert "providers.openai.key_env" in message and "sk-proj-cfgtest-in-toml-1" not in message


def test_bad_baseline_and_price_override(tmp_path):
    text = edited('baseline = "anthropic:claude-sonnet-5-5"', 'baseline = "anthropic"')
    text = text.replace('[prices."ollama:*"]', '[prices."olama:*"]', 1)
    message = error_of(tmp_path, text)
    assert "router.baseline" in message and "provider:model" in message
    assert 'prices."olama:*"' in message and "unknown provider 'olama'" in message


def _vllm(key_line: str) -> str:
    return DEFAULT_TOML + ('\n[providers.vllm]\nkind = "openai_compatible"\nbase_url = "http://127.0.0.1:8000/v1"\n'
                           f'{key_line}[providers.vllm.models]\n"Qwen/Qwen3-8B" = {{ aliases = ["qwen"] }}\n')


def test_custom_openai_compatible_provider(tmp_path, monkeypatch):
    cfg = load_config(write_config(tmp_path, _vllm("")))
    spec = cfg.providers["vllm"]
    assert spec.configured and spec.api_key is None  # no key_env: a keyless (local) endpoint
    assert parse_target("vllm:qwen", cfg.providers) == Target("vllm", "Qwen/Qwen3-8B")
    assert cfg.demo is True  # a keyless local endpoint is not a cloud key


def test_openai_compatible_naming_an_unset_key_env_is_not_configured(tmp_path, monkeypatch):
    path = write_config(tmp_path, _vllm('key_env = "VLLM_KEY"\n'))
    spec = load_config(path).providers["vllm"]
    assert not spec.configured and spec.missing == "set VLLM_KEY"  # not silently keyless
    monkeypatch.setenv("VLLM_KEY", "vllm-cfgtest-key-1")
    spec = load_config(path).providers["vllm"]
    assert spec.configured and spec.api_key == "vllm-cfgtest-key-1"


# ---- validate_routing (also used by the policy editor) --------------------------------------------------------
def test_validate_routing_lists_every_problem():
    providers = load_config().providers
    good = {t.value: ["groq:llama-3.1-8b-instant"] for t in Complexity.tiers()}
    table = validate_routing({**good, "last_resort": ""}, providers)
    assert table.last_resort is None
    assert table.tiers[Complexity.EXPERT] == (Target("groq", "llama-3.1-8b-instant"),)
    bad = {"trivial": ["groq:llama-3.1-8b-instant", "groq:llama-3.1-8b-instant"], "SIMPLE": [],
           "MEDIUM": ["gpt-6-luna"], "HARD": ["openai:gpt-6-luna"], "last_resort": "nobody:x"}
    with pytest.raises(ConfigError) as info:
        validate_routing(bad, providers)
    message = str(info.value)
    for where in ("routing.SIMPLE", "routing.MEDIUM[0]", "routing.HARD", "routing.last_resort",
                  "routing.COMPLEX", "routing.EXPERT"):
        assert where in message, where
    assert "routing.trivial" not in message  # lower case is fine, repeats are dropped
