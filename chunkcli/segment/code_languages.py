"""Tree-sitter grammars and the per-language node-kind tables `--by code` needs.

Grammars come from the per-language PyPI wheels (tree-sitter-python, …), which
work offline; each is imported only when a file of that language is chunked.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

# language → (module, function returning the grammar pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "c_sharp": ("tree_sitter_c_sharp", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
}

# Names users type for --lang, mapped to grammar names.
ALIASES = {
    "py": "python", "js": "javascript", "jsx": "javascript", "node": "javascript", "ts": "typescript",
    "golang": "go", "rs": "rust", "c++": "cpp", "cxx": "cpp", "cc": "cpp", "csharp": "c_sharp",
    "c#": "c_sharp", "cs": "c_sharp", "rb": "ruby",
}

_JS_DEFS = {
    "function_declaration", "generator_function_declaration", "class_declaration", "method_definition",
    "abstract_class_declaration", "interface_declaration", "enum_declaration", "type_alias_declaration",
    "internal_module", "module",
}
# Node kinds that define a named symbol (function, class, method, …), per language.
DEFINITIONS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "python": {"function_definition", "class_definition"},
    "javascript": _JS_DEFS, "typescript": _JS_DEFS, "tsx": _JS_DEFS,
    "go": {"function_declaration", "method_declaration", "type_spec"},
    "rust": {"function_item", "impl_item", "struct_item", "enum_item", "trait_item", "mod_item",
             "macro_definition", "union_item"},
    "java": {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
             "method_declaration", "constructor_declaration", "annotation_type_declaration"},
    "c": {"function_definition", "struct_specifier", "union_specifier", "enum_specifier"},
    "cpp": {"function_definition", "struct_specifier", "union_specifier", "enum_specifier",
            "class_specifier", "namespace_definition"},
    "c_sharp": {"class_declaration", "struct_declaration", "interface_declaration", "enum_declaration",
                "record_declaration", "method_declaration", "constructor_declaration",
                "property_declaration", "namespace_declaration", "local_function_statement"},
    "ruby": {"method", "singleton_method", "class", "module"},
    "php": {"function_definition", "class_declaration", "interface_declaration", "trait_declaration",
            "enum_declaration", "method_declaration", "namespace_definition"},
}.items()}

NEED_BODY = frozenset({"struct_specifier", "union_specifier", "enum_specifier", "class_specifier"})

# `const f = () => …` and `{ f: function () … }` define f too, in every JS dialect.
FUNCTION_VALUES = frozenset({"function_expression", "function", "arrow_function", "class",
                             "generator_function"})
VALUE_HOLDERS = frozenset({"variable_declarator", "pair", "public_field_definition", "field_definition"})

# Siblings that belong to the definition below them (doc comments, attributes, annotations).
ATTACHED = frozenset({"comment", "line_comment", "block_comment", "attribute_item", "attribute_list",
                      "decorator", "annotation", "marker_annotation", "attribute"})


def normalise(lang: str | None) -> str | None:
    if not lang:
        return None
    key = lang.strip().lower()
    return ALIASES.get(key, key)


def language_for(lang: str | None, source: str) -> str | None:
    """Grammar name from an explicit language, else from the source's extension."""
    name = normalise(lang)
    if name:
        return name
    from ..extract.detect import CODE_EXT

    return CODE_EXT.get(PurePosixPath(source).suffix.lower())


@lru_cache(maxsize=None)
def parser_for(lang: str) -> Any | None:
    """A tree-sitter Parser for `lang`, or None when no grammar wheel provides it."""
    spec = GRAMMARS.get(lang)
    if spec is None:
        return None
    from tree_sitter import Language, Parser

    try:
        module = importlib.import_module(spec[0])
    except ModuleNotFoundError:
        return None
    return Parser(Language(getattr(module, spec[1])()))


def is_definition(lang: str, node: Any) -> bool:
    kind = node.type  # read once: tree-sitter node properties are calls, and this runs per node
    if kind in DEFINITIONS.get(lang, ()):
        if not node.is_named:  # the `module`/`class` keyword tokens share their node's kind name
            return False
        # `struct ring *f()` names a type without defining it: only a body makes a definition.
        return kind not in NEED_BODY or node.child_by_field_name("body") is not None
    if kind in VALUE_HOLDERS and node.is_named:
        value = node.child_by_field_name("value")
        return value is not None and value.type in FUNCTION_VALUES
    return False


DECORATED = "decorated_definition"


def opens_scope(lang: str, node: Any) -> bool:
    """A definition, or the decorated wrapper around one (its pieces report and break as it)."""
    return node.type == DECORATED or is_definition(lang, node)


def is_attached(kind: str) -> bool:
    """Whether a node of this kind (a comment, an attribute) sticks to the node below it."""
    return kind in ATTACHED or kind.endswith("comment")


def symbol_name(node: Any) -> str | None:
    """The name a definition node declares (C/C++ names hide inside nested declarators)."""
    for field in ("name", "key", "declarator", "type"):
        child = node.child_by_field_name(field)
        if child is None:
            continue
        if child.type.endswith("declarator") and child.child_by_field_name("declarator") is not None:
            return symbol_name(child)
        return _text(child)
    return None


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace").split("(")[0].strip()
