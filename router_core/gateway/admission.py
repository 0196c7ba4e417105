"""Before a request is routed: which target it names, who sends it, and what it may cost at worst.

The worst case is the prompt's size in UTF-8 bytes (an upper bound on its tokens: a token is at least one
byte) plus a few tokens per message, and `max_tokens` (or DEFAULT_MAX_TOKENS) of output, priced at the
dearest candidate the router might fall back to. Unpriced models count as $0 (the router logs them unpriced).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..catalog import Target, parse_target
from ..errors import ConfigError
from ..router import Router
from ..types import Complexity, Message, Usage
from ..store.keys import KeyStore, Refusal, Reservation, TeamKey
from .schemas import GatewayError

DEFAULT_MAX_TOKENS = int(os.environ.get("GATEWAY_DEFAULT_MAX_TOKENS", "4096"))
TOKENS_PER_MESSAGE = 8


def resolve_model(router: Router, name: str) -> Target | None:
    """`auto` -> None (the router chooses); `provider:model`, a provider name or a model id / alias -> its
    Target. An unknown model is a 404 `model_not_found`, as OpenAI answers."""
    if name == "auto":
        return None
    providers = router.config.providers
    provider, sep, model = name.partition(":")
    try:
        if sep and provider in providers:
            return parse_target(name, providers)
        if name in providers and providers[name].models:
            return Target(name, providers[name].models[0].id)
        for spec in providers.values():
            if spec.has_model(name):
                return Target(spec.name, spec.resolve_model(name))
    except ConfigError as exc:
        raise GatewayError(404, str(exc), code="model_not_found", param="model") from None
    raise GatewayError(404, f"The model {name!r} does not exist here. GET /v1/models lists \"auto\" and every "
                            "configured target and alias.", code="model_not_found", param="model")


def authenticate(keys: KeyStore, authorization: str | None) -> TeamKey | None:
    """The caller's key; None while no key exists at all (an open, local-only gateway)."""
    token = (authorization or "").removeprefix("Bearer ").removeprefix("bearer ").strip()
    if not keys.any_key():
        return None
    if not token:
        raise GatewayError(401, "Missing API key: send `Authorization: Bearer sb-...` (create one with "
                                "`python -m router_core keys create --org NAME`).", "authentication_error",
                           code="invalid_api_key")
    key = keys.authenticate(token)
    if key is None:
        raise GatewayError(401, "Incorrect API key provided.", "authentication_error", code="invalid_api_key")
    return key


def prompt_token_bound(messages: Sequence[Message], extra_text: str = "") -> int:
    """An upper bound on the prompt's tokens (its UTF-8 bytes; half a surrogate pair counts its 3 bytes too, the
    router refuses it later)."""
    return sum(len(m.content.encode("utf-8", "surrogatepass")) + TOKENS_PER_MESSAGE for m in messages) + \
        len(extra_text.encode("utf-8", "surrogatepass"))


def worst_case_usd(router: Router, targets: Sequence[Target], input_tokens: int, max_tokens: int | None) -> float:
    usage = Usage(input_tokens=input_tokens, output_tokens=max_tokens or DEFAULT_MAX_TOKENS)
    return max([router.prices.cost(t.provider, t.model, usage) or 0.0 for t in targets] or [0.0])


def cheapest_target(router: Router) -> Target | None:
    """The first candidate of the cheapest tier (where `on_budget = "downgrade"` sends a request)."""
    plan = router.policy.candidates(Complexity.TRIVIAL)
    return plan.candidates[0] if plan.candidates else None


def plan_admission(router: Router, key: TeamKey, messages: Sequence[Message], forced: Target | None,
                   max_tokens: int | None) -> tuple[tuple[float, ...], Target | None]:
    """The amounts to try to reserve (the request as asked, then its downgrade) and the downgrade target."""
    agent = router.store.get_agent(key.agent) if key.agent else None
    bound = prompt_token_bound(messages, agent.system_prompt if agent else "")
    targets = [forced] if forced else list(router.explain(list(messages))[1].candidates)
    amounts = [worst_case_usd(router, targets, bound, max_tokens)]
    downgrade = cheapest_target(router) if key.on_budget == "downgrade" else None
    if downgrade is not None:
        amounts.append(worst_case_usd(router, [downgrade], bound, max_tokens))
    return tuple(amounts), downgrade


def refusal_error(refusal: Refusal) -> GatewayError:
    if refusal.reason == "rate":
        return GatewayError(429, f"Rate limit reached for this key ({refusal.limit:g} requests per minute). "
                                 f"Try again in {refusal.retry_after_s:.1f} s.", "rate_limit_error",
                            code="rate_limit_exceeded", retry_after_s=refusal.retry_after_s)
    return GatewayError(429, f"This key's {refusal.reason} budget of ${refusal.limit:g} would be exceeded by this "
                             f"request's worst-case cost; it resets at the start of the next UTC "
                             f"{'day' if refusal.reason == 'daily' else 'month'}.", "budget_exceeded",
                        code=f"{refusal.reason}_budget_exceeded", param=f"{refusal.reason}_budget",
                        retry_after_s=refusal.retry_after_s)


def admitted(result: Reservation | Refusal | None) -> Reservation | None:
    if isinstance(result, Refusal):
        raise refusal_error(result)
    return result
