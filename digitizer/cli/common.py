"""Helpers shared by CLI commands: progress sinks, store opening, report printing."""

from __future__ import annotations

import sys
from pathlib import Path

from ..progress import NullProgress, ProgressSink


class RichProgress:
    """A rich progress bar (stderr) implementing the core ProgressSink protocol."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self._console = Console(stderr=True)
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                  console=self._console, transient=False)
        self._task = None

    def start(self, total: int | None, desc: str = "") -> None:
        if self._task is None:
            self._progress.start()
        else:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(desc, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def message(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False)

    def finish(self) -> None:
        pass

    def close(self) -> None:
        if self._task is not None:
            self._progress.stop()


class PlainProgress(NullProgress):
    """Quiet mode: messages (errors) still go to stderr, no bars."""

    def message(self, text: str) -> None:
        print(text, file=sys.stderr)


def make_progress(args) -> ProgressSink:
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return PlainProgress()
    return RichProgress()


def close_progress(progress: ProgressSink) -> None:
    close = getattr(progress, "close", None)
    if close:
        close()


def open_store(path: str | Path, *, create: bool = False):
    from ..store import ProjectStore

    return ProjectStore.open(path, create=create)


def print_import_report(rep, *, quiet: bool = False) -> None:
    for path, reason in rep.failures:
        print(f"{path}: {reason}", file=sys.stderr)
    for w in rep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not quiet:
        for path, page in rep.duplicates:
            where = f" (page {page.seq} of item {page.item_id})" if page else ""
            print(f"{path}: already imported{where}, skipped", file=sys.stderr)
        for path, why in rep.skipped:
            print(f"{path}: {why}", file=sys.stderr)
        print(f"imported {len(rep.added)} page(s); {len(rep.duplicates)} duplicate(s); "
              f"{len(rep.failures)} failed", file=sys.stderr)


def add_project_arg(p) -> None:
    p.add_argument("project", metavar="PROJECT", help="project folder")
