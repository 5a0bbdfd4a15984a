"""The query language: words, ``"phrases"`` and ``prefix*``; every word of a query must be on the line.

Parsed into :class:`Query` (folded with the same :class:`~digitizer.search.fold.Folder` as the index).
A malformed query raises :class:`QueryError` with one line saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import DigitizerError, ExitCode
from .fold import Folder

MAX_FUZZY = 3
_PART_RE = re.compile(r'"([^"]*)"|(\S+)')


class QueryError(DigitizerError):
    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Term:
    """One folded word; ``prefix`` matches any token starting with it; ``fuzzy`` = max edits."""

    text: str
    prefix: bool = False
    fuzzy: int = 0


@dataclass
class Query:
    raw: str
    groups: list[list[Term]] = field(default_factory=list)   # a group = a word or a phrase (consecutive)

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]


def parse_query(raw: str, folder: Folder, *, fuzzy: int = 0) -> Query:
    if not 0 <= fuzzy <= MAX_FUZZY:
        raise QueryError(f"--fuzzy {fuzzy}: the edit distance must be between 0 and {MAX_FUZZY}")
    if raw.count('"') % 2:
        raise QueryError(f"malformed query {raw!r}: unbalanced quote")
    query = Query(raw=raw)
    for m in _PART_RE.finditer(raw):
        phrase, word = m.group(1), m.group(2)
        group = _phrase(raw, phrase, folder, fuzzy) if phrase is not None else _word(raw, word, folder, fuzzy)
        query.groups.append(group)
    if not query.groups:
        raise QueryError(f"malformed query {raw!r}: nothing to search for")
    return query


def _word(raw: str, word: str, folder: Folder, fuzzy: int) -> list[Term]:
    prefix = word.endswith("*")
    body = word[:-1] if prefix else word
    if "*" in body:
        raise QueryError(f"malformed query {raw!r}: '*' is allowed only at the end of a word ({word!r})")
    tokens = folder.tokens(body)
    if not tokens:
        raise QueryError(f"malformed query {raw!r}: {word!r} has no letters or digits")
    # "jean-paul" is the phrase jean paul; a prefix applies to the last token
    return [Term(t, prefix and i == len(tokens) - 1, 0 if prefix else fuzzy) for i, t in enumerate(tokens)]


def _phrase(raw: str, phrase: str, folder: Folder, fuzzy: int) -> list[Term]:
    if "*" in phrase:
        raise QueryError(f"malformed query {raw!r}: no '*' inside a quoted phrase")
    tokens = folder.tokens(phrase)
    if not tokens:
        raise QueryError(f"malformed query {raw!r}: empty phrase")
    return [Term(t, False, fuzzy) for t in tokens]
