"""Document and Chunk records, stable ids, and JSONL reading/writing.

The offset contract: for every chunk, ``document.text[chunk.start:chunk.end] ==
chunk.text``, with offsets counted in Unicode code points (Python ``str``
indices). Ids are derived from source and content only, so the same input gives
the same ids on every run and machine.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator, Union

from .errors import InputError

FORMATS = ("html", "pdf", "code", "markdown", "text")


def sha256_text(text: str) -> str:
    # surrogatepass: extracted text may carry lone surrogates; hashing must not fail on them.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def document_id(source: str, sha256: str) -> str:
    """Stable id from where the document came from and what it contains."""
    return hashlib.sha256(f"{source}\0{sha256}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def chunk_id(doc_id: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{doc_id}\0{start}\0{end}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Document:
    source: str
    text: str
    format: str = "text"
    lang: str | None = None
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    sha256: str = ""

    def __post_init__(self) -> None:
        # Derive hash and id once, so every constructor path yields stable ids.
        if not self.sha256:
            object.__setattr__(self, "sha256", sha256_text(self.text))
        if not self.id:
            object.__setattr__(self, "id", document_id(self.source, self.sha256))

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "document", "id": self.id, "source": self.source, "format": self.format,
            "lang": self.lang, "title": self.title, "text": self.text, "sha256": self.sha256,
            "meta": self.meta,
        }


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    source: str
    start: int
    end: int
    text: str
    strategy: str
    n_tokens: int
    meta: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", chunk_id(self.doc_id, self.start, self.end))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {"type": "chunk", "id": d.pop("id"), **d}


Record = Union[Document, Chunk]


def record_from_dict(d: dict[str, Any]) -> Record:
    if not isinstance(d, dict):
        raise TypeError(f"a JSON object is expected, not {type(d).__name__}")
    kind = d.get("type")
    fields = {k: v for k, v in d.items() if k != "type"}
    if kind == "document":
        given = _checked({k: fields[k] for k in _DOC_KEYS if k in fields})
        if "sha256" in given and "text" in given and given["sha256"] != sha256_text(given["text"]):
            # The text was edited after `extract` hashed it: hash (and name) what is here, or an
            # index would take the record for the stored, unchanged document.
            given = {k: v for k, v in given.items() if k not in ("sha256", "id")}
        return Document(**given)
    if kind == "chunk":
        return Chunk(**_checked({k: fields[k] for k in _CHUNK_KEYS if k in fields}))
    raise ValueError(f"not a chunkcli record (type={kind!r})")


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Reject fields of the wrong type here, with their name: deep inside a strategy a number
    for a text, or a lone surrogate (valid JSON, but no tokenizer takes it), would be a crash."""
    for key, value in fields.items():
        kinds = _FIELD_TYPES[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and kinds == (int,)):
            names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise TypeError(f'"{key}" must be {names}, not {type(value).__name__}')
        if isinstance(value, str) and (bad := _SURROGATE.search(value)):
            raise ValueError(f'"{key}" holds a lone surrogate (U+{ord(bad.group()):04X})')
    return fields


_DOC_KEYS = ("source", "text", "format", "lang", "title", "meta", "id", "sha256")
_CHUNK_KEYS = ("doc_id", "source", "start", "end", "text", "strategy", "n_tokens", "meta", "id")
_OPTIONAL_STR = (str, type(None))
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "source": (str,), "text": (str,), "format": (str,), "lang": _OPTIONAL_STR, "title": _OPTIONAL_STR,
    "meta": (dict,), "id": (str,), "sha256": (str,), "doc_id": (str,), "start": (int,), "end": (int,),
    "strategy": (str,), "n_tokens": (int,)}
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_records(stream: IO[str] | IO[bytes], name: str = "-",
                 on_error: Callable[[InputError], None] | None = None) -> Iterator[Record]:
    """Yield records from a JSONL stream (text, or bytes decoded as UTF-8 line by line). A bad line
    raises InputError naming it; with `on_error` it is reported there and the lines after it still count."""
    for lineno, line in enumerate(stream, 1):
        try:
            text = line.decode("utf-8") if isinstance(line, bytes) else line
            record = record_from_dict(json.loads(text)) if text.strip() else None
        except (ValueError, TypeError, KeyError) as exc:  # UnicodeDecodeError is a ValueError
            err = InputError(f"{name}:{lineno}", f"bad JSONL record ({exc})")
            if on_error is None:
                raise err from None
            on_error(err)
            continue
        if record is not None:
            yield record


def dumps(record: Record | dict[str, Any]) -> str:
    d = record if isinstance(record, dict) else record.to_dict()
    # U+2028/U+2029 are valid raw in JSON, but line splitters such as Python's splitlines() break
    # a record at them: escaped, every record stays one line for every reader.
    text = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def write_records(records: Iterable[Record | dict[str, Any]], stream: IO[str]) -> int:
    """Write one JSON object per line, flushing each so `| head` and `| jq` stream."""
    n = 0
    for rec in records:
        stream.write(dumps(rec) + "\n")
        stream.flush()
        n += 1
    return n
