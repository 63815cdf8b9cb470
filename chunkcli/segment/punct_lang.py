"""Which `--by punct` model a document gets: the MiniLM model for English, the small one otherwise.

An explicit language (`--lang`, or the document's own, e.g. an HTML page's
<html lang>) decides; without one, a cheap guess from the first characters:
text that is mostly CJK, or whose commonest function words are German,
French or Spanish, is not English. Anything else (no words, mixed) is read
as English, the language the accurate model was trained on.
"""

from __future__ import annotations

import re
from collections import Counter

SAMPLE = 20_000  # characters looked at: enough words, constant cost on any input
FUNCTION_WORDS = {
    "en": "the and of to is in that it for you was with this are have not be on",
    "de": "der die und das ist nicht ich zu den mit sie ein eine auch sich dem von",
    "fr": "le la les et est des que une pas dans du je il pour qui sur au",
    "es": "el la los que y es en las del por una con no se para al lo",
}
_OWNER = {w: lang for lang in ("es", "fr", "de", "en") for w in FUNCTION_WORDS[lang].split()}  # en wins ties
_WORD_RE = re.compile(r"[^\W\d_]+")
_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
NATURAL = {"en", "de", "fr", "es", "zh", "ja", "ko", "it", "pt", "nl", "ru", "pl", "sv", "da", "no", "fi"}


def is_english(text: str, lang: str | None) -> bool:
    code = (lang or "").lower().replace("_", "-").split("-")[0]
    if code in NATURAL:  # a declared language wins; code languages ("python") say nothing about prose
        return code == "en"
    return guess_language(text[:SAMPLE]) == "en"


def guess_language(sample: str) -> str:
    """"zh" for mostly-CJK text, else the language with most function-word hits ("en" on no evidence)."""
    cjk = len(_CJK_RE.findall(sample))
    words = _WORD_RE.findall(sample.lower())
    if cjk > len(words):
        return "zh"
    hits = Counter(_OWNER[w] for w in words if w in _OWNER)
    return max(("en", "de", "fr", "es"), key=lambda lang: hits[lang])
