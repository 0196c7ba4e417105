"""Text in: fold and tokenise it, and split the ask (what to do) from the material pasted with it.

Pasted code (fenced or not), long quotes, data tables and long passages are *material*; the sentences that
say what to do with them are the *ask*. The ask is what gets judged ("summarise this" over 5,000 words is
still a summary); the material only contributes its size and kind. The options of a multiple-choice
question are material too (the stem is the ask). Work on long inputs is bounded: the ask is cut to a
window and the material is only measured with C-level string counts.
"""

from __future__ import annotations

import re
from operator import itemgetter

_FOLD = str.maketrans({
    "á": "a", "à": "a", "â": "a", "ä": "a", "ã": "a", "å": "a", "é": "e", "è": "e", "ê": "e", "ë": "e",
    "í": "i", "ì": "i", "î": "i", "ï": "i", "ó": "o", "ò": "o", "ô": "o", "ö": "o", "õ": "o", "ú": "u",
    "ù": "u", "û": "u", "ü": "u", "ñ": "n", "ç": "c", "ß": "ss", "œ": "oe", "æ": "ae", "ÿ": "y",
    "’": "'", "‘": "'", "´": "'", "`": "'", "–": "-", "—": "-", "¿": " ", "¡": " ",
})
_CONTRACTION = re.compile(r"'(?=(?:s|t|m|re|ve|ll|d)\b)")
TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
REPEAT = re.compile(r"([a-z])\1\1+")  # 3+ equal letters (re sets up the `+` only after two equal letters)
_REPEATED = itemgetter(1)  # a REPEAT match -> its letter (cheaper to call than the template r"\1")
_QUOTE = re.compile(r"[\"“«„]([^\"”»“]{60,})[\"”»“]")
# Multiple-choice options ("\nA. ...\nB. ...\nC. ..."): choices to pick from, not sub-tasks.
_MC_OPTIONS = re.compile(r"\n[ \t]*\(?A[.)][ \t][^\n]{0,300}\n[ \t]*\(?B[.)][ \t][^\n]{0,300}"
                         r"(?:\n[ \t]*\(?[C-H][.)][ \t][^\n]{0,300})+")
_MC_ANSWER = re.compile(r"\s*(?:answer|respuesta|reponse|réponse|antwort|resposta)\s*:?\s*$", re.I)
_LISTED = re.compile(r"\s*(?:\(?(?:\d{1,2}|[a-hA-H])[.):]|[-*•])\s")
_ASK_HEAD, _ASK_TAIL = 1200, 400  # the window of the ask that is read token by token


def fold(text: str) -> str:
    """Lower case, accents stripped, English contractions joined ("what's" -> "whats")."""
    text = text.lower()
    if not text.isascii() or "`" in text:  # the only ASCII character `_FOLD` maps
        text = text.translate(_FOLD)
    return _CONTRACTION.sub("", text)


def squeeze(folded: str) -> str:
    """Runs of 3+ equal letters squeezed: "sooo" -> "so"."""
    return REPEAT.sub(_REPEATED, folded)


def tokenize(folded: str) -> list[str]:
    """The word and number tokens of folded text (runs of 3+ equal letters squeezed: "sooo" -> "so")."""
    return TOKEN.findall(squeeze(folded))


def _codeish(p: str) -> bool:
    """Does this paragraph look like code (dense brackets and operators, or mostly indented lines)?"""
    n = len(p)
    if n < 40:
        return False
    sym = p.count("{") + p.count("}") + p.count(";") + p.count("=") + p.count("(") + p.count(")") + p.count("->")
    lines = p.count("\n") + 1
    indented = p.count("\n ") + p.count("\n\t")
    return sym / n > 0.035 or (lines >= 3 and indented / lines > 0.5)


def _datalike(p: str) -> bool:
    """Does this paragraph look like data (mostly digits, or many short lines)?"""
    n = len(p)
    if n < 30:
        return False
    lines = p.count("\n") + 1
    digits = sum(p.count(d) for d in "0123456789")
    return digits / n > 0.15 or (lines >= 3 and n / lines < 60)


def split_ask(text: str) -> tuple[str, int, int]:
    """Return (ask, material_chars, code_chars): the request to judge and how much was pasted with it."""
    return split_material(text)[:3]


def split_material(text: str) -> tuple[str, int, int, bool]:
    """split_ask, plus whether the text is a multiple-choice question (its options are material)."""
    total = len(text)
    choice = False
    code_chars = 0
    prose = text
    if "```" in text:
        parts = text.split("```")
        code_parts = parts[1::2]
        code_chars = sum(map(len, code_parts))
        prose = "\n\n".join(parts[0::2])
    m = _MC_OPTIONS.search(prose) if "\nA" in prose else None
    if m and (_MC_ANSWER.match(prose, m.end()) or "?" in prose[:m.start()]
              or "following" in prose[max(0, m.start() - 300):m.start()].lower()):
        # a multiple-choice question: the stem (and "Answer:") is the ask, the options are given material
        prose = prose[:m.start()] + prose[m.end():]
        choice = True
    paras = [p.strip() for p in prose.split("\n\n")]
    paras = [p for p in paras if p]
    ask_parts: list[str] = []
    if len(paras) == 1:
        # One block. "Do X:\n<material>" or "<instruction>\n<list of lines>" keeps the first line (and a
        # short closing question) as the ask; the lines in between are material.
        p = paras[0]
        nl = p.find("\n")
        first = p[:nl].rstrip() if nl > 0 else p
        rest = len(p) - nl
        lines = p.split("\n")[1:] if nl > 0 else []
        listed = sum(1 for ln in lines if _LISTED.match(ln)) if 2 <= len(lines) <= 400 else 0
        if nl > 0 and ((rest > 200 and (first.endswith((":", "?")) or (len(first) >= 40 and len(lines) >= 2)))
                       or (len(first) >= 25 and listed >= 2 and listed * 2 >= len(lines))):
            ask_parts.append(first)
            last = p[p.rfind("\n") + 1:]
            if len(last) < 200 and ("?" in last or last.rstrip().endswith(":")):
                ask_parts.append(last)
        else:
            ask_parts.append(p)
    else:
        last_i = len(paras) - 1
        prev_colon = False
        for i, p in enumerate(paras):
            if _codeish(p):
                code_chars += len(p)
                prev_colon = False
                continue
            if i == 0:
                keep = True
            elif i == last_i:
                keep = len(p) < 300 and not _datalike(p)
            else:
                keep = not prev_colon and len(p) < 300 and not _datalike(p)
            if keep:
                ask_parts.append(p)
                prev_colon = p.endswith(":")
            # material paragraphs keep prev_colon as it was (a list after "...:" stays material)
    ask = "\n".join(ask_parts)
    if len(ask) > _ASK_HEAD + _ASK_TAIL:
        ask = ask[:_ASK_HEAD] + "\n" + ask[-_ASK_TAIL:]
    if len(ask) >= 62 and ('"' in ask or "“" in ask or "«" in ask or "„" in ask):
        ask = _QUOTE.sub(" QUOTE ", ask)
    material = max(0, total - len(ask))
    return ask, material, code_chars, choice

