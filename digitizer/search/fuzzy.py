"""Fuzzy candidates: vocabulary terms within an edit distance, found through a trigram index.

A term's trigrams are those of ``\\x02term\\x03``; one edit changes at most three of them, so a term
within distance ``n`` of ``q`` shares at least ``|trigrams(q)| - 3n`` trigrams with it.  Terms that
pass this count filter (or, when the bound is 0, the length filter) are verified with the real
Levenshtein distance.
"""

from __future__ import annotations

import sqlite3

from ..htr.evaluate import distance


def trigrams(term: str) -> set[str]:
    s = f"\x02{term}\x03"
    return {s[i:i + 3] for i in range(len(s) - 2)}


def expand_fuzzy(conn: sqlite3.Connection, term: str, n: int) -> set[str]:
    """Every indexed term within Levenshtein distance ``n`` of ``term`` (``term`` itself if indexed)."""
    tris = sorted(trigrams(term))
    need = len(tris) - 3 * n
    lo, hi = len(term) - n, len(term) + n
    if need > 0:
        marks = ",".join("?" * len(tris))
        rows = conn.execute(
            f"SELECT t.term FROM search_trigrams g JOIN search_terms t ON t.id = g.term_id "
            f"WHERE g.tri IN ({marks}) AND t.len BETWEEN ? AND ? GROUP BY g.term_id HAVING COUNT(*) >= ?",
            (*tris, lo, hi, need))
    else:
        rows = conn.execute("SELECT term FROM search_terms WHERE len BETWEEN ? AND ?", (lo, hi))
    return {t for (t,) in rows if distance(term, t) <= n}
