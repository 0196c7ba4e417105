"""`python -m router_core learn`: collect outcomes, train the team's learned router, store it (registered by
__main__).

    python -m router_core learn --sources judge,thumbs,votes,checks --json

Prints the outcomes per source and the held-out APGR of the learned router beside the plain classifier's; with
--json the last stdout line is one object: version, n, org, by_source, learned_apgr, learned_sd,
classifier_apgr, classifier_sd, folds, and the learned router's figures without the request metadata (the
agent): meta_used, learned_apgr_no_meta, learned_sd_no_meta (the same figures when no outcome names an agent).
Too few outcomes (or only one kind): a clear message, exit 2, nothing stored. Training never changes routing:
save a learned policy from the Routing page (it is saved inactive).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..display import table


def _apgr(value: float | None, sd: float | None) -> str:
    return "-" if value is None else f"{value:.3f} ±{sd or 0:.3f}"


def cmd_learn(args: argparse.Namespace) -> int:
    from ..router import Router
    from ..workspace import MIN_POLICY_OUTCOMES, SOURCE_LABELS, Workspace
    from .collect import expand_sources
    from .training import TooFewOutcomes

    try:
        sources = expand_sources(args.sources.split(",")) if args.sources else None
    except ValueError as exc:
        print(f"learn: {exc}", file=sys.stderr)
        return 2
    router = Router.from_env()
    try:
        ws = Workspace(router)
        try:
            info = ws.train_learned_router(sources, org=args.org)
        except TooFewOutcomes as exc:
            counts = ws.outcome_counts(args.org)
            have = ", ".join(f"{s} {c['n']}" for s, c in counts.items())
            print(f"learn: nothing stored: {exc}. Outcomes per source now: {have}.", file=sys.stderr)
            return 2
    finally:
        router.close()
        router.store.close()
    summary = info.summary()
    print(f"Learned router v{info.version}: {info.n:,} outcomes" + (f" of org {info.org}" if info.org else ""))
    print(table([[SOURCE_LABELS.get(s, s), n] for s, n in info.by_source.items()], ["source", "outcomes"]))
    print(f"Held-out APGR ({summary['folds']}-fold, no prompt in two folds): learned "
          f"{_apgr(summary['learned_apgr'], summary['learned_sd'])}, plain classifier "
          f"{_apgr(summary['classifier_apgr'], summary['classifier_sd'])} (random order: 0.5)")
    if summary["meta_used"]:
        print(f"Without the agent as a feature (topics from the text alone): learned "
              f"{_apgr(summary['learned_apgr_no_meta'], summary['learned_sd_no_meta'])}")
    if info.n < MIN_POLICY_OUTCOMES:
        print(f"Below {MIN_POLICY_OUTCOMES} outcomes no learned policy can be saved from it: collect more.")
    else:
        print("Nothing changed in routing: choose a threshold and save a learned policy on the Routing page.")
    if args.json:
        print(json.dumps(summary))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register `learn` on the main parser's subcommands."""
    learn = sub.add_parser("learn", help="train a learned router on the team's outcomes (stored, not activated)")
    learn.add_argument("--sources", metavar="LIST", help="comma-separated: judge, thumbs, votes, checks (default: all)")
    learn.add_argument("--org", help="learn from this org's outcomes only (the router is then used for it only)")
    learn.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    learn.set_defaults(func=cmd_learn)
