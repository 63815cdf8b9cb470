"""Fast rule-based sentence boundaries (pure `re`, no model): the engine of `--by sentence`.

Each boundary comes with the rule that produced it, so callers can attach a
score. Rules, in order of strength:

- a blank line always ends a sentence; a single newline does too, unless the
  line looks hard-wrapped (a long line without closing punctuation followed by a
  lowercase continuation);
- terminal punctuation (. ! ? … and CJK 。！？), with closing quotes/brackets,
  followed by whitespace — except after known abbreviations, single-letter
  initials, and before a lowercase word; CJK terminals need no whitespace.

Decimals, URLs, e-mails and "U.S.A." never match, because a boundary needs
whitespace (or a CJK terminal) right after the punctuation.
"""

from __future__ import annotations

import re
from typing import Iterator

# Lowercased abbreviations (without the final period) that do not end a sentence
# when a word follows. "etc", "inc", "a.m" are absent on purpose: they often do.
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st vs e.g i.e cf al approx dept est
gen gov sen rep lt col capt sgt cmdr adm maj mt ft rev hon pres supt messrs mme mlle
jan feb apr jun jul aug sep sept oct nov dec tue tues thu thur thurs fri
ave blvd rd hwy ste apt bldg ph.d
ca cca eds resp viz incl esp dipl
z.b bzw usw ggf vgl s.o u.a d.h
""".split())
# Abbreviations that are also ordinary words ("no", "art"): not a boundary only before a number.
NUMBER_ABBREVIATIONS = frozenset("no nos p pp fig figs vol vols art sec ch op ex".split())

_TERMINAL = r"(?:[.!?]+|…+|\.\s\.\s\.)"
_CLOSERS = r"[\"'”’»)\]}]*"
# terminal punctuation + closers, then the whitespace that follows and the next character
_PUNCT_RE = re.compile(rf"({_TERMINAL}{_CLOSERS})(\s+)(\S?)")
_CJK_RE = re.compile(r"[。！？!?]+[」』”’）)]*")
_NEWLINE_RE = re.compile(r"[ \t\f\v\r]*\n\s*")
_WORD_BEFORE_RE = re.compile(r"([\w.\-']*)$")
_OPENERS = "\"'“‘«([{¿¡-*•"

Boundary = tuple[int, str]  # (end offset, rule name)


def rule_boundaries(text: str) -> Iterator[Boundary]:
    """Sentence end offsets of `text` (ordered, unique, stripped of trailing whitespace)."""
    found: dict[int, str] = {}
    for end, rule in _newline_boundaries(text):
        found[end] = rule
    for end, rule in _punct_boundaries(text):
        found.setdefault(end, rule)
    for end, rule in _cjk_boundaries(text):
        found.setdefault(end, rule)
    for end in sorted(found):
        yield end, found[end]


def _newline_boundaries(text: str) -> Iterator[Boundary]:
    for m in _NEWLINE_RE.finditer(text):
        end = m.start()
        if end == 0 or m.end() >= len(text):
            continue
        if m.group().count("\n") > 1:
            yield end, "blank_line"
        elif not _wrapped(text, end, m.end()):
            yield end, "newline"


def _wrapped(text: str, end: int, nxt: int) -> bool:
    """A hard-wrapped line: long, no closing punctuation, and the next line continues in lowercase."""
    line_start = text.rfind("\n", 0, end) + 1
    last = text[end - 1]
    return end - line_start >= 50 and last not in ".!?:;…\"'”)" and text[nxt].islower()


def _punct_boundaries(text: str) -> Iterator[Boundary]:
    for m in _PUNCT_RE.finditer(text):
        end, nxt = m.end(1), m.group(3)
        if "\n" in m.group(2):
            continue  # the newline rules decide
        rule = _punct_rule(text, m.start(1), m.group(1), nxt)
        if rule:
            yield end, rule


def _punct_rule(text: str, start: int, punct: str, nxt: str) -> str | None:
    """The rule name if punctuation at `start` ends a sentence before `nxt`, else None."""
    if not nxt:
        return None
    if punct[0] in "!?":
        return "question" if not nxt.islower() else None
    if nxt.islower() or (nxt in ",;:" ):
        return None
    if punct[0] == ".":
        word = _WORD_BEFORE_RE.search(text, max(0, start - 40), start).group(1)
        if _is_abbreviation(word, nxt):
            return None
        return "period"
    return "ellipsis" if nxt.isupper() or nxt in _OPENERS else None


def _is_abbreviation(word: str, nxt: str) -> bool:
    bare = word.lstrip("-'(").rstrip(".")
    if len(bare) == 1 and bare.isalpha() and bare.isupper():
        return True  # an initial: "Jennifer M. Anderson"
    if bare.lower() in ABBREVIATIONS:
        return True
    # "U.S.A." style acronyms end a sentence only when a capitalised word follows.
    return "." in bare and len(bare) <= 6 and not nxt.isupper()


def _cjk_boundaries(text: str) -> Iterator[Boundary]:
    for m in _CJK_RE.finditer(text):
        ch = m.group()[0]
        if ch in "!?" and not _cjk_before(text, m.start()):
            continue  # ASCII ! ? count here only after CJK text ("好!" ends; "Hi!x" does not)
        if m.end() < len(text):
            yield m.end(), "cjk"


def _cjk_before(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else ""
    return "\u3000" <= prev <= "\u9fff" or "\uff00" <= prev <= "\uffef"


# --- Rules as a second opinion on the learned model's probabilities (used by `--by sentence`) ---

_LIST_MARKER_RE = re.compile(r"(?:^|\n)[ \t]*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]$")


def adjust(text: str, end: int, p: float) -> float:
    """The model's probability for a boundary at `end`, corrected by rules it cannot learn from UD alone.

    A line break is strong evidence (unless the line is hard-wrapped); a period
    after a known abbreviation, an initial or a list marker ("1.") is not a
    boundary; nor is punctuation inside a quote or an ellipsis followed by a
    lowercase word ('"Stop!" he said', "It was... well").
    """
    j = end
    while j < len(text) and text[j].isspace():
        j += 1
    gap = text[end:j]
    if "\n" in gap and j < len(text):
        return max(p, 0.99) if gap.count("\n") > 1 or not _wrapped(text, end, j) else p
    if j >= len(text) or not gap:
        return p
    return min(p, 0.01) if _vetoed(text, end, text[j]) else p


def _vetoed(text: str, end: int, nxt: str) -> bool:
    last = text[end - 1]
    if last == "." and not text[max(0, end - 3):end].endswith(".."):
        word = _WORD_BEFORE_RE.search(text, max(0, end - 41), end - 1).group(1)
        bare = word.lstrip("-'(").rstrip(".")
        initial = len(bare) == 1 and bare.isalpha() and bare.isupper()
        numbered = bare.lower() in NUMBER_ABBREVIATIONS and nxt.isdigit()
        if initial or numbered or bare.lower() in ABBREVIATIONS or _LIST_MARKER_RE.search(text, max(0, end - 8), end):
            return True
    return nxt.islower() and (last in "\"'”’»" or last == "…" or text[max(0, end - 3):end] == "...")
