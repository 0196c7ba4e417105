"""Lexicon matching: compile the word lists into lookup tables and count each category's hits in a token list.

A few words are disambiguated by their neighbours: a task verb that is also a noun ("plan", "review") counts
as a verb only where a verb goes, "status code" is not programming, "treatment group" is not medicine,
"multi-tenant" and "smart contract" are not law, and drug names are recognised by their INN stems.
"""

from __future__ import annotations

from functools import lru_cache

from .lexicon import LEXICON, SOCIAL_CATS
from .text import TOKEN, fold, tokenize

CATEGORIES = list(LEXICON)
CAT = {c: i for i, c in enumerate(CATEGORIES)}  # category name -> its index in the counts


def _compile_lexicons() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[tuple[str, int], ...]],
                                 dict[str, tuple[tuple[tuple[str, ...], int], ...]]]:
    """Word -> category ids; 4-letter start -> (prefix, id); first word of a phrase -> (rest of it, id)."""
    uni: dict[str, list[int]] = {}
    pre: dict[str, list[tuple[str, int]]] = {}
    phr: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for cat, spec in LEXICON.items():
        k = CAT[cat]
        for entry in spec.split(","):
            entry = entry.strip()
            if not entry:
                continue
            if entry.endswith("*"):
                stem = fold(entry[:-1])
                pre.setdefault(stem[:4], []).append((stem, k))
                continue
            toks = tokenize(fold(entry))
            if not toks:
                continue
            if len(toks) == 1:
                lst = uni.setdefault(toks[0], [])
                if k not in lst:
                    lst.append(k)
            else:
                phr.setdefault(toks[0], []).append((tuple(toks[1:]), k))
    return ({w: tuple(v) for w, v in uni.items()}, {p: tuple(v) for p, v in pre.items()},
            {w: tuple(v) for w, v in phr.items()})


WORDS, PREFIXES, PHRASES = _compile_lexicons()


# second word of a phrase -> (the words after it, category id) per phrase; `_PHRASE_TABLES` keys these by first word
PhraseTables = dict[str, tuple[tuple[tuple[str, ...], int], ...]]


def _phrases_by_next_word() -> dict[str, PhraseTables]:
    """`PHRASES` keyed by their second word too: one lookup finds the phrases a token can start where it is."""
    out: dict[str, PhraseTables] = {}
    for w, lst in PHRASES.items():
        by_next: dict[str, tuple[tuple[tuple[str, ...], int], ...]] = {}
        for rest, k in lst:
            by_next[rest[0]] = by_next.get(rest[0], ()) + ((rest[1:], k),)
        out[w] = by_next
    return out


_PHRASE_TABLES = _phrases_by_next_word()
SOCIAL_IDS = frozenset(CAT[c] for c in SOCIAL_CATS)
_INTERROG_IDS = CAT["interrog"]
_VERB_IDS = frozenset(CAT[c] for c in ("t_explain", "t_transform", "t_create", "t_analyze", "t_code",
                                        "t_math", "arch", "extract_v"))
_CODE_IDS = frozenset((CAT["code_terms"], CAT["t_code"]))
_MED = CAT["med"]
_MED_IDS = frozenset((_MED,))
_LAW_IDS = frozenset((CAT["law"],))

# Words that are a task verb only in the imperative ("Plan a trip", "help me review", "how to design") and a
# noun elsewhere ("the Pro plan", "interest rate", "a code review", "word count"). As nouns they do not count as
# task verbs; they still count as deliverables or domain words.
AMBIGUOUS_VERBS = frozenset("""plan design model review rate rank list format sort count edit correct code test
    tests label tag group profile outline estimate forecast deploy build draft resume tone produce cluster
    make""".split())
_VERB_PREV = frozenset("""please pls plz you u me lets and then also now just help dont quickly briefly carefully
    properly pl""".split())
_ASKER = frozenset("i we me us you u".split())
_CLAUSE_END = frozenset(".!?:;\n(*-\u2022\"'>")
# "code" as in "status code", "discount code", "6-digit code": not programming.
_CODE_NOUN_PREV = frozenset("""status discount promo zip postal area dress qr coupon verification error tax country
    digit gift access reset security confirmation tracking sms referral voucher activation pin bar morse""".split())
# "treatment group", "treatment users": an experiment, not medicine.
_EXPERIMENT_NEXT = frozenset("group groups users arm arms variant effect effects".split())
# International nonproprietary drug-name stems: a token ending in one of these is almost always a medicine.
_DRUG_SUFFIX = ("pril", "sartan", "olol", "statin", "formin", "gliptin", "azole", "cillin", "mycin", "cycline",
                "floxacin", "prazole", "tidine", "oxetine", "traline", "azepam", "azolam", "parin", "semide",
                "thiazide", "profen", "codone", "morphone", "triptan", "setron", "lukast", "afil", "tinib", "zumab",
                "ximab", "ivir", "navir", "dronate", "glutide", "flozin", "olone", "asone", "xaban", "pine")


class TokenOffsets:
    """Start offsets of the tokens of `text`, computed on first use."""

    __slots__ = ("text", "_pos")

    def __init__(self, text: str):
        self.text = text
        self._pos: list[int] | None = None

    def __getitem__(self, i: int) -> int:
        if self._pos is None:
            self._pos = [m.start() for m in TOKEN.finditer(self.text)]
        return self._pos[i]


def is_verb_position(i: int, tokens: list[str], pos: "TokenOffsets | list[int] | None", text: str) -> bool:
    """Is tokens[i] where an imperative verb goes: the start of a clause, or after "please", "can you", ...?"""
    if i == 0:
        return True
    if tokens[i - 1] in _VERB_PREV:
        return True
    if tokens[i - 1] == "to":  # "I want you to plan", "I need to plan"; not "he wants to make", "how to plan"
        return any(t in _ASKER for t in tokens[max(0, i - 3):i - 1])
    if pos is None:
        return False
    j = pos[i] - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    return j < 0 or text[j] in _CLAUSE_END


@lru_cache(maxsize=1 << 14)
def _lookup(t: str) -> tuple[tuple[int, ...] | None, tuple[int, ...], PhraseTables | None]:
    """A token's word categories, its categories by prefix or drug-name stem, and the phrases it starts."""
    stems: tuple[int, ...] = ()
    if len(t) >= 4:
        stems = tuple(k for stem, k in PREFIXES.get(t[:4], ()) if t.startswith(stem))
        if len(t) >= 7 and t.endswith(_DRUG_SUFFIX):
            stems += (_MED,)
    return WORDS.get(t), stems, _PHRASE_TABLES.get(t)


_NO_IDS: frozenset[int] = frozenset()
# the words whose categories depend on their neighbours (see `_skipped_ids`)
_NEIGHBOUR_WORDS = AMBIGUOUS_VERBS | {"code", "codes", "treatment", "tenant", "tenants", "contract", "contracts", "k"}


def _skipped_ids(i: int, tokens: list[str], pos: "TokenOffsets | list[int] | None", text: str) -> frozenset[int]:
    """The categories tokens[i] does not count for here: a noun where a verb would be, "status code", ..."""
    t = tokens[i]
    skip = _NO_IDS
    if t in AMBIGUOUS_VERBS and not is_verb_position(i, tokens, pos, text):
        skip = _VERB_IDS
    if (t == "code" or t == "codes") and i and tokens[i - 1] in _CODE_NOUN_PREV:
        skip = _CODE_IDS
    if t == "treatment" and i + 1 < len(tokens) and tokens[i + 1] in _EXPERIMENT_NEXT:
        skip = _MED_IDS
    if i and ((t in ("tenant", "tenants") and tokens[i - 1] in ("multi", "per", "single", "each"))
              or (t in ("contract", "contracts") and tokens[i - 1] == "smart")):
        skip = _LAW_IDS  # "multi-tenant", "smart contract": software, not law
    if t == "k" and i and tokens[i - 1][0].isdigit():
        skip = SOCIAL_IDS  # "4k+1", "50k": a number, not "k" for okay
    return skip


def count_hits(tokens: list[str], pos: "TokenOffsets | list[int] | None" = None, text: str = ""
               ) -> tuple[list[int], int, int]:
    """Category hit counts, number of tokens covered by pleasantries, index of the first non-social token.

    `pos` (the tokens' offsets in `text`) lets an ambiguous verb at the start of a clause count as a verb."""
    counts = [0] * len(CATEGORIES)
    social_cover = [False] * len(tokens)
    n = len(tokens)
    for i, t in enumerate(tokens):
        hit, stems, tables = _lookup(t)
        if hit:
            skip = _skipped_ids(i, tokens, pos, text) if t in _NEIGHBOUR_WORDS else _NO_IDS
            for k in hit:
                if k in skip:
                    continue
                counts[k] += 1
                if k in SOCIAL_IDS:
                    social_cover[i] = True
        for k in stems:
            counts[k] += 1
        if tables and i + 1 < n:
            for rest, k in tables.get(tokens[i + 1], ()):
                m = len(rest) + 1
                if i + m < n and tuple(tokens[i + 2:i + 1 + m]) == rest:
                    counts[k] += 1
                    if k in SOCIAL_IDS:
                        for j in range(i, i + m + 1):
                            social_cover[j] = True
    first = 0
    while first < n and (social_cover[first] or tokens[first] in ("and", "so", "oh", "um", "well", "y", "et")):
        first += 1
    return counts, sum(social_cover), first


# Every interrogative word or two-word phrase ("what", "est ce"): a message that starts with one is a question.
INTERROGATIVES = frozenset(w for w, ks in WORDS.items() if _INTERROG_IDS in ks) | frozenset(
    " ".join((w,) + rest) for w, lst in PHRASES.items() for rest, k in lst if k == _INTERROG_IDS)
