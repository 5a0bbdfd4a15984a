"""The project's full-text index and the search over it (no Qt; the CLI and the GUI call this).

Tables and triggers: :mod:`digitizer.store.migrations.m0005_search`.  The triggers mark a page
*dirty* in the same transaction as any change of its text; :meth:`SearchIndex.refresh` (run
before every query) re-indexes dirty pages, so a search always sees the current text of every
line.  :meth:`SearchIndex.rebuild` re-indexes everything (``digitizer index P --rebuild``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from .. import __version__
from ..errors import ProjectError, ProjectLockedError
from ..model import BBox, Line, PageLayout, ProcessingStep
from ..store import ProjectStore
from ..workflow import LINE_STATES      # the workflow's line states: one rule, one place
from .fold import Folder
from .fuzzy import expand_fuzzy, trigrams
from .match import match_words, plain_term_test, snippet
from .query import Query, Term, parse_query

log = logging.getLogger(__name__)

LINE_BITS = 20                      # search_lines.id = page_id << LINE_BITS | line number
_STATE_SQL = ("COALESCE((SELECT ls.state FROM line_states ls WHERE ls.page_id = l.page_id"
              " AND ls.line_id = l.line_id), 'machine')")     # the workflow's state of the line


@dataclass
class WordHit:
    text: str
    bbox: BBox      # master image coordinates of the page
    index: int = 0  # position of the word in its line

    def to_dict(self) -> dict[str, Any]:
        b = self.bbox
        return {"text": self.text, "index": self.index, "x": b.x0, "y": b.y0, "w": b.width, "h": b.height}


@dataclass
class SearchHit:
    item: str           # item identifier
    item_id: int
    page: int           # 1-based page number (seq) in the item
    page_id: int
    line_id: str
    line_no: int        # 0-based position of the line in reading order
    engine: str
    text: str           # the line's current text
    snippet: str        # the text with the matched words in «»
    words: list[WordHit] = field(default_factory=list)
    line_box: BBox | None = None    # union of the line's word boxes

    def to_dict(self) -> dict[str, Any]:
        lb = self.line_box
        return {"item": self.item, "page": self.page, "page_id": self.page_id, "line": self.line_id,
                "line_no": self.line_no, "engine": self.engine, "text": self.text, "snippet": self.snippet,
                "line_box": None if lb is None else {"x": lb.x0, "y": lb.y0, "w": lb.width, "h": lb.height},
                "words": [w.to_dict() for w in self.words]}


@dataclass
class SearchFilter:
    item: str | int | None = None
    pages: tuple[int, int] | None = None     # inclusive page number range
    state: str | None = None                 # one of LINE_STATES
    engine: str | None = None


class SearchIndex:
    def __init__(self, store: ProjectStore):
        self.store = store
        self._folders: dict[str, Folder] = {}

    # ------------------------------------------------------------------ folding

    def folder_for(self, profile: str) -> Folder:
        if profile not in self._folders:
            self._folders[profile] = Folder(_profile_equivalences(profile))
        return self._folders[profile]

    def query_folder(self) -> Folder:
        """Queries are folded with the equivalences of every profile used in the project."""
        merged: dict[str, str] = {}
        for (profile,) in self.store.conn.execute("SELECT DISTINCT profile FROM items ORDER BY profile"):
            merged.update(self.folder_for(profile).equivalences)
        return Folder(merged)

    # ------------------------------------------------------------------ maintenance

    def dirty_count(self) -> int:
        return int(self.store.conn.execute("SELECT COUNT(*) FROM search_dirty").fetchone()[0])

    def refresh(self) -> int:
        """Index the pages changed since the last query; returns how many. A project locked by another
        writer is searched as indexed (a warning is logged)."""
        if not self.dirty_count():
            return 0
        try:
            with self.store.transaction() as c:
                pages = [r[0] for r in c.execute("SELECT page_id FROM search_dirty ORDER BY page_id")]
                writer = _Writer(c, bulk=len(pages) > 50)
                for page_id in pages:
                    self._index_page(writer, page_id)
                c.execute("DELETE FROM search_dirty")
            return len(pages)
        except ProjectLockedError:
            log.warning("%s: project is locked; searching the index as it was", self.store.root)
            return 0

    def rebuild(self) -> dict[str, int]:
        """Drop and rebuild the whole index; recorded as an event."""
        with self.store.transaction() as c:
            c.execute("DELETE FROM search_lines")
            c.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
            c.execute("DELETE FROM search_trigrams")
            c.execute("DELETE FROM search_terms")
            pages = [r[0] for r in c.execute("SELECT DISTINCT page_id FROM layouts ORDER BY page_id")]
            writer = _Writer(c, bulk=True, fts=False)
            for page_id in pages:
                self._index_page(writer, page_id)
            c.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            c.execute("DELETE FROM search_dirty")
            stats = self.stats()
            self.store.record(ProcessingStep(action="search-index", tool="digitizer.search", tool_version=__version__,
                                             parameters={"rebuild": True, **stats}))
        return stats

    def stats(self) -> dict[str, int]:
        q = self.store.conn.execute
        return {"pages": int(q("SELECT COUNT(DISTINCT page_id) FROM search_lines").fetchone()[0]),
                "lines": int(q("SELECT COUNT(*) FROM search_lines").fetchone()[0]),
                "terms": int(q("SELECT COUNT(*) FROM search_terms").fetchone()[0])}

    def _index_page(self, writer: "_Writer", page_id: int) -> None:
        writer.delete_page(page_id)
        row = self.store.conn.execute(
            "SELECT i.profile, l.data, e.tool FROM pages p JOIN items i ON i.id = p.item_id "
            "JOIN layouts l ON l.page_id = p.id LEFT JOIN events e ON e.id = l.event_id "
            "WHERE p.id = ? ORDER BY l.version DESC LIMIT 1", (page_id,)).fetchone()
        if row is None:
            return
        from ..model import layout_from_dict

        layout = layout_from_dict(json.loads(row["data"]))
        folder = self.folder_for(row["profile"])
        engine = row["tool"] or _layout_engine(layout)
        for no, line in enumerate(layout.lines()):
            words = word_rows(line, folder)
            folded = " ".join(t for w in words for t in w[5])
            writer.add_line((page_id << LINE_BITS) | no, page_id, line.id, engine, line.text, folded, words)

    # ------------------------------------------------------------------ search

    def search(self, text: str, *, fuzzy: int = 0, filters: SearchFilter | None = None,
               limit: int = 20) -> list[SearchHit]:
        """Lines matching every word/phrase of ``text``, in index order (page id, reading order)."""
        query = parse_query(text, self.query_folder(), fuzzy=fuzzy)
        self.refresh()
        return list(self.iter_hits(query, filters or SearchFilter(), limit))

    def iter_hits(self, query: Query, filters: SearchFilter, limit: int) -> Iterator[SearchHit]:
        expanded = {t: self._expand(t) for t in query.terms if t.fuzzy}
        if any(not v for v in expanded.values()):
            return
        match = _fts_expression(query, expanded)
        where, args = self._filter_sql(filters)
        sql = ("SELECT l.id, l.page_id, l.line_id, l.engine, l.text, l.words, p.seq, p.item_id, i.identifier "
               "FROM search_fts JOIN search_lines l ON l.id = search_fts.rowid JOIN pages p ON p.id = l.page_id "
               f"JOIN items i ON i.id = p.item_id WHERE search_fts MATCH ?{where} "
               "ORDER BY search_fts.rowid LIMIT ? OFFSET ?")
        found, offset, batch = 0, 0, max(limit * 2, 64)
        while found < limit:
            rows = self.store.conn.execute(sql, (match, *args, batch, offset)).fetchall()
            for r in rows:
                hit = _verify(query, expanded, r)
                if hit is not None:
                    found += 1
                    yield hit
                    if found >= limit:
                        return
            if len(rows) < batch:
                return
            offset += batch

    def _filter_sql(self, f: SearchFilter) -> tuple[str, list[Any]]:
        where, args = "", []
        if f.item is not None:
            col = "id" if isinstance(f.item, int) else "identifier"
            row = self.store.conn.execute(f"SELECT id FROM items WHERE {col} = ?", (f.item,)).fetchone()
            if row is None:
                raise ProjectError(f"{self.store.root}: no item {f.item!r}")
            where += " AND p.item_id = ?"
            args.append(row[0])
        if f.pages is not None:
            where += " AND p.seq BETWEEN ? AND ?"
            args += list(f.pages)
        if f.engine:
            where += " AND l.engine = ?"
            args.append(f.engine)
        if f.state:
            if f.state not in LINE_STATES:
                raise ProjectError(f"unknown line state {f.state!r} (known: {', '.join(LINE_STATES)})")
            where += f" AND {_STATE_SQL} = ?"
            args.append(f.state)
        return where, args

    def _expand(self, term: Term) -> set[str]:
        return expand_fuzzy(self.store.conn, term.text, term.fuzzy)


# --------------------------------------------------------------------------- helpers


class _Writer:
    """Writes index rows inside the caller's transaction (``bulk`` caches the known vocabulary)."""

    def __init__(self, conn: sqlite3.Connection, *, bulk: bool, fts: bool = True):
        self.conn, self.fts = conn, fts
        self.known: set[str] | None = ({r[0] for r in conn.execute("SELECT term FROM search_terms")}
                                       if bulk else None)

    def delete_page(self, page_id: int) -> None:
        lo, hi = page_id << LINE_BITS, ((page_id + 1) << LINE_BITS) - 1
        if self.fts:
            self.conn.execute("INSERT INTO search_fts(search_fts, rowid, folded) SELECT 'delete', id, folded "
                              "FROM search_lines WHERE id BETWEEN ? AND ?", (lo, hi))
        self.conn.execute("DELETE FROM search_lines WHERE id BETWEEN ? AND ?", (lo, hi))

    def add_line(self, rowid: int, page_id: int, line_id: str, engine: str, text: str, folded: str,
                 words: list) -> None:
        self.conn.execute("INSERT INTO search_lines(id, page_id, line_id, engine, text, folded, words) "
                          "VALUES (?,?,?,?,?,?,?)",
                          (rowid, page_id, line_id, engine, text, folded, json.dumps(words, ensure_ascii=False)))
        if self.fts:
            self.conn.execute("INSERT INTO search_fts(rowid, folded) VALUES (?, ?)", (rowid, folded))
        self.add_terms(folded.split())

    def add_terms(self, tokens: Iterable[str]) -> None:
        for term in set(tokens):
            if self.known is not None:
                if term in self.known:
                    continue
                self.known.add(term)
            cur = self.conn.execute("INSERT OR IGNORE INTO search_terms(term, len) VALUES (?, ?)", (term, len(term)))
            if cur.rowcount == 1:
                self.conn.executemany("INSERT OR IGNORE INTO search_trigrams(tri, term_id) VALUES (?, ?)",
                                      [(tri, cur.lastrowid) for tri in trigrams(term)])


def line_words(line: Line) -> list[tuple[str, BBox]]:
    """The words of a line with their boxes; approximate boxes along the line when words are missing."""
    from ..correction import split_words, word_spans

    if line.words and word_spans(line):
        return [(w.text, w.bbox) for w in line.words]
    return [(w.text, w.bbox) for w in split_words(line.text, line.bbox)]


def word_rows(line: Line, folder: Folder) -> list[list[Any]]:
    """``[text, x0, y0, x1, y1, [folded tokens]]`` for every word of ``line``."""
    return [[text, b.x0, b.y0, b.x1, b.y1, folder.tokens(text)] for text, b in line_words(line)]


def _layout_engine(layout: PageLayout) -> str:
    for step in reversed(layout.steps):
        if step.action in ("ocr", "htr", "recognize", "import"):
            return step.tool
    return layout.steps[-1].tool if layout.steps else ""


def _profile_equivalences(profile: str) -> dict[str, str]:
    from ..errors import ProfileError
    from ..profiles import load_profile
    from .fold import validate_equivalences

    try:
        section = load_profile(profile).section("search")
    except ProfileError as exc:
        log.warning("%s; folding with the built-in equivalences only", exc)
        return {}
    if "equivalences" not in section:
        return {}
    try:
        return validate_equivalences(section["equivalences"], profile)
    except ValueError as exc:
        raise ProjectError(str(exc)) from exc


def _fts_term(term: Term, expanded: dict[Term, set[str]]) -> str:
    if term.fuzzy:
        return "(" + " OR ".join(f'"{t}"' for t in sorted(expanded[term])) + ")"
    return f'"{term.text}"' + ("*" if term.prefix else "")


def _fts_expression(query: Query, expanded: dict[Term, set[str]]) -> str:
    parts = []
    for group in query.groups:
        if len(group) > 1 and not any(t.fuzzy for t in group):
            phrase = " + ".join(f'"{t.text}"' for t in group)
            parts.append(phrase + ("*" if group[-1].prefix else ""))
        else:
            parts.extend(_fts_term(t, expanded) for t in group)
    return " AND ".join(parts)


def _verify(query: Query, expanded: dict[Term, set[str]], r: sqlite3.Row) -> SearchHit | None:
    words = json.loads(r["words"])
    matched = match_words(query, plain_term_test(expanded), words)
    if matched is None:
        return None
    return SearchHit(item=r["identifier"], item_id=r["item_id"], page=r["seq"], page_id=r["page_id"],
                     line_id=r["line_id"], line_no=r["id"] & ((1 << LINE_BITS) - 1), engine=r["engine"],
                     text=r["text"], snippet=snippet(words, matched),
                     words=[WordHit(words[i][0], BBox(*words[i][1:5]), i) for i in sorted(matched)],
                     line_box=BBox.union_all([BBox(*w[1:5]) for w in words]))
