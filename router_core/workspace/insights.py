"""Estimates and figures for a front end: prompt cost estimates, what-if replay, savings and the report.

analytics, replay and report (pandas, plotly) are imported when first used, so a CLI that only lists
providers does not pay for them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..catalog import parse_target
from ..policy import Policy
from .learning import learned_note
from ..pricing import PriceOverride
from ..sources import REAL_TRAFFIC_FILTER, source_filter
from ..types import Complexity, Usage, Verdict

if TYPE_CHECKING:
    import pandas as pd

    from .. import replay, report
    from ..router import Router

ALL_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)  # "all time" for verdicts and votes, which may predate traffic


@dataclass(frozen=True)
class CandidateCost:
    """One candidate of a route with its unit price and the estimated cost of the request."""

    target: str
    reason: str | None  # why it would be skipped now; None = it will be tried
    unit: PriceOverride | None
    cost_usd: float | None


@dataclass(frozen=True)
class PromptEstimate:
    """A dry run of one prompt: its verdict, the route in order and what it would cost."""

    verdict: Verdict
    policy: str
    input_tokens: int
    output_tokens: int
    candidates: tuple[CandidateCost, ...]  # tried ones first, then the skipped ones
    baseline: str
    baseline_cost_usd: float | None

    @property
    def routable(self) -> bool:
        return any(c.reason is None for c in self.candidates)


class InsightOps:
    """Estimates, replay and savings (needs `self.router`)."""

    router: "Router"

    # ---- cost estimates -----------------------------------------------------------------------
    def estimate_cost(self, target: str, input_tokens: int, output_tokens: int) -> float | None:
        """The price table's cost of that usage on "provider:model" (None: unpriced)."""
        provider, _, model = str(target).partition(":")
        return self.router.prices.cost(provider, model, Usage(input_tokens, output_tokens))

    def estimate_prompt(self, prompt: str) -> PromptEstimate:
        """How the router would judge and route `prompt` and what each candidate would cost (nothing sent)."""
        from .. import replay

        verdict, plan = self.router.explain(prompt)
        inp, out = replay.estimate_tokens(prompt), replay.DEFAULT_OUTPUT_TOKENS[verdict.level]
        prices = self.router.prices
        rows = [CandidateCost(str(t), None, prices.unit_prices(t.provider, t.model),
                              prices.cost(t.provider, t.model, Usage(inp, out))) for t in plan.candidates]
        rows += [CandidateCost(str(s.target), s.reason, prices.unit_prices(s.target.provider, s.target.model), None)
                 for s in plan.skipped]
        base = self.router.policy.baseline
        return PromptEstimate(verdict, self.router.policy.name, inp, out, tuple(rows), str(base),
                              prices.cost(base.provider, base.model, Usage(inp, out)))

    # ---- what-if replay -----------------------------------------------------------------------
    def read_prompt_file(self, content: bytes | str, filename: str) -> list[str]:
        """A CSV ('prompt' column) or JSONL prompt set; replay.ReplayInputError says what is wrong."""
        from .. import replay

        return replay.load_prompts(content, filename)

    def sample_prompts(self) -> tuple[str, list[str]]:
        """(file name, prompts) of the shipped sample set."""
        from .. import replay

        return replay.SAMPLE_PROMPTS_PATH.name, replay.load_sample_prompts()

    def classify_prompts(self, prompts: Sequence[str],
                         progress: Callable[[int, int], None] | None = None) -> list[replay.JudgedPrompt]:
        from .. import replay

        return replay.classify_prompts(prompts, progress=progress)

    def project(self, judged: Sequence[replay.JudgedPrompt], policy: Policy, baseline: str, *, name: str,
                output_tokens: Mapping[Complexity, int] | None = None) -> replay.Projection:
        """One policy's projected routing and cost of judged prompts against `baseline` ("provider:model")."""
        from .. import replay

        if policy.learned is not None and policy.scorer is None:
            self.router.attach_learned(policy)
        projection = replay.project(judged, policy, self.router.prices,
                                    parse_target(baseline, self.router.config.providers), output_tokens=output_tokens,
                                    name=name, why_unavailable=self.router.why_not_configured)
        if policy.learned is not None:
            projection.quality = self.learned_projection(policy)  # type: ignore[attr-defined]
            projection.notes.append(learned_note(policy, projection.quality))
        return projection

    def logged_traffic(self, *, since: datetime, until: datetime, org: str | None = None, agent: str | None = None,
                       sources: Sequence[str | None] = REAL_TRAFFIC_FILTER,
                       limit: int | None = None) -> replay.LoggedTraffic:
        """The answered requests of the period (the newest `limit`, at most replay.MAX_PROMPTS) of `sources` (real
        traffic by default), org and agent, with their logged tier and token counts, ready for `project`."""
        from .. import replay
        from ..sources import describe_filter

        wanted = source_filter(sources)
        cap = replay.MAX_PROMPTS if limit is None else min(replay.MAX_PROMPTS, max(1, int(limit)))
        rows, matched = self.router.store.replay_rows(since=since, until=until, org=org, agent=agent,
                                                      source=list(wanted), limit=cap)
        scope = "".join(f", {k} {v}" for k, v in (("org", org), ("agent", agent)) if v)
        name = f"logged traffic {since:%Y-%m-%d} to {until:%Y-%m-%d}{scope} ({describe_filter(wanted)})"
        return replay.LoggedTraffic(name, replay.logged_prompts(rows), matched)

    def replay(self, prompts: Sequence[str], policies: Sequence[Policy], baseline: str, *,
               output_tokens: Mapping[Complexity, int] | None = None) -> list[replay.Projection]:
        """Classify once, then project every policy (named after the policy)."""
        judged = self.classify_prompts(prompts)
        return [self.project(judged, p, baseline, name=p.name, output_tokens=output_tokens) for p in policies]

    # ---- savings and the report ---------------------------------------------------------------
    def savings(self, *, since: datetime, until: datetime, org: str | None = None, agent: str | None = None,
                sources: Sequence[str | None] = REAL_TRAFFIC_FILTER,
                agent_version: int | None = None) -> report.SavingsData:
        """Every aggregate the Savings page and the report show (SQL GROUP BYs), counting the traffic of
        `sources` (real traffic by default; None in it: rows logged before sources existed), of one agent
        version when `agent_version` is given. An unknown source is an InvalidRequest."""
        from .. import report

        return report.SavingsData.load(self.router.store, since=since, until=until, org=org, agent=agent,
                                       sources=source_filter(sources), agent_version=agent_version)

    def feedback_rollup(self, *, since: datetime, until: datetime, org: str | None = None, agent: str | None = None,
                        sources: Sequence[str | None] = REAL_TRAFFIC_FILTER,
                        agent_version: int | None = None) -> pd.DataFrame:
        """Thumbs (on the traffic of `sources`) and Compare votes (any org or agent: comparisons have none) of the
        period, per tier, target and simulated (analytics.feedback's columns)."""
        from .. import analytics

        return analytics.feedback(self.router.store, since=since, until=until, org=org, agent=agent,
                                  agent_version=agent_version, sources=source_filter(sources))

    def orgs_and_agents(self) -> dict[str, list[str]]:
        """The orgs and agents seen in the log (for filters)."""
        from .. import analytics

        return analytics.distinct_orgs_agents(self.router.store)

    def provider_traffic(self, *, since: datetime, until: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(latency p50/p95, error rate) per provider, both indexed by provider, each provider counting only the
        attempts of its current mode: a simulated one's simulated attempts, any other's real ones."""
        from .. import analytics

        simulated = self.simulated_providers()  # type: ignore[attr-defined]  (SystemOps)
        window = dict(since=since, until=until)
        return (_in_current_mode(analytics.latency_by_provider, self.router.store, simulated, window,
                                 {"provider": True}),
                _in_current_mode(analytics.error_rate_by_provider, self.router.store, simulated, window,
                                 {"error_rate": False, "provider": True}))

    def savings_report(self, data: report.SavingsData, *, include_sample: bool = False, all_time: bool = False,
                       tier_colors: Mapping[str, str] | None = None) -> str:
        """The self-contained HTML report of `data`, under the policy in effect now, with the period's measured
        quality beside the savings and the thumbs / Compare votes (optionally with the 10 latest prompts and answers
        of the same filters; `all_time`: from the first logged request)."""
        from .. import report

        policy = self.active_policy()  # type: ignore[attr-defined]  (PolicyOps)
        sample = None
        if include_sample:
            sample = self.router.store.list_interactions(since=None if all_time else data.since, until=data.until,
                                                         org=data.org, agent=data.agent,
                                                         agent_version=data.agent_version, source=list(data.sources),
                                                         limit=10)[0]
        since = ALL_TIME if all_time else data.since
        quality = self.quality_headline(since, data.until, data.org)  # type: ignore[attr-defined]  (EvaluationOps)
        feedback = self.feedback_rollup(since=since, until=data.until, org=data.org, agent=data.agent,
                                        agent_version=data.agent_version, sources=data.sources)
        data = dataclasses.replace(data, sample=sample, quality=quality, feedback=feedback)
        return report.build_html(data, policy_name=policy.name, policy=policy.to_dict(),
                                 baseline=str(policy.baseline), tier_colors=tier_colors,
                                 demo=self.router.config.demo)


def _in_current_mode(figures: Callable[..., pd.DataFrame], store: Any, simulated: frozenset[str],
                     window: dict[str, datetime], order: dict[str, bool]) -> pd.DataFrame:
    """`figures` per provider, indexed by provider: the real attempts of the providers not in `simulated`, the
    simulated attempts of those in it (a second query only when some provider is simulated), sorted by `order`
    ({column: ascending}, the function's own order)."""
    import pandas as pd

    frame = figures(store, simulated=False, **window)
    frame = frame[~frame["provider"].isin(simulated)]
    if simulated:
        demo = figures(store, simulated=True, **window)
        frame = pd.concat([frame, demo[demo["provider"].isin(simulated)]])
        frame = frame.sort_values(list(order), ascending=list(order.values()), kind="stable")
    return frame.set_index("provider")


__all__ = ["CandidateCost", "PromptEstimate", "InsightOps"]
