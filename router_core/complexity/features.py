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
from operator import itemgetter
from typing import Any, Sequence

from .lexicon import SOCIAL_CATS, STOP_WORDS
from .matching import CAT, INTERROGATIVES, WORDS, TokenOffsets, count_hits
from .text import TOKEN, fold, split_material, squeeze

# (a number starts after a non-digit: where a run's first digit fails, its later digits fail too)
_WORDCOUNT = re.compile(
    r"(?<!\d)(\d[\d,]*)\s*[- ]?\s*"
    r"(words?|palabras|mots|worter|wortern|palavras|lines?|sentences?|paragraphs?|pages?)\b")
_BIGNUM = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:k|m|b|bn|mm|million|billion|tb|gb|pb|ms|req/s|rps|qps)\b"
                     r"|\b\d{1,3}(?:,\d{3})+\b|\b\d{5,}\b")
_PART_WORDS = ("statement", "scenario", "part", "question", "case", "step", "claim", "premise", "task")
_PARTS = re.compile(rf"\b(?:{'|'.join(_PART_WORDS)})\s*(?:\d|[ivx]+\b|[a-d]\b)"
                    r"|(?:^|\n)\s*(?:\d{1,2}|[a-h])[.)]\s|\(\s*(?:\d|[a-h]|i{1,3}|iv)\s*\)\s")
# every `_PARTS` match past the text's start contains one of these (each starts with a fixed character, so re
# tries only where one is)
_PART_HINT = re.compile(r"\(|\n\s*(?:\d{1,2}|[a-h])[.)]\s|" + "|".join(rf"{w}\s*[\divxa-d]" for w in _PART_WORDS))
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]|[:;]-?[)(dp]|<3|\\^\\^")
_EMOJI_ASCII = (":", ";", "<3", "^^")  # what an ASCII text needs for `_EMOJI` to match
_MATH_SIGN = re.compile(r"[=^<>∫∑√≤≥≠∞πθλ∂∇]")
_DIGIT_OP = re.compile(r"\d\s*[-+*/x×]\s*\d")
_MATH_FUNC = re.compile(r"(?:sin|cos|log|ln|exp)\b")
_MATHSYM = re.compile(rf"{_MATH_SIGN.pattern}|{_DIGIT_OP.pattern}|\b{_MATH_FUNC.pattern}")
# arithmetic: "3 x 4", "7 plus 5", "15% of 240", "half of 30" (two patterns: one that starts with a digit is
# searched from digit to digit)
_ARITH = re.compile(r"\d\s*(?:[-+*/x×]|plus|minus|times|divided by|%\s*of)\s*\d")
_OF_NUMBER = re.compile(r"\bof\s+\d")

_LEN_UNIT = {"word": 1, "words": 1, "palabras": 1, "mots": 1, "worter": 1, "wortern": 1, "palavras": 1,
             "line": 10, "lines": 10, "sentence": 20, "sentences": 20, "paragraph": 100, "paragraphs": 100,
             "page": 400, "pages": 400}
# every unit `_WORDCOUNT` reads contains one of these
_UNIT_STEMS = ("word", "palabras", "mots", "worter", "palavras", "line", "sentence", "paragraph", "page")

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

# (feature index, category index): features that are a function of one lexicon count
_SOCIAL_X = tuple((F[n], CAT[n]) for n in SOCIAL_CATS)
_TASK_X = tuple((F[n], CAT[n]) for n in ("t_explain", "t_transform", "t_create", "t_analyze", "t_code", "t_expert"))
_DELIV_X = tuple((F[n], CAT[n]) for n in ("deliv_small", "deliv_big"))
_LOG_X = tuple((F[n], CAT[n]) for n in (
    "depth", "tradeoff", "difference", "simple_hedge", "constraints", "multi_step", "code_terms", "math_basic",
    "math_adv", "sci_adv", "sys_scale", "security", "law", "med", "fin", "research", "stakes", "judgement",
    "expert_word", "followup", "refer"))
# the lexicon counts `analyse` reads by name, in the order it unpacks them
_read_counts = itemgetter(*(CAT[n] for n in (
    "greet", "thanks", "ack", "bye", "praise", "request", "wh_fact", "how_why", "t_explain", "t_transform", "t_create",
    "t_analyze", "t_code", "t_expert", "t_math", "code_algo", "perf_verb", "deliv_small", "deliv_big", "depth",
    "tradeoff", "code_terms", "math_basic", "math_adv", "sci_adv", "sys_scale", "security", "law", "med", "fin",
    "research", "personal", "stakes", "judgement", "expert_word", "cmp", "pick", "perf_symptom", "arch", "extract_v",
    "struct_target", "word_tr", "followup", "refer")))
_T_TRANSFORM = CAT["t_transform"]


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
    folded = squeeze(fold(ask))
    tokens = TOKEN.findall(folded)
    pos = TokenOffsets(folded)  # token offsets, computed only if an ambiguous verb needs them
    rx = folded if len(folded) <= _RX_HEAD + _RX_TAIL else folded[:_RX_HEAD] + "\n" + folded[-_RX_TAIL:]
    counts, social_n, first = count_hits(tokens, pos, folded)
    c = counts
    n = len(tokens)
    x = [0.0] * NF  # a feature of zero counts stays 0.0
    unit_conv = n <= 16 and _unit_conversion(tokens)
    if unit_conv and c[_T_TRANSFORM]:
        c[_T_TRANSFORM] = max(0, c[_T_TRANSFORM] - tokens.count("convert"))
    (greet, thanks, ack, bye, praise, request, wh_fact, how_why, t_explain, t_transform, t_create, t_analyze, t_code,
     t_expert, t_math, code_algo, perf_verb, deliv_small, deliv_big, depth, tradeoff, code_terms, math_basic, math_adv,
     sci_adv, sys_scale, security, law, med, fin, research, personal, stakes, judgement, expert_word, cmp, pick,
     perf_symptom, arch, extract_v, struct_target, word_tr, followup, refer) = _read_counts(c)
    # tokens are letters ([a-z]+) or start with a digit; stop words are letters only
    numerals = n - sum(map(str.isalpha, tokens))
    n_content = n - sum(map(STOP_WORDS.__contains__, tokens)) - sum(map(str.isdigit, tokens))
    q_marks = ask.count("?")
    first_tok = tokens[first] if first < n else ""
    two = " ".join(tokens[first:first + 2])
    starts_interrog = first_tok in INTERROGATIVES or two in INTERROGATIVES
    is_question = q_marks > 0 or starts_interrog or choice
    verbs = t_explain + t_transform + t_create + t_analyze + t_code + t_expert + t_math
    requested = request > 0
    social = greet + thanks + ack + bye + praise
    # each math symbol is a sign, a digit-operator-digit or a function name
    math_syms = (len(_MATHSYM.findall(rx)) if _MATH_SIGN.search(rx) or _MATH_FUNC.search(rx)
                 or (numerals and _DIGIT_OP.search(rx)) else 0)
    non_social_content = max(0, n_content - social_n)
    no_request = ((not is_question or (non_social_content == 0 and social_n * 2 >= n))
                  and verbs == 0 and not requested and math_syms == 0 and not unit_conv)
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
    n_and = ask.count(",") + tokens.count("and")
    x[F["n_commas"]] = math.log1p(n_and + ask.count(";"))
    digits = numerals + sum(map(_NUMBER_WORDS.__contains__, tokens))
    x[F["n_numbers"]] = math.log1p(digits)
    # the number patterns all need a digit
    big_numbers = len(_BIGNUM.findall(rx)) if numerals else 0
    x[F["big_numbers"]] = math.log1p(big_numbers)
    x[F["money_pct"]] = math.log1p(ask.count("$") + ask.count("%") + ask.count("€") + ask.count("£"))
    x[F["math_symbols"]] = math.log1p(math_syms)
    arith = numerals and (_ARITH.search(rx) or ("of" in rx and _OF_NUMBER.search(rx)))
    x[F["arith"]] = 1.0 if arith else 0.0
    req = 0
    has_unit = numerals and any(map(rx.__contains__, _UNIT_STEMS))
    for num, unit in _WORDCOUNT.findall(rx) if has_unit else ():
        try:
            req = max(req, int(num.replace(",", "")) * _LEN_UNIT.get(unit, 1))
        except ValueError:
            pass
    x[F["req_len"]] = math.log10(req) if req >= 300 else 0.0
    x[F["req_len_small"]] = 1.0 if 0 < req < 300 else 0.0

    # Pleasantries only count when they are the message, not a preamble to a real request.
    substantive = (is_question or verbs or requested) and non_social_content >= 2
    if not substantive:
        for i, k in _SOCIAL_X:
            if c[k]:
                x[i] = min(c[k], 2) / 2.0
    x[F["social_frac"]] = min(1.0, social_n / n) if n else 1.0
    x[F["content_words"]] = math.log1p(non_social_content)
    x[F["no_request"]] = 1.0 if no_request else 0.0
    head = ask[:300]
    emoji = (not head.isascii() or any(map(head.__contains__, _EMOJI_ASCII))) and _EMOJI.search(head)
    x[F["emoji"]] = 1.0 if emoji else 0.0
    x[F["is_question"]] = 1.0 if is_question else 0.0
    x[F["wh_fact"]] = min(wh_fact, 2) / 2.0
    x[F["how_why"]] = min(how_why, 2) / 2.0
    polite = first_tok in ("can", "could", "would", "will") and tokens[first + 1:first + 2] in (["you"], ["u"])
    x[F["yesno"]] = 1.0 if first_tok in _YESNO_START and not polite else 0.0
    x[F["short_question"]] = 1.0 if is_question and n <= 12 and not verbs and not how_why else 0.0
    x[F["request"]] = 1.0 if requested else 0.0
    kinds = 0
    for i, k in _TASK_X:
        v = c[k]
        if v:
            kinds += 1
            x[i] = min(v, 3) / 2.0
    x[F["n_task_kinds"]] = kinds / 2.0
    asked = verbs > 0 or requested
    if asked:  # a deliverable is only asked for next to a task verb
        for i, k in _DELIV_X:
            if c[k]:
                x[i] = math.log1p(c[k])
    x[F["t_math"]] = min(t_math, 3) / 2.0
    x[F["code_algo"]] = math.log1p(code_algo)
    x[F["word_problem"]] = 1.0 if (digits >= 2 and n >= 15 and math_basic >= 1 and (t_math or is_question)) else 0.0
    x[F["parts"]] = math.log1p(_count_parts(rx))
    proof_ask = t_expert and (math_adv or sci_adv)
    x[F["proof_ask"]] = 1.0 if proof_ask else 0.0
    for i, k in _LOG_X:
        if c[k]:
            x[i] = math.log1p(c[k])
    create_big = t_create and deliv_big
    x[F["create_big"]] = 1.0 if create_big else 0.0
    code_ask = code_terms and (t_create or t_code)
    x[F["code_ask"]] = 1.0 if code_ask else 0.0
    x[F["personal"]] = math.log1p(min(personal, 8))
    x[F["domain_hits"]] = float(sum(map(bool, (math_adv, sci_adv, sys_scale, security, law, med, fin))))
    high_stakes = security or law or med or fin
    domain_stakes = high_stakes and (personal >= 2 or stakes or judgement)
    x[F["domain_stakes"]] = 1.0 if domain_stakes else 0.0
    # Concepts the rubric names, each a small conjunction of the lexicon hits above: a comparison that weighs
    # trade-offs, large-scale system design, performance trouble in a large system, a security review, a
    # clinical case, structured extraction from a long input, a unit conversion or one-word translation.
    x[F["unit_conv"]] = 1.0 if unit_conv else 0.0
    x[F["word_translation"]] = 1.0 if word_tr and n <= 14 else 0.0
    x[F["compare_ask"]] = 1.0 if cmp else 0.0
    tradeoff_compare = cmp and (pick or depth or n_and >= 3 or cmp >= 2)
    x[F["tradeoff_compare"]] = 1.0 if tradeoff_compare else 0.0
    big = big_numbers > 0
    scale_design = arch and sys_scale >= 2 and (big or sys_scale >= 4)
    x[F["scale_design"]] = 1.0 if scale_design else 0.0
    perf_problem = (perf_symptom and sys_scale >= 2 and (perf_verb or is_question or how_why or t_code)
                    and (big or sys_scale >= 3 or digits >= 2))
    x[F["perf_problem"]] = 1.0 if perf_problem else 0.0
    struct_extract = extract_v and struct_target and material >= 300
    x[F["struct_extract"]] = 1.0 if struct_extract else 0.0
    x[F["domain_depth"]] = math.log1p(max(law, med, fin, security))
    explain_only = (t_explain or how_why) and security < 3
    security_review = security >= 1 and not explain_only and (
        t_expert or (security >= 2 and not _REVIEW_WORDS.isdisjoint(tokens)))
    x[F["security_review"]] = 1.0 if security_review else 0.0
    clinical = med >= 3 and (is_question or judgement)
    x[F["clinical"]] = 1.0 if clinical else 0.0
    # Rubric cues: one clear sign of a tier is enough to lift a prompt (the model adds evidence linearly;
    # these give it the "any of" the rubric uses).
    x[F["medium_cue"]] = 1.0 if t_explain or t_transform or how_why or (asked and deliv_small) else 0.0
    x[F["complex_cue"]] = 1.0 if (create_big or code_ask or req >= 300 or (t_analyze and (tradeoff or depth))
                                   or tradeoff_compare or struct_extract
                                   or (code_chars and (t_code or t_transform or t_create))
                                   or (t_code and (code_chars or code_terms))) else 0.0
    perf_tuning = (perf_verb and sys_scale - perf_verb >= 2) or perf_problem
    x[F["perf_tuning"]] = 1.0 if perf_tuning else 0.0
    x[F["expert_cue"]] = 1.0 if (perf_tuning or proof_ask or research or domain_stakes
                                  or scale_design or security_review or clinical
                                  or (t_expert and not t_transform)
                                  or (expert_word and (sys_scale or security or law or med or fin or math_adv))
                                  or sys_scale >= 3) else 0.0
    is_followup = (0 < n <= 10 and material < 100 and not social_only
                   and (followup > 0 or refer > 0 or tokens[0] in _CONJ or (first < n and tokens[first] in _CONJ)))
    info = {"req": req, "first": first, "n_and": n_and, "rx": rx, "q": q_marks, "verbs": verbs, "pos": pos,
            "text": folded, "numerals": numerals}
    return Analysis(x, tokens, counts, ask, material, code_chars, n, social_only, is_followup, info)


def _count_parts(rx: str) -> int:
    """How many sub-parts `_PARTS` finds (without a `_PART_HINT` there is at most the one at the start)."""
    if _PART_HINT.search(rx):
        return len(_PARTS.findall(rx))
    return 1 if _PARTS.match(rx) else 0


_REVIEW_WORDS = frozenset("""review audit check assess evaluate pentest harden vulnerabilities vulnerability
    exploitable""".split())
_UNIT_JOIN = frozenset("""to in into is are per en em nach a""".split())
_HOW_MANY = frozenset("""how convert cuantos cuantas combien wieviel quantos quantas""".split())


_UNIT_WORDS = frozenset(w for w, ks in WORDS.items() if CAT["units"] in ks)


def _unit_conversion(tokens: Sequence[str]) -> bool:
    """"convert 5 miles to km", "how many ounces in a cup", "70 f in celsius": two units and a join."""
    idx = [i for i, t in enumerate(tokens) if t in _UNIT_WORDS]
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

