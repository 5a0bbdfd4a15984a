"""Schema version 5: the full-text search index (see :mod:`digitizer.search`).

* ``search_lines``: one row per line of the current layout of every page: its text, its words with
  their boxes (master image coordinates) and folded tokens, the engine that read it.  ``id`` is
  ``page_id << 20 | line number`` so index order is page, then reading order.
* ``search_fts``: FTS5 over the folded text of ``search_lines`` (external content).
* ``search_terms`` / ``search_trigrams``: the folded vocabulary and its trigrams, candidates for
  fuzzy (edit-distance) search.
* ``search_dirty``: pages whose index rows are out of date.  Triggers fill it in the same
  transaction as every change of a layout (recognition, correction, restore, import), of a line
  version, or of an item's profile (which decides the character equivalences); the index folds
  those pages before the next query (:meth:`digitizer.search.SearchIndex.refresh`).  Every page
  that has a layout starts dirty, so an existing project is indexed on its first search.
"""

SQL = """
CREATE TABLE search_lines (
    id       INTEGER PRIMARY KEY,
    page_id  INTEGER NOT NULL,
    line_id  TEXT NOT NULL,
    engine   TEXT NOT NULL DEFAULT '',
    text     TEXT NOT NULL,
    folded   TEXT NOT NULL,
    words    TEXT NOT NULL DEFAULT '[]'
);
CREATE VIRTUAL TABLE search_fts USING fts5(folded, content='search_lines', content_rowid='id',
                                           tokenize='unicode61 remove_diacritics 0');
CREATE TABLE search_terms (
    id    INTEGER PRIMARY KEY,
    term  TEXT NOT NULL UNIQUE,
    len   INTEGER NOT NULL
);
CREATE INDEX search_terms_len ON search_terms(len);
CREATE TABLE search_trigrams (
    tri      TEXT NOT NULL,
    term_id  INTEGER NOT NULL,
    PRIMARY KEY (tri, term_id)
) WITHOUT ROWID;
CREATE TABLE search_dirty (
    page_id  INTEGER PRIMARY KEY
);
INSERT OR IGNORE INTO search_dirty(page_id) SELECT DISTINCT page_id FROM layouts;
"""

# (trigger, event, the page ids it marks dirty): every change of a page's text, in the same transaction
_DIRTY = [
    ("search_layout_insert", "INSERT ON layouts", "VALUES (NEW.page_id)"),
    ("search_layout_update", "UPDATE ON layouts", "VALUES (NEW.page_id)"),
    ("search_layout_delete", "DELETE ON layouts", "VALUES (OLD.page_id)"),
    ("search_line_version", "INSERT ON line_versions", "VALUES (NEW.page_id)"),
    ("search_page_delete", "DELETE ON pages", "VALUES (OLD.id)"),
    ("search_item_profile", "UPDATE OF profile ON items", "SELECT id FROM pages WHERE item_id = NEW.id"),
]
SQL += "".join(f"CREATE TRIGGER {name} AFTER {event} BEGIN INSERT OR IGNORE INTO search_dirty(page_id) {pages}; END;\n"
               for name, event, pages in _DIRTY)
