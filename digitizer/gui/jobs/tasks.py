"""Work the GUI runs in worker threads: thin wrappers over the same core calls the CLI makes.

Each opens its own :class:`~digitizer.store.ProjectStore` (SQLite connections are per thread)
with the operator as agent, and takes ``progress``/``cancel`` so the worker can report and stop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...correction import Position, Replacement, apply_replacements, next_low_confidence
from ...progress import CancelToken, NullProgress
from ...report import Report
from ...store import ProjectStore


WAITING = "waiting for the project lock"
WORKER_NICE = 5     # page workers run at a lower CPU priority than the window (2-core machines: no UI stall)


def _init_niced_worker(coordinator: int, environ: dict[str, str]) -> None:
    from ...batch.executors import _init_worker

    _init_worker(coordinator, environ)
    try:
        os.nice(WORKER_NICE)
    except OSError:  # pragma: no cover - not permitted: run at the same priority
        pass


def _gui_executor() -> Any:
    """One worker process for the window's jobs, at a lower CPU priority than the GUI process: on a
    busy 2-core machine a kraken or tesseract page otherwise takes the CPU the event loop needs."""
    from ...batch.executors import LocalProcessExecutor

    return LocalProcessExecutor(1, initializer=_init_niced_worker)


def _open(root: str | os.PathLike, agent: str) -> ProjectStore:
    return ProjectStore.open(root, agent=agent)


def process_job(root: str, page_ids: list[int], *, agent: str, engine: str | None = None,
                languages: list[str] | None = None, force: bool = False, discard_corrections: bool = False,
                in_child: bool = True, progress: Any = None, cancel: CancelToken | None = None) -> Any:
    """``digitizer process`` for ``page_ids``: the CLI's batch job (job and task rows, retries, resume
    of a cancelled job, the project lock: while another writer holds it the job waits, says who
    holds it, and Cancel stops the wait).  Pages run in a worker process unless ``in_child`` is False,
    so preprocessing never holds the GUI process's GIL (100-300 ms UI stalls when run in a thread).
    After each commit ``("page", (page_id, ok), message)`` is emitted when the sink can; cancel
    abandons the pages in flight (not committed)."""
    from ...batch.executors import SerialExecutor
    from ...batch.process import process_pages
    from ...lock import describe

    sink = progress or NullProgress()
    emit = getattr(sink, "emit", None)
    executor = _gui_executor() if in_child else SerialExecutor(cancel)
    try:
        with _open(root, agent) as store:
            return process_pages(store, None, engine=engine, languages=languages or None, force=force,
                                 discard_corrections=discard_corrections, page_ids=set(page_ids), progress=sink,
                                 cancel=cancel, executor=executor, wait=True,
                                 on_wait=lambda info: sink.message(f"{WAITING} held by {describe(info)}"),
                                 on_page=(lambda pid, outcome, msg: emit("page", (pid, outcome != "failed"), msg))
                                 if emit else None)
    finally:
        executor.close(cancel=cancel is not None and cancel.cancelled)


def import_job(root: str, paths: list[str], *, agent: str, item_id: int | None = None, profile: str = "printed-modern",
               title: str = "", progress: Any = None, cancel: CancelToken | None = None) -> Any:
    """``digitizer import`` into ``item_id`` (a new item with ``profile`` when None), with the item's
    profile's import settings."""
    from ...ingest import import_paths
    from ...profiles import load_profile

    with _open(root, agent) as store:
        item = store.get_item(item_id) if item_id is not None else store.add_item(
            None, title=title or Path(paths[0]).stem if paths else "", profile=load_profile(profile).name)
        prof = load_profile(item.profile, root)
        return import_paths(store, paths, item, pdf_dpi=prof.import_.pdf_dpi, assume_dpi=prof.import_.assume_dpi,
                            progress=progress, cancel=cancel)


def transcriptions_job(root: str, sources: list[str], *, agent: str, item_id: int, progress: Any = None,
                       cancel: CancelToken | None = None) -> Any:
    """``digitizer import --item I --transcriptions SOURCES``: PAGE/ALTO/hOCR lines onto the item's pages."""
    from ...interop import import_transcriptions

    with _open(root, agent) as store:
        return import_transcriptions(store, sources, store.get_item(item_id), progress=progress, cancel=cancel)


@dataclass
class ExportResult:
    summary: Any
    validation: Report = field(default_factory=lambda: Report(title="export validation"))


def validate_export(summary: Any) -> Report:
    """Re-validate what was written (METS and ALTO files) into one report for the dialog."""
    from ...export.validate import validate

    report = Report(title="export validation")
    for item in summary.items:
        if item.mets is not None and item.mets.is_file():
            report.extend(validate(item.mets, "mets", subject=str(item.mets.relative_to(summary.out))))
        for alto in sorted((item.path / "alto").glob("*.xml")):
            report.extend(validate(alto, "alto", subject=str(alto.relative_to(summary.out))))
        if item.pages_without_text:
            report.warning(f"pages without text: {', '.join(map(str, item.pages_without_text))}", item.identifier)
    for err in summary.errors:
        report.error(err)
    return report


def export_job(root: str, out: str, *, agent: str, formats: list[str] | None = None,
               item_ids: list[int] | None = None, progress: Any = None,
               cancel: CancelToken | None = None, allow_unaccepted: bool = False,
               access: bool | None = None, zip_bag: bool = False) -> ExportResult:
    """``digitizer export [--allow-unaccepted] [--access] [--zip]`` then a validation report of the files
    written."""
    from ...pipeline.export import export_project

    with _open(root, agent) as store:
        items = [store.get_item(i) for i in item_ids] if item_ids else None
        summary = export_project(store, out, items=items, formats=formats or None, progress=progress, cancel=cancel,
                                 allow_unaccepted=allow_unaccepted, access=access, zip_bag=zip_bag)
    return ExportResult(summary, validate_export(summary))


def progress_job(root: str, *, agent: str) -> dict[int, Any]:
    """Per-item progress (``digitizer.items.item_progress``) of every item, read off the GUI thread."""
    from ...items import item_progress

    with _open(root, agent) as store:
        return {item.id: item_progress(store, item.id) for item in store.items(with_pages=False)}


def replace_job(root: str, replacements: list[Replacement], *, agent: str, progress: Any = None,
                cancel: CancelToken | None = None) -> tuple[int, list[Replacement]]:
    with _open(root, agent) as store:
        return apply_replacements(store, replacements, cancel=cancel, progress=progress)


def find_job(root: str, pattern: str, replacement: str | None, *, agent: str, regex: bool = False,
             case_sensitive: bool = True, whole_word: bool = False) -> list[Replacement]:
    from ...correction import find_replacements

    with _open(root, agent) as store:
        return find_replacements(store, pattern, replacement, regex=regex, case_sensitive=case_sensitive,
                                 whole_word=whole_word)


def next_low_page_job(root: str, page_ids: list[int], threshold: float, *, agent: str,
                      cancel: CancelToken | None = None) -> Position | None:
    """The first low-confidence word in ``page_ids`` (in order), loading one layout at a time."""
    with _open(root, agent) as store:
        for pid in page_ids:
            if cancel is not None:
                cancel.check()
            hit = next_low_confidence([(pid, store.load_layout(pid))], threshold)
            if hit is not None:
                return hit
    return None
