"""Features that carry meaning: one fixed-length vector (`FEATURES`) per text, plus what the reasons need.

Pleasantries (greetings, thanks, acknowledgements), question forms (factoid / how-why / yes-no), task verbs
by weight (explain, summarise, translate, rewrite < write, design, compare, debug, implement < prove, derive,
architect, audit), requested length, multi-part structure and constraints, code and requests for code, basic
vs advanced math, specialist domains with stakes (law, medicine, finance, security, large-scale systems,
research), personal situation + judgement asks, and the ask-vs-material balance; plus rubric concepts built
from them (a comparison that weighs trade-offs, large-scale system design, performance trouble in a large
system, a security review, a clinical case, structured extraction from a long input, a unit conversion).
`hashed_ngrams` gives the model a few hashed word n-grams on top.
"""

from __future__ import annotations

import math
import re
import zlib
from typing import Any, Sequence

from .lexicon import SOCIAL_CATS, STOP_WORDS
from .matching import CAT, INTERROGATIVES, WORDS, TokenOffsets, count_hits
from .text import REPEAT, TOKEN, fold, split_material

_WORDCOUNT = re.compile(
    r"(\d[\d,]*)\s*[- ]?\s*(words?|palabras|mots|worter|wortern|palavras|lines?|sentences?|paragraphs?|pages?)\b")
_BIGNUM = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:k|m|b|bn|mm|million|billion|tb|gb|pb|ms|req/s|rps|qps)\b"
                     r"|\b\d{1,3}(?:,\d{3})+\b|\b\d{5,}\b")
_PARTS = re.compile(r"\b(?:statement|scenario|part|question|case|step|claim|premise|task)\s*(?:\d|[ivx]+\b|[a-d]\b)"
                    r"|(?:^|\n)\s*(?:\d{1,2}|[a-h])[.)]\s|\(\s*(?:\d|[a-h]|i{1,3}|iv)\s*\)\s")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]|[:;]-?[)(dp]|<3|\\^\\^")
_MATHSYM = re.compile(r"[=^<>∫∑√≤≥≠∞πθλ∂∇]|\d\s*[-+*/x×]\s*\d|\b(?:sin|cos|log|ln|exp)\b")
_ARITH = re.compile(r"\d\s*(?:[-+*/x×]|plus|minus|times|divided by)\s*\d|\d\s*%\s*of\s*\d|\bof\s+\d")

_LEN_UNIT = {"word": 1, "words": 1, "palabras": 1, "mots": 1, "worter": 1, "wortern": 1, "palavras": 1,
             "line": 10, "lines": 10, "sentence": 20, "sentences": 20, "paragraph": 100, "paragraphs": 100,
             "page": 400, "pages": 400}

_RX_HEAD, _RX_TAIL = 700, 200  # the shorter window the pattern features scan


FEATURES: tuple[str, ...] = (
    "bias_len", "len_words", "very_short", "paste_log", "has_code", "paste_short_ask", "n_questions",
    "n_sentences", "n_commas", "n_numbers", "big_numbers", "money_pct", "math_symbols", "arith", "req_len",
    "req_len_small",
    "greet", "thanks", "ack", "bye", "praise", "social_frac", "content_words", "no_request", "emoji",
    "is_question", "wh_fact", "how_why", "yesno", "short_question", "request",
    "t_explain", "t_transform", "t_create", "t_analyze", "t_code", "t_expert", "n_task_kinds",
    "deliv_small", "deliv_big", "create_big", "depth", "tradeoff", "difference", "simple_hedge",
    "constraints", "multi_step", "code_terms", "code_ask", "code_algo", "t_math", "word_problem", "proof_ask", "parts",
    "medium_cue", "complex_cue", "expert_cue", "perf_tuning",
    "math_basic", "math_adv", "sci_adv", "sys_scale", "security", "law", "med", "fin", "research",
    "personal", "stakes", "judgement", "expert_word", "domain_hits", "domain_stakes", "followup", "refer",
    "unit_conv", "word_translation", "compare_ask", "tradeoff_compare", "scale_design", "perf_problem",
    "struct_extract", "domain_depth", "security_review", "clinical",
)
F = {n: i for i, n in enumerate(FEATURES)}  # feature name -> its index in the vector
NF = len(FEATURES)


class Analysis:
    """Features of one text plus what the reasons need."""

    __slots__ = ("x", "tokens", "counts", "ask", "material", "code_chars", "n_words", "social_only",
                 "is_followup", "info")

    def __init__(self, x: list[float], tokens: list[str], counts: list[int], ask: str, material: int,
                 code_chars: int, n_words: int, social_only: bool, is_followup: bool,
                 info: dict[str, Any] | None = None):
        self.info = info or {}
        self.x = x
        self.tokens = tokens
        self.counts = counts
        self.ask = ask
        self.material = material
        self.code_chars = code_chars
        self.n_words = n_words
        self.social_only = social_only
        self.is_followup = is_followup


def analyse(text: str) -> Analysis:
    """Split the text, match the lexicon over the ask and compute every feature (see the module docstring)."""
    ask, material, code_chars, choice = split_material(text)
    folded = REPEAT.sub(r"\1", fold(ask))
    tokens = TOKEN.findall(folded)
    pos = TokenOffsets(folded)  # token offsets, computed only if an ambiguous verb needs them
    rx = folded if len(folded) <= _RX_HEAD + _RX_TAIL else folded[:_RX_HEAD] + "\n" + folded[-_RX_TAIL:]
    counts, social_n, first = count_hits(tokens, pos, folded)
    c = counts
    n = len(tokens)
    x = [0.0] * NF
    unit_conv = n <= 16 and _unit_conversion(tokens)
    if unit_conv and c[CAT["t_transform"]]:
        c[CAT["t_transform"]] = max(0, c[CAT["t_transform"]] - tokens.count("convert"))
    content = [t for t in tokens if t not in STOP_WORDS and not t.isdigit()]
    n_content = len(content)
    q_marks = ask.count("?")
    first_tok = tokens[first] if first < n else ""
    two = " ".join(tokens[first:first + 2])
    starts_interrog = first_tok in INTERROGATIVES or two in INTERROGATIVES
    is_question = q_marks > 0 or starts_interrog or choice
    verbs = (c[CAT["t_explain"]] + c[CAT["t_transform"]] + c[CAT["t_create"]] + c[CAT["t_analyze"]]
             + c[CAT["t_code"]] + c[CAT["t_expert"]] + c[CAT["t_math"]])
    request = c[CAT["request"]] > 0
    social = sum(c[CAT[s]] for s in SOCIAL_CATS)
    math_syms = len(_MATHSYM.findall(rx))
    non_social_content = max(0, n_content - social_n)
    no_request = ((not is_question or (non_social_content == 0 and social_n * 2 >= n))
                  and verbs == 0 and not request and math_syms == 0 and not unit_conv)
    social_only = social > 0 and no_request and non_social_content <= 12 and material < 200

    x[F["bias_len"]] = 1.0 if n else 0.0
    x[F["len_words"]] = math.log1p(n)
    x[F["very_short"]] = 1.0 if n <= 3 else 0.0
    x[F["paste_log"]] = math.log1p(material) / 4.0
    x[F["has_code"]] = 1.0 if code_chars > 0 else 0.0
    x[F["paste_short_ask"]] = 1.0 if material > 150 and n <= 20 else 0.0
    x[F["n_questions"]] = min(q_marks, 4) / 2.0
    sentences = ask.count(". ") + ask.count("? ") + ask.count("! ") + ask.count("\n") + 1
    x[F["n_sentences"]] = math.log1p(min(sentences, 20))
    x[F["n_commas"]] = math.log1p(ask.count(",") + ask.count(";") + tokens.count("and"))
    digits = sum(1 for t in tokens if t[0].isdigit() or t in _NUMBER_WORDS)
    x[F["n_numbers"]] = math.log1p(digits)
    x[F["big_numbers"]] = math.log1p(len(_BIGNUM.findall(rx)))
    x[F["money_pct"]] = math.log1p(ask.count("$") + ask.count("%") + ask.count("€") + ask.count("£"))
    x[F["math_symbols"]] = math.log1p(math_syms)
    x[F["arith"]] = 1.0 if _ARITH.search(rx) else 0.0
    req = 0
    for num, unit in _WORDCOUNT.findall(rx):
        try:
            req = max(req, int(num.replace(",", "")) * _LEN_UNIT.get(unit, 1))
        except ValueError:
            pass
    x[F["req_len"]] = math.log10(req) if req >= 300 else 0.0
    x[F["req_len_small"]] = 1.0 if 0 < req < 300 else 0.0

    # Pleasantries only count when they are the message, not a preamble to a real request.
    substantive = (is_question or verbs or request) and non_social_content >= 2
    for name in ("greet", "thanks", "ack", "bye", "praise"):
        x[F[name]] = 0.0 if substantive else min(c[CAT[name]], 2) / 2.0
    x[F["social_frac"]] = min(1.0, social_n / n) if n else 1.0
    x[F["content_words"]] = math.log1p(non_social_content)
    x[F["no_request"]] = 1.0 if no_request else 0.0
    x[F["emoji"]] = 1.0 if _EMOJI.search(ask[:300]) else 0.0
    x[F["is_question"]] = 1.0 if is_question else 0.0
    x[F["wh_fact"]] = min(c[CAT["wh_fact"]], 2) / 2.0
    x[F["how_why"]] = min(c[CAT["how_why"]], 2) / 2.0
    polite = first_tok in ("can", "could", "would", "will") and tokens[first + 1:first + 2] in (["you"], ["u"])
    x[F["yesno"]] = 1.0 if first_tok in _YESNO_START and not polite else 0.0
    x[F["short_question"]] = 1.0 if is_question and n <= 12 and not verbs and not c[CAT["how_why"]] else 0.0
    x[F["request"]] = 1.0 if request else 0.0
    kinds = 0
    for name in ("t_explain", "t_transform", "t_create", "t_analyze", "t_code", "t_expert"):
        v = c[CAT[name]]
        kinds += v > 0
        x[F[name]] = min(v, 3) / 2.0
    x[F["n_task_kinds"]] = kinds / 2.0
    asked = verbs > 0 or request
    for name in ("deliv_small", "deliv_big"):  # a deliverable is only asked for next to a task verb
        x[F[name]] = math.log1p(c[CAT[name]]) if asked else 0.0
    x[F["t_math"]] = min(c[CAT["t_math"]], 3) / 2.0
    x[F["code_algo"]] = math.log1p(c[CAT["code_algo"]])
    x[F["word_problem"]] = 1.0 if (digits >= 2 and n >= 15 and c[CAT["math_basic"]] >= 1
                                    and (c[CAT["t_math"]] or is_question)) else 0.0
    x[F["parts"]] = math.log1p(len(_PARTS.findall(rx)))
    x[F["proof_ask"]] = 1.0 if c[CAT["t_expert"]] and (c[CAT["math_adv"]] or c[CAT["sci_adv"]]) else 0.0
    for name in ("depth", "tradeoff", "difference", "simple_hedge", "constraints",
                 "multi_step", "code_terms", "math_basic", "math_adv", "sci_adv", "sys_scale", "security", "law",
                 "med", "fin", "research", "stakes", "judgement", "expert_word", "followup", "refer"):
        x[F[name]] = math.log1p(c[CAT[name]])
    x[F["create_big"]] = 1.0 if c[CAT["t_create"]] and c[CAT["deliv_big"]] else 0.0
    x[F["code_ask"]] = 1.0 if c[CAT["code_terms"]] and (c[CAT["t_create"]] or c[CAT["t_code"]]) else 0.0
    x[F["personal"]] = math.log1p(min(c[CAT["personal"]], 8))
    specialist = [c[CAT[d]] > 0 for d in ("math_adv", "sci_adv", "sys_scale", "security", "law", "med", "fin")]
    x[F["domain_hits"]] = float(sum(specialist))
    high_stakes = c[CAT["security"]] or c[CAT["law"]] or c[CAT["med"]] or c[CAT["fin"]]
    x[F["domain_stakes"]] = 1.0 if high_stakes and (c[CAT["personal"]] >= 2 or c[CAT["stakes"]]
                                                     or c[CAT["judgement"]]) else 0.0
    has = lambda name: c[CAT[name]] > 0  # noqa: E731
    # Concepts the rubric names, each a small conjunction of the lexicon hits above: a comparison that weighs
    # trade-offs, large-scale system design, performance trouble in a large system, a security review, a
    # clinical case, structured extraction from a long input, a unit conversion or one-word translation.
    n_and = ask.count(",") + tokens.count("and")
    x[F["unit_conv"]] = 1.0 if unit_conv else 0.0
    x[F["word_translation"]] = 1.0 if has("word_tr") and n <= 14 else 0.0
    compare = has("cmp")
    x[F["compare_ask"]] = 1.0 if compare else 0.0
    tradeoff_compare = compare and (has("pick") or has("depth") or n_and >= 3 or c[CAT["cmp"]] >= 2)
    x[F["tradeoff_compare"]] = 1.0 if tradeoff_compare else 0.0
    sys_n = c[CAT["sys_scale"]]
    big = x[F["big_numbers"]] > 0
    scale_design = has("arch") and sys_n >= 2 and (big or sys_n >= 4)
    x[F["scale_design"]] = 1.0 if scale_design else 0.0
    perf = c[CAT["perf_verb"]]
    perf_problem = (has("perf_symptom") and sys_n >= 2 and (perf or is_question or has("how_why") or has("t_code"))
                    and (big or sys_n >= 3 or digits >= 2))
    x[F["perf_problem"]] = 1.0 if perf_problem else 0.0
    struct_extract = has("extract_v") and has("struct_target") and material >= 300
    x[F["struct_extract"]] = 1.0 if struct_extract else 0.0
    depth_dom = max(c[CAT["law"]], c[CAT["med"]], c[CAT["fin"]], c[CAT["security"]])
    x[F["domain_depth"]] = math.log1p(depth_dom)
    sec = c[CAT["security"]]
    explain_only = (has("t_explain") or has("how_why")) and sec < 3
    security_review = sec >= 1 and not explain_only and (
        has("t_expert") or (sec >= 2 and any(t in _REVIEW_WORDS for t in tokens)))
    x[F["security_review"]] = 1.0 if security_review else 0.0
    clinical = c[CAT["med"]] >= 3 and (is_question or has("judgement"))
    x[F["clinical"]] = 1.0 if clinical else 0.0
    # Rubric cues: one clear sign of a tier is enough to lift a prompt (the model adds evidence linearly;
    # these give it the "any of" the rubric uses).
    x[F["medium_cue"]] = 1.0 if (has("t_explain") or has("t_transform") or has("how_why")
                                  or (asked and has("deliv_small"))) else 0.0
    x[F["complex_cue"]] = 1.0 if (x[F["create_big"]] or x[F["code_ask"]] or req >= 300
                                   or (has("t_analyze") and (has("tradeoff") or has("depth")))
                                   or tradeoff_compare or struct_extract
                                   or (code_chars and (has("t_code") or has("t_transform") or has("t_create")))
                                   or (has("t_code") and (code_chars or has("code_terms")))) else 0.0
    x[F["perf_tuning"]] = 1.0 if (perf and sys_n - perf >= 2) or perf_problem else 0.0
    x[F["expert_cue"]] = 1.0 if (x[F["perf_tuning"]] or x[F["proof_ask"]] or has("research")
                                  or x[F["domain_stakes"]]
                                  or scale_design or security_review or clinical
                                  or (has("t_expert") and not has("t_transform"))
                                  or (has("expert_word") and (has("sys_scale") or has("security") or has("law")
                                                              or has("med") or has("fin") or has("math_adv")))
                                  or c[CAT["sys_scale"]] >= 3) else 0.0
    is_followup = (0 < n <= 10 and material < 100 and not social_only
                   and (c[CAT["followup"]] > 0 or c[CAT["refer"]] > 0 or tokens[0] in _CONJ
                        or (first < n and tokens[first] in _CONJ)))
    info = {"req": req, "first": first, "n_and": n_and, "rx": rx, "q": q_marks, "verbs": verbs, "pos": pos,
            "text": folded,
            "numerals": sum(1 for t in tokens if t[0].isdigit())}
    return Analysis(x, tokens, counts, ask, material, code_chars, n, social_only, is_followup, info)


_REVIEW_WORDS = frozenset("""review audit check assess evaluate pentest harden vulnerabilities vulnerability
    exploitable""".split())
_UNIT_JOIN = frozenset("""to in into is are per en em nach a""".split())
_HOW_MANY = frozenset("""how convert cuantos cuantas combien wieviel quantos quantas""".split())


def _unit_conversion(tokens: Sequence[str]) -> bool:
    """"convert 5 miles to km", "how many ounces in a cup", "70 f in celsius": two units and a join."""
    units = CAT["units"]
    idx = [i for i, t in enumerate(tokens) if units in WORDS.get(t, ())]
    if len(idx) < 2 or len({tokens[i] for i in idx}) < 2:
        return False
    if not any(t in _UNIT_JOIN for t in tokens[idx[0] + 1:idx[-1]]):
        return False
    return any(t[0].isdigit() or t in _HOW_MANY for t in tokens)


# A turn opening with one of these continues the previous one. Not "what" / "how": "What is the capital of
# France?" stands alone; "what about ..." / "how about ..." are follow-ups through the lexicon's phrases.
_CONJ = frozenset(("and", "y", "et", "und", "e", "same", "now", "also"))
_NUMBER_WORDS = frozenset("""two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty
    fifty sixty hundred thousand million half twice double triple quarter third thirds dozen dos tres cuatro cinco
    deux trois quatre cinq zwei drei vier funf duas""".split())
_YESNO_START = frozenset("""is are was were do does did can could would will should has have am isnt arent dont
    doesnt cant es est ist e pode puedo puedes kann""".split())


def hashed_ngrams(tokens: Sequence[str], dim: int) -> dict[int, float]:
    """Stable hashed unigrams + bigrams (crc32, not Python's salted hash), counts scaled to 1/sqrt(n)."""
    out: dict[int, float] = {}
    if dim <= 0 or not tokens:
        return out
    toks = tokens[:160]
    grams = [t for t in toks if t not in STOP_WORDS] + [a + " " + b for a, b in zip(toks, toks[1:])]
    w = 1.0 / math.sqrt(len(grams) or 1)
    for g in grams:
        h = zlib.crc32(g.encode()) % dim
        out[h] = out.get(h, 0.0) + w
    return out


def extract_features(text: str) -> tuple[list[float], list[str]]:
    """The hand-made feature vector (in `FEATURES` order) and the ask's tokens (for hashed n-grams)."""
    a = analyse(text)
    return a.x, a.tokens

