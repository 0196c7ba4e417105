"""The complexity classifier: the seed's examples, dev-set accuracy, conversations, score bands, languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from router_core.complexity import TIER_BANDS, Complexity, Verdict, classify, split_ask
from router_core.routing_eval import labelled_accuracy, load_labelled
from router_core.types import Message

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "data" / "complexity-dev.jsonl"
EXTRA = ROOT / "data" / "complexity-extra.jsonl"

SEED = [
    ("Hi", Complexity.TRIVIAL),
    ("What are your hours?", Complexity.SIMPLE),
    ("Can you explain how photosynthesis works?", Complexity.MEDIUM),
    ("Write a detailed analysis comparing React and Vue.js for enterprise applications", Complexity.COMPLEX),
    ("I need expert advice on optimizing database queries for a high-traffic application", Complexity.EXPERT),
]

COMPLEX_REQUEST = ("Write a Python script that reads every CSV in a folder, merges them, computes monthly revenue "
                   "per region, saves a summary CSV and plots a grouped bar chart. Handle missing columns.")


@pytest.mark.parametrize("text,level", SEED)
def test_seed_examples(text, level):
    v = classify(text)
    assert isinstance(v, Verdict)
    assert v.level is level
    assert 0.0 <= v.score <= 1.0
    assert v.reasons and all(isinstance(r, str) and r for r in v.reasons)


def test_dev_set_accuracy():
    rows = load_labelled(DEV)
    assert len(rows) == 150
    exact, within = labelled_accuracy(rows)
    assert exact >= 0.85, exact
    assert within >= 0.98, within


def test_extra_set_accuracy():
    """A second labelled set of the same rubric, written independently of the dev set (now also trained on)."""
    rows = load_labelled(EXTRA)
    assert len(rows) == 150 and len({r["id"] for r in rows}) == 150
    assert {t.value: sum(r["label"] == t.value for r in rows) for t in Complexity.tiers()} == {
        t.value: 30 for t in Complexity.tiers()}
    exact, within = labelled_accuracy(rows)
    assert exact >= 0.90, exact
    assert within >= 0.98, within


def test_score_bands_do_not_overlap_and_order_tiers():
    scores = {level: classify(text).score for text, level in SEED}
    for level, s in scores.items():
        lo, hi = TIER_BANDS[level]
        assert lo <= s < hi or (level is Complexity.EXPERT and s <= 1.0)
    ordered = [scores[level] for level in Complexity.tiers()]
    assert ordered == sorted(ordered)
    # across the dev set: a higher tier always has a higher score
    rows = load_labelled(DEV)
    verdicts = [classify(r["prompt"]) for r in rows[:80]]
    for a in verdicts:
        for b in verdicts:
            if a.level.rank < b.level.rank:
                assert a.score < b.score


def test_never_cached_and_empty_is_trivial():
    for text in ["", "   ", "Hi", "prove that sqrt(2) is irrational"]:
        assert classify(text).level is not Complexity.CACHED
    assert classify("").level is Complexity.TRIVIAL


def test_follow_up_inherits_previous_difficulty():
    first = classify(COMPLEX_REQUEST)
    assert first.level.rank >= Complexity.COMPLEX.rank
    conv = [Message("user", COMPLEX_REQUEST), Message("assistant", "import pandas as pd\n..."),
            Message("user", "and now in Rust?")]
    v = classify(conv)
    assert v.level.rank >= Complexity.COMPLEX.rank
    assert any("follow-up" in r for r in v.reasons)
    shorter = classify(conv[:2] + [Message("user", "can you make it shorter?")])
    assert shorter.level.rank >= Complexity.MEDIUM.rank
    # a pleasantry in between does not break the chain
    chain = conv[:2] + [Message("user", "thanks"), Message("assistant", "np"), Message("user", "and in Go?")]
    assert classify(chain).level.rank >= Complexity.COMPLEX.rank


EXPERT_REQUEST = "I need expert advice on optimizing database queries for a high-traffic application"


@pytest.mark.parametrize("question", ["What is the capital of France?", "How many legs does a spider have?",
                                      "What does HTTP stand for?"])
def test_a_self_contained_question_after_an_expert_one_is_judged_on_its_own(question):
    conv = [Message("user", EXPERT_REQUEST), Message("assistant", "Index the hot columns ..."),
            Message("user", question)]
    v = classify(conv)
    assert v.level is classify(question).level and not any("follow-up" in r for r in v.reasons), v


@pytest.mark.parametrize("follow_up", ["make it shorter", "now in Go", "Why is that?", "and what about MySQL?"])
def test_real_follow_ups_after_an_expert_one_inherit_its_tier(follow_up):
    conv = [Message("user", EXPERT_REQUEST), Message("assistant", "Index the hot columns ..."),
            Message("user", follow_up)]
    v = classify(conv)
    assert "follow-up to an EXPERT request" in v.reasons and v.level.rank >= Complexity.COMPLEX.rank, v


def test_thanks_after_complex_turn_is_trivial():
    conv = [Message("user", COMPLEX_REQUEST), Message("assistant", "Here you go ..."), Message("user", "thanks!")]
    assert classify(conv).level is Complexity.TRIVIAL


def test_system_prompt_is_not_the_request():
    conv = [Message("system", "You are a senior lawyer. Give detailed legal analysis of GDPR, liability, "
                              "contracts and litigation risk for every question, with citations."),
            Message("user", "hi")]
    assert classify(conv).level is Complexity.TRIVIAL
    assert classify([{"role": "user", "content": "What are your hours?"}]).level is Complexity.SIMPLE


@pytest.mark.parametrize("text,low,high", [
    ("Hola, buenos días", 0, 0),
    ("merci beaucoup !", 0, 0),
    ("Danke schön!", 0, 0),
    ("Obrigado pela ajuda!", 0, 0),
    ("¿A qué hora abre la tienda los sábados?", 1, 1),
    ("Quelle est la capitale du Canada ?", 1, 1),
    ("Tu peux m'expliquer simplement comment fonctionne la photosynthèse ?", 2, 2),
    ("Erklär mir bitte, wie eine Wärmepumpe funktioniert.", 2, 2),
    ("Pode reescrever esta mensagem de forma mais formal? \"oi gente, a reunião de amanhã foi cancelada\"", 2, 2),
    ("Escribe un artículo de unas 1200 palabras sobre el teletrabajo, con ejemplos concretos y una conclusión.", 3, 3),
    ("Démontrez que la suite (1 + 1/n)^n converge et justifiez rigoureusement chaque étape.", 3, 4),
    ("Beweisen Sie, dass es unendlich viele Primzahlen gibt.", 3, 4),
])
def test_multilingual(text, low, high):
    assert low <= classify(text).level.rank <= high


def test_long_pasted_text_with_easy_task_is_judged_by_the_task():
    article = ("The city council met on Tuesday to discuss the new bike lanes. Residents spoke for and against "
               "the plan, and the council agreed to a six-month trial on two streets. ") * 120  # ~20k chars
    v = classify("Summarise this in two sentences:\n\n" + article)
    assert v.level.rank <= Complexity.MEDIUM.rank
    assert any("pasted" in r for r in v.reasons)
    q = classify("From our help page:\n\n" + article + "\n\nso how long is the trial?")
    assert q.level.rank <= Complexity.MEDIUM.rank
    code = "def f(x):\n    return [i * x for i in range(10)]\n" * 400
    assert classify("what language is this?\n\n```\n" + code + "```").level.rank <= Complexity.MEDIUM.rank
    hard = classify("Review this for security vulnerabilities before we deploy to production; it handles user "
                    "payments:\n\n```python\n" + code + "```")
    assert hard.level.rank >= Complexity.COMPLEX.rank
    ask, material, code_chars = split_ask("Summarise this:\n\n" + article)
    assert ask.startswith("Summarise") and material > 10_000 and code_chars == 0


def test_odd_inputs_do_not_crash():
    for text in ["?", "!!!", "🙂", "12345", "x" * 50_000, "a\n\n" * 5000, "```" * 101, "\"" * 300,
                 "Ω≈ç√∫˜µ≤≥÷", "ok " * 3000]:
        v = classify(text)
        assert v.level in Complexity.tiers() and 0.0 <= v.score <= 1.0
    assert classify([]).level is Complexity.TRIVIAL
    assert classify([Message("assistant", "Hello, how can I help?")]).level in Complexity.tiers()


def test_scores_are_continuous():
    prompts = ["Janet has 3 apples and buys 5 more. How many does she have?",
               "A train leaves at 3pm going 60 mph; another leaves at 4pm going 80 mph. When does the second "
               "catch up, and how far have they gone?",
               "A shop sells pens at $2 each and notebooks at $5 each. Sam buys twice as many pens as notebooks "
               "and spends $36. How many of each did he buy?"]
    scores = [classify(p).score for p in prompts]
    assert len(set(scores)) == len(scores)


# --------------------------------------------------------------------------------------------------
# Reasons: 1-3 short phrases, true of the prompt, most telling first
# --------------------------------------------------------------------------------------------------

ARTICLE = ("The city council met on Tuesday to discuss the new bike lanes. Residents spoke for and against the plan, "
           "and the council agreed to a six-month trial on two streets. ") * 30


@pytest.mark.parametrize("text,level,include,exclude", [
    ("How many legs does a spider have?", Complexity.SIMPLE, ["short factual question"], ["math"]),
    ("Write a 2000-word short story about a lighthouse keeper who finds a message in a bottle",
     Complexity.COMPLEX, ["long piece of writing"], ["code"]),
    ("Compare PostgreSQL and MongoDB for an e-commerce catalog, with trade-offs", Complexity.COMPLEX,
     ["comparison with trade-offs"], []),
    ("Design a distributed rate limiter handling 1M requests per second across three regions with strong "
     "consistency guarantees", Complexity.EXPERT, ["large-scale system design"], []),
    ("What is 17 * 23?", Complexity.SIMPLE, ["simple arithmetic"], []),
    ("convert 30 celsius to fahrenheit", Complexity.SIMPLE, ["unit conversion"], ["rewrite", "nothing to answer"]),
    ("Translate this into German: 'The meeting has moved to Friday at 10.'", Complexity.MEDIUM,
     ["rewrite or translate a short text"], []),
    ("Summarise this in two sentences:\n\n" + ARTICLE, None, ["long pasted text, easy task"], ["code"]),
    ("Why do cats purr?", Complexity.MEDIUM, ["asks for an explanation"], []),
    ("Write a haiku about the sea", Complexity.MEDIUM, ["short piece of writing"], ["code"]),
    ("Write a Python function that merges two sorted lists into one sorted list", Complexity.COMPLEX,
     ["asks for code"], []),
    ("Draft a privacy policy for our mobile fitness app", Complexity.COMPLEX, ["asks for a plan or document"],
     ["code"]),
    ("Does the basic plan include phone support?", Complexity.SIMPLE, ["short factual question"],
     ["plan or document"]),
    ("What does HTTP status code 503 mean?", Complexity.SIMPLE, [], ["code"]),
    ("What is the long-term capital gains tax rate in the US?", Complexity.SIMPLE, ["short factual question"],
     ["specialist domain"]),
    ("Is it legal for my landlord to keep my whole security deposit? He's threatening to sue me if I complain.",
     Complexity.EXPERT, ["judgement call with consequences", "specialist domain: law"], []),
    ("Prove that every finite integral domain is a field", Complexity.EXPERT, ["proof or derivation"], []),
    ("Our Elasticsearch cluster (40 nodes, 12 TB) has p99 search latency spiking to 3 s during indexing bursts. "
     "What should we tune?", Complexity.EXPERT, ["performance tuning at scale"], []),
    ("Review our OAuth login flow for security vulnerabilities before launch; tokens are stored in localStorage.",
     Complexity.EXPERT, ["security review"], []),
    ("hi there!", Complexity.TRIVIAL, ["greeting"], []),
])
def test_reasons_are_true_of_the_prompt(text, level, include, exclude):
    v = classify(text)
    if level is not None:
        assert v.level is level, (v.level, v.reasons)
    for phrase in include:
        assert phrase in v.reasons, v.reasons
    for word in exclude:
        assert not any(word in r for r in v.reasons), v.reasons
    if include:
        assert v.reasons[0] == include[0], v.reasons  # the most telling reason comes first


def test_reasons_are_short_readable_phrases():
    rows = load_labelled(DEV) + load_labelled(EXTRA)
    for r in rows:
        reasons = classify(r["prompt"]).reasons
        assert 1 <= len(reasons) <= 3, reasons
        assert len(set(reasons)) == len(reasons), reasons
        for phrase in reasons:
            assert phrase and len(phrase) <= 45 and "_" not in phrase, phrase
            assert phrase.count(",") <= 1, phrase  # a phrase, not a list of feature names


def test_follow_up_reason_names_the_anchor_tier():
    conv = [Message("user", COMPLEX_REQUEST), Message("assistant", "import pandas as pd\n..."),
            Message("user", "and now in Rust?")]
    v = classify(conv)
    assert v.reasons[0] == "follow-up to a COMPLEX request"
    assert "short factual question" not in v.reasons
