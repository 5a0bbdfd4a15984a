"""Scholarly inline tags on a line's text (no Qt): the kinds, the rules for a span, keeping spans
through text edits, and the Transkribus ``@custom`` convention PAGE files carry them in.

A tag is a :class:`~digitizer.model.Tag` on a :class:`~digitizer.model.Line`: a kind, a character
span ``[offset, offset + length)`` of ``line.text`` and an optional value (the expansion of an
abbreviation, a normalised date, a name).  ``gap`` may be empty (length 0: something lost at that
place).  The workflow (:func:`digitizer.workflow.tag`) is the only place that changes them; a text
edit carries them along (:func:`remap`).

Transkribus writes tags in ``TextLine/@custom`` as ``name {offset:N; length:N; key:value;}``
entries after ``readingOrder {index:N;}``; values escape ``\\ { } ; :`` and spaces as ``\\uXXXX``.
"""

from __future__ import annotations

import difflib
import re
from typing import Sequence

from .model import Tag

# our kind -> the Transkribus tag name (and the key of its value, if it has one)
KINDS: dict[str, tuple[str, str]] = {
    "unclear": ("unclear", "reason"),
    "gap": ("gap", "reason"),
    "supplied": ("supplied", "reason"),
    "deletion": ("del", "reason"),
    "abbreviation": ("abbrev", "expansion"),
    "person": ("person", "name"),
    "place": ("place", "name"),
    "date": ("date", "when"),
    "organisation": ("organization", "name"),
}
_BY_NAME = {name: kind for kind, (name, _key) in KINDS.items()}
EMPTY_OK = ("gap",)

_ENTRY = re.compile(r"([A-Za-z_][\w-]*)\s*\{([^}]*)\}")
_ESCAPED = "\\{};: \n\t"


class TagError(ValueError):
    """A span or kind that cannot be a tag (the message names the reason)."""


def check(tag: Tag, text: str) -> None:
    """Raise :class:`TagError` when ``tag`` is not a valid tag of a line whose text is ``text``."""
    if tag.kind not in KINDS:
        raise TagError(f"unknown tag kind {tag.kind!r} (one of {', '.join(KINDS)})")
    if tag.offset < 0 or tag.length < 0 or tag.offset + tag.length > len(text):
        raise TagError(f"span {tag.offset}:{tag.offset + tag.length} is outside the line's text "
                       f"(0:{len(text)})")
    if tag.length == 0 and tag.kind not in EMPTY_OK:
        raise TagError(f"a {tag.kind} tag needs at least one character (only a gap may be empty)")


def add(tags: Sequence[Tag], new: Tag, text: str) -> list[Tag]:
    """``tags`` plus ``new`` (checked against ``text``), in text order; the same kind on the same
    span replaces the old one (its value changes)."""
    check(new, text)
    kept = [t for t in tags if not (t.kind == new.kind and t.offset == new.offset and t.length == new.length)]
    return ordered([*kept, new])


def remove(tags: Sequence[Tag], kind: str, offset: int, length: int) -> tuple[list[Tag], list[Tag]]:
    """``(kept, removed)``: the tags of ``kind`` (any kind when ``kind`` is empty) whose span lies
    inside ``[offset, offset + length]``."""
    def hit(t: Tag) -> bool:
        return (not kind or t.kind == kind) and offset <= t.offset and t.offset + t.length <= offset + length
    return [t for t in tags if not hit(t)], [t for t in tags if hit(t)]


def ordered(tags: Sequence[Tag]) -> list[Tag]:
    return sorted(tags, key=lambda t: (t.offset, -t.length, t.kind))


def _map_pos(pos: int, ops: list[tuple[str, int, int, int, int]], *, end: bool) -> int:
    """Where a span's start (or ``end``) at character position ``pos`` of the old text lies in the
    new one: text inserted at a span's edge stays outside it, text replacing its characters is in."""
    for op, i1, i2, j1, j2 in ops:
        if op == "insert":
            continue
        if i1 < pos < i2 or (pos == i1 and not end) or (pos == i2 and end):
            return j1 + (pos - i1) if op == "equal" else (j2 if end else j1)
    for op, i1, i2, j1, j2 in ops:       # a start at the very end, an end at the very start
        if op != "insert" and pos == (i1 if end else i2):
            return j1 if end else j2
    return 0


def _opcodes(old: str, new: str) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, with the common start and end taken as unchanged first (so deleting a
    word never moves a neighbour's letters into the gap)."""
    n = 0
    while n < min(len(old), len(new)) and old[n] == new[n]:
        n += 1
    m = 0
    while m < min(len(old), len(new)) - n and old[-1 - m] == new[-1 - m]:
        m += 1
    ops = [("equal", 0, n, 0, n)] if n else []
    middle = difflib.SequenceMatcher(None, old[n:len(old) - m], new[n:len(new) - m], autojunk=False)
    ops += [(op, i1 + n, i2 + n, j1 + n, j2 + n) for op, i1, i2, j1, j2 in middle.get_opcodes()]
    return ops + ([("equal", len(old) - m, len(old), len(new) - m, len(new))] if m else [])


def remap(tags: Sequence[Tag], old: str, new: str) -> list[Tag]:
    """The tags of a line whose text changed from ``old`` to ``new``: every span follows its
    characters (text typed inside a span grows it); a span whose characters were all deleted goes
    (a gap stays, at its place)."""
    if old == new or not tags:
        return list(tags)
    ops = _opcodes(old, new)
    out = []
    for t in tags:
        start = _map_pos(t.offset, ops, end=False)
        stop = max(start, _map_pos(t.offset + t.length, ops, end=True))
        if stop > start or t.kind in EMPTY_OK:
            out.append(Tag(t.kind, start, stop - start, t.value))
    return ordered(out)


# --------------------------------------------------------------------------- Transkribus @custom


def _escape(value: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c in _ESCAPED else c for c in value)


def _unescape(value: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)


def _props(body: str) -> dict[str, str]:
    out = {}
    for part in body.split(";"):
        key, sep, value = part.partition(":")
        if sep and key.strip():
            out[key.strip()] = _unescape(value.strip())
    return out


def to_custom(tags: Sequence[Tag], custom: str = "", index: int | None = None) -> str:
    """``custom`` (what else the line carries, e.g. ``textStyle {...}``) with ``tags`` appended in
    the Transkribus convention; with ``index``, ``readingOrder {index:N;}`` first (replacing the one
    ``custom`` had)."""
    if index is not None:
        custom = " ".join(m.group(0) for m in _ENTRY.finditer(custom) if m.group(1) != "readingOrder")
    parts = [f"readingOrder {{index:{index};}}"] if index is not None else []
    parts += [custom.strip()] if custom.strip() else []
    for t in ordered(tags):
        name, key = KINDS[t.kind]
        value = f" {key}:{_escape(t.value)};" if t.value else ""
        parts.append(f"{name} {{offset:{t.offset}; length:{t.length};{value}}}")
    return " ".join(parts)


def from_custom(custom: str, text: str) -> list[Tag]:
    """The tags of kinds we know in a ``@custom`` string (spans outside ``text`` are dropped)."""
    tags = []
    for m in _ENTRY.finditer(custom):
        kind, props = _BY_NAME.get(m.group(1)), _props(m.group(2))
        if kind is None:
            continue
        try:
            tag = Tag(kind, int(props.get("offset", "")), int(props.get("length", "")), props.get(KINDS[kind][1], ""))
            check(tag, text)
        except ValueError:
            continue
        tags.append(tag)
    return ordered(tags)


def other_custom(custom: str) -> str:
    """``custom`` without the entries of tag kinds we know (``readingOrder``, ``textStyle`` and
    others stay verbatim): what an export writes before the line's current tags."""
    return " ".join(m.group(0) for m in _ENTRY.finditer(custom) if m.group(1) not in _BY_NAME)


# --------------------------------------------------------------------------- words


def token_tags(text: str, tokens: Sequence[str], tags: Sequence[Tag]) -> list[list[int]]:
    """For each token (word) of ``text``, in order, the indexes into ``tags`` of the tags touching
    its characters (an empty gap touches the word it stands in or next to): ALTO's ``TAGREFS``."""
    out, pos = [], 0
    for tok in tokens:
        start = text.find(tok, pos) if tok else -1
        start = pos if start < 0 else start
        end = start + len(tok)
        out.append([i for i, t in enumerate(tags)
                    if (t.offset < end and t.offset + t.length > start) or (t.length == 0 and start <= t.offset <= end)])
        pos = end
    return out
