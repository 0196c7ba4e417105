"""The blind pairwise judge: MT-Bench's `pair-v2` template (`pair-math-v1` when a reference answer is given),
asked in both orders through the Router with the judge target forced and the cache off.

    judge = Judge(router, Target("openai", "gpt-6-astra"))
    result = await judge.acompare(question, Answer(routed_text, routed_target), Answer(base_text, baseline))
    result.outcome   # "win" / "tie" / "loss" from the contestant's side, or "not_judged" / "error"
    result = await judge.apair(question, answer_text, reference_text)   # the same, with no same-target rule
    rating = await judge.arate(question, Answer(text, target))          # MT-Bench single-v1: 1-10, or an error

Rules (MT-Bench's, plus what a team needs):
* each order's verdict is the last `[[A]]`, `[[B]]` or `[[C]]` (tie) in the judge's reply; a reply without one is
  an "error" (never silently a tie);
* both orders agree -> that outcome; they disagree -> a tie, and `flipped` (position bias) is set;
* the contestant IS the baseline target -> a tie by definition, nobody is asked (`same_target`);
* the contestant's answer came from the judge itself -> "not_judged", with the reason.

Single-answer grading (prompt experiments) uses MT-Bench's `single-v1`: the rating is the last `[[N]]` with
1 <= N <= 10 in the reply; a reply without one is an error, never a 0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..catalog import Target
from ..config import REPO_ROOT
from ..errors import RouterError
from ..types import Message

if TYPE_CHECKING:
    from ..router import Router

JUDGE_PROMPTS = REPO_ROOT / "data" / "benchmarks" / "fastchat_mt_bench" / "judge_prompts.jsonl"
GENERAL_TEMPLATE = "pair-v2"
MATH_TEMPLATE = "pair-math-v1"
SINGLE_TEMPLATE = "single-v1"
JUDGE_MAX_TOKENS = 1024
_VERDICT = re.compile(r"\[\[([ABC])\]\]")
_RATING = re.compile(r"\[\[(\d+(?:\.\d+)?)\]\]")
# A's verdict, as seen from the contestant's side, when the contestant was shown as A (first) or as B (second)
_AS_A = {"A": "win", "B": "loss", "C": "tie"}
_AS_B = {"A": "loss", "B": "win", "C": "tie"}


class SelfJudgeError(RouterError, ValueError):
    """The judge is one of the contestants; it would be grading its own answers."""


@dataclass(frozen=True)
class Template:
    name: str
    system_prompt: str
    prompt_template: str


@dataclass(frozen=True)
class Answer:
    """One side of a comparison: the text and the target that wrote it (with its cost, simulated or not)."""

    text: str
    target: Target
    simulated: bool = False


@dataclass(frozen=True)
class JudgeResult:
    """The outcome from the contestant's side and what it took to get it."""

    outcome: str  # win, tie, loss, not_judged, error
    flipped: bool = False
    explanations: tuple[str, ...] = ()
    judge_cost_usd: float | None = None
    simulated: bool = False  # the judge's answer was simulated (or a contestant's was)
    reason: str | None = None  # why not judged / what went wrong
    same_target: bool = False

    def verdict_fields(self) -> dict[str, Any]:
        """What a stored verdict keeps of this result (Store.save_verdict's keyword arguments)."""
        return dict(same_target=self.same_target, flipped=self.flipped, explanations=list(self.explanations),
                    reason=self.reason, judge_cost_usd=self.judge_cost_usd, simulated=self.simulated)


@cache
def load_template(name: str, path: Path = JUDGE_PROMPTS) -> Template:
    """One of MT-Bench's judge prompts by name (from judge_prompts.jsonl)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            data = json.loads(line)
            if data.get("name") == name:
                return Template(name, data["system_prompt"], data["prompt_template"])
    raise RouterError(f"judge prompt {name!r} is not in {path}")


def judge_messages(question: str, answer_a: str, answer_b: str, reference: str | None = None) -> list[Message]:
    """The system and user messages of one order (pair-math-v1 with a reference answer, else pair-v2)."""
    if reference:
        template = load_template(MATH_TEMPLATE)
        user = template.prompt_template.format(question=question, ref_answer_1=reference, answer_a=answer_a,
                                               answer_b=answer_b)
    else:
        template = load_template(GENERAL_TEMPLATE)
        user = template.prompt_template.format(question=question, answer_a=answer_a, answer_b=answer_b)
    return [Message("system", template.system_prompt), Message("user", user)]


def parse_verdict(text: str) -> str | None:
    """"A", "B" or "C" (the last [[X]] in the reply), or None when the reply has no verdict."""
    found = _VERDICT.findall(text or "")
    return found[-1] if found else None


def parse_rating(text: str) -> float | None:
    """The last [[N]] in the reply with 1 <= N <= 10, or None when there is none (an error, never a 0)."""
    found = [float(x) for x in _RATING.findall(text or "")]
    found = [x for x in found if 1 <= x <= 10]
    return found[-1] if found else None


def rating_messages(question: str, answer: str) -> list[Message]:
    """The system and user messages of MT-Bench's single-v1 grading prompt."""
    template = load_template(SINGLE_TEMPLATE)
    return [Message("system", template.system_prompt),
            Message("user", template.prompt_template.format(question=question, answer=answer))]


@dataclass(frozen=True)
class Rating:
    """A single-answer grade: `score` 1-10, or None with `reason` (the call failed, or no [[N]] in the reply)."""

    score: float | None
    explanation: str = ""
    judge_cost_usd: float | None = None
    simulated: bool = False
    reason: str | None = None


def combine(outcomes: list[str]) -> tuple[str, bool]:
    """(outcome, flipped) of the orders' outcomes: agreement stands, disagreement is a tie and a flip."""
    if len(set(outcomes)) == 1:
        return outcomes[0], False
    return "tie", True


def check_judge(judge: Target, contestants: Iterable[tuple[str, Target]], *, allow_self_judge: bool = False) -> None:
    """Refuse a judge that is one of `contestants` ((role, target) pairs) unless allowed, saying which role."""
    if allow_self_judge:
        return
    roles = [role for role, target in contestants if target == judge]
    if roles:
        raise SelfJudgeError(f"the judge {judge} is also a contestant ({roles[0]}): it would grade its own answers. "
                             "Choose another judge (--judge provider:model, or [quality] judge in router.toml), or "
                             "allow it explicitly (--allow-self-judge, allow_self_judge=True).")


class Judge:
    """Asks `target` which of two answers is better, or how good one is, through `router` (forced target, no
    cache)."""

    def __init__(self, router: "Router", target: Target, *, both_orders: bool = True,
                 max_tokens: int = JUDGE_MAX_TOKENS, source: str = "eval", org: str | None = None) -> None:
        self.router, self.target, self.both_orders = router, target, both_orders
        self.max_tokens, self.source, self.org = max_tokens, source, org

    async def acompare(self, question: str, contestant: Answer, baseline: Answer,
                       reference: str | None = None) -> JudgeResult:
        """The verdict on `contestant` against `baseline` for `question` (see the module docstring)."""
        if contestant.target == baseline.target:
            return JudgeResult("tie", same_target=True, simulated=contestant.simulated,
                               reason="the router chose the baseline: the same answer, a tie by definition")
        if contestant.target == self.target:
            return JudgeResult("not_judged", simulated=contestant.simulated,
                               reason=f"the answer came from the judge itself ({self.target})")
        return await self.apair(question, contestant.text, baseline.text, reference,
                                simulated=contestant.simulated or baseline.simulated)

    async def apair(self, question: str, contestant: str, baseline: str, reference: str | None = None, *,
                    simulated: bool = False) -> JudgeResult:
        """The verdict on `contestant` against `baseline` (two texts), asked in one or both orders; no target
        rule applies (two prompt variants answered by the same model are still two answers)."""
        orders = [(contestant, baseline, _AS_A)]
        if self.both_orders:
            orders.append((baseline, contestant, _AS_B))
        outcomes, explanations, costs = [], [], []
        for number, (a, b, mapping) in enumerate(orders, start=1):
            try:
                c = await self._ask(judge_messages(question, a, b, reference))
            except RouterError as exc:
                return JudgeResult("error", False, tuple(explanations), _total(costs), simulated,
                                   f"the judge call failed (order {number}): {exc}")
            explanations.append(c.text)
            costs.append(c.cost_usd)
            simulated = simulated or c.simulated
            verdict = parse_verdict(c.text)
            if verdict is None:
                return JudgeResult("error", False, tuple(explanations), _total(costs), simulated,
                                   f"the judge gave no [[A]]/[[B]]/[[C]] verdict (order {number})")
            outcomes.append(mapping[verdict])
        outcome, flipped = combine(outcomes)
        return JudgeResult(outcome, flipped, tuple(explanations), _total(costs), simulated)

    async def arate(self, question: str, answer: Answer) -> Rating:
        """MT-Bench single-v1: the answer's 1-10 rating; an answer written by the judge itself is not rated."""
        if answer.target == self.target:
            return Rating(None, simulated=answer.simulated,
                          reason=f"the answer came from the judge itself ({self.target})")
        try:
            c = await self._ask(rating_messages(question, answer.text))
        except RouterError as exc:
            return Rating(None, simulated=answer.simulated, reason=f"the judge call failed: {exc}")
        score = parse_rating(c.text)
        return Rating(score, c.text, c.cost_usd, answer.simulated or c.simulated,
                      None if score is not None else "the judge gave no [[rating]] from 1 to 10")

    async def _ask(self, messages: list[Message]) -> Any:
        return await self.router.acomplete(messages, provider=self.target.provider, model=self.target.model,
                                           use_cache=False, max_tokens=self.max_tokens, org=self.org,
                                           source=self.source)


def _total(costs: list[float | None]) -> float | None:
    known = [c for c in costs if c is not None]
    return sum(known) if known else None
