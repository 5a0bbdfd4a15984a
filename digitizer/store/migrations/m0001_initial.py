"""Schema version 1: project, events, items, files, pages, layouts, line versions, failures."""

SQL = """
CREATE TABLE project (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    agent         TEXT NOT NULL,
    action        TEXT NOT NULL,
    tool          TEXT NOT NULL,
    tool_version  TEXT NOT NULL DEFAULT '',
    parameters    TEXT NOT NULL DEFAULT '{}',
    model         TEXT,
    model_sha256  TEXT,
    outcome       TEXT NOT NULL DEFAULT 'success',
    detail        TEXT NOT NULL DEFAULT '',
    item_id       INTEGER,
    page_id       INTEGER,
    file_id       INTEGER
);
CREATE INDEX events_page ON events(page_id);
CREATE INDEX events_item ON events(item_id);
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    identifier  TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL DEFAULT '',
    profile     TEXT NOT NULL DEFAULT 'printed-modern',
    metadata    TEXT NOT NULL DEFAULT '{}',
    created     TEXT NOT NULL
);
CREATE TABLE files (
    id       INTEGER PRIMARY KEY,
    path     TEXT NOT NULL UNIQUE,
    sha256   TEXT NOT NULL,
    size     INTEGER NOT NULL,
    mime     TEXT NOT NULL DEFAULT '',
    role     TEXT NOT NULL,
    created  TEXT NOT NULL
);
CREATE INDEX files_sha256 ON files(sha256, role);
CREATE TABLE pages (
    id               INTEGER PRIMARY KEY,
    item_id          INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    master_file_id   INTEGER NOT NULL REFERENCES files(id),
    source_path      TEXT NOT NULL DEFAULT '',
    source_page      INTEGER NOT NULL DEFAULT 0,
    width            INTEGER NOT NULL,
    height           INTEGER NOT NULL,
    dpi              REAL,
    dpi_source       TEXT NOT NULL DEFAULT 'metadata',
    label            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'imported'
                     CHECK (status IN ('imported','failed','processed','corrected','reviewed','approved')),
    transform        TEXT NOT NULL DEFAULT '',
    engine_override  TEXT,
    mean_confidence  REAL,
    error            TEXT,
    created          TEXT NOT NULL,
    updated          TEXT NOT NULL,
    UNIQUE (master_file_id, source_page)
);
CREATE INDEX pages_item ON pages(item_id, seq);
CREATE TABLE page_files (
    page_id  INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    file_id  INTEGER NOT NULL REFERENCES files(id),
    PRIMARY KEY (page_id, name)
);
CREATE TABLE layouts (
    id        INTEGER PRIMARY KEY,
    page_id   INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    version   INTEGER NOT NULL,
    data      TEXT NOT NULL,
    event_id  INTEGER REFERENCES events(id),
    created   TEXT NOT NULL,
    updated   TEXT NOT NULL,
    UNIQUE (page_id, version)
);
CREATE TABLE line_versions (
    id        INTEGER PRIMARY KEY,
    page_id   INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    line_id   TEXT NOT NULL,
    version   INTEGER NOT NULL,
    text      TEXT NOT NULL,
    agent     TEXT NOT NULL,
    at        TEXT NOT NULL,
    source    TEXT NOT NULL DEFAULT 'edit',
    event_id  INTEGER REFERENCES events(id),
    UNIQUE (page_id, line_id, version)
);
CREATE TABLE failures (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    source_path  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    item_id      INTEGER REFERENCES items(id) ON DELETE SET NULL,
    event_id     INTEGER REFERENCES events(id)
);
"""
