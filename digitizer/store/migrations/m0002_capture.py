"""Schema version 2: capture-time tables (page history, hot-folder state, QC results).

* ``page_history``: every structural change of a page that swaps or derives its pixels
  (rescan/replace, split of a spread).  The old master file row stays in ``files`` and on
  disk; this table says which page it belonged to and when it was superseded.
* ``hotfolder_files``: what a hot folder has seen and done, so a restarted watcher never
  imports a file twice (keyed by folder + name + size + mtime, with the file's SHA-256).
* ``qc_results``: the latest capture QC result per page and check (history is in events).
"""

SQL = """
CREATE TABLE page_history (
    id                  INTEGER PRIMARY KEY,
    page_id             INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    at                  TEXT NOT NULL,
    action              TEXT NOT NULL,
    old_master_file_id  INTEGER REFERENCES files(id),
    new_master_file_id  INTEGER REFERENCES files(id),
    old_image_file_id   INTEGER REFERENCES files(id),
    detail              TEXT NOT NULL DEFAULT '{}',
    event_id            INTEGER REFERENCES events(id)
);
CREATE INDEX page_history_page ON page_history(page_id, id);
CREATE TABLE hotfolder_files (
    id        INTEGER PRIMARY KEY,
    folder    TEXT NOT NULL,
    name      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    sha256    TEXT NOT NULL DEFAULT '',
    item_id   INTEGER REFERENCES items(id) ON DELETE SET NULL,
    status    TEXT NOT NULL CHECK (status IN ('imported','duplicate','failed')),
    pages     TEXT NOT NULL DEFAULT '[]',
    reason    TEXT NOT NULL DEFAULT '',
    at        TEXT NOT NULL,
    UNIQUE (folder, name, size, mtime_ns)
);
CREATE INDEX hotfolder_sha ON hotfolder_files(folder, sha256);
CREATE TABLE qc_results (
    page_id    INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    check_name TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pass','fail','skip')),
    value      REAL,
    threshold  REAL,
    message    TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL,
    event_id   INTEGER REFERENCES events(id),
    PRIMARY KEY (page_id, check_name)
);
"""
