"""The main window's line editing: queued line saves through the store writer, undo/redo as line
versions, a save over a line changed elsewhere, the low-confidence search, line history and
project-wide find and replace.

A mixin of :class:`~digitizer.gui.main_window.MainWindow`; every change is a ``digitizer.workflow`` act.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand

from ... import workflow
from ...correction import Position, locate_line, next_low_confidence, set_line_text
from ...errors import DigitizerError
from ..jobs import tasks as jobs
from ..workers import create_worker

if TYPE_CHECKING:
    from ..main_window import MainWindow

CHANGED_ELSEWHERE = "changed since it was shown"    # workflow.set_text's refusal when expected_version is old


class LineVersionCommand(QUndoCommand):
    """One change of one line, saved as a line version.  Undo restores the version before it and redo
    the version it made, whole (text, words, confidences; in the line's current geometry), each as a new version (sources
    ``undo``/``redo``), so nothing is ever dropped from the history."""

    def __init__(self, window: "MainWindow", page_id: int, line_id: str, label: str, first: Any):
        super().__init__(label)
        self.window, self.page_id, self.line_id = window, page_id, line_id
        self._first, self._made = first, None        # first(): a Future of the version number it saves

    def redo(self) -> None:
        if self._made is None:
            self._made = self._first()
        elif self._version() is not None:
            self.window.restore_line(self.page_id, self.line_id, self._version(), "redo")

    def undo(self) -> None:
        if self._version() is not None:
            self.window.restore_line(self.page_id, self.line_id, self._version() - 1, "undo")

    def _version(self) -> int | None:
        try:
            return int(self._made.result())
        except Exception:             # the save was refused: nothing to undo or redo
            return None


class LineActions:
    """Saving, undoing and restoring lines; search, history, find and replace."""

    def flush_saves(self, timeout: float | None = None) -> bool:
        """Wait until every queued save is committed (True when none is left)."""
        return self.writer.flush(timeout) if self.writer is not None else True

    def _settle(self) -> None:
        """Queue the current line's edit and wait for the writer (before reading the store)."""
        self.editor.commit_current()
        self.flush_saves()

    def _saved(self, tag: Any, _result: Any) -> None:
        """A queued line save is committed: show the page state the store now holds."""
        if isinstance(tag, tuple) and tag[:1] == ("line",):
            self.show_stored_page(int(tag[1]))

    def _save_failed(self, tag: Any, message: str) -> None:
        """A queued save failed: say so and show what the store really holds.  When another process
        saved the line meanwhile, ask (No is the default) whether to save the text over it."""
        self.saveFailed.emit(message)
        line_save = isinstance(tag, tuple) and tag[:1] == ("line",)
        if line_save and CHANGED_ELSEWHERE in message:
            self._line_conflict(*tag[1:])
            return
        self.show_error(f"could not save: {message}")
        if line_save and self.page is not None and self.page.id == tag[1]:
            self.open_page(self.page.id, self.editor.current_line_id())

    def _line_conflict(self, page_id: int, line_id: str, text: str) -> None:
        self.flush_saves()
        layout = self.store.load_layout(page_id)
        stored = layout.find_line(line_id) if layout else None
        elsewhere = stored.text if stored is not None else "(deleted)"
        overwrite = stored is not None and self.confirm(
            "Line changed elsewhere", f"Line {line_id} was changed by another process to “{elsewhere}” before "
                                      f"your text “{text}” was saved. Save yours over it? "
                                      "(Both stay in the line's history.)")
        if overwrite:
            self.writer.submit(workflow.set_text, page_id, line_id, text, agent=self.settings.operator,
                               tag=("line", page_id, line_id, text))
            self.flush_saves()
        if self.page is not None and self.page.id == page_id:
            self.open_page(page_id, self.editor.current_line_id())

    def _close_writer(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def undo(self) -> None:
        """Save a pending edit first (so it is what gets undone), then undo."""
        self.editor.commit_current()
        if self.undo_stack.canUndo():
            self.undo_stack.undo()

    def redo(self) -> None:
        if self.undo_stack.canRedo():
            self.undo_stack.redo()

    def _commit_requested(self, line_id: str, old: str, new: str) -> None:
        if self.page is None:
            return
        pid = self.page.id
        self.undo_stack.push(LineVersionCommand(self, pid, line_id, f"edit line {line_id}",
                                                lambda: self.save_line(pid, line_id, new)))

    def save_line(self, page_id: int, line_id: str, text: str, source: str = "edit") -> Future:
        """Queue the save (``workflow.set_text``: a new line version, committed by the writer thread)
        and show it at once; returns the Future of the version number."""
        line = self.layout_.find_line(line_id) if self.layout_ and self.page and self.page.id == page_id else None
        expected = self._versions.get(line_id) if line is not None else None
        fut = self.writer.submit(workflow.set_text, page_id, line_id, text, agent=self.settings.operator,
                                 source=source, expected_version=expected, tag=("line", page_id, line_id, text))
        if line is None:
            self.open_page(page_id, line_id)
            return fut
        if expected is not None:
            self._versions[line_id] = expected + 1          # the version this save makes
        set_line_text(line, text)         # the same core change the store is saving, no reload
        self.editor.update_line(line)
        self.viewer.update_line(line)     # page and line states: from the store once committed (_saved)
        return fut

    def restore_line(self, page_id: int, line_id: str, version: int, source: str = "restore") -> int | None:
        """Make ``version`` of a line current again, whole (``workflow.restore``), and show what is stored."""
        self.editor.commit_current()
        try:
            made = self.writer.call(workflow.restore, page_id, line_id, version, agent=self.settings.operator,
                                    source=source)
        except DigitizerError as exc:
            self.show_error(exc.user_message)
            made = None
        if made is not None and self.page is not None and self.page.id == page_id:
            self._versions[line_id] = made
        self.show_stored_line(page_id, line_id)
        return made

    def show_stored_line(self, page_id: int, line_id: str) -> None:
        """Show the line as stored (text, words, confidences) and the page and line states."""
        if self.page is None or self.page.id != page_id or self.layout_ is None:
            self.open_page(page_id, line_id)
            return
        stored = self.store.load_layout(page_id)
        line = stored.find_line(line_id) if stored else None
        if line is None or self.layout_.find_line(line_id) is None:
            self.open_page(page_id, line_id)
            return
        block, idx = locate_line(self.layout_, line_id)
        block.lines[idx] = line
        version = self.store.current_line_versions(page_id).get(line_id)
        if version is not None:           # a workflow act (tag, restore...) made a version: the next save names it
            self._versions[line_id] = version
        self.editor.update_line(line)
        self.viewer.update_line(line)
        self.show_stored_page(page_id)

    def _threshold_changed(self, value: float) -> None:
        """The editor's threshold holds for the pages of this profile in this session; the profile's
        own applies to others (an HTR item does not inherit a printed item's threshold)."""
        if self.settings.threshold is not None:
            self.settings.threshold = value
        elif self.profile is not None:
            self._thresholds[self.profile.name] = value
        self.viewer.set_threshold(value)

    def next_low_confidence(self) -> None:
        """Next word under the threshold in this page, else in the following pages of the item."""
        if self.page is None:
            return
        self.editor.commit_current()
        here = self.editor.search_position() or Position(self.page.id, "", None)
        hit = next_low_confidence([(self.page.id, self.layout_)], self.threshold, after=here) \
            if self.layout_ else None
        if hit is not None:
            self.editor.focus_line(hit.line_id, hit.word)
            self.lowConfidenceSearchDone.emit(hit)
            return
        later = [p.id for p in self.store.pages(self.page.item_id) if p.seq > self.page.seq]
        if not later:
            self._no_more_low()
            return
        if self._search_worker is not None:
            return
        self.flush_saves()                # the search worker reads the store
        self.statusBar().showMessage("searching the following pages…")
        self._search_worker = create_worker(jobs.next_low_page_job, self.root, later, self.threshold,
                                            agent=self.settings.operator)
        self._search_worker.signals.returned.connect(self._low_found)
        self._search_worker.signals.finished.connect(lambda: setattr(self, "_search_worker", None))
        self._search_worker.start()

    def _low_found(self, hit: Position | None) -> None:
        if hit is None:
            self._no_more_low()
            return
        self.open_page(int(hit.page), hit.line_id, hit.word)
        self.lowConfidenceSearchDone.emit(hit)

    def _no_more_low(self) -> None:
        self.statusBar().showMessage(f"no more words under {self.threshold:.2f} in this item", 6000)
        self.lowConfidenceSearchDone.emit(None)

    def focus_unicode_input(self) -> None:
        """Ctrl+U: go to the code point / character name field (Enter inserts into the line)."""
        self.editor.unicode_input.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.editor.unicode_input.selectAll()

    def show_history(self) -> None:
        from .history_dialog import HistoryDialog

        lid = self.editor.current_line_id()
        if self.page is None or lid is None:
            return
        self._settle()
        dlg = HistoryDialog(lid, self.store.line_history(self.page.id, lid), self)
        pid = self.page.id
        dlg.restoreRequested.connect(lambda version: self._restore_version(pid, lid, version))
        self.history_dialog = dlg
        dlg.open()

    def _restore_version(self, page_id: int, line_id: str, version: int) -> None:
        def first() -> Future:
            fut: Future = Future()
            fut.set_result(self.restore_line(page_id, line_id, version))
            return fut

        self.undo_stack.push(LineVersionCommand(self, page_id, line_id, f"restore line {line_id}", first))

    def show_find_replace(self) -> Any:
        from ..search.find_replace import FindReplaceDialog

        if self.store is None:
            return None
        self._settle()
        dlg = FindReplaceDialog(self.root, agent=self.settings.operator, parent=self)
        dlg.applied.connect(self._replaced)
        dlg.jumpTo.connect(lambda pid, lid: self.open_page(pid, lid))
        self.find_dialog = dlg
        dlg.show()
        return dlg

    def _replaced(self, count: int, page_ids: list[int]) -> None:
        for pid in page_ids:
            self.browser.update_page(self.store.get_page(pid))
        if self.page is not None and self.page.id in page_ids:
            self.open_page(self.page.id, self.editor.current_line_id())
        self.statusBar().showMessage(f"replaced in {count} line(s)", 8000)
