"""The main window's layout edit mode, region types, reading-order display and mode indicator.

A mixin of :class:`~digitizer.gui.main_window.MainWindow`, built from :meth:`WindowMenus._build_actions`
through :meth:`LayoutEditActions._build_layout_edit`.  Every edit goes through
``LayoutActions._layout_op`` (one undoable :class:`~.layout_actions.LayoutCommand`, one new layout
version saved by ``digitizer.correction.commit_layout``); the rules are
:mod:`digitizer.layout_edit`'s.

* Layout ▸ Edit layout (Ctrl+Shift+E): :class:`~.edit_mode.LayoutEditMode` on the viewer.
* Layout ▸ Next region type (Ctrl+Shift+T): the selected region (or the current line's region) takes
  the next type; in edit mode a right click on a region opens the type menu.
* Layout ▸ Move region earlier / later in reading order (Alt+Shift+Up / Alt+Shift+Down): the selected
  region (or the current line's) with its lines; also in the region's context menu in edit mode.
* View ▸ Show reading order and region types (F10): :class:`~.decorations.LayoutDecorations`
  (always shown in edit mode).
* A label in the status bar names the mode (draw line, draw region, edit layout) while one is on;
  Esc leaves it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ... import layout_edit as E
from .decorations import LayoutDecorations
from .edit_mode import LayoutEditMode

MODE_TEXT = {
    "line": "DRAW LINE · drag a box over the missing line · Esc leaves",
    "region": "DRAW REGION · drag a box over the region · Esc leaves",
    "edit": "EDIT LAYOUT · drag · double-click an edge: add point · right-click: point off / region menu · Esc leaves",
}

MODE_HELP = ("Click a line or region to select it; drag it, its square corners (resize) or its round points. "
             "Double-click an edge of its outline or its baseline to add a point there; right-click a round point "
             "(or click it, then Delete) to remove it. Right-click a region: its type and its place in the reading "
             "order (Alt+Shift+Up / Alt+Shift+Down). Esc leaves.")


class LayoutEditActions:
    """Edit mode, region types, reading-order numbers, mode indicator (see the module docstring)."""

    def _build_layout_edit(self, lay: Any) -> None:
        self.layout_edit = LayoutEditMode(self.viewer)
        self.decorations = LayoutDecorations(self.viewer)
        self.mode_label = QLabel("")
        self.mode_label.setObjectName("mode-indicator")
        self.mode_label.setStyleSheet("QLabel { background: #ff6f00; color: white; font-weight: bold;"
                                      " padding: 1px 8px; border-radius: 3px; }")
        self.mode_label.hide()
        self.statusBar().addPermanentWidget(self.mode_label)
        lay.addSeparator()
        self.edit_layout_action = self._act(
            lay, "&Edit layout (move, resize, outlines, baselines)", self.set_layout_editing, "Ctrl+Shift+E",
            checkable=True, tip="Click a line or region on the page, drag it, its corner handles or its points")
        self.region_type_action = self._act(lay, "Next region &type", self.next_region_type, "Ctrl+Shift+T",
                                            tip="The selected region (or the current line's) takes the next type")
        self.region_earlier_action = self._act(lay, "Move region &earlier in reading order",
                                               lambda: self.move_region(-1), "Alt+Shift+Up",
                                               tip="The selected region (or the current line's) with its lines")
        self.region_later_action = self._act(lay, "Move region &later in reading order",
                                             lambda: self.move_region(1), "Alt+Shift+Down",
                                             tip="The selected region (or the current line's) with its lines")
        self.leave_mode_action = self._act(lay, "Leave draw/edit mode", self.leave_layout_mode, "Esc")
        self.leave_mode_action.setEnabled(False)
        self.viewer.drawModeChanged.connect(self._draw_mode_changed)
        self.layout_edit.editRequested.connect(self._edit_requested)

    # ------------------------------------------------------------------ modes
    def current_mode(self) -> str | None:
        """``"line"``/``"region"`` (drawing), ``"edit"`` or ``None``: what the indicator says."""
        return self._mode if hasattr(self, "_mode") else None

    def _set_mode(self, mode: str | None) -> None:
        self._mode = mode
        self.mode_label.setText(MODE_TEXT.get(mode or "", ""))
        self.mode_label.setToolTip(MODE_HELP if mode == "edit" else "")
        self.mode_label.setVisible(mode is not None)
        self.leave_mode_action.setEnabled(mode is not None)

    def set_layout_editing(self, on: bool) -> None:
        if self.edit_layout_action.isChecked() != on:
            self.edit_layout_action.setChecked(on)          # toggled -> here again
            return
        self.layout_edit.set_active(on)
        self.decorations.set_visible(on or self.order_action.isChecked())
        if on:
            lid = self.editor.current_line_id()
            if lid and self.layout_edit.selection is None:
                self.layout_edit.select("line", lid)
            self.viewer.setFocus(Qt.FocusReason.OtherFocusReason)
        self._set_mode("edit" if on else None)

    def _draw_mode_changed(self, kind: str) -> None:
        if kind and self.edit_layout_action.isChecked():
            self.edit_layout_action.setChecked(False)       # drawing replaces the edit mode
            self.viewer.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self._set_mode(kind or ("edit" if self.edit_layout_action.isChecked() else None))

    def leave_layout_mode(self) -> None:
        """Esc: back to reading and panning."""
        if self.current_mode() in ("line", "region"):
            self.viewer.set_draw_mode(None)
        if self.edit_layout_action.isChecked():
            self.edit_layout_action.setChecked(False)

    def _show_order(self, on: bool) -> None:
        self.decorations.set_visible(on or self.edit_layout_action.isChecked())

    # ------------------------------------------------------------------ edits
    def _edit_requested(self, action: str, op: Any, focus: Any, params: dict) -> None:
        # a region edit keeps the editor on its line (the page is shown again after the save)
        self._layout_op(action, op, focus or self.editor.current_line_id(), **params)

    def _target_region(self) -> str | None:
        """The selected region (or the selected line's, or the current line's); says so when none."""
        if self.layout_ is None:
            return None
        sel = self.layout_edit.selection
        lid = self.editor.current_line_id()
        hit = sel if sel is not None else (("line", lid) if lid else None)
        rid = self.layout_edit.region_of(hit) if hit else None
        if rid is None:
            self.statusBar().showMessage("select a region first (Edit layout, then click it)", 8000)
        return rid

    def move_region(self, delta: int) -> None:
        """Alt+Shift+Up/Down: the region one place earlier/later in the reading order, with its lines
        (nothing recorded when it is already first/last)."""
        rid = self._target_region()
        if rid is not None:
            self.layout_edit.request_order(rid, delta)

    def next_region_type(self) -> None:
        """The selected region (or the current line's) takes the next type of the model's list."""
        rid = self._target_region()
        if rid is None or self.layout_ is None:
            return
        types = E.region_types()
        current = E.find_block(self.layout_, rid).type
        kind = types[(types.index(current) + 1) % len(types)] if current in types else types[0]
        self.layout_edit.request_type(rid, kind)
