"""Reasons: 1-3 short phrases that say why a prompt got its tier, each a rubric concept true of the prompt.

A reason is a short phrase a person can check against the prompt ("comparison with trade-offs", "short
factual question", "long pasted text, easy task"). Each one below is a concept of the rubric with its own
test on the analysis (never "the feature with the largest weight"), and belongs to the tier it argues for.
A verdict names the concepts of its own tier first (most telling first), then supporting ones from the tier
below; a phrase that argues for a higher tier than the verdict is never shown (a SIMPLE tax question does
not say "specialist domain: finance").
"""

from __future__ import annotations

import re
from typing import Any

from ..types import Complexity
from .features import F, Analysis
from .lexicon import SOCIAL_CATS
from .matching import AMBIGUOUS_VERBS, CAT, WORDS, is_verb_position

_RX_EXPLAIN = re.compile(r"\b(?:explain|explic|expliq|erklar|describ|decri|beschreib|descrev|eli5|tell me about|"
                         r"walk me through|help me understand|teach me|in (?:plain english|simple terms)|"
                         r"how does|how do (?!i\b|we\b|you say)|why\b|causes of|what causes|reasons (?:for|why)|"
                         r"warum|pourquoi|"
                         r"por que|como funciona|comment fonctionne|wie funktioniert)")
_RX_HOWTO = re.compile(r"\bhow (?:do|can|should) (?:i|we)\b|\bhow to\b|\bsteps (?:to|for)\b|\bcomo (?:hago|puedo)\b"
                       r"|\bcomment (?:faire|je)\b|\bwie kann ich\b|\bcomo (?:faco|posso)\b")
_RX_REWRITE = re.compile(r"\b(?:rewrite|rewriting|rephrase|paraphrase|reword|proofread|proof read|translat|tradu|"
                         r"ubersetz|polish|more (?:professional|formal|casual|concise)|less formal|punchier|"
                         r"catchier|snappier|friendlier|fix the grammar|grammar|spelling|typos|shorten|simplify|"
                         r"make (?:this|it) (?:sound|more|less|shorter|longer|\w+er)\b|reescrev|reescrib|reecri|"
                         r"reformul|umschreib|edit (?:this|the|my)|correct (?:this|the|any|my)|grammatical|"
                         r"clean up|reformat)")
_RX_SUMMARY = re.compile(r"\b(?:summar|summaris|sum up|tl ?dr|takeaways|key points|gist|condense|"
                         r"zusammenfass|fasse|resum(?:ir|en|ez|o)\b|"
                         r"resume (?:este|esta|esto|ce|cet|cette|le|la|isto|esse))")
_RX_DEFINE = re.compile(r"\b(?:stand for|stands for|define|definition of|meaning of|what does .{1,40} mean)\b")
_RX_LIST = re.compile(r"\b(?:\d+|a few|some|three|five|ten) (?:\w+ ){0,2}(?:ideas|tips|examples|suggestions|names|"
                      r"ways|questions|options|bullet points|films|books|places|names)\b|"
                      r"\blist (?:the|some|a few|\d+)\b|\bsuggest\b|\bwhat are (?:some|a few)\b")
_RX_DEBUG = re.compile(r"\b(?:debug|fix|bug|bugs|error(?!s? handling)|errors(?! handling)|crash|crashes|traceback|"
                       r"stack trace|exception|"
                       r"whats wrong|what is wrong|doesnt work|not working|wont compile|re renders|returns a 500)\b")
_WRITING = frozenset("""story stories essay essays poem poems article articles blog novel chapter letter speech
    screenplay lyrics song toast haiku limerick email tweet post caption copy""".split())
_LANGS = frozenset("""python javascript js typescript java kotlin swift cpp csharp rust golang ruby php scala
    haskell sql bash shell powershell html css react vue angular node django flask fastapi pandas numpy pytest
    solidity vba""".split())
_CODE_NOUNS = frozenset("""function functions script query queries api endpoint class method component algorithm code
    snippet program app scraper parser module cli bot tests regex macro""".split())
_APPISH = frozenset(("app", "api"))
_CODE_VERBS = frozenset("""implement implementing code coding debug debugging refactor refactoring fix fixing compile
    vectorize parallelize program programming""".split())
_PROSE_DELIV = frozenset("""analysis comparison overview explanation summary review evaluation assessment critique
    breakdown advice""".split())  # a product, not necessarily code ("a privacy policy for our app")
_SMALL_WRITING = frozenset("""tweet post email mail message note text caption slogan tagline headline title poem haiku
    limerick sentence paragraph description bio reply joke toast card blurb announcement memo invitation correo
    courriel mensaje mensagem nachricht recado""".split())
_RX_CONTRAST = re.compile(r"\b(?:compar\w*|contrast|versus|vs|between|which|or|frente|oder|ou|o)\b")
_PLAN_DOCS = frozenset("""plan plans guide report proposal policy strategy itinerary curriculum syllabus roadmap
    playbook runbook sop document documentation whitepaper spec specification prd contract agreement template
    templates outline checklist schedule budget campaign deck presentation requirements library
    taxonomy workflow""".split())

_PHRASE = {"greet": "greeting", "thanks": "thanks", "ack": "acknowledgement", "bye": "farewell", "praise": "praise"}
_PROVE = frozenset("""prove proving demonstrate derive demontrez demontrer demuestra demuestre beweise beweisen
    demonstre""".split())
_PHRASE_END = frozenset("""for about with that which who on in of using from to by where so because including
    covering explaining""".split())
_DELIVERABLES = _SMALL_WRITING | _WRITING | _PLAN_DOCS | _CODE_NOUNS | _PROSE_DELIV | _LANGS
_RX_MATH = re.compile(r"\b(?:solve|calculate|compute|simplify|integrate|differentiate|factor|what is the probability|"
                      r"find the (?:value|area|sum|number|probability|derivative|integral))\b")
# matches wherever one of the patterns the MEDIUM concepts look for matches
_RX_MEDIUM = re.compile("|".join(f"(?:{r.pattern})" for r in (_RX_HOWTO, _RX_SUMMARY, _RX_REWRITE, _RX_EXPLAIN,
                                                               _RX_MATH, _RX_LIST)))
_TIER_FALLBACK = {0: "nothing to answer", 2: "general-knowledge request", 3: "substantial task",
                  4: "specialist depth"}
_DOMAIN_PHRASE = (("law", "specialist domain: law"), ("med", "specialist domain: medicine"),
                  ("fin", "specialist domain: finance"), ("security", "specialist domain: security"))


_T_CREATE = CAT["t_create"]
_CREATE_VERBS = frozenset(w for w, ks in WORDS.items() if _T_CREATE in ks)
_ALL_TIERS = frozenset(range(5))


def _deliverable(a: Analysis) -> str | None:
    """What a creation verb asks for: the last deliverable noun of the phrase after "write/create/plan ..."
    ("Write a 5-email drip campaign for ..." -> campaign, "Draft a privacy policy for our app" -> policy)."""
    if not a.counts[_T_CREATE]:  # no creation verb anywhere (the lexicon counts each one it finds)
        return None
    toks = a.tokens
    pos, text = a.info.get("pos"), a.info.get("text", "")
    for i, t in enumerate(toks[:120]):
        if t not in _CREATE_VERBS or (t in AMBIGUOUS_VERBS and not is_verb_position(i, toks, pos, text)):
            continue
        found = None
        for u in toks[i + 1:i + 9]:
            if u in _PHRASE_END:
                break
            if u in _DELIVERABLES:
                found = u
        if found:
            return found
    return None


def _concepts(a: Analysis, tiers: frozenset[int] = _ALL_TIERS) -> list[tuple[str, int]]:
    """Every rubric concept of these tiers that is true of the prompt, as (phrase, tier), most telling first
    within a tier."""
    x, c, info = a.x, a.counts, a.info
    rx = info.get("rx", "")
    toks = set(a.tokens)
    has = lambda name: c[CAT[name]] > 0  # noqa: E731
    f = lambda name: x[F[name]] > 0  # noqa: E731
    n = a.n_words
    out: list[tuple[str, int]] = []

    def add(cond: Any, phrase: str, tier: int) -> None:
        if cond:
            out.append((phrase, tier))

    # EXPERT
    if 4 in tiers:
        add(f("proof_ask"), "proof or derivation", 4)
        add(f("scale_design"), "large-scale system design", 4)
        add(f("perf_tuning"), "performance tuning at scale", 4)
        add(f("security_review"), "security review", 4)
        add(f("domain_stakes") and has("judgement"), "judgement call with consequences", 4)
        add(has("research") and (has("sci_adv") or has("math_adv") or c[CAT["research"]] >= 2),
            "research-level question", 4)
        add(c[CAT["math_adv"]] >= 2 and c[CAT["math_adv"]] >= c[CAT["sys_scale"]] and not f("arith"),
            "advanced math", 4)
        add(has("sci_adv"), "specialist science", 4)
        add(c[CAT["sys_scale"]] >= 3 and not (f("scale_design") or f("perf_tuning")), "advanced systems engineering", 4)
        add(f("clinical"), "clinical case", 4)
        top = max(c[CAT[cat]] for cat, _ in _DOMAIN_PHRASE)
        for cat, phrase in _DOMAIN_PHRASE:
            k = c[CAT[cat]]
            add(k >= 2 or (k >= 1 and k == top and f("domain_stakes")), phrase, 4)
        add(f("domain_stakes") and has("stakes"), "high stakes", 4)
    # COMPLEX
    deliv = _deliverable(a)
    code_nouns = toks & _CODE_NOUNS
    if deliv is None:
        writing = bool(toks & _WRITING)
        docish = writing or bool(toks & _PLAN_DOCS) or bool(toks & _PROSE_DELIV)
        code = f("code_ask") and not (has("arch") and not has("t_code")) and (
            bool(toks & _CODE_VERBS) or (has("t_create") and bool(code_nouns - _APPISH
                                                                 or (not docish and (code_nouns or toks & _LANGS)))))
        plan_doc = small = writing = False  # a document or piece of writing is named only when the verb asks for it
    else:
        code = deliv in _CODE_NOUNS or deliv in _LANGS or (f("code_ask") and bool(toks & _CODE_VERBS))
        small = deliv in _SMALL_WRITING and not code
        plan_doc = deliv in _PLAN_DOCS and not code
        writing = deliv in _WRITING and not small and not code
    if 3 in tiers:
        debug = (code or a.code_chars > 0) and bool(_RX_DEBUG.search(rx))
        if f("tradeoff_compare"):
            contrast = bool(_RX_CONTRAST.search(rx))
            add(True, "comparison with trade-offs" if has("pick") and contrast
                else "weighs trade-offs" if has("pick") else "detailed comparison", 3)
        add(f("struct_extract"), "structured extraction from a long input", 3)
        add(debug, "debug or fix code", 3)
        add(code and not debug, "asks for code", 3)
        add(a.code_chars > 0 and (has("t_code") or has("t_create") or has("t_transform")) and not code and not debug,
            "works on pasted code", 3)
        add(has("arch") and has("code_terms") and not code and not f("scale_design"), "technical design", 3)
        add(info.get("req", 0) >= 300 and has("t_create"), "long piece of writing", 3)
        add(plan_doc, "asks for a plan or document", 3)
        add(writing and info.get("req", 0) < 300, "substantial writing", 3)
        add(has("t_expert") and bool(toks & _PROVE) and not f("proof_ask"), "asks for a proof", 3)
        add(f("compare_ask") and not f("tradeoff_compare"), "asks for a comparison", 3)
        multi = (f("parts") or info.get("q", 0) >= 2
                 or (info.get("n_and", 0) >= 3 and (info.get("verbs", 0) or x[F["request"]])))
        add(has("t_analyze") and multi and n >= 12, "multi-part analysis", 3)
        add(multi and n >= 20 and not has("t_analyze"), "multi-part request", 3)
    # MEDIUM
    medium: list[tuple[str, int]] = []
    if 2 in tiers or 1 in tiers:
        # one scan for all of them first: most prompts have none
        found = (lambda pattern: bool(pattern.search(rx))) if _RX_MEDIUM.search(rx) else (lambda pattern: False)
        howto = found(_RX_HOWTO)
        summary = found(_RX_SUMMARY) and not f("unit_conv")
        rewrite = found(_RX_REWRITE) and not f("unit_conv")
        for cond, phrase in (
                (f("word_problem") and info.get("numerals", 0) >= 2 and not has("t_analyze") and not has("cmp")
                 and c[CAT["sys_scale"]] < 2, "multi-step word problem"),
                (summary, "asks for a summary"),
                (rewrite, "rewrite or translate a short text"),
                (f("difference"), "asks how two things differ"),
                (howto, "short how-to"),
                (n > 3 and not f("word_translation")
                 and ((has("how_why") and not howto) or found(_RX_EXPLAIN)), "asks for an explanation"),
                (small and not rewrite, "short piece of writing"),
                (found(_RX_MATH) or (has("t_math") and f("math_symbols") and not f("word_problem")),
                 "math problem to solve"),
                (found(_RX_LIST) and not summary, "short list or ideas")):
            if cond:
                medium.append((phrase, 2))
    if 2 in tiers:
        out += medium
    # SIMPLE (only when nothing asks for more than a short answer)
    if 1 in tiers and not medium:
        add(f("arith") and not f("word_problem") and n <= 20, "simple arithmetic", 1)
        add(f("unit_conv"), "unit conversion", 1)
        add(f("word_translation"), "one-word translation", 1)
        add(n <= 12 and bool(_RX_DEFINE.search(rx)), "asks for a definition", 1)
        add(f("is_question") and n <= 15 and not has("how_why")
            and (f("wh_fact") or f("yesno") or f("short_question")), "short factual question", 1)
    # TRIVIAL
    if 0 in tiers:
        for cat in SOCIAL_CATS:
            add(x[F[cat]] > 0, _PHRASE[cat], 0)
        add(f("no_request") and not a.social_only and n <= 12, "nothing to answer", 0)
    return out


def reasons_for(a: Analysis, level: Complexity, floor: str | None = None) -> list[str]:
    """1-3 short phrases, most telling first: the verdict's own tier, then the tier below (see the module doc).

    `floor` is the rubric rule that lifted the verdict to EXPERT, if one did; it is named first."""
    rank = level.rank
    if a.social_only:
        kinds = [p for p in SOCIAL_CATS if a.x[F[p]] > 0 or a.counts[CAT[p]] > 0]
        return [_PHRASE[k] for k in kinds[:2]] or ["pleasantry"]
    # the verdict's tier, the one below and (for COMPLEX) the specialist ones above are the candidates
    concepts = _concepts(a, frozenset((rank, rank - 1, 4)) if rank == 3 else frozenset((rank, rank - 1)))
    out: list[str] = [floor] if floor else []
    if a.material > 400 and rank <= 2:
        out.append("long pasted text, easy task")
    same = [p for p, t in concepts if t == rank]
    below = [p for p, t in concepts if t == rank - 1]
    # a COMPLEX verdict may name the specialist field it touches ("asks for a plan or document",
    # "specialist domain: law"); otherwise nothing above the verdict's tier is named.
    support = [p for p, t in concepts if t == 4 and rank == 3
               and (p.startswith("specialist") or p in ("advanced math", "advanced systems engineering"))]
    for p in same + support + below:
        if p not in out:
            out.append(p)
    if not out:  # the model weighed the evidence differently: name the nearest true concept
        near = sorted(_concepts(a), key=lambda pt: (abs(pt[1] - rank), pt[1] > rank))
        out = [p for p, t in near if t != 0 or rank == 0][:1]
    if a.material > 400 and rank >= 3:
        out = out[:2] + ["pasted code" if a.code_chars else "long pasted input"]
    elif a.code_chars and out and "pasted code" not in out:
        out = out[:2] + ["pasted code"]
    if not out:
        if rank == 1:
            out = ["short question" if a.x[F["is_question"]] else "short, simple request"]
        else:
            out = [_TIER_FALLBACK[rank]]
    return out[:3]

