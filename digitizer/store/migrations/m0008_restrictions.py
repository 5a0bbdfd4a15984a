"""Schema version 8: access restrictions (issue 17).

One row per restriction; a lifted restriction keeps its row (``lifted``/``lifted_by`` set), so the
preservation package can record the whole history.  Scopes:

* ``item`` / ``page``: the whole item or page is withheld from access packages;
* ``region`` / ``line`` / ``word``: layout ids on one page (``target``: comma-separated ids);
* ``text`` / ``regex``: every occurrence in the project, or in one item/page when those are set
  (in the item's descriptive metadata too);
* ``field``: descriptive metadata fields of an item (``target``: comma-separated field names).
"""

SQL = """
CREATE TABLE restrictions (
    id          INTEGER PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('item','page','region','line','word','text','regex','field')),
    item_id     INTEGER REFERENCES items(id) ON DELETE CASCADE,
    page_id     INTEGER REFERENCES pages(id) ON DELETE CASCADE,
    target      TEXT NOT NULL DEFAULT '',
    fuzzy       INTEGER NOT NULL DEFAULT 0,
    reason      TEXT NOT NULL,
    until       TEXT,
    note        TEXT NOT NULL DEFAULT '',
    created     TEXT NOT NULL,
    agent       TEXT NOT NULL,
    lifted      TEXT,
    lifted_by   TEXT,
    event_id    INTEGER REFERENCES events(id)
);
CREATE INDEX restrictions_item ON restrictions(item_id);
CREATE INDEX restrictions_page ON restrictions(page_id)
"""
