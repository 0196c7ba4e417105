"""The classifier package: each piece works on its own, data flows one way, and verdicts are unchanged.

`complexity_golden.jsonl` holds 41 verdicts (level, score, reasons) written by the classifier before it was
split into a package: prompts of every tier from the labelled sets and the sample set, other languages,
pasted text and code, odd inputs and conversations with follow-ups. A deliberate change to the classifier
rewrites that file (classify each entry's input again); an accidental one fails here.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from router_core.complexity import FEATURES, NF, TIER_BANDS, Complexity, classify
from router_core.types import Message

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "router_core" / "complexity"
GOLDEN = Path(__file__).with_name("complexity_golden.jsonl")
# The modules in the order the data flows through them: each may import only the ones before it.
FLOW = ["lexicon", "text", "matching", "features", "model", "reasons", "verdict", "conversation"]


def _golden() -> list[dict]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("row", _golden(), ids=lambda r: (str(r["input"])[:40] or "empty"))
def test_verdicts_match_the_golden_file(row):
    given = row["input"]
    messages = given if isinstance(given, str) else [Message(m["role"], m["content"]) for m in given]
    v = classify(messages)
    assert (v.level.value, v.score, list(v.reasons)) == (row["level"], row["score"], row["reasons"])


def test_golden_file_covers_every_tier_and_conversations():
    rows = _golden()
    assert len(rows) >= 40
    assert {r["level"] for r in rows} == {t.value for t in Complexity.tiers()}
    assert sum(isinstance(r["input"], list) for r in rows) >= 5


def test_every_module_has_one_job_and_stays_small():
    names = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert names == sorted(FLOW)
    for name in FLOW:
        module = importlib.import_module(f"router_core.complexity.{name}")
        assert module.__doc__ and module.__doc__.strip(), name
        lines = (PACKAGE / f"{name}.py").read_text(encoding="utf-8").count("\n")
        assert name == "lexicon" or lines <= 400, (name, lines)


def test_data_flows_forward():
    for i, name in enumerate(FLOW):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        siblings = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module}
        assert siblings <= set(FLOW[:i]), (name, siblings - set(FLOW[:i]))


def test_text_splits_the_ask_from_pasted_material():
    from router_core.complexity.text import fold, split_ask, tokenize

    assert fold("Qu’est-ce que c’est? What's UP") == "qu'est-ce que c'est? whats up"
    assert tokenize(fold("Sooo coool, 3.5 km")) == ["so", "col", "3.5", "km"]
    table = "\n".join(f"{i},{i * 7},{i * 13}" for i in range(40))
    ask, material, code_chars = split_ask("Which row has the largest total?\n\n" + table)
    assert ask == "Which row has the largest total?" and material >= len(table) and code_chars == 0


def test_matching_counts_categories_and_disambiguates():
    from router_core.complexity.matching import CAT, count_hits

    counts, social, first = count_hits(["thanks", "explain", "the", "pro", "plan"])
    assert counts[CAT["thanks"]] == 1 and counts[CAT["t_explain"]] >= 1 and social == 1 and first == 1
    assert counts[CAT["t_create"]] == 0  # "the pro plan": a noun, not a task
    assert count_hits(["plan", "a", "trip"])[0][CAT["t_create"]] == 1
    status = count_hits(["what", "does", "status", "code", "503", "mean"])[0]
    assert status[CAT["code_terms"]] == status[CAT["t_code"]] == 0  # "status code": not programming
    assert count_hits(["fix", "this", "code"])[0][CAT["code_terms"]] == 1


def test_features_give_one_vector_per_text():
    from router_core.complexity.features import F, analyse, extract_features, hashed_ngrams

    x, tokens = extract_features("Prove that every finite integral domain is a field")
    assert len(x) == NF == len(FEATURES) and tokens[0] == "prove"
    assert x[F["proof_ask"]] == 1.0 and x[F["no_request"]] == 0.0
    assert analyse("thanks!").social_only and not analyse("thanks! now explain DNS").social_only
    grams = hashed_ngrams(tokens, 64)
    assert grams == hashed_ngrams(list(tokens), 64) and all(0 <= h < 64 for h in grams)


def test_model_cuts_the_latent_difficulty_into_bands():
    from router_core.complexity.model import WEIGHTS_PATH, load_weights, tier_and_score

    assert WEIGHTS_PATH.parent == PACKAGE and WEIGHTS_PATH.is_file()
    model = load_weights()
    assert len(model["thresholds"]) == 4 and len(model["_w"]) == NF
    thresholds = [-2.0, 0.0, 2.0, 4.0]
    previous = -1.0
    for z in (-5.0, -1.0, 1.0, 3.0, 9.0):
        level, score = tier_and_score(z, thresholds)
        lo, hi = TIER_BANDS[level]
        assert lo <= score < hi and score > previous
        previous = score


def test_reasons_and_verdict_on_their_own():
    from router_core.complexity.features import analyse
    from router_core.complexity.model import default_model
    from router_core.complexity.reasons import reasons_for
    from router_core.complexity.verdict import judge

    text = "Compare PostgreSQL and MongoDB for an e-commerce catalog, with trade-offs"
    assert reasons_for(analyse(text), Complexity.COMPLEX)[0] == "comparison with trade-offs"
    verdict, analysis, z = judge(text, default_model())
    assert verdict == classify(text) and analysis.tokens[0] == "compare" and isinstance(z, float)


def test_cheap_checks_before_the_patterns_change_no_feature():
    """analyse runs some patterns only when the text has what they need (a digit, "(", a unit word, ...):
    on texts built from what they look for, every feature equals the pattern run on its own."""
    import math
    import random
    import re

    from router_core.complexity import features as f
    from router_core.complexity.text import squeeze

    repeat = re.compile(r"([a-z])\1{2,}")
    arith = re.compile(r"\d\s*(?:[-+*/x×]|plus|minus|times|divided by)\s*\d|\d\s*%\s*of\s*\d|\bof\s+\d")
    pieces = ["of", "off", "of\n2", "half of 30", "15% of 240", "%", "7 plus 8", "2+2", "4 * 5", "3 x 4", "x",
              "sin", "using", "cosine", "log", "blog", "ln", "exp", "=", "π", "(", ")", "(a)", "(ii)", "\n",
              "\n1.", "a)", "1)", "b.", "part 1", "party", "step 2", "question iv", "case b", "task", ":)",
              ";-p", "<3", "^^", "😀", "☀", "é", "words", "500 words", "3 pages", "2 lines", "online", "1,000",
              "99999", "10k", "3.5", "٣", "hello", "sooo", "aaaa", "a", "the", "?", ".", ",", " ", "  ", "\t"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice(("", " ")) for _ in range(rng.randint(1, 14)))
        a = f.analyse(text)
        rx, x = a.info["rx"], a.x
        assert x[f.F["parts"]] == math.log1p(len(f._PARTS.findall(rx))), text
        assert x[f.F["math_symbols"]] == math.log1p(len(f._MATHSYM.findall(rx))), text
        assert x[f.F["emoji"]] == (1.0 if f._EMOJI.search(a.ask[:300]) else 0.0), text
        assert x[f.F["arith"]] == (1.0 if arith.search(rx) else 0.0), text
        wanted = [int(num.replace(",", "")) * f._LEN_UNIT.get(unit, 1) for num, unit in f._WORDCOUNT.findall(rx)]
        assert a.info["req"] == max(wanted, default=0), text
        assert squeeze(text.lower()) == repeat.sub(r"\1", text.lower())


def test_difficulty_counts_the_words_it_reads():
    from router_core.complexity.features import F, analyse
    from router_core.complexity.model import LENGTH_FULL_WORDS, difficulty, reasoning_load

    for n in (0, 3, LENGTH_FULL_WORDS - 1, LENGTH_FULL_WORDS, LENGTH_FULL_WORDS + 1, 3 * LENGTH_FULL_WORDS):
        text = " Explain the clause\n" + "word " * n
        a = analyse(text)
        assert classify(text).difficulty == difficulty(len(text.split()), reasoning_load(a.x), a.x[F["parts"]])
