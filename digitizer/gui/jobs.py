"""Work the GUI runs in worker threads: thin wrappers over the same core calls the CLI makes.

Each opens its own :class:`~digitizer.store.ProjectStore` (SQLite connections are per thread)
with the operator as agent, and takes ``progress``/``cancel`` so the worker can report and stop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..correction import Position, Replacement, apply_replacements, next_low_confidence
from ..progress import CancelToken, NullProgress
from ..report import Report
from ..store import ProjectStore


def _open(root: str | os.PathLike, agent: str) -> ProjectStore:
    return ProjectStore.open(root, agent=agent)


def _child_loop(conn: Any) -> None:
    """Child process: run page tasks received on ``conn`` until ``None`` arrives."""
    from ..pipeline.page import run_page_task

    while True:
        task = conn.recv()
        if task is None:
            return
        conn.send(run_page_task(task))


def child_process_runner(tasks: list, cancel: CancelToken | None) -> Iterator:
    """Run page tasks one at a time in a child process, so preprocessing and recognition never hold
    the GUI process's GIL (measured: 100-300 ms UI stalls when run in a thread).  Cancel kills the
    child, also in the middle of a page; a child that dies yields an error result and is replaced."""
    import multiprocessing as mp

    from ..errors import CancelledError
    from ..pipeline.page import PageResult

    ctx = mp.get_context("spawn")
    proc = conn = None
    try:
        for task in tasks:
            if cancel is not None:
                cancel.check()
            if proc is None or not proc.is_alive():
                conn, child = ctx.Pipe()
                proc = ctx.Process(target=_child_loop, args=(child,), daemon=True, name="digitizer-page")
                proc.start()
                child.close()
            conn.send(task)
            while not conn.poll(0.05):
                if cancel is not None and cancel.cancelled:
                    proc.kill()
                    raise CancelledError()
                if not proc.is_alive():
                    break
            try:
                yield conn.recv()
            except (EOFError, OSError):
                yield PageResult(task.page_id, error=f"page worker process died (exit code {proc.exitcode})")
                proc = None
    finally:
        if proc is not None:
            if proc.is_alive():
                try:
                    conn.send(None)
                except OSError:
                    pass
                proc.join(5)
            if proc.is_alive():
                proc.kill()
            proc.join()


class _PageReporter:
    """Forwards a ProgressSink and, after each commit, reports ``("page", (page_id, ok), error)``."""

    def __init__(self, sink: Any, runner: Any) -> None:
        self.sink = sink
        self._runner = runner
        self.last: Any = None

    def runner(self, tasks: list, cancel: CancelToken | None) -> Iterable:
        for res in self._runner(tasks, cancel):
            self.last = res
            yield res

    def start(self, total: int | None, desc: str = "") -> None:
        self.sink.start(total, desc)

    def advance(self, n: int = 1) -> None:
        res, self.last = self.last, None
        if res is not None and hasattr(self.sink, "emit"):
            self.sink.emit("page", (res.page_id, res.ok), res.error or "")
        self.sink.advance(n)

    def message(self, text: str) -> None:
        self.sink.message(text)

    def finish(self) -> None:
        self.sink.finish()


def process_job(root: str, page_ids: list[int], *, agent: str, engine: str | None = None,
                languages: list[str] | None = None, force: bool = False, in_child: bool = True,
                progress: Any = None, cancel: CancelToken | None = None) -> Any:
    """``digitizer process`` for ``page_ids`` (pages run in a child process unless ``in_child`` is
    False); each page is committed by this thread as soon as it is done."""
    from ..pipeline.process import process_pages, serial_runner

    reporter = _PageReporter(progress or NullProgress(), child_process_runner if in_child else serial_runner)
    with _open(root, agent) as store:
        return process_pages(store, None, engine=engine, languages=languages or None, force=force,
                             page_ids=set(page_ids), progress=reporter, cancel=cancel, runner=reporter.runner)


def import_job(root: str, paths: list[str], *, agent: str, item_id: int | None = None, profile: str = "printed-modern",
               title: str = "", progress: Any = None, cancel: CancelToken | None = None) -> Any:
    """``digitizer import`` into ``item_id`` (a new item when None)."""
    from ..ingest import import_paths
    from ..profiles import load_profile

    with _open(root, agent) as store:
        prof = load_profile(profile)
        item = store.get_item(item_id) if item_id is not None else store.add_item(
            None, title=title or Path(paths[0]).stem if paths else "", profile=prof.name)
        return import_paths(store, paths, item, pdf_dpi=prof.import_.pdf_dpi, assume_dpi=prof.import_.assume_dpi,
                            progress=progress, cancel=cancel)


@dataclass
class ExportResult:
    summary: Any
    validation: Report = field(default_factory=lambda: Report(title="export validation"))


def validate_export(summary: Any) -> Report:
    """Re-validate what was written (METS and ALTO files) into one report for the dialog."""
    from ..export.validate import validate

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
               cancel: CancelToken | None = None, access: bool | None = None) -> ExportResult:
    """``digitizer export`` then a validation report of the files written."""
    from ..pipeline.export import export_project

    with _open(root, agent) as store:
        items = [store.get_item(i) for i in item_ids] if item_ids else None
        summary = export_project(store, out, items=items, formats=formats or None, progress=progress, cancel=cancel,
                                 access=access)
    return ExportResult(summary, validate_export(summary))


def replace_job(root: str, replacements: list[Replacement], *, agent: str, progress: Any = None,
                cancel: CancelToken | None = None) -> tuple[int, list[Replacement]]:
    with _open(root, agent) as store:
        return apply_replacements(store, replacements, cancel=cancel, progress=progress)


def find_job(root: str, pattern: str, replacement: str | None, *, agent: str, regex: bool = False,
             case_sensitive: bool = True, whole_word: bool = False) -> list[Replacement]:
    from ..correction import find_replacements

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
