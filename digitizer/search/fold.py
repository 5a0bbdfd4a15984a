"""Folding: how line text and queries are made comparable.

Both the index and every query go through :func:`fold`:

1. the project's character equivalences (built-in ones plus the item profile's ``[search]
   equivalences``), e.g. long s ``ſ`` = ``s``, ``ꝛ`` = ``r``, ``æ`` = ``ae``;
2. Unicode compatibility decomposition (NFKD), which splits ligatures (``ﬁ`` = ``fi``, ``ﬆ`` = ``st``)
   and separates base letters from their diacritics;
3. removal of combining marks (``é`` = ``e``, ``uͤ`` = ``u``, ``ñ`` = ``n``);
4. case folding (``Straße`` = ``strasse``).

A *token* is a run of letters and digits of the folded text (punctuation and the underscore
separate tokens), the same rule as SQLite FTS5's ``unicode61`` tokenizer, so both agree.
See docs/search.md.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Mapping

# Characters NFKD does not take apart but readers of historical print treat as equal.
BUILTIN_EQUIVALENCES: dict[str, str] = {
    "ſ": "s",      # long s
    "ꝛ": "r",      # r rotunda
    "ß": "ss",
    "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE",
    "ø": "o", "Ø": "O",
    "đ": "d", "Đ": "D",
    "ł": "l", "Ł": "L",
    "ı": "i",      # dotless i
    "ȷ": "j",
    "⁊": "et",     # Tironian et
    "\u00ad": "",  # soft hyphen
}

TOKEN_RE = re.compile(r"[^\W_]+")


class Folder:
    """A folding function for one set of equivalences (built-ins + ``extra``)."""

    def __init__(self, extra: Mapping[str, str] | None = None):
        self.equivalences = {**BUILTIN_EQUIVALENCES, **dict(extra or {})}
        multi = sorted((k for k in self.equivalences if len(k) > 1), key=len, reverse=True)
        self._multi = [(k, self.equivalences[k]) for k in multi]
        self._table = str.maketrans({k: v for k, v in self.equivalences.items() if len(k) == 1})
        self._cache: dict[str, list[str]] = {}

    def fold(self, text: str) -> str:
        for src, dst in self._multi:
            text = text.replace(src, dst)
        text = unicodedata.normalize("NFKD", text.translate(self._table))
        text = "".join(c for c in text if not unicodedata.combining(c))
        return text.translate(self._table).casefold()

    def tokens(self, text: str) -> list[str]:
        """Folded tokens of ``text`` (cached: indexing folds the same words again and again)."""
        found = self._cache.get(text)
        if found is None:
            if len(self._cache) > 500_000:
                self._cache.clear()
            found = self._cache[text] = TOKEN_RE.findall(self.fold(text))
        return list(found)


def validate_equivalences(value: object, source: str) -> dict[str, str]:
    """The ``[search] equivalences`` table of a profile: ``{"ſ" = "s", ...}``; raises ValueError."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                              for k, v in value.items()):
        raise ValueError(f"{source}: [search] equivalences must be a table of non-empty strings to strings")
    return dict(value)
