"""Plain text, Markdown and source code: decoded, otherwise unchanged, so offsets point into the file."""

from __future__ import annotations

import codecs
from typing import Callable

from ..errors import InputError
from ..inputs import InputItem
from ..records import Document
from .base import ExtractOptions, register

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(source: str, data: bytes, warn: Callable[[str], None]) -> str:
    """UTF-8 (BOM aware) first; then a detected legacy encoding, with a warning."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _strict(source, data, enc)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    mostly = _mostly_utf8(data)
    if mostly is not None:
        text, bad = mostly
        warn(f"{source}: UTF-8 with {bad} invalid byte sequence(s) (first at offset {first_bad}); "
             "each read as U+FFFD")
        return text
    guess = _guess_encoding(data)
    if guess is None:
        raise InputError(source, f"undecodable bytes: not UTF-8 (invalid byte at offset {first_bad}) "
                                 "and no other encoding fits")
    warn(f"{source}: not UTF-8; decoded as {guess}")
    return _strict(source, data, guess)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few stray bytes (a Latin-1 'é' pasted into a UTF-8 file): the text with each bad
    sequence as U+FFFD, and their count, when valid multi-byte characters outnumber bad sequences
    4 to 1. Decoding all of it as a legacy code page would garble every valid character instead."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")  # non-ASCII, at C speed
    return (text, bad) if good >= 4 * bad else None


def has_bom(data: bytes) -> bool:
    """Whether `data` starts with a UTF-8/16/32 byte order mark (its encoding is then declared)."""
    return data.startswith(tuple(bom for bom, _ in _BOMS))


def _strict(source: str, data: bytes, enc: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputError(source, f"undecodable bytes for {enc} at offset {exc.start}") from None


_PREFERRED = ("cp1252", "iso8859_15", "latin_1")  # on a tie, the most common legacy encodings win


def _guess_encoding(data: bytes) -> str | None:
    """charset_normalizer's least chaotic candidate; short Western texts fit several code pages
    equally well, and then cp1252 is by far the likeliest (cp1250 would turn 'è' into 'č')."""
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(data) if m.encoding not in ("utf_8", "ascii")]
    if not matches:
        return None
    least = min(m.percent_chaos for m in matches)
    tied = [m.encoding for m in matches if m.percent_chaos == least]
    return next((e for e in _PREFERRED if e in tied), tied[0])


@register("text", "markdown", "code")
def extract_text(item: InputItem, data: bytes, opts: ExtractOptions, warn: Callable[[str], None]) -> Document:
    from .detect import detect_format

    text = decode(item.source, data, warn)
    fmt, lang = detect_format(item, data[:512])
    fmt = opts.format or (fmt if fmt in ("markdown", "code") else "text")
    lang = opts.lang or lang
    if not text.strip():
        raise InputError(item.source, "empty (no text)")
    return Document(source=item.source, text=text, format=fmt, lang=lang)
