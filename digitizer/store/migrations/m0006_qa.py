"""Schema version 6: quality assurance (see :mod:`digitizer.qa` and ``docs/quality.md``).

* ``qa_targets``: quality targets set for the project (``item_id`` NULL) or one item; override the
  profile's ``[quality]`` section.
* ``qa_samples``: one row per seeded draw (seed, size rule, unit, strata, population per stratum).
* ``qa_units``: the QA queue: one row per sampled line (a page unit has one row per line, sharing
  ``unit_key``), or per line of a gold page mixed into a person's queue (``kind = 'gold'``).  The
  text as it stood when drawn (``hyp``), what the checker says it should be (``ref``) and the
  character errors by type.
* ``qa_gold``: known-correct transcriptions of gold pages.
* ``qa_keyings``: independent keyings of a page's lines by named operators (double keying).
* ``qa_guidelines``: versions of the project's transcription guidelines (Markdown).
"""

SQL = """
CREATE TABLE qa_targets (
    id        INTEGER PRIMARY KEY,
    item_id   INTEGER UNIQUE REFERENCES items(id) ON DELETE CASCADE,
    settings  TEXT NOT NULL DEFAULT '{}',
    at        TEXT NOT NULL,
    event_id  INTEGER REFERENCES events(id)
);
CREATE TABLE qa_samples (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    agent       TEXT NOT NULL,
    seed        INTEGER NOT NULL,
    size_rule   TEXT NOT NULL,
    unit        TEXT NOT NULL CHECK (unit IN ('line','page')),
    strata      TEXT NOT NULL DEFAULT '[]',
    item_id     INTEGER REFERENCES items(id) ON DELETE CASCADE,
    population  TEXT NOT NULL DEFAULT '{}',
    settings    TEXT NOT NULL DEFAULT '{}',
    event_id    INTEGER REFERENCES events(id)
);
CREATE TABLE qa_units (
    id           INTEGER PRIMARY KEY,
    sample_id    INTEGER REFERENCES qa_samples(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL DEFAULT 'sample' CHECK (kind IN ('sample','gold')),
    stratum      TEXT NOT NULL DEFAULT '',
    unit_key     TEXT NOT NULL,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    page_id      INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    line_id      TEXT NOT NULL,
    position     INTEGER NOT NULL DEFAULT 0,
    hyp          TEXT NOT NULL DEFAULT '',
    confidence   REAL,
    assigned     TEXT,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','checked')),
    ref          TEXT,
    checked_by   TEXT,
    checked_at   TEXT,
    guideline    INTEGER,
    chars        INTEGER,
    errors       INTEGER,
    subs         INTEGER,
    ins          INTEGER,
    dels         INTEGER,
    confusions   TEXT NOT NULL DEFAULT '[]',
    event_id     INTEGER REFERENCES events(id)
);
CREATE INDEX qa_units_sample ON qa_units(sample_id, status, position);
CREATE INDEX qa_units_item ON qa_units(item_id, kind);
CREATE TABLE qa_gold (
    page_id  INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    line_id  TEXT NOT NULL,
    text     TEXT NOT NULL,
    at       TEXT NOT NULL,
    agent    TEXT NOT NULL,
    PRIMARY KEY (page_id, line_id)
);
CREATE TABLE qa_keyings (
    id        INTEGER PRIMARY KEY,
    page_id   INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    line_id   TEXT NOT NULL,
    operator  TEXT NOT NULL,
    text      TEXT NOT NULL,
    at        TEXT NOT NULL,
    event_id  INTEGER REFERENCES events(id),
    UNIQUE (page_id, line_id, operator)
);
CREATE TABLE qa_guidelines (
    version  INTEGER PRIMARY KEY,
    text     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL,
    agent    TEXT NOT NULL,
    event_id INTEGER REFERENCES events(id)
)
"""
