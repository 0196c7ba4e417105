"""Helpers for prompt-experiment tests: vendors whose answers depend on the prompt variant and the question,
a judge that grades with a scripted [[N]], and a 3-input dataset.

Each vendor reads the question from the user message and the style from the system prompt:
  cheap   (OpenAI-compatible)  terse: "Paris" / "5" / "blue"             chatty: "Well, I think it is Paris!"
  premium (Anthropic)          terse: " paris " / "4" / "Blue"            chatty: "Sure! Paris."
so exact match (case and whitespace ignored) gives cheap·terse 2/3 (it gets 2+2 wrong), premium·terse 3/3 and
every chatty column 0/3; the one-word regex passes every terse cell and no chatty one. The judge rates a right
answer 9 (one word) or 7 (more), a wrong one 2.
"""

from __future__ import annotations

import re

from fakevendor import Recorded, Reply
from routerkit import anthropic_ok, openai_ok

DATASET = "question,expected\nWhat is the capital of France?,Paris\nWhat is 2+2?,4\nWhat colour is the sky?,blue\n"
FACTS = {"France": ("Paris", "Paris", " paris "), "2+2": ("4", "5", "4"), "sky": ("blue", "blue", "Blue")}
TERSE = {"name": "terse", "system": "Answer with one word.", "template": "{{question}}"}
CHATTY = {"name": "chatty", "system": "Answer chattily.", "template": "Tell me: {{question}}"}
TARGETS = ["cheap:gpt-6-luna", "baseline"]
ONE_WORD = r"^\s*\w+\s*$"
JUDGE = "judge:gpt-6-astra"
_ANSWER = re.compile(r"\[The Start of Assistant's Answer\]\n(.*?)\n\[The End of Assistant's Answer\]", re.S)


def _messages(request: Recorded) -> tuple[str, str]:
    """(system, user) of an OpenAI or Anthropic request."""
    body = request.json
    msgs = body["messages"]
    system = body.get("system") or next((m["content"] for m in msgs if m["role"] == "system"), "")
    if isinstance(system, list):
        system = " ".join(part.get("text", "") for part in system)
    user = next(m["content"] for m in msgs if m["role"] == "user")
    if isinstance(user, list):
        user = " ".join(part.get("text", "") for part in user)
    return system, user


def answer(request: Recorded, vendor: str) -> str:
    system, user = _messages(request)
    right, cheap, premium = next(v for k, v in FACTS.items() if k in user)
    word = cheap if vendor == "cheap" else premium
    if "chattily" in system:
        return f"Well, I think it is {word.strip()}!" if vendor == "cheap" else f"Sure! {word.strip()}."
    return word


def serve(cheap, premium) -> None:
    cheap.route("/v1/chat/completions", lambda r: Reply(json=openai_ok(answer(r, "cheap"))))
    premium.route("/v1/messages", lambda r: Reply(json=anthropic_ok(answer(r, "premium"))))


def rating(text: str) -> int:
    words = text.strip().rstrip("!.").split()
    right = any(fact[0].lower() in text.lower() for fact in FACTS.values())
    return (9 if len(words) == 1 else 7) if right else 2


def grading_judge(request: Recorded) -> Reply:
    """single-v1 prompts get [[rating]]; pairwise ones prefer the shorter answer."""
    _, user = _messages(request)
    shown = _ANSWER.search(user)
    if shown:
        text = f"The answer is judged. Rating: [[{rating(shown.group(1))}]]"
    else:
        pair = dict(re.findall(r"\[The Start of Assistant ([AB])'s Answer\]\n(.*?)\n\[The End of Assistant \1's "
                               r"Answer\]", user, re.S))
        text = "[[A]]" if len(pair["A"]) < len(pair["B"]) else "[[B]]"
    return Reply(json=openai_ok(text, model="gpt-6-astra", inp=300, out=40))


def chat_requests(vendor) -> int:
    return len([r for r in vendor.requests if r.method == "POST"])
