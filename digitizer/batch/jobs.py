"""Batch job state in the project store (tables ``batch_jobs`` / ``batch_tasks``, schema version 3).

Only the coordinator writes here (one SQLite writer).  The rules that make a batch resumable:

* a task row is ``done`` in the same transaction that commits its result, so a result is either
  stored and marked done, or neither;
* on resume, ``running`` rows (their coordinator died) go back to ``pending``; ``done`` rows stay;
* a failed attempt increments ``attempts`` and returns the row to ``pending`` until
  ``max_attempts`` is reached, then the row is ``failed`` with its last error.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from ..store import ProjectStore

RESUMABLE = ("running", "cancelled")


def utcnow() -> str:
    """UTC timestamp with milliseconds (rates of fast batches need more than whole seconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class TaskRow:
    id: int
    kind: str
    item_id: int
    page_id: int | None
    status: str
    attempts: int
    error: str | None = None
    worker: str | None = None


@dataclass
class Job:
    id: int
    kind: str
    status: str
    params: dict[str, Any]
    executor: str
    max_attempts: int
    host: str
    pid: int | None
    created: str
    started: str
    finished: str | None
    runs: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, kind: str, status: str) -> int:
        return self.counts.get(kind, {}).get(status, 0)


def _job_from_row(r) -> Job:
    return Job(id=r["id"], kind=r["kind"], status=r["status"], params=json.loads(r["params"] or "{}"),
               executor=r["executor"], max_attempts=r["max_attempts"], host=r["host"], pid=r["pid"],
               created=r["created"], started=r["started"], finished=r["finished"], runs=r["runs"])


def _task_from_row(r) -> TaskRow:
    return TaskRow(id=r["id"], kind=r["kind"], item_id=r["item_id"], page_id=r["page_id"], status=r["status"],
                   attempts=r["attempts"], error=r["error"], worker=r["worker"])


class JobStore:
    """Reads and writes batch job state through an open :class:`ProjectStore`."""

    def __init__(self, store: ProjectStore):
        self.store = store
        self.conn = store.conn

    # ------------------------------------------------------------------ jobs

    def find_resumable(self, kind: str, params: dict[str, Any]) -> Job | None:
        """The latest unfinished job of ``kind`` with exactly these parameters."""
        want = json.dumps(params, sort_keys=True, default=str)
        r = self.conn.execute("SELECT * FROM batch_jobs WHERE kind = ? AND status IN ('running','cancelled') "
                              "AND params = ? ORDER BY id DESC LIMIT 1", (kind, want)).fetchone()
        return None if r is None else _job_from_row(r)

    def create_job(self, kind: str, params: dict[str, Any], *, executor: str, max_attempts: int,
                   pages: Iterable[tuple[int, int]], items: Iterable[int]) -> Job:
        """A new job with one pending task per ``(item_id, page_id)`` and per item id.
        Unfinished jobs of the same kind are marked ``superseded``."""
        now = utcnow()
        with self.store.transaction() as c:
            c.execute("UPDATE batch_jobs SET status = 'superseded', finished = ? WHERE kind = ? AND "
                      "status IN ('running','cancelled')", (now, kind))
            cur = c.execute("INSERT INTO batch_jobs(kind, status, params, executor, max_attempts, host, pid, created,"
                            " started) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                            (kind, json.dumps(params, sort_keys=True, default=str), executor, max_attempts,
                             socket.gethostname(), os.getpid(), now, now))
            job_id = int(cur.lastrowid)
            c.executemany("INSERT INTO batch_tasks(job_id, kind, item_id, page_id) VALUES (?, 'page', ?, ?)",
                          ((job_id, item_id, page_id) for item_id, page_id in pages))
            c.executemany("INSERT INTO batch_tasks(job_id, kind, item_id) VALUES (?, 'item', ?)",
                          ((job_id, item_id) for item_id in items))
        return self.get_job(job_id)

    def resume_job(self, job: Job, *, executor: str, max_attempts: int) -> Job:
        """Take over an unfinished job: ``running`` tasks go back to ``pending``; failed tasks get new attempts."""
        with self.store.transaction() as c:
            c.execute("UPDATE batch_tasks SET status = 'pending', worker = NULL WHERE job_id = ? AND "
                      "status = 'running'", (job.id,))
            c.execute("UPDATE batch_tasks SET status = 'pending', attempts = 0 WHERE job_id = ? AND "
                      "status = 'failed'", (job.id,))
            c.execute("UPDATE batch_jobs SET status = 'running', executor = ?, max_attempts = ?, host = ?, pid = ?, "
                      "started = ?, finished = NULL, runs = runs + 1 WHERE id = ?",
                      (executor, max_attempts, socket.gethostname(), os.getpid(), utcnow(), job.id))
        return self.get_job(job.id)

    def finish_job(self, job_id: int, status: str = "done") -> None:
        with self.store.transaction() as c:
            c.execute("UPDATE batch_tasks SET status = 'pending', worker = NULL WHERE job_id = ? AND "
                      "status = 'running'", (job_id,))
            c.execute("UPDATE batch_jobs SET status = ?, finished = ? WHERE id = ?", (status, utcnow(), job_id))

    def get_job(self, job_id: int) -> Job:
        r = self.conn.execute("SELECT * FROM batch_jobs WHERE id = ?", (job_id,)).fetchone()
        job = _job_from_row(r)
        job.counts = self.counts(job_id)
        return job

    def latest_job(self, kind: str | None = None) -> Job | None:
        sql = "SELECT id FROM batch_jobs" + (" WHERE kind = ?" if kind else "") + " ORDER BY id DESC LIMIT 1"
        r = self.conn.execute(sql, (kind,) if kind else ()).fetchone()
        return None if r is None else self.get_job(r["id"])

    def jobs(self) -> list[Job]:
        return [self.get_job(r["id"]) for r in self.conn.execute("SELECT id FROM batch_jobs ORDER BY id")]

    def counts(self, job_id: int) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {"page": {}, "item": {}}
        for r in self.conn.execute("SELECT kind, status, COUNT(*) AS n FROM batch_tasks WHERE job_id = ? "
                                   "GROUP BY kind, status", (job_id,)):
            out[r["kind"]][r["status"]] = r["n"]
        return out

    # ------------------------------------------------------------------ tasks

    def pending(self, job_id: int, kind: str, *, after_id: int = 0, limit: int = 256) -> list[TaskRow]:
        """Pending tasks in id order (page tasks are inserted in item/sequence order)."""
        rows = self.conn.execute("SELECT * FROM batch_tasks WHERE job_id = ? AND kind = ? AND status = 'pending' "
                                 "AND id > ? ORDER BY id LIMIT ?", (job_id, kind, after_id, limit)).fetchall()
        return [_task_from_row(r) for r in rows]

    def open_page_counts(self, job_id: int) -> dict[int, int]:
        """item id -> number of page tasks not yet finished (pending or running)."""
        rows = self.conn.execute("SELECT i.item_id, COUNT(t.id) AS n FROM batch_tasks i LEFT JOIN batch_tasks t "
                                 "ON t.job_id = i.job_id AND t.item_id = i.item_id AND t.kind = 'page' AND "
                                 "t.status IN ('pending','running') WHERE i.job_id = ? AND i.kind = 'item' "
                                 "GROUP BY i.item_id", (job_id,)).fetchall()
        return {r["item_id"]: r["n"] for r in rows}

    def mark_running(self, task_ids: Iterable[int]) -> None:
        now = utcnow()
        with self.store.transaction() as c:
            c.executemany("UPDATE batch_tasks SET status = 'running', started = ? WHERE id = ?",
                          ((now, tid) for tid in task_ids))

    def mark_done(self, task_id: int, *, worker: str | None = None, seconds: float | None = None,
                  timings: dict[str, float] | None = None) -> None:
        with self.store.transaction() as c:
            c.execute("UPDATE batch_tasks SET status = 'done', attempts = attempts + 1, error = NULL, worker = ?, "
                      "finished = ?, seconds = ?, timings = ? WHERE id = ?",
                      (worker, utcnow(), seconds, json.dumps(timings or {}), task_id))

    def mark_failed_attempt(self, task_id: int, error: str, *, max_attempts: int, worker: str | None = None,
                            seconds: float | None = None) -> bool:
        """Record a failed attempt; returns True when the task will be retried (back to pending)."""
        with self.store.transaction() as c:
            attempts = int(c.execute("SELECT attempts FROM batch_tasks WHERE id = ?", (task_id,)).fetchone()[0]) + 1
            retry = attempts < max_attempts
            c.execute("UPDATE batch_tasks SET status = ?, attempts = ?, error = ?, worker = ?, finished = ?, "
                      "seconds = ? WHERE id = ?",
                      ("pending" if retry else "failed", attempts, error, worker, utcnow(), seconds, task_id))
        return retry

    def tasks(self, job_id: int, kind: str | None = None) -> list[TaskRow]:
        sql = "SELECT * FROM batch_tasks WHERE job_id = ?" + (" AND kind = ?" if kind else "") + " ORDER BY id"
        return [_task_from_row(r) for r in self.conn.execute(sql, (job_id, kind) if kind else (job_id,))]

    def done_seconds(self, job_id: int, since: str | None = None) -> list[str]:
        """Finish times of done page tasks (for rates), optionally only those at or after ``since``."""
        sql = "SELECT finished FROM batch_tasks WHERE job_id = ? AND kind = 'page' AND status IN ('done','failed')"
        args: list[Any] = [job_id]
        if since:
            sql += " AND finished >= ?"
            args.append(since)
        return [r["finished"] for r in self.conn.execute(sql + " ORDER BY finished", args)]
