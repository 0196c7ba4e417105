"""`serve` and `keys create|list|revoke`: the gateway's command-line subcommands (registered by __main__)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from ..display import table
from .metrics import MULTIPROC_ENV

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# The C event loop and HTTP parser (both pinned), named so a missing one fails loudly instead of falling back to
# the pure-Python ones; no access log.
UVICORN = dict(loop="uvloop", http="httptools", access_log=False, log_level="warning")


def _keystore():
    from ..router import Router
    from ..store.keys import KeyStore

    router = Router.from_env()
    return router, KeyStore(router.store.engine)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    router, keys = _keystore()
    if args.host not in LOCAL_HOSTS and not keys.any_key():
        print(f"Refusing to listen on {args.host}: no API key exists yet, so anyone who can reach this address "
              "could spend your providers' money. Create a key first:\n"
              "    python -m router_core keys create --org YOUR_TEAM [--daily-budget USD] [--rpm N]\n"
              "or listen on 127.0.0.1 only (the default).", file=sys.stderr)
        router.close()
        return 2
    print(f"Switchboard gateway on http://{args.host}:{args.port}/v1 ({args.workers} worker(s); "
          f"{'keys required' if keys.any_key() else 'no keys yet: local only'})", flush=True)
    if args.workers > 1:
        router.close()
        with _shared_metrics_dir():
            uvicorn.run("router_core.gateway.app:app_from_env", factory=True, host=args.host, port=args.port,
                        workers=args.workers, **UVICORN)
        return 0
    from .app import create_app

    uvicorn.run(create_app(router, keys), host=args.host, port=args.port, **UVICORN)
    return 0


@contextmanager
def _shared_metrics_dir() -> Iterator[None]:
    """A fresh folder for prometheus-client's multiprocess mode, inherited by the worker processes, removed
    afterwards; a folder the operator already set (PROMETHEUS_MULTIPROC_DIR) is used as it is."""
    if os.environ.get(MULTIPROC_ENV):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="switchboard-metrics-") as folder:
        os.environ[MULTIPROC_ENV] = folder
        try:
            yield
        finally:
            del os.environ[MULTIPROC_ENV]


def _when(ts: datetime | None) -> str:
    return "-" if ts is None else ts.strftime("%Y-%m-%d %H:%M UTC")


def _usd(value: float | None) -> str:
    return "-" if value is None else f"${value:,.4f}"


def cmd_keys(args: argparse.Namespace) -> int:
    """create / list / revoke through the Workspace, the same operations as the app's Keys page."""
    from ..router import Router
    from ..workspace import Workspace, WorkspaceError

    router = Router.from_env()
    workspace = Workspace(router)
    try:
        if args.keys_command == "create":
            key, info = workspace.create_key(args.org, agent=args.agent, daily_budget_usd=args.daily_budget,
                                             monthly_budget_usd=args.monthly_budget, rpm=args.rpm,
                                             on_budget=args.on_budget)
            print(f"Created key {info.prefix}... for org {info.org}" + (f", agent {info.agent}" if info.agent else "")
                  + ". It is shown once, now; only its hash is stored.")
            print(key)
        elif args.keys_command == "list":
            rows = [[k.prefix, k.org, k.agent or "-", f"{_usd(k.spent_today_usd)} / {_usd(k.daily_budget_usd)}",
                     f"{_usd(k.spent_this_month_usd)} / {_usd(k.monthly_budget_usd)}", k.rpm or "-", k.on_budget,
                     _when(k.last_used), "revoked" if k.revoked else "live"] for k in workspace.list_keys()]
            print(table(rows, ["prefix", "org", "agent", "today / daily budget", "month / monthly budget", "rpm",
                               "on budget", "last used", "state"]) if rows else "No keys yet.")
        else:
            count = workspace.revoke_key(args.prefix)
            print(f"Revoked {count} key(s) starting with {args.prefix}." if count else
                  f"No live key starts with {args.prefix}.")
            return 0 if count else 1
        return 0
    except WorkspaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        router.close()


def add_commands(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="the OpenAI-compatible gateway (POST /v1/chat/completions)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)
    keys = sub.add_parser("keys", help="team keys of the gateway: create, list, revoke")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    create = ksub.add_parser("create", help="a new key, printed once as the last line")
    create.add_argument("--org", required=True)
    create.add_argument("--agent")
    create.add_argument("--daily-budget", type=float, metavar="USD")
    create.add_argument("--monthly-budget", type=float, metavar="USD")
    create.add_argument("--rpm", type=int, help="requests per minute")
    create.add_argument("--on-budget", choices=("reject", "downgrade"), default="reject",
                        help="over budget: refuse with 429 (default) or send to the cheapest tier")
    ksub.add_parser("list", help="prefix, org, budgets, spend, last use")
    revoke = ksub.add_parser("revoke", help="revoke the key with this prefix")
    revoke.add_argument("prefix")
    keys.set_defaults(func=cmd_keys)
