"""Matching a parsed query against the words of one line (shared by the project index and the package).

A line's words are ``[text, x0, y0, x1, y1, [folded tokens]]`` lists, as stored in ``search_lines.words``
and in an export's ``search/index.json``.
"""

from __future__ import annotations

from typing import Callable

from .query import Query, Term

TermTest = Callable[[Term, str], bool]


def plain_term_test(expanded: dict[Term, set[str]]) -> TermTest:
    """Exact, prefix, or (for fuzzy terms) membership in the term's verified candidates."""
    def test(term: Term, token: str) -> bool:
        if term.fuzzy:
            return token in expanded[term]
        return token.startswith(term.text) if term.prefix else token == term.text
    return test


def match_words(query: Query, test: TermTest, words: list) -> set[int] | None:
    """Indices of the words matched by every group of ``query`` (a phrase: consecutive tokens), or None."""
    flat = [(wi, tok) for wi, w in enumerate(words) for tok in w[5]]
    matched: set[int] = set()
    for group in query.groups:
        starts = [i for i in range(len(flat) - len(group) + 1)
                  if all(test(t, flat[i + k][1]) for k, t in enumerate(group))]
        if not starts:
            return None
        matched.update(flat[i + k][0] for i in starts for k in range(len(group)))
    return matched


def snippet(words: list, matched: set[int], width: int = 12) -> str:
    """The line around its first and last match, matched words in «»."""
    first, last = min(matched), max(matched)
    lo, hi = max(0, first - width // 2), min(len(words), last + width // 2 + 1)
    body = " ".join(f"«{w[0]}»" if i in matched else w[0] for i, w in enumerate(words[lo:hi], lo))
    return ("… " if lo else "") + body + (" …" if hi < len(words) else "")


def context(words: list, index: int, width: int = 5) -> tuple[str, str]:
    """Text before and after word ``index`` (a few words each side)."""
    before = " ".join(w[0] for w in words[max(0, index - width):index])
    after = " ".join(w[0] for w in words[index + 1:index + 1 + width])
    return (before + " " if before else ""), (" " + after if after else "")
