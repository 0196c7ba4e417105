"""`python -m router_core keys create|list|revoke` and `serve`'s refusal to expose a keyless gateway."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from router_core.__main__ import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_create_prints_the_key_once_as_the_last_line(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "keys", "create", "--org", "acme", "--agent", "support", "--daily-budget", "5",
                           "--monthly-budget", "100", "--rpm", "60")
    key = out.strip().splitlines()[-1]
    assert code == 0 and re.fullmatch(r"sb-[A-Za-z0-9_-]{43}", key)
    code, listing, _ = run_cli(capsys, "keys", "list")
    assert code == 0 and key[:11] in listing and key not in listing
    assert "acme" in listing and "support" in listing and "$5.0000" in listing and "$100.0000" in listing
    stored = (tmp_path / "router.db").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("router.db-*"))
    assert key.encode() not in stored and key[11:].encode() not in stored, "only the key's hash is stored"


def test_keys_revoke_by_prefix(capsys):
    _, out, _ = run_cli(capsys, "keys", "create", "--org", "acme")
    key = out.strip().splitlines()[-1]
    assert run_cli(capsys, "keys", "revoke", key[:11])[0] == 0
    code, listing, _ = run_cli(capsys, "keys", "list")
    assert "revoked" in listing
    assert run_cli(capsys, "keys", "revoke", key[:11])[0] == 1  # nothing live left with that prefix
    assert run_cli(capsys, "keys", "revoke", "sb-")[0] == 2  # too short to name a key


@pytest.mark.parametrize("argv", [["--org", " "], ["--org", "a", "--rpm", "0"], ["--org", "a", "--daily-budget", "-1"]])
def test_keys_create_refuses_bad_settings(capsys, argv):
    code, out, err = run_cli(capsys, "keys", "create", *argv)
    assert code == 2 and "error:" in err and "sb-" not in out


def answered_total(metrics_text: str) -> float:
    """The sum of `switchboard_requests_total{status="ok"}` over all label sets of one scrape."""
    from prometheus_client.parser import text_string_to_metric_families

    return sum(sample.value for family in text_string_to_metric_families(metrics_text)
               for sample in family.samples
               if sample.name == "switchboard_requests_total" and sample.labels.get("status") == "ok")


def test_serve_refuses_other_interfaces_while_no_key_exists(capsys):
    code, _, err = run_cli(capsys, "serve", "--host", "0.0.0.0", "--port", "1")
    assert code == 2 and "keys create" in err and "127.0.0.1" in err


@pytest.mark.slow
def test_serve_with_workers_on_all_interfaces_once_a_key_exists(capsys, tmp_path, cheap, premium):
    import httpx

    from gatewaykit import GatewayProcess, gateway_env, script_vendors, write_config

    script_vendors(cheap, premium)
    env = gateway_env(write_config(tmp_path, cheap, premium), f"sqlite:///{tmp_path / 'router.db'}")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        key = run_cli(capsys, "keys", "create", "--org", "acme")[1].strip().splitlines()[-1]
    with GatewayProcess(env, "--host", "0.0.0.0", "--workers", "2") as gw:
        answers = [httpx.post(gw.url + "/v1/chat/completions", headers={"authorization": f"Bearer {key}"},
                              json={"model": "auto", "messages": [{"role": "user", "content": f"Hi {i}"}]})
                   for i in range(6)]
        assert [r.status_code for r in answers] == [200] * 6
        assert httpx.post(gw.url + "/v1/chat/completions", json={"model": "auto", "messages": []}).status_code == 401
        with ThreadPoolExecutor(8) as pool:  # concurrent, so that both workers answer some
            more = list(pool.map(lambda i: httpx.post(
                gw.url + "/v1/chat/completions", headers={"authorization": f"Bearer {key}"},
                json={"model": "auto", "messages": [{"role": "user", "content": f"Hello {i}"}]}).status_code,
                range(24)))
        assert more == [200] * 24
        scrapes = [answered_total(httpx.get(gw.url + "/metrics").text) for _ in range(6)]
        assert scrapes == [30.0] * 6, "every worker's /metrics reports the requests of all workers"


def test_stopping_serve_writes_every_row_it_answered(tmp_path, cheap, premium):
    """SIGTERM right after the last answer: the rows still gathered by the log writer are committed on the way
    out (the at-most-lost window applies to a hard kill only)."""
    import sqlite3

    import httpx

    from gatewaykit import GatewayProcess, gateway_env, script_vendors, write_config

    script_vendors(cheap, premium)
    env = gateway_env(write_config(tmp_path, cheap, premium), f"sqlite:///{tmp_path / 'router.db'}")
    with GatewayProcess(env) as gw, httpx.Client(base_url=gw.url) as client:
        statuses = [client.post("/v1/chat/completions", json={
            "model": "auto", "messages": [{"role": "user", "content": f"Hi number {i}"}]}).status_code
            for i in range(20)]
    assert statuses == [200] * 20  # (uvicorn re-raises SIGTERM once shut down: the exit status says -15)
    db = sqlite3.connect(tmp_path / "router.db")
    try:
        prompts = [p for (p,) in db.execute("SELECT prompt FROM interaction_logs WHERE source = 'gateway'")]
    finally:
        db.close()
    assert sorted(prompts) == sorted(f"Hi number {i}" for i in range(20))
