"""Machine-readable batch status of a project (``digitizer status PROJECT --json``).

Safe to call while a batch runs in another process: it only reads (SQLite WAL readers do not
block the writer).  Rates are computed from the finish times of the current job's run.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from ..store import ProjectStore
from .jobs import Job, JobStore


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _alive(job: Job) -> bool | None:
    """Whether the coordinator of a running job is still alive (None: another host, cannot tell)."""
    if job.pid is None or job.host != socket.gethostname():
        return None
    try:
        os.kill(job.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def job_status(store: ProjectStore, job: Job, *, now: datetime | None = None) -> dict[str, Any]:
    """Counts, pages per minute and ETA of one job."""
    pages = job.counts.get("page", {})
    done, failed = pages.get("done", 0), pages.get("failed", 0)
    running, pending = pages.get("running", 0), pages.get("pending", 0)
    state = job.status
    if state == "running" and _alive(job) is False:
        state = "interrupted"
    started = _ts(job.started)
    end = _ts(job.finished) if job.finished else (now or datetime.now(started.tzinfo if started else None))
    finished_this_run = len(JobStore(store).done_seconds(job.id, since=job.started))
    minutes = (end - started).total_seconds() / 60.0 if started and end else 0.0
    ppm = finished_this_run / minutes if minutes > 0 and finished_this_run else 0.0
    remaining = pending + running
    return {
        "job": job.id, "kind": job.kind, "state": state, "executor": job.executor, "host": job.host, "pid": job.pid,
        "runs": job.runs, "created": job.created, "started": job.started, "finished": job.finished,
        "max_attempts": job.max_attempts, "params": job.params,
        "pages": {"total": done + failed + running + pending, "done": done, "failed": failed, "running": running,
                  "pending": pending, "remaining": remaining},
        "items": job.counts.get("item", {}),
        "pages_per_minute": round(ppm, 2),
        "eta_seconds": round(60.0 * remaining / ppm, 1) if ppm and state == "running" else None,
    }


def project_status(store: ProjectStore, *, jobs: int = 1) -> dict[str, Any]:
    """Page counts by status, the latest ``jobs`` batch jobs, and the pages whose last job task failed."""
    counts = {r["status"]: r["n"] for r in store.conn.execute("SELECT status, COUNT(*) AS n FROM pages GROUP BY status")}
    js = JobStore(store)
    rows = store.conn.execute("SELECT id FROM batch_jobs ORDER BY id DESC LIMIT ?", (jobs,)).fetchall()
    recent = [job_status(store, js.get_job(r["id"])) for r in rows]
    failed = []
    if recent:
        failed = [{"page": t.page_id, "item": t.item_id, "attempts": t.attempts, "error": t.error, "worker": t.worker}
                  for t in js.tasks(recent[0]["job"], "page") if t.status == "failed"]
    return {"project": str(store.root), "pages": {"total": sum(counts.values()), **counts}, "jobs": recent,
            "failed": failed}
