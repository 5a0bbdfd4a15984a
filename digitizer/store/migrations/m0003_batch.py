"""Schema version 3: batch jobs and their per-task state (resumable batches, see :mod:`digitizer.batch`).

A job is one run of the batch runner over a selection of pages (``kind = 'page'`` tasks) and,
optionally, item-level work done after all pages of an item (``kind = 'item'`` tasks, e.g. export).
Task rows are the only state needed to resume: ``done`` rows are never redone; ``running`` rows
of a job whose coordinator died are put back to ``pending`` on resume.
"""

SQL = """
CREATE TABLE batch_jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL DEFAULT 'process',
    status        TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running','done','cancelled','superseded')),
    params        TEXT NOT NULL DEFAULT '{}',
    executor      TEXT NOT NULL DEFAULT '',
    max_attempts  INTEGER NOT NULL DEFAULT 3,
    host          TEXT NOT NULL DEFAULT '',
    pid           INTEGER,
    created       TEXT NOT NULL,
    started       TEXT NOT NULL,
    finished      TEXT,
    runs          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX batch_jobs_status ON batch_jobs(status, kind);
CREATE TABLE batch_tasks (
    id        INTEGER PRIMARY KEY,
    job_id    INTEGER NOT NULL REFERENCES batch_jobs(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL DEFAULT 'page' CHECK (kind IN ('page','item')),
    item_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    page_id   INTEGER REFERENCES pages(id) ON DELETE CASCADE,
    status    TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','done','failed')),
    attempts  INTEGER NOT NULL DEFAULT 0,
    error     TEXT,
    worker    TEXT,
    started   TEXT,
    finished  TEXT,
    seconds   REAL,
    timings   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX batch_tasks_job ON batch_tasks(job_id, kind, status, id);
CREATE UNIQUE INDEX batch_tasks_page ON batch_tasks(job_id, page_id) WHERE kind = 'page';
CREATE UNIQUE INDEX batch_tasks_item ON batch_tasks(job_id, item_id) WHERE kind = 'item'
"""
