"""The one processing path: ``process_pages`` runs selected pages as a resumable batch job.

The CLI (``process``, ``run``), the GUI's jobs and the hot folder all call :func:`process_pages`:
job rows, retries, resume after a crash, the project lock (:mod:`digitizer.lock`), progress
(a :class:`~digitizer.progress.ProgressSink`) and cancel (a :class:`~digitizer.progress.CancelToken`).

Nothing a person did is lost: with ``force`` a page with a person's work (edited, verified or
flagged lines, a changed layout, a corrected/reviewed/approved state) is skipped and named in
``ProcessReport.kept`` unless ``discard_corrections``; then it is an event and every earlier line
version stays restorable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..lock import project_lock
from ..model import Item
from ..pipeline.process import DONE_STATUSES, TaskFactory
from ..profiles import Profile
from ..progress import CancelToken, ProgressSink
from ..store import ProjectStore
from ..workflow import has_person_work
from .executors import Executor, SerialExecutor
from .runner import BatchRunner, PageCallback, kept_message, open_job, select_page_ids


@dataclass
class ProcessReport:
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)     # skipped: a person's work (see --discard-corrections)
    seconds: float = 0.0
    job_id: int | None = None
    retried: int = 0
    items_failed: list[tuple[int, str]] = field(default_factory=list)


def _select(store: ProjectStore, item_ids: list[int], *, force: bool, discard: bool, page_ids: set[int] | None,
            kept: list[int]) -> list[tuple[int, int]]:
    chosen = select_page_ids(store, item_ids, force=force, page_ids=page_ids, skip_statuses=DONE_STATUSES)
    if discard:
        return chosen
    out = []
    for item_id, page_id in chosen:
        if has_person_work(store, page_id):
            kept.append(page_id)
        else:
            out.append((item_id, page_id))
    return out


def process_pages(store: ProjectStore, items: Iterable[Item] | None = None, *, profile: Profile | None = None,
                  engine: str | None = None, languages: list[str] | None = None, force: bool = False,
                  discard_corrections: bool = False, page_ids: set[int] | None = None,
                  progress: ProgressSink | None = None, cancel: CancelToken | None = None,
                  executor: Executor | None = None, retries: int = 2, item_task: Callable[[Item], None] | None = None,
                  job_params: dict[str, Any] | None = None, wait: bool = False,
                  on_wait: Callable[[dict[str, Any] | None], None] | None = None,
                  on_page: PageCallback | None = None) -> ProcessReport:
    """Process selected pages as a resumable batch job, holding the project lock.

    Each result is committed as soon as it arrives, together with its job-task row, so killing the
    process at any moment and calling this again with the same arguments continues where it stopped.
    ``executor`` decides where pages run (default: in this process); a failed page is retried up to
    ``retries`` more times.  ``item_task(item)`` runs once all pages of an item are finished (``run``
    exports the item there).  Another writer holding the lock: ``ProjectLockedError``, or with
    ``wait`` wait for it (``on_wait(holder)`` is told once; ``cancel`` stops waiting).
    ``on_page(page_id, outcome, message)`` is called after each page is committed (outcome
    ``done``, ``failed`` or ``kept``), e.g. for a GUI to refresh that page.
    """
    with project_lock(store.root, "process", wait=wait, on_wait=on_wait,
                      cancelled=lambda: cancel is not None and cancel.cancelled):
        return _process_locked(store, items, profile=profile, engine=engine, languages=languages, force=force,
                               discard=discard_corrections, page_ids=page_ids, progress=progress, cancel=cancel,
                               executor=executor, retries=retries, item_task=item_task, job_params=job_params,
                               on_page=on_page)


def _process_locked(store: ProjectStore, items: Iterable[Item] | None, *, profile: Profile | None,
                    engine: str | None, languages: list[str] | None, force: bool, discard: bool,
                    page_ids: set[int] | None, progress: ProgressSink | None, cancel: CancelToken | None,
                    executor: Executor | None, retries: int, item_task: Callable[[Item], None] | None,
                    job_params: dict[str, Any] | None, on_page: PageCallback | None) -> ProcessReport:
    items = list(items) if items is not None else store.items(with_pages=False)
    item_ids = [i.id for i in items]
    params = {"items": item_ids, "profile": profile.name if profile else None, "engine": engine,
              "languages": list(languages) if languages else None, "force": force,
              "pages": sorted(page_ids) if page_ids is not None else None, **(job_params or {})}
    if discard:
        params["discard_corrections"] = True
    kept: list[int] = []
    own = executor is None
    executor = executor or SerialExecutor(cancel)
    try:
        job, _resumed = open_job(store, "process", params, executor=executor, max_attempts=retries + 1,
                                 select=lambda: _select(store, item_ids, force=force, discard=discard,
                                                        page_ids=page_ids, kept=kept),
                                 item_ids=item_ids if item_task else [])
        for page_id in kept:
            if progress is not None:
                progress.message(kept_message(page_id))
            if on_page is not None:
                on_page(page_id, "kept", kept_message(page_id))
        factory = TaskFactory(store, {i.id: i for i in items}, profile, engine, languages)
        batch = BatchRunner(store, job, executor, factory, items={i.id: i for i in items}, item_task=item_task,
                            progress=progress, cancel=cancel, discard_corrections=discard, on_page=on_page)
        rep = batch.run()
    finally:
        if own:
            executor.close()
    return ProcessReport(done=rep.done, failed=rep.failed, kept=kept + rep.kept, seconds=rep.seconds,
                         job_id=rep.job_id, retried=rep.retried, items_failed=rep.items_failed)
