"""Text that XML can carry: refuse it on input, make it safe on output.

XML 1.0 allows TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF; everything else
(C0 controls such as a vertical tab, lone surrogates, U+FFFE/U+FFFF) cannot appear in any export.
:func:`check_text` refuses such text where a person offers it (a line, a metadata field) with one
line naming the field; :func:`xml_safe` / :func:`xml_safe_data` replace what is left in stored
data (older projects, event details) by U+FFFD so that an export never crashes on it.
No-break spaces and leading/trailing spaces are legal and left exactly as they are.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import unicodedata
from typing import Any

from .errors import InvalidTextError

ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"

_NAMES = {"\x0b": "vertical tab", "\x0c": "form feed", "\x00": "NUL", "\x1b": "escape", "\x08": "backspace"}


def char_name(ch: str) -> str:
    """``U+000B (vertical tab)``: how a refused character is named in a message."""
    name = _NAMES.get(ch) or unicodedata.name(ch, "control character").lower()
    return f"U+{ord(ch):04X} ({name})"


def check_text(field: str, value: str) -> str:
    """``value`` unchanged when XML can carry it, else :class:`InvalidTextError` naming ``field``."""
    m = ILLEGAL_XML.search(value)
    if m is not None:
        raise InvalidTextError(field, f"{field}: character {char_name(m.group())} at position {m.start() + 1} "
                                      f"is not allowed (XML cannot store it); remove it and try again")
    return value


def check_fields(fields: dict[str, Any], prefix: str = "") -> None:
    """:func:`check_text` on every string in a (nested) metadata mapping; the field is named by its key."""
    for key, value in fields.items():
        name = f"{prefix}{key}"
        if isinstance(value, str):
            check_text(name, value)
        elif isinstance(value, dict):
            check_fields(value, f"{name}.")
        elif isinstance(value, (list, tuple)):
            check_fields({f"{name}[{i}]": v for i, v in enumerate(value)})


def xml_safe(value: str) -> str:
    """``value`` with every character XML cannot carry replaced by U+FFFD (everything else exact)."""
    return ILLEGAL_XML.sub(REPLACEMENT, value)


def xml_safe_data(value: Any) -> Any:
    """:func:`xml_safe` applied to every string in nested dicts, lists, tuples and dataclass
    instances (a copy; keys included).  Values without illegal characters come back equal."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {xml_safe_data(k): xml_safe_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(xml_safe_data(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = copy.copy(value)
        for f in dataclasses.fields(value):
            object.__setattr__(out, f.name, xml_safe_data(getattr(value, f.name)))
        return out
    return value


class XmlSafeStore:
    """A read-through view of a project store for exports: items, pages, layouts and events come
    back with every string XML-safe (:func:`xml_safe_data`); everything else is the store itself."""

    _SAFE = frozenset({"get_item", "items", "find_item", "get_page", "pages", "load_layout", "events",
                       "line_history"})

    def __init__(self, store: Any):
        self._store = store

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name not in self._SAFE:
            return attr

        def safe(*args: Any, **kwargs: Any) -> Any:
            return xml_safe_data(attr(*args, **kwargs))
        return safe
