"""The simulated answer: a few topical sentences built from the prompt, plainly labelled, no model involved.

    simulated_answer("Explain TCP slow start", "anthropic", "claude-sonnet-5-5")
    # "[simulated anthropic · claude-sonnet-5-5] Here is a short overview of “TCP slow start”. ..."

Deterministic for a (prompt, provider, model) triple, so cached and repeated answers agree.
"""

from __future__ import annotations

import hashlib
import math
import re

_STOP = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just let me more most my myself
no nor not now of off on once only or other our ours out over own please same she should so some such tell than
that the their theirs them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours give make write explain describe show using
use need want like get know think way things thing something anything really much many well one two okay ok
hi hello hey thanks thank quick quickly short brief briefly simple simply summarize summarise summary
article text passage paragraph translate translation prove calculate compute solve following""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#\-']{2,}")
_CODE = re.compile(r"\b(code|function|python|javascript|typescript|rust|golang|java|sql|regex|bug|class|script|"
                   r"implement|compile|refactor|api|algorithm|unit tests?)\b", re.I)
_MATH = re.compile(r"(\d\s*[-+*/^=]\s*\d)|\b(calculate|compute|solve|prove|integral|derivative|equation)\b", re.I)
_SUMMARY = re.compile(r"\b(summari[sz]e|summary|tl;?dr|condense)\b", re.I)
_TRANSLATE = re.compile(r"\btranslat(e|ion)\b", re.I)
_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|thanks|thank you)\b", re.I)
_PREMIUM_HINTS = ("opus", "astra", "argon", "sonnet", "terra", "sol", "120b", "70b", "pro")


def digest(*parts: str) -> int:
    """A stable 64-bit number from strings (answers, ids and jitter are derived from it)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).digest()[:8], "big")


def _topic(prompt: str) -> str:
    words, seen = [], set()
    for w in _WORD.findall(prompt):
        lw = w.lower().strip("'-")
        if lw in _STOP or lw in seen or len(lw) < 3:
            continue
        seen.add(lw)
        words.append(w.strip("'-"))
    if not words:
        return ""
    top = set(sorted(words, key=len, reverse=True)[:3])
    return " ".join(w for w in words if w in top)


_JUDGE = re.compile(r"\[User Question\]\n(?P<q>.*?)\n\n(?:\[The Start of Reference Answer\]\n(?P<ref>.*?)\n"
                    r"\[The End of Reference Answer\]\n\n)?\[The Start of Assistant A's Answer\]\n(?P<a>.*?)\n"
                    r"\[The End of Assistant A's Answer\]\n\n\[The Start of Assistant B's Answer\]\n(?P<b>.*?)\n"
                    r"\[The End of Assistant B's Answer\]", re.S)


def _terms(text: str) -> set[str]:
    return {w.lower().strip("'-") for w in _WORD.findall(text)} - _STOP


def simulated_verdict(judge_prompt: str) -> str | None:
    """A pairwise judge's reply to an MT-Bench pair prompt (None when `judge_prompt` is not one): a short
    explanation and [[A]], [[B]] or [[C]], decided by which answer covers more of the question's (and the
    reference's) terms, a longer answer breaking near-ties. Deterministic, and blind to the order."""
    match = _JUDGE.search(judge_prompt)
    if match is None:
        return None
    wanted = _terms(match["q"]) | _terms(match["ref"] or "")

    def score(answer: str) -> float:
        return len(wanted & _terms(answer)) + min(2.0, len(answer.split()) / 60)

    a, b = score(match["a"]), score(match["b"])
    verdict = "C" if abs(a - b) < 0.5 else ("A" if a > b else "B")
    reason = {"A": "Assistant A addresses more of the question's points", "C": "Both answers cover the question "
              "about equally well", "B": "Assistant B addresses more of the question's points"}[verdict]
    return (f"{reason} (simulated judge: key-term coverage {a:.1f} for A against {b:.1f} for B; no model read "
            f"the answers). [[{verdict}]]")


def simulated_answer(prompt: str, provider: str, model: str) -> str:
    """A short, topical, plainly labelled stand-in answer; the same for the same (prompt, provider, model).
    A pairwise judge prompt gets a judge's reply (`simulated_verdict`)."""
    h = digest(prompt, provider, model)
    pick = lambda options, salt=0: options[(h >> salt) % len(options)]  # noqa: E731
    label = f"[simulated {provider} · {model}]"
    verdict = simulated_verdict(prompt)
    if verdict is not None:
        return f"{label} {verdict}"
    topic = _topic(prompt)
    about = f"“{topic}”" if topic else ("your question" if "?" in prompt else "your message")
    premium = any(hint in model.lower() for hint in _PREMIUM_HINTS)

    if _GREETING.match(prompt) and len(prompt) < 60:
        body = [pick(["Hello! How can I help you today?", "Hi there — what would you like to work on?",
                      "Hello! Ask me anything and I'll do my best."])]
    elif _CODE.search(prompt):
        body = [pick([f"Here is how I would approach {about}.", f"A workable plan for {about}:",
                      f"Let's sketch {about} step by step."]),
                "First pin down the inputs and the expected output, then write the smallest version that works "
                "and add a test for each edge case.",
                "```python\n# simulated sketch — not generated by a model\ndef solve(data):\n"
                "    result = []\n    for item in data:\n        result.append(item)\n    return result\n```"]
    elif _MATH.search(prompt):
        body = [f"To work out {about}, write down what is given, apply the relevant rule one step at a time, "
                "and check the result against a simple case.",
                "(This is a simulation: no arithmetic was actually performed, so no number is given.)"]
    elif _SUMMARY.search(prompt):
        body = [f"In short: the text is about {about}.",
                pick(["Its main point is stated early and supported by a few examples.",
                      "It makes one central claim and spends the rest on context and caveats."], 8)]
    elif _TRANSLATE.search(prompt):
        body = ["A real model would return the translation here; the simulation only echoes the request.",
                f"Requested: {about}."]
    else:
        opener = pick([f"Good question about {about}.", f"Here is a short overview of {about}.",
                       f"On {about}:", f"Briefly, regarding {about}:"])
        middle = pick(["The key idea is to separate what is known from what is assumed, then look at how the "
                       "parts interact.",
                       "It helps to start from a concrete example and generalise from there.",
                       "Most of the nuance comes from the trade-offs between cost, speed and accuracy.",
                       "The usual approach is to define the terms first, then compare the main options."], 8)
        body = [opener, middle]
        if premium:
            body.append(pick(["A careful answer would also name the main exceptions and where the usual "
                              "reasoning breaks down.",
                              "For a deeper treatment, weigh the strongest counter-argument before concluding.",
                              "In practice, measure before optimising: the bottleneck is rarely where it seems."],
                             16))
    text = f"{label} " + " ".join(b for b in body if not b.startswith("```"))
    code = [b for b in body if b.startswith("```")]
    return "\n\n".join([text, *code])


def count_tokens(text: str) -> int:
    """A rough token estimate (about four characters per token); good enough for a simulation."""
    return max(1, math.ceil(len(text) / 4)) if text else 0
