"""The `status` of a logged request: the one list, and which of them were refused before routing.

  ok               answered
  error            no provider could answer
  cut              a stream the provider stopped mid-answer (counted as an error)
  cancelled        a stream its caller stopped reading
  invalid          refused by the gateway: a bad request (400) or an unknown model (404)
  unauthorized     refused by the gateway: a missing or wrong key (401; logged with no org, and only a few a
                   minute per gateway process, so a flood of bad keys cannot fill the database)
  rate_limited     refused by the gateway: the key's requests per minute were used up (429)
  budget_exceeded  refused by the gateway: the request's worst case would exceed the key's budget (429)

Refused rows reached no provider: no tier, no answer, cost $0 and no baseline, so they add nothing to spend or
savings. Savings counts them under *Requests* (received), never as answered or failed.
"""

from __future__ import annotations

INVALID, UNAUTHORIZED, RATE_LIMITED, BUDGET_EXCEEDED = "invalid", "unauthorized", "rate_limited", "budget_exceeded"
REFUSED: tuple[str, ...] = (INVALID, UNAUTHORIZED, RATE_LIMITED, BUDGET_EXCEEDED)
STATUSES: tuple[str, ...] = ("ok", "error", "cut", "cancelled", *REFUSED)
