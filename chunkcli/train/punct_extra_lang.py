"""Extra German, French, Spanish and Chinese training text for the `punct` (punct-fast) model.

    python -m chunkcli.train.punct_extra_lang auto|DIR [--lang de] [--clean] > extra.txt

The English harvester (punct_lm_extra) applied to translated documentation:
the same files, paragraphs, markup cleaning, copies dropped and per-package cap,
with a prose filter per language in place of its English one. A Latin-script
paragraph is kept for `de`/`fr`/`es` when that language's function words are
its most frequent (≥ 20 % of its words, clearly ahead of English, Italian,
Portuguese, Catalan, Dutch, Romanian and Swedish, whose manuals sit next to
them) and it has only that language's letters; a Chinese one when it is mostly
Han characters, has no kana or hangul, reads as Simplified and ends its
sentences with 。！？. Our `sentence` strategy splits the paragraphs (silver
labels) and each language gives three layouts like the PUD files: structured
(paragraphs on their own lines), flat and corrupted (README §1.3; Chinese joins
sentences and deletes punctuation without spaces).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from .data import Labelled, _joined
from .punct_lm_extra import BOILERPLATE, END, URL, corrupt, harvest, paragraphs, split_sentences

LANGS = ("de", "fr", "es", "zh")
# Characters per language: a Chinese character is a token of its own (a de/fr/es word is ~6 characters).
DEFAULT_CHARS = {"de": 1_000_000, "fr": 1_000_000, "es": 1_000_000, "zh": 400_000}
PER_SOURCE = 400_000  # one package (folder under a root) gives at most this much of one language
# Translated manuals: Debian's doc packages, and debian-reference / developers-reference outside /usr/share/doc.
AUTO_ROOTS = ("/usr/share/doc", "/usr/share/info", "/usr/share/debian-reference", "/usr/share/developers-reference")

# ~30 frequent function words per language; the neighbours are there to be told apart.
FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in {
    "en": "the of and to a in is that for it as with be on by this are or not from at an which you can if "
          "will have has but all one they their there when",
    "de": "der die das und ist zu den von mit nicht sich des auf für ein eine dem auch als an werden aus er "
          "hat dass sie nach wird bei einer um noch wie einem über einen zum haben nur oder aber im sind kann "
          "wenn diese",
    "fr": "le la les de des du un une et est en que qui dans pour pas par sur au aux plus ne se il elle ce "
          "cette sont avec ou être son ses vous nous peut mais si leur d l qu",
    "es": "el la los las de del y en que un una es por para con no se su sus al lo como más pero este esta "
          "ya entre cuando también puede ser son hay si muy",
    "it": "il lo gli di della delle che e è per non con sono questo questa si da dei nel ad anche più",
    "pt": "o os as do da dos das e é em um uma com não que no na por mais ao como você são pode",
    "ca": "els les del i és amb per com més però aquest aquesta una són pot també",
    "nl": "de het een en van is dat op te met voor niet zijn je die er aan als ook worden wordt",
    "ro": "și în cu este pe care nu să din pentru sau fi mai",
    "sv": "och att det som en är på för med av den till inte har kan om eller",
}.items()}
LETTERS = {"de": "äöüßÄÖÜ", "fr": "àâæçéèêëîïôœùûüÿÀÂÆÇÉÈÊËÎÏÔŒÙÛÜŸ",
           "es": "áéíñóúüÁÉÍÑÓÚÜ¿¡"}
TYPOGRAPHY = "«»‹›„“”‘’–—…\u00a0\u202f°€§"  # allowed besides ASCII and the language's letters
WORD = re.compile(r"[^\W\d_]+")
MARKUP = re.compile(r"`|\*\*|__|\[\d*\]|\w\(\)|\w_\w|\w\.\w+\(")
LANG_BOILERPLATE = re.compile(r"\b(lizenz|garantie|haftung|licencia|garantía|garantie)\b|许可证|版权", re.I)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_SECTION = re.compile(r"\b\d+(?:\.\d+)+\.")
_ZH_END = re.compile(r"[。！？][”’」』）)]*")
# Characters that exist in one script only: a Traditional paragraph has more of the first.
_TRADITIONAL, _SIMPLIFIED = "這們來說為會時發對與後個國過還開關於從應該實現檔案裝們統網請點擊", \
    "这们来说为会时发对与后个国过还开关于从应该实现档案装们统网请点击"
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"  # CJK punctuation, Han, full-width forms
# Spaces and single newlines between two CJK characters: where a Chinese line was wrapped.
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])[ \t]*\n?[ \t]*(?=[{_CJK}])")


def language_of(para: str) -> str | None:
    """`de`, `fr` or `es` when the paragraph's function words are clearly that language's, else
    the best-scoring other language or None (too few function words, or a near tie)."""
    words = [w.lower() for w in WORD.findall(para)]
    if not words:
        return None
    scores = sorted(((sum(w in fw for w in words) / len(words), lang) for lang, fw in FUNCTION_WORDS.items()),
                    reverse=True)
    (best, lang), (second, _) = scores[0], scores[1]
    return lang if best >= 0.2 and second < 0.75 * best else None


def is_prose(para: str, lang: str) -> bool:
    """`punct_lm_extra.is_prose` for `lang`: long enough, mostly words of that language, several
    sentence ends and ending on one, no markup, boilerplate or URLs."""
    if lang == "zh":
        return is_chinese_prose(para)
    allowed = set(LETTERS[lang] + TYPOGRAPHY)
    if not 200 <= len(para) <= 4000 or not all(c.isascii() or c in allowed for c in para):
        return False
    if not (para[0].isupper() or para[0] in "¿¡«„\""):
        return False
    words = WORD.findall(para)
    if sum(map(len, words)) < 0.75 * len(para) or len(words) < 30 or language_of(para) != lang:
        return False
    if len(END.findall(para)) < 2 or not re.search(r"[.!?][\"')\]»“”]*$", para):
        return False
    return not (MARKUP.search(para) or BOILERPLATE.search(para) or LANG_BOILERPLATE.search(para)
                or URL.search(para))


def is_chinese_prose(para: str) -> bool:
    """Mostly Han characters (commands and names in ASCII allowed), Simplified, no Japanese or Korean,
    at least two sentence ends 。！？ and ending on one."""
    if not 40 <= len(para) <= 2000 or _KANA_HANGUL.search(para):
        return False
    if len(_HAN.findall(para)) < 0.5 * len(re.sub(r"\s", "", para)):
        return False
    if sum(map(para.count, _TRADITIONAL)) > sum(map(para.count, _SIMPLIFIED)):
        return False
    if len(_ZH_END.findall(para)) < 2 or not re.search(r"[。！？][”’」』）)]*$", para):
        return False
    return not (MARKUP.search(para) or LANG_BOILERPLATE.search(para) or URL.search(para) or _is_toc(para))


def _is_toc(para: str) -> bool:
    """A numbered heading or a table of contents run together ("3.1.1. 你让我… 3.1.10. 我有…")."""
    return bool(_SECTION.match(para)) or len(_SECTION.findall(para)) >= 2


def unwrap_chinese(text: str) -> str:
    """Chinese text without the spaces and single newlines that wrapping put between two CJK
    characters (HTML paragraphs arrive with each wrapped line joined by a space)."""
    return _CJK_SPACE.sub("", text)


def letters_key(para: str) -> bytes:
    """Copies of a paragraph (HTML and text of one manual) share their letters, accented or Han."""
    return hashlib.sha1(re.sub(r"[\W\d_]+", "", para.lower()).encode()).digest()


def auto_roots() -> list[Path]:
    return [Path(p) for p in AUTO_ROOTS]


def harvest_lang(roots: Iterable[Path], lang: str, max_chars: int | None = None,
                 per_source: int = PER_SOURCE) -> list[str]:
    """Distinct `lang` prose paragraphs under `roots`, at most `max_chars` characters."""
    prose = partial(is_prose, lang=lang)
    split = partial(paragraphs, prose=prose)
    if lang == "zh":
        split = lambda text: paragraphs(unwrap_chinese(text), prose)  # noqa: E731
    return harvest(roots, max_chars or DEFAULT_CHARS[lang], per_source, split=split, key_of=letters_key)


def labelled_copies(lang: str, paras: list[str]) -> list[Labelled]:
    """Structured (a paragraph per line), flat and corrupted texts of the paragraphs' sentences,
    as split by our `sentence` strategy, with their sentence ends."""
    sep = "" if lang == "zh" else " "
    sentences = [s for s in map(split_sentences, paras) if s]
    if not sentences:
        return []
    flat = [s for para in sentences for s in para]
    structured = [("\n" if j == 0 else sep) + s for para in sentences for j, s in enumerate(para)]
    corrupted = [c for c in (corrupt(s, spaced=bool(sep)) for s in flat) if c]
    return [_joined(f"extra_{lang}.structured", [flat[0], *structured[1:]]),
            _joined(f"extra_{lang}.flat", _separated(flat, sep)),
            _joined(f"extra_{lang}.corrupted", _separated(corrupted, sep))]


def _separated(sentences: list[str], sep: str) -> list[str]:
    """Sentence pieces for `data._joined`: each after the separator (the first without it)."""
    return sentences[:1] + [sep + s for s in sentences[1:]]


def extra_lang_texts(source: str | Path, langs: Iterable[str] = LANGS,
                     log: Callable[[str], None] = lambda msg: None) -> list[Labelled]:
    """The labelled copies of every language's harvest (`source`: `auto` or a folder)."""
    roots = auto_roots() if str(source) == "auto" else [Path(source)]
    out: list[Labelled] = []
    for lang in langs:
        paras = harvest_lang(roots, lang)
        log(f"extra {lang}: {len(paras)} paragraphs, {sum(map(len, paras))} characters")
        out += labelled_copies(lang, paras)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chunkcli.train.punct_extra_lang",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a folder of documentation, or `auto`")
    ap.add_argument("--lang", choices=LANGS, default="de")
    ap.add_argument("--chars", type=int, default=None, help="stop after this many characters of prose")
    ap.add_argument("--clean", action="store_true", help="print the clean paragraphs instead of the corrupted text")
    args = ap.parse_args(argv)
    roots = auto_roots() if args.source == "auto" else [Path(args.source)]
    paras = harvest_lang(roots, args.lang, args.chars)
    if args.clean:
        sys.stdout.write("\n\n".join(paras))
    else:
        sys.stdout.write(next(t.text for t in labelled_copies(args.lang, paras) if t.name.endswith("corrupted")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
