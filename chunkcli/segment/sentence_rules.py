"""Hand rules for `--by sentence` that UD training data cannot teach a model reliably.

- Abbreviations: a period after a known abbreviation ("Dr.", "e.g.", "z.B."),
  an initial ("J. Smith") or a list marker ("1.", "b)") does not end a sentence;
  "No." / "Fig." and the like do not before a number.
- Quotes and ellipses: `!` `?` `...` inside a quote before a lowercase word do
  not end a sentence ('"Stop!" he said', "It was... well").
- Function words: no sentence ends with an article, a preposition, a
  conjunction, an auxiliary or a possessive ("the | United States").
- Hard wraps: a single newline after a 50-100 character line without closing
  punctuation, between lines no longer than 100, followed by a lowercase word,
  may be a wrapped line rather than a paragraph end (the model decides).

Decimals, URLs, e-mails and "U.S.A." never reach these rules: a candidate gap
needs whitespace (or a CJK terminal) right after the punctuation.
"""

from __future__ import annotations

import re

# Lowercased abbreviations (without the final period) that do not end a sentence
# when a word follows. "etc", "inc", "a.m" are absent on purpose: they often do.
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st vs e.g i.e cf al approx dept est
gen gov sen rep lt col capt sgt cmdr adm maj mt ft rev hon pres supt messrs mme mlle
jan feb apr jun jul aug sep sept oct nov dec tue tues thu thur thurs fri
ave blvd rd hwy ste apt bldg ph.d drs
ca cca eds resp viz incl esp dipl v av ing lic sra srta dra gral
z.b bzw usw ggf vgl s.o u.a d.h
""".split())
# Abbreviations that are also ordinary words ("no", "art"): not a boundary only before a number.
NUMBER_ABBREVIATIONS = frozenset("no nos p pp fig figs vol vols art sec ch op ex".split())

# Closed-class words (en/de/fr/es) that (nearly) never end a sentence: a gap after one is no
# boundary, even before a capital ("in | Houston", "the | White House").
FUNCTION_WORDS = frozenset("""
the a an and or but nor of to in on at by for from with about into onto over under between
through during after before since until than as if when while because although whether that which
who whom whose what where are was were be been has have had do does did will would can could
shall should may might must my your his her its our their this these those we they he she
via against near among including towards toward without within upon dear mr mrs ms dr not so
der die das den dem des ein eine einen einem einer und oder aber von zu zum zur mit auf für im bei
nach aus um wie dass ist sind
le la les du des un une et ou à au aux pour par sur dans avec ce cette ces sont qui que
el los las del una y al para por con
""".split())
_WORD_BEFORE_RE = re.compile(r"([\w.\-']*)$")


def after_function_word(text: str, end: int) -> bool:
    """True when the word that ends at `end` is a function word (see FUNCTION_WORDS)."""
    words = text[max(0, end - 16):end].split()
    return bool(words) and words[-1].lower() in FUNCTION_WORDS  # a word cut at 16 chars is too long to match


def is_wrapped(text: str, end: int, nxt: int, width: int = 100) -> bool:
    """A hard-wrapped line: 50-`width` characters, no closing punctuation, the next line continues in
    lowercase, and the lines before and after it are no longer than `width` either. Hard wraps happen
    at a fixed column (40-100); a longer neighbour means lines are paragraphs, ended by the newline."""
    start = _line_start(text, end, width)
    if start is None or end - start < 50 or text[end - 1] in ".!?:;…\"'”)" or not text[nxt].islower():
        return False
    prev_fits = start == 0 or _line_start(text, start - 1, width) is not None
    return prev_fits and (text.find("\n", nxt, nxt + width + 1) >= 0 or len(text) - nxt <= width)


def _line_start(text: str, end: int, width: int) -> int | None:
    """Start of the line ending at `end`, or None when it is longer than `width` (bounded search)."""
    lo = max(0, end - width - 1)
    i = text.rfind("\n", lo, end)
    return i + 1 if i >= 0 else (0 if lo == 0 else None)


_LIST_MARKER_RE = re.compile(r"(?:^|\n)[ \t]*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]$")


def is_vetoed(text: str, end: int, nxt: str) -> bool:
    """True when the punctuation before `end` cannot end a sentence before the character `nxt`."""
    last = text[end - 1]
    if last == "." and not text[max(0, end - 3):end].endswith(".."):
        word = _WORD_BEFORE_RE.search(text, max(0, end - 41), end - 1).group(1)
        bare = word.lstrip("-'(").rstrip(".")
        initial = len(bare) == 1 and bare.isalpha() and bare.isupper()
        numbered = bare.lower() in NUMBER_ABBREVIATIONS and nxt.isdigit()
        if initial or numbered or bare.lower() in ABBREVIATIONS or _LIST_MARKER_RE.search(text, max(0, end - 8), end):
            return True
    return nxt.islower() and (last in "\"'”’»" or last == "…" or text[max(0, end - 3):end] == "...")
