"""The batch coordinator: streams page tasks to an executor, commits each result as it arrives.

One process (the coordinator) owns the SQLite connection; workers only return results.  At most
``executor.slots`` tasks are in flight and pending tasks are read from the job table in small
chunks, so memory does not grow with the number of pages.  Item-level work (e.g. the export of an
item) runs in the coordinator once every page task of that item has finished.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CancelledError, DigitizerError, DiskFullError
from ..model import Item
from ..pipeline.page import PageResult, PageTask, commit_page_result
from ..progress import CancelToken, NullProgress, ProgressSink
from ..store import ProjectStore
from .executors import Executor, Outcome
from .jobs import Job, JobStore, TaskRow

ItemTask = Callable[[Item], None]      # raises DigitizerError on failure
TaskFactory = Callable[[TaskRow], PageTask]
PageCallback = Callable[[int, str, str], None]   # (page id, "done" | "failed" | "kept", message) after each commit


@dataclass
class Rate:
    """Pages per minute and ETA from the pages finished in this run."""

    started: float = field(default_factory=time.monotonic)
    finished: int = 0

    def pages_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        return 60.0 * self.finished / elapsed if elapsed > 0 and self.finished else 0.0

    def eta_seconds(self, remaining: int) -> float | None:
        ppm = self.pages_per_minute()
        return 60.0 * remaining / ppm if ppm else None


@dataclass
class BatchReport:
    job_id: int
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    retried: int = 0
    items_done: list[int] = field(default_factory=list)
    items_failed: list[tuple[int, str]] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)      # not replaced: a person worked on them meanwhile
    seconds: float = 0.0


def kept_message(page_id: int) -> str:
    return (f"page {page_id}: skipped, it has a person's work (edited, verified or flagged lines); "
            f"pass --discard-corrections to replace it (earlier versions stay restorable)")


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class _Feed:
    """Pending page tasks: retries first, then the job table read in chunks (bounded memory)."""

    def __init__(self, jobs: JobStore, job_id: int, chunk: int = 256):
        self.jobs, self.job_id, self.chunk = jobs, job_id, chunk
        self.retries: deque[TaskRow] = deque()
        self.buffer: deque[TaskRow] = deque()
        self.cursor = 0
        self.exhausted = False

    def next(self) -> TaskRow | None:
        if self.retries:
            return self.retries.popleft()
        if not self.buffer and not self.exhausted:
            rows = self.jobs.pending(self.job_id, "page", after_id=self.cursor, limit=self.chunk)
            if rows:
                self.cursor = rows[-1].id
                self.buffer.extend(rows)
            else:
                self.exhausted = True
        return self.buffer.popleft() if self.buffer else None


class BatchRunner:
    """Runs one job to completion (or cancellation) through an executor."""

    def __init__(self, store: ProjectStore, job: Job, executor: Executor, make_task: TaskFactory, *,
                 items: dict[int, Item], item_task: ItemTask | None = None, progress: ProgressSink | None = None,
                 cancel: CancelToken | None = None, report_every: float = 30.0, discard_corrections: bool = False,
                 on_page: PageCallback | None = None):
        self.store, self.job, self.executor, self.make_task = store, job, executor, make_task
        self.discard_corrections = discard_corrections
        self.on_page = on_page
        self.jobs = JobStore(store)
        self.items, self.item_task = items, item_task
        self.progress = progress or NullProgress()
        self.cancel = cancel
        self.report_every = report_every
        self.report = BatchReport(job_id=job.id)
        self.rate = Rate()
        self.in_flight: dict[Any, TaskRow] = {}
        self._unmarked: list[int] = []
        self.open_pages: dict[int, int] = {}
        self.remaining = 0

    # ------------------------------------------------------------------ main loop

    def run(self) -> BatchReport:
        t0 = time.perf_counter()
        counts = self.jobs.counts(self.job.id)["page"]
        self.remaining = counts.get("pending", 0) + counts.get("running", 0)
        self.open_pages = self.jobs.open_page_counts(self.job.id) if self.item_task else {}
        self.progress.start(self.remaining, "process")
        feed = _Feed(self.jobs, self.job.id)
        last_report = time.monotonic()
        try:
            self._run_ready_items()
            while True:
                self._check_cancel()
                self._refill(feed)
                if not self.in_flight:
                    break
                finished = self.executor.wait(list(self.in_flight), timeout=1.0)
                for fut in finished:
                    self._handle(self.in_flight.pop(fut), self.executor.outcome(fut), feed)
                if not finished:
                    self._flush_running()
                if time.monotonic() - last_report >= self.report_every:
                    self.progress.message(self.status_line())
                    last_report = time.monotonic()
            self._run_ready_items()
        except BaseException:
            self._abandon()
            with contextlib.suppress(Exception):    # keep the original error; rerun resumes either way
                self.jobs.finish_job(self.job.id, "cancelled")
            raise
        self.jobs.finish_job(self.job.id, "done")
        self.progress.finish()
        self.report.seconds = time.perf_counter() - t0
        return self.report

    def status_line(self) -> str:
        return (f"{len(self.report.done)} done, {len(self.report.failed)} failed, {self.remaining} remaining, "
                f"{self.rate.pages_per_minute():.1f} pages/min, ETA {format_eta(self.rate.eta_seconds(self.remaining))}")

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.cancelled:
            raise CancelledError()

    def _refill(self, feed: _Feed) -> None:
        rows: list[TaskRow] = []
        while len(self.in_flight) + len(rows) < self.executor.slots:
            row = feed.next()
            if row is None:
                break
            rows.append(row)
        if not rows:
            return
        for row in rows:
            self.in_flight[self.executor.submit(self.make_task(row))] = row
            self._unmarked.append(row.id)

    def _flush_running(self) -> None:
        """Mark submitted tasks ``running``; called inside the next result's transaction, so that
        bookkeeping costs no extra commit (a row briefly still reads ``pending``: same on resume)."""
        if self._unmarked:
            self.jobs.mark_running(self._unmarked)
            self._unmarked = []

    def _abandon(self) -> None:
        if self.in_flight:
            self.executor.abandon(list(self.in_flight))
        self.in_flight.clear()

    # ------------------------------------------------------------------ results

    def _handle(self, row: TaskRow, out: Outcome, feed: _Feed) -> None:
        res = out.result
        if res is not None and res.disk_full:     # no retry: every page would hit it; the run stops
            raise DiskFullError(res.disk_full)
        error = out.error if res is None else res.error
        if error is None and res is not None:
            with self.store.transaction():
                self._flush_running()
                applied = commit_page_result(self.store, res, discard_corrections=self.discard_corrections)
                self.jobs.mark_done(row.id, worker=out.worker, seconds=out.seconds, timings=res.timings)
            if applied:
                self.report.done.append(row.page_id)
                self._tell(row.page_id, "done", "")
            else:
                self.report.kept.append(row.page_id)
                self.progress.message(kept_message(row.page_id))
                self._tell(row.page_id, "kept", kept_message(row.page_id))
            self._finished_page(row)
            return
        with self.store.transaction():
            self._flush_running()
            retry = self.jobs.mark_failed_attempt(row.id, error or "failed", max_attempts=self.job.max_attempts,
                                                  worker=out.worker or None, seconds=out.seconds)
            if not retry:
                commit_page_result(self.store, res if res is not None else PageResult(page_id=row.page_id,
                                                                                     error=error))
        if retry:
            row.attempts += 1
            self.report.retried += 1
            feed.retries.append(row)
            self.progress.message(f"page {row.page_id}: {error} (attempt {row.attempts} of "
                                  f"{self.job.max_attempts}, will retry)")
            return
        self.report.failed.append((row.page_id, error or "failed"))
        self.progress.message(f"page {row.page_id}: {error}")
        self._tell(row.page_id, "failed", error or "failed")
        self._finished_page(row)

    def _tell(self, page_id: int, outcome: str, message: str) -> None:
        if self.on_page is not None:
            self.on_page(page_id, outcome, message)

    def _finished_page(self, row: TaskRow) -> None:
        self.remaining -= 1
        self.rate.finished += 1
        self.progress.advance(1)
        if self.item_task and row.item_id in self.open_pages:
            self.open_pages[row.item_id] -= 1
            if self.open_pages[row.item_id] <= 0:
                self._run_item(row.item_id)

    # ------------------------------------------------------------------ item-level tasks

    def _run_ready_items(self) -> None:
        if not self.item_task:
            return
        for item_id, n in list(self.open_pages.items()):
            if n <= 0:
                self._run_item(item_id)

    def _run_item(self, item_id: int) -> None:
        """Run the item task (in the coordinator: it reads the store) once; record done/failed."""
        self.open_pages.pop(item_id, None)
        row = self.store.conn.execute("SELECT id FROM batch_tasks WHERE job_id = ? AND kind = 'item' AND "
                                      "item_id = ? AND status IN ('pending','running')",
                                      (self.job.id, item_id)).fetchone()
        if row is None or self.item_task is None:
            return
        item = self.items.get(item_id) or self.store.get_item(item_id)
        t0 = time.perf_counter()
        try:
            self.item_task(item)
        except DigitizerError as exc:
            self.jobs.mark_failed_attempt(row["id"], exc.user_message, max_attempts=1,
                                          seconds=time.perf_counter() - t0)
            if isinstance(exc, DiskFullError):      # every later item would hit it too: the run stops
                raise
            self.report.items_failed.append((item_id, exc.user_message))
            self.progress.message(f"item {item.identifier}: {exc.user_message}")
            return
        self.jobs.mark_done(row["id"], seconds=time.perf_counter() - t0)
        self.report.items_done.append(item_id)


def select_page_ids(store: ProjectStore, item_ids: list[int], *, force: bool,
                    page_ids: set[int] | None = None, skip_statuses: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """``(item_id, page_id)`` of the pages to process, in item/sequence order (ids only: cheap)."""
    out: list[tuple[int, int]] = []
    for item_id in item_ids:
        for r in store.conn.execute("SELECT id, status FROM pages WHERE item_id = ? ORDER BY seq", (item_id,)):
            if page_ids is not None and r["id"] not in page_ids:
                continue
            if not force and r["status"] in skip_statuses:
                continue
            out.append((item_id, r["id"]))
    return out


def open_job(store: ProjectStore, kind: str, params: dict[str, Any], *, executor: Executor, max_attempts: int,
             select: Callable[[], list[tuple[int, int]]], item_ids: list[int]) -> tuple[Job, bool]:
    """Resume the unfinished job with the same parameters, or create a new one; returns ``(job, resumed)``."""
    jobs = JobStore(store)
    old = jobs.find_resumable(kind, params)
    if old is not None:
        return jobs.resume_job(old, executor=executor.describe(), max_attempts=max_attempts), True
    return jobs.create_job(kind, params, executor=executor.describe(), max_attempts=max_attempts,
                           pages=select(), items=item_ids), False
