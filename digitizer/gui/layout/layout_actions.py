"""The main window's layout corrections (delete, merge, split, add, reorder lines and regions), each
saved as a new layout version through ``digitizer.correction.commit_layout`` and undoable.

A mixin of :class:`~digitizer.gui.main_window.MainWindow`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from ...correction import add_line, add_region, commit_layout, delete_line, merge_lines, split_line, word_spans
from ...layout_edit import move_line_in_order
from ...model import PageLayout, layout_from_dict, to_dict
from . import recognise_action

if TYPE_CHECKING:
    from ..main_window import MainWindow


def _copy(layout: PageLayout) -> PageLayout:
    return layout_from_dict(to_dict(layout))


class LayoutCommand(QUndoCommand):
    """A layout correction (delete/merge/split/add/reorder); undo saves the layout before it."""

    def __init__(self, window: "MainWindow", page_id: int, before: PageLayout, after: PageLayout, action: str,
                 focus: str | None = None, **params: Any):
        super().__init__(action)
        self.window, self.page_id, self.before, self.after = window, page_id, before, after
        self.action, self.params, self.focus = action, params, focus

    def redo(self) -> None:
        self.window.save_layout(self.page_id, _copy(self.after), self.action, self.focus, **self.params)

    def undo(self) -> None:
        self.window.save_layout(self.page_id, _copy(self.before), f"undo {self.action}", self.focus)


class LayoutActions:
    """Layout corrections of the page shown, undoable."""

    def save_layout(self, page_id: int, layout: PageLayout, action: str, focus: str | None = None,
                    **params: Any) -> None:
        self.writer.call(commit_layout, page_id, layout, action, **params)
        self.browser.update_page(self.store.get_page(page_id))
        same = self.page is not None and self.page.id == page_id
        view = self.viewer.view_state()
        self.open_page(page_id, focus)
        if same:                          # the page shown again after an edit keeps its zoom and place
            self.viewer.restore_view(view)

    def _layout_op(self, action: str, op: Any, focus: Any = None, **params: Any) -> None:
        """Apply ``op(layout)`` to a copy of the current layout and push it as an undoable command."""
        if self.page is None or self.layout_ is None:
            return
        self._settle()
        before = self.store.load_layout(self.page.id)
        after = _copy(before)
        try:
            result = op(after)
        except (KeyError, ValueError) as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        if result is None or to_dict(after) == to_dict(before):     # nothing changed: no version, no undo step
            self.statusBar().showMessage(f"{action}: nothing to change", 5000)
            return
        target = focus(result) if callable(focus) else focus
        self.undo_stack.push(LayoutCommand(self, self.page.id, before, after, action, target, **params))

    def delete_current_line(self) -> None:
        lid = self.editor.current_line_id()
        if lid:
            ids = self.editor.line_ids()
            i = ids.index(lid)
            nxt = ids[i + 1] if i + 1 < len(ids) else (ids[i - 1] if i > 0 else None)
            self._layout_op("delete line", lambda lay: delete_line(lay, lid), nxt, line=lid)

    def merge_with_next(self) -> None:
        lid = self.editor.current_line_id()
        ids = self.editor.line_ids()
        if lid and ids.index(lid) + 1 < len(ids):
            other = ids[ids.index(lid) + 1]
            self._layout_op("merge lines", lambda lay: merge_lines(lay, lid, other), lid, lines=[lid, other])

    def split_at_cursor(self) -> None:
        pos = self.editor.current_position()
        if pos is None:
            return
        line = self.layout_.find_line(pos.line_id)
        word = pos.word if pos.word is not None else len(line.words) // 2
        edit = self.editor.row(pos.line_id).edit
        cursor = edit.textCursor().position()
        spans = word_spans(line)
        if spans:   # split before the word the cursor is in, or after it when at its end
            word = next((i for i, (s, e, _w) in enumerate(spans) if cursor <= s or s < cursor < e), len(spans))
        self._layout_op("split line", lambda lay: split_line(lay, pos.line_id, word), lambda res: res[1].id,
                        line=pos.line_id, at_word=word)

    def move_current_line(self, delta: int) -> None:
        """Alt+Up/Down: the current line one step up/down in the page's reading order, across regions
        (the last line of a region goes to the top of the next); nothing recorded when it cannot move."""
        lid = self.editor.current_line_id()
        if not lid:
            return
        self._layout_op("reading order", lambda lay: move_line_in_order(lay, lid, delta), lid, line=lid, delta=delta)

    def _rect_drawn(self, kind: str, bbox: Any) -> None:
        if kind == "region":
            self._layout_op("add region", lambda lay: add_region(lay, bbox), None, bbox=list(bbox.as_polygon()))
        else:
            self._layout_op("add line", lambda lay: add_line(lay, bbox), lambda ln: ln.id,
                            bbox=[bbox.x0, bbox.y0, bbox.x1, bbox.y1])
            recognise_action.offer(self)       # Ctrl+Alt+L reads the new line (gui/layout/recognise_action.py)

    def _toggle_lines(self, on: bool) -> None:
        self.viewer.set_overlay_visible("blocks", on)
        self.viewer.set_overlay_visible("lines", on)
