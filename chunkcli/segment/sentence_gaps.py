"""Candidate sentence ends of punctuated text, and the rules that settle most of them.

`--by sentence` must run at ≥ 1 M characters/s, so the learned model is asked
only about gaps the rules cannot settle. Candidates are found by one regex
(C speed): punctuation followed by whitespace, CJK terminals, and the end of
a line. Rules then decide, in order of strength:

- two or more newlines: a boundary; one newline: a boundary unless the line
  looks hard-wrapped (then the model decides);
- a period after a known abbreviation, an initial or a list marker, and `!`,
  `?`, `...` inside a quote before a lowercase word: not a boundary;
- `.` `!` `?` `…` (with closing quotes/brackets) after a lowercase word, before
  an uppercase letter or an opening quote/bracket: a boundary;
- punctuation that never ends a sentence (`,` `;` `&` `-` …) before a
  lowercase letter, a digit or more punctuation: not a boundary;
- CJK terminals 。！？: a boundary; so is a terminal between letters of a
  script without capitals (। ؟ ۔, or `.` in Hindi, Arabic, Korean…);
- a word before a capital without punctuation: not a boundary after a
  function word ("in | Houston").

Everything else (`:` before a capital, `.` after a capital or a number, `?`
before a lowercase word, `)`, quotes, wrapped lines, a word before a capital
without any punctuation…) goes to the model.
"""

from __future__ import annotations

import re
from typing import Iterator

from .sentence_rules import after_function_word, is_vetoed, is_wrapped

# A candidate: one punctuation character then whitespace, a CJK terminal, a line end, or a word
# then spaces before a capital, a digit (a sentence without final punctuation: "... at 5 PM I left")
# or a URL. The gap runs from just after its first character to the end of the match (the next non-space).
CANDIDATE_RE = re.compile(r"[^\w\s]\s+|[。！？；…](?=\S)|\w[^\S\n]*\n\s*|\w[^\S\n]+(?=[A-Z0-9À-ÖØ-ÞΑ-ΩА-Я]|https?:|www\.)")
_URL_START = ("http://", "https://", "www.")
_TERMINALS = ".!?…"
_CASELESS_TERMINALS = "।॥؟۔"  # Devanagari danda and double danda, Arabic question mark, Urdu full stop
_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘„‚«‹`([{¿¡"
# Punctuation that ends a sentence only before a capital (or never): settled when a lowercase
# letter, a digit or other punctuation follows. (">" is absent: "<a@b.com> | 03/27/2001" in mail headers
# is a boundary; the model decides.)
_NON_TERMINAL = ",;&-–—/%+=*<«»“‘\"'"

ASK = -1.0  # "the model decides"

# Rule probabilities reported in meta.score (their precision on UD EWT train, rounded).
BLANK_LINE, NEWLINE, SENTENCE_END, CJK_END, NO = 1.0, 0.99, 0.97, 0.98, 0.0


def candidate_gaps(text: str) -> Iterator[tuple[int, int]]:
    """(end, next) for each candidate gap: `end` after the punctuation, `next` the first non-space after it."""
    n = len(text)
    for m in CANDIDATE_RE.finditer(text):
        start, nxt = m.span()  # every alternative matches >= 1 character, so nxt >= start + 1
        if nxt < n:
            yield start + 1, nxt


def decide(text: str, end: int, nxt: int) -> float:
    """A rule probability for the gap text[end:nxt], or ASK when only the model can tell."""
    if nxt > end and text.count("\n", end, nxt):
        return _line_break(text, end, nxt)
    last, c = text[end - 1], text[nxt]
    if c in "hw" and _url_after_url(text, end, nxt):
        return SENTENCE_END
    if nxt == end:  # no whitespace: a CJK terminal
        return CJK_END if last in "。！？" else ASK
    if last.isalnum():  # a word before a capital, no punctuation
        return NO if after_function_word(text, end) else ASK
    if is_vetoed(text, end, c):
        return NO
    if _caseless_end(text, end, c):
        return SENTENCE_END
    if _ends_sentence(text, end) is not None:
        return SENTENCE_END if _capital_follows(text, end, c) else ASK
    if last in _NON_TERMINAL and not c.isupper():
        return NO
    return ASK


def _url_after_url(text: str, end: int, nxt: int) -> bool:
    """A URL right after another: lists of links, one per sentence in web text (33 of 34 in EWT train)."""
    if not text.startswith(_URL_START, nxt):
        return False
    start = max(0, text.rfind(" ", max(0, end - 300), end) + 1, text.rfind("\n", max(0, end - 300), end) + 1)
    return text.startswith(_URL_START, start)


def _line_break(text: str, end: int, nxt: int) -> float:
    if text.count("\n", end, nxt) > 1:
        return BLANK_LINE
    return ASK if is_wrapped(text, end, nxt) else NEWLINE


def _ends_sentence(text: str, end: int) -> int | None:
    """The offset of the terminal punctuation that `end` follows (skipping closing quotes/brackets), or None."""
    i = _before_closers(text, end)
    return i if text[i] in _TERMINALS else None


def _before_closers(text: str, end: int) -> int:
    """The offset of the last character before `end` that is not a closing quote or bracket (up to 3)."""
    i = end - 1
    while i > 0 and end - i <= 3 and text[i] in _CLOSERS:
        i -= 1
    return i


def _caseless_end(text: str, end: int, c: str) -> bool:
    """A sentence end between letters of a script without capitals (Devanagari, Arabic, Hebrew,
    Hangul...), where case cannot show the new sentence: their own terminals (। ॥ ؟ ۔) before
    a letter, or `.` `!` `?` `…` between two letters. The model, trained on cased languages, says no."""
    if not _caseless(c):
        return False
    i = _before_closers(text, end)
    if text[i] in _CASELESS_TERMINALS:
        return True
    return text[i] in _TERMINALS and i > 0 and _caseless(text[i - 1])


def _caseless(ch: str) -> bool:
    return ch.isalpha() and not ch.isupper() and not ch.islower()


def _capital_follows(text: str, end: int, c: str) -> bool:
    """A capital (or an opener) after a terminal that follows a lowercase word: nearly always a new sentence.

    After a capital or a digit ("U.S. Army", "No. 5 Road", "5 p.m. Then") the
    model decides; so it does after "..." before a capital, which is often a pause.
    """
    i = _ends_sentence(text, end)
    if i is None or i == 0 or not (c.isupper() or c in _OPENERS):
        return False
    prev = text[i - 1]
    return prev.islower() or (prev in "!?" and text[i] in "!?")
