"""The job queue: background jobs run one at a time, each with progress, cancel and error rows.

A job is a core callable run by a :class:`~digitizer.gui.workers.Worker`.  Its row shows the stage
(the core's progress text), pages done and an ETA; new rows are scrolled into view and the footer
says what runs.  Processing jobs report ``("page", (page_id, ok), error)`` after each page is
committed; a failed page gets a red child row with its reason.  Row and footer texts are redrawn at
most every ``ROW_REFRESH_MS`` (the first change at once, the rest batched).  While a job runs, a
:class:`StallMeter` measures how late a 20 ms heartbeat timer fires: the longest event-loop stall is
shown in the footer.

While jobs run, the objects alive when the first one started are frozen (``gc.freeze``) and
unfrozen when the queue is idle again: a full collection of the cyclic garbage collector walks the
whole heap of the GUI process (Qt wrappers, modules, images) and holds the interpreter lock for it,
which stopped the event loop for 100-175 ms at random moments of a kraken job (measured with
``benchmarks/bench_gui.py --where``).  Frozen, a collection walks only what was made since.
"""

from __future__ import annotations

import gc
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QToolButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from .tasks import WAITING
from ..workers import Worker, create_worker

_ids = itertools.count(1)
ROW_REFRESH_MS = 250          # a running job's row and the footer are redrawn at most this often


class StallMeter(QObject):
    """Heartbeat timer; ``max_stall_ms`` is the worst lateness seen since :meth:`start`."""

    def __init__(self, interval_ms: int = 20, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0
        self.max_stall_ms = 0.0
        self.beats = 0

    def start(self) -> None:
        self.max_stall_ms, self.beats = 0.0, 0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def _beat(self) -> None:
        now = time.perf_counter()
        late = (now - self._last) * 1000 - self.interval
        self._last = now
        self.beats += 1
        if late > self.max_stall_ms:
            self.max_stall_ms = late


@dataclass
class Job:
    id: int
    title: str
    func: Callable[..., Any]
    args: tuple
    kwargs: dict[str, Any]
    total: int | None = None
    state: str = "queued"            # queued | running | done | failed | cancelled
    done: int = 0
    failed_pages: dict[int, str] = field(default_factory=dict)
    ok_pages: list[int] = field(default_factory=list)
    result: Any = None
    error: str = ""
    worker: Worker | None = None
    row: QTreeWidgetItem | None = None
    bar: QProgressBar | None = None
    cancel_button: QToolButton | None = None
    stage: str = ""
    started: float = 0.0


def eta_text(done: int, total: int | None, elapsed: float) -> str:
    """``ETA m:ss`` from the pace so far ("" before the first unit or without a total)."""
    if not total or done <= 0 or done >= total:
        return ""
    left = elapsed / done * (total - done)
    return f"ETA {int(left // 60)}:{int(left % 60):02d}"


class QueuePanel(QWidget):
    """Signals: ``pageFinished(page_id, ok, error)``, ``jobFinished(job_id, state)``, ``jobResult(job_id, result)``."""

    pageFinished = Signal(int, bool, str)
    jobFinished = Signal(int, str)
    jobResult = Signal(int, object)
    idle = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs: dict[int, Job] = {}
        self._order: list[int] = []
        self.stall = StallMeter(parent=self)
        self._row_timer = QTimer(self)            # row and footer texts: at most every ROW_REFRESH_MS
        self._row_timer.setSingleShot(True)
        self._row_timer.setInterval(ROW_REFRESH_MS)
        self._row_timer.timeout.connect(self._refresh_rows)
        self._dirty: dict[int, Job] = {}
        self._last_refresh = 0.0
        self.last_batch_stall_ms: float | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Job", "Progress", "Status", ""])
        self.tree.setColumnWidth(0, 280)
        self.tree.setColumnWidth(1, 180)
        self.tree.setColumnWidth(2, 420)
        self.tree.setRootIsDecorated(True)
        lay.addWidget(self.tree, 1)
        foot = QHBoxLayout()
        self.footer = QLabel("No jobs.")
        self.footer.setStyleSheet("color: gray;")
        foot.addWidget(self.footer, 1)
        clear = QPushButton("Clear finished")
        clear.clicked.connect(self.clear_finished)
        foot.addWidget(clear)
        lay.addLayout(foot)

    # ------------------------------------------------------------------ API
    def add_job(self, title: str, func: Callable[..., Any], *args: Any, total: int | None = None,
                **kwargs: Any) -> int:
        """Queue ``func(*args, **kwargs)`` (it gets ``progress``/``cancel`` injected); returns the job id."""
        job = Job(next(_ids), title, func, args, kwargs, total=total)
        self.jobs[job.id] = job
        self._order.append(job.id)
        self._add_row(job)
        self._start_next()
        running = self.running()
        if running is not None:
            self._show_footer(running)
        return job.id

    def cancel(self, job_id: int) -> None:
        job = self.jobs[job_id]
        if job.state == "queued":
            self._finish(job, "cancelled")
        elif job.state == "running" and job.worker is not None:
            job.worker.quit()
            self._set_status(job, "cancelling…")

    def cancel_all(self) -> None:
        for jid in list(self._order):
            if self.jobs[jid].state in ("queued", "running"):
                self.cancel(jid)

    def running(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def busy(self) -> bool:
        return any(j.state in ("queued", "running") for j in self.jobs.values())

    def error_rows(self) -> list[tuple[int, str]]:
        """``(page_id, reason)`` for every failed page shown."""
        return [(pid, why) for j in self.jobs.values() for pid, why in j.failed_pages.items()]

    def clear_finished(self) -> None:
        for jid in list(self._order):
            job = self.jobs[jid]
            if job.state in ("done", "failed", "cancelled"):
                idx = self.tree.indexOfTopLevelItem(job.row)
                self.tree.takeTopLevelItem(idx)
                self._order.remove(jid)
                del self.jobs[jid]

    # ------------------------------------------------------------------ rows
    def _add_row(self, job: Job) -> None:
        job.row = QTreeWidgetItem([job.title, "", "queued", ""])
        self.tree.addTopLevelItem(job.row)
        self.tree.scrollToItem(job.row)
        job.bar = QProgressBar()
        job.bar.setRange(0, max(job.total or 0, 0))
        job.bar.setValue(0)
        job.bar.setFormat("%v / %m")
        job.bar.setMaximumHeight(18)
        self.tree.setItemWidget(job.row, 1, job.bar)
        job.cancel_button = QToolButton()
        job.cancel_button.setText("Cancel")
        job.cancel_button.setToolTip(f"Cancel '{job.title}'")
        job.cancel_button.clicked.connect(lambda _=False, jid=job.id: self.cancel(jid))
        self.tree.setItemWidget(job.row, 3, job.cancel_button)

    def _set_status(self, job: Job, text: str) -> None:
        if job.row is not None:
            job.row.setText(2, text)

    def _add_error_row(self, job: Job, page_id: int, error: str) -> None:
        child = QTreeWidgetItem([f"page {page_id}", "failed", error, ""])
        for col in range(3):
            child.setForeground(col, QBrush(QColor(198, 40, 40)))
        child.setToolTip(2, error)
        job.row.addChild(child)
        job.row.setExpanded(True)

    # ------------------------------------------------------------------ running
    def _start_next(self) -> None:
        if self.running() is not None:
            return
        job = next((self.jobs[j] for j in self._order if self.jobs[j].state == "queued"), None)
        if job is None:
            if self.stall.active:
                self.stall.stop()
                gc.unfreeze()
                self.last_batch_stall_ms = self.stall.max_stall_ms
                self.footer.setText(f"Idle. Longest UI stall during the last jobs: {self.stall.max_stall_ms:.0f} ms")
            self.idle.emit()
            return
        if not self.stall.active:
            self.stall.start()
            gc.freeze()          # see the module docstring: no full collection walks the whole heap mid-job
        job.state, job.started = "running", time.perf_counter()
        self._set_status(job, "running…")
        self.tree.scrollToItem(job.row)
        self._show_footer(job)
        job.worker = create_worker(job.func, *job.args, **job.kwargs)
        job.worker.signals.progress.connect(lambda ev, j=job: self._on_progress(j, ev))
        job.worker.signals.returned.connect(lambda res, j=job: self._on_returned(j, res))
        job.worker.signals.errored.connect(lambda exc, j=job: self._on_error(j, exc))
        job.worker.signals.aborted.connect(lambda j=job: self._finish(j, "cancelled"))
        job.worker.start()

    def _on_progress(self, job: Job, event: tuple) -> None:
        kind, value, text = event
        if kind in ("start", "message") and text and not text.startswith(WAITING):
            job.stage = text
        if kind == "start":
            job.total = value
            job.bar.setRange(0, max(value or 0, 0))
        elif kind == "advance":
            job.done += value
        elif kind == "page":
            page_id, ok = value
            if ok:
                job.ok_pages.append(page_id)
            else:
                job.failed_pages[page_id] = text
                self._add_error_row(job, page_id, text)
            self.pageFinished.emit(page_id, ok, text)
        elif kind == "message" and text:
            job.row.setToolTip(2, text)
            if text.startswith(WAITING):          # e.g. the CLI holds the project lock: say who
                self._set_status(job, text)
                return
        if job.state == "running":
            self._row_changed(job)

    def _row_changed(self, job: Job) -> None:
        """Show a running job's progress now, or with the next refresh when one was shown less than
        ``ROW_REFRESH_MS`` ago (a job reporting many small steps does not redraw its row for each)."""
        self._dirty[job.id] = job
        if not self._row_timer.isActive():
            if (time.perf_counter() - self._last_refresh) * 1000 >= ROW_REFRESH_MS:
                self._refresh_rows()
            else:
                self._row_timer.start()

    def _refresh_rows(self) -> None:
        self._last_refresh = time.perf_counter()
        dirty, self._dirty = self._dirty, {}
        for job in dirty.values():
            if job.state == "running":
                if job.bar is not None:
                    job.bar.setValue(job.done)
                self._set_status(job, self._summary(job, "running"))
                self._show_footer(job)

    def _show_footer(self, job: Job) -> None:
        queued = sum(1 for j in self.jobs.values() if j.state == "queued")
        self.footer.setText(f"Running: {job.title}" + (f" — {job.stage}" if job.stage else "") +
                            (f", {job.done}/{job.total}" if job.total else "") +
                            (f", {queued} queued" if queued else ""))

    @staticmethod
    def _summary(job: Job, state: str) -> str:
        parts = [state]
        if state == "running":
            parts += [p for p in (job.stage, eta_text(job.done, job.total, time.perf_counter() - job.started)) if p]
        if job.ok_pages or job.failed_pages:
            parts.append(f"{len(job.ok_pages)} ok")
        if job.failed_pages:
            parts.append(f"{len(job.failed_pages)} failed")
        return ", ".join(parts)

    def _on_returned(self, job: Job, result: Any) -> None:
        job.result = result
        self._finish(job, "done")

    def _on_error(self, job: Job, exc: BaseException) -> None:
        job.error = getattr(exc, "user_message", None) or f"{type(exc).__name__}: {exc}"
        child = QTreeWidgetItem(["error", "", job.error, ""])
        child.setForeground(2, QBrush(QColor(198, 40, 40)))
        job.row.addChild(child)
        job.row.setExpanded(True)
        self._finish(job, "failed")

    def _finish(self, job: Job, state: str) -> None:
        if job.state in ("done", "failed", "cancelled"):
            return
        job.state = state
        self._set_status(job, self._summary(job, state) if state != "failed" else f"failed: {job.error}")
        if job.cancel_button is not None:
            job.cancel_button.setEnabled(False)
        self._dirty.pop(job.id, None)
        if job.bar is not None:
            job.bar.setValue(job.done)
        if job.bar is not None and state == "done" and job.bar.maximum() == 0:
            job.bar.setRange(0, 1)
            job.bar.setValue(1)
        self.jobFinished.emit(job.id, state)
        if state == "done":
            self.jobResult.emit(job.id, job.result)
        self._start_next()
