"""The main window's menus, shortcuts and toolbar: one table of actions, each calling a window method.

A mixin of :class:`~digitizer.gui.main_window.MainWindow`; ``tests/test_gui_shortcuts.py`` checks
that no two actions share a shortcut.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence

from .layout import recognise_action
from .shortcuts import ShortcutGuard


class WindowMenus:
    """Builds the menu bar, the toolbar and the window's shortcuts."""

    def _act(self, menu: Any, text: str, slot: Any, keys: Any = (), *, checkable: bool = False,
             checked: bool = False, tip: str = "", needs: str = "") -> QAction:
        """A menu action; ``needs``: "project" or "page" when it cannot work without one (then it is
        disabled until there is one, see :meth:`update_actions`)."""
        act = QAction(text, self)
        if needs:
            self._needing.setdefault(needs, []).append(act)
        if keys:
            seqs = [QKeySequence(k) for k in (keys if isinstance(keys, (list, tuple)) else [keys])]
            act.setShortcuts(seqs)
        act.setCheckable(checkable)
        if checkable:
            act.setChecked(checked)
            act.toggled.connect(slot)
        else:
            act.triggered.connect(lambda _=False: slot())
        if tip:
            act.setStatusTip(tip)
        menu.addAction(act)
        self.addAction(act)
        return act

    def update_actions(self) -> None:
        """Enable the actions that can work now (a project open, a page shown)."""
        for needs, acts in self._needing.items():
            ok = self.store is not None and (needs == "project" or self.page is not None)
            for act in acts:
                act.setEnabled(ok)

    def _build_actions(self) -> None:
        self._needing: dict[str, list[QAction]] = {}
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._act(f, "&New project…", self._new_project_dialog, "Ctrl+Shift+N")
        self._act(f, "&Open project…", self._open_project_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = f.addMenu("Open &recent")
        self._fill_recent()
        f.addSeparator()
        self.import_action = self._act(f, "&Import files, folders, transcriptions…", self._import_dialog, "Ctrl+I",
                                       needs="project", tip="Into an item you choose, or a new one with its profile")
        self.export_action = self._act(f, "&Export…", self.show_export_dialog, "Ctrl+E", needs="project")
        f.addSeparator()
        self._act(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("&Edit")
        self.undo_action = self._act(e, "&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._act(e, "&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(lambda t: self.undo_action.setText(f"&Undo {t}".strip()))
        self.undo_stack.redoTextChanged.connect(lambda t: self.redo_action.setText(f"&Redo {t}".strip()))
        e.addSeparator()
        self._act(e, "&Find and replace in project…", self.show_find_replace, ["Ctrl+Shift+F", "Ctrl+F"],
                  needs="project")
        self._act(e, "&Preferences…", self.show_preferences, "Ctrl+,")
        p = mb.addMenu("&Page")
        self._act(p, "&Process selected pages", self.process_selected, "Ctrl+R", needs="page")
        self._act(p, "Process whole &item", self.process_item, "Ctrl+Shift+R", needs="page")
        self._act(p, "Page &done, go on", self.page_done, ["Ctrl+Return", "Ctrl+Enter"],
                  tip="The lines not edited are verified as they are (one recorded act); the page is corrected")
        self.verify_action = self._act(p, "&Verify line", self.verify_line, "Ctrl+Alt+V",
                                       tip="Confirm the line's text as it is (state verified), go to the next line")
        self.flag_action = self._act(p, "&Flag line…", self.flag_line, "Ctrl+Alt+F",
                                     tip="Mark the line uncertain, with a comment (state flagged)")
        self._act(p, "&Next low-confidence word", self.next_low_confidence, ["F3", "Ctrl+L"])
        self._act(p, "Line &history…", self.show_history, "Ctrl+H")
        self._act(p, "&Insert character by code or name…", self.focus_unicode_input, "Ctrl+U",
                  tip="Type U+017F, 0x364 or a Unicode name, then Enter: it goes into the line at the cursor")
        p.addSeparator()
        self.review_action = self._act(p, "Mark re&viewed", lambda: self.page_action("review"), "Ctrl+Alt+R",
                                       tip="Mark the page shown (or the pages selected in the tree) reviewed")
        self.approve_action = self._act(p, "&Approve", lambda: self.page_action("approve"), "Ctrl+Shift+A",
                                        tip="Approve the page shown (or the pages selected in the tree)")
        self.reopen_action = self._act(p, "Re&open for correction", lambda: self.page_action("reopen"),
                                       "Ctrl+Alt+O", tip="Send a reviewed/approved page back to 'corrected'")
        p.addSeparator()
        self._act(p, "Previous page", lambda: self.step_page(-1), "Ctrl+PgUp")
        self._act(p, "Next page", lambda: self.step_page(1), "Ctrl+PgDown")
        it = mb.addMenu("It&em")
        self.new_item_action = self._act(it, "&New item…", self._new_item_dialog, "Ctrl+Alt+N", needs="project",
                                         tip="Name, title and profile; then its metadata")
        self.rename_item_action = self._act(it, "&Rename item…", self._rename_dialog, "F2", needs="project")
        self.profile_action = self._act(it, "Change &profile…", self._profile_dialog, needs="project",
                                        tip="The item's profile: engine, palette, threshold, export formats")
        self.engine_action = self._act(it, "&Engine and model…", self._engine_dialog, "Ctrl+Alt+E", needs="page",
                                       tip="Recognise the page shown, or every page of its item, with this engine")
        self.metadata_action = self._act(it, "Edit &metadata…", self.show_metadata_dialog, "Ctrl+Shift+I",
                                         tip="Descriptive metadata (MODS) of the current item")
        self.browser.set_context_actions([self.review_action, self.approve_action, self.reopen_action, None,
                                          self.metadata_action, self.rename_item_action, self.profile_action,
                                          self.engine_action])
        from .htr.model_actions import attach_model_actions     # models, retraining, switching (issue 12)
        self.model_actions = attach_model_actions(self, it)
        lay = mb.addMenu("&Layout")
        self._act(lay, "&Delete line", self.delete_current_line, "Ctrl+Shift+D")
        self._act(lay, "&Merge line with next", self.merge_with_next, "Ctrl+Shift+M")
        self._act(lay, "&Split line at cursor", self.split_at_cursor, "Ctrl+Shift+S")
        self._act(lay, "Draw missing &line", lambda: self.viewer.set_draw_mode("line"), "Ctrl+Shift+L")
        self._act(lay, "Draw missing &region", lambda: self.viewer.set_draw_mode("region"), "Ctrl+Shift+G")
        self._act(lay, recognise_action.LABEL, lambda: recognise_action.recognise_current_line(self),
                  recognise_action.SHORTCUT, needs="page", tip=recognise_action.TIP)
        self._act(lay, "Move line &up in reading order", lambda: self.move_current_line(-1), "Alt+Up")
        self._act(lay, "Move line do&wn in reading order", lambda: self.move_current_line(1), "Alt+Down")
        self._build_layout_edit(lay)       # edit mode, region types, mode indicator (layout/edit_actions.py)
        v = mb.addMenu("&View")
        self._act(v, "Zoom &in", lambda: self.viewer.zoom_by(1.25), [QKeySequence.StandardKey.ZoomIn, "Ctrl+="])
        self._act(v, "Zoom &out", lambda: self.viewer.zoom_by(0.8), QKeySequence.StandardKey.ZoomOut)
        self._act(v, "Fit &width", self.viewer.fit_width, "Ctrl+1")
        self._act(v, "Fit &page", self.viewer.fit_page, "Ctrl+0")
        v.addSeparator()
        self.preprocessed_action = self._act(v, "Show &preprocessed image", self.set_show_preprocessed, "F6",
                                             checkable=True)
        self._act(v, "Show &blocks and lines", self._toggle_lines, "Ctrl+Shift+B", checkable=True, checked=True)
        self._act(v, "Show &words by confidence", lambda on: self.viewer.set_overlay_visible("words", on), "F9",
                  checkable=True, checked=True)
        self.order_action = self._act(v, "Show reading &order and region types", self._show_order, "F10",
                                      checkable=True)
        v.addSeparator()
        for dock in (self.browser_dock, self.queue_dock, self.capture_dock, self.restrict_dock):
            v.addAction(dock.toggleViewAction())
        h = mb.addMenu("&Help")
        self._act(h, "&Keyboard shortcuts", self.show_help, "F1")
        self._act(h, "&About digitizer", self._about)
        self.shortcut_guard = ShortcutGuard(self)      # window shortcuts win over text fields, never type
        tb = self.addToolBar("Main")
        tb.setObjectName("toolbar-main")
        for text, slot, needs in (("Open", self._open_project_dialog, ""), ("Import", self._import_dialog, "project"),
                                  ("Process", self.process_selected, "page"),
                                  ("Next low (F3)", self.next_low_confidence, "page"),
                                  ("Page done", self.page_done, "page"), ("Export", self.show_export_dialog, "project")):
            act = tb.addAction(text, slot)
            if needs:
                self._needing[needs].append(act)
        tb.addSeparator()
        for act, label in ((self.review_action, "Reviewed"), (self.approve_action, "Approve"),
                           (self.reopen_action, "Reopen")):
            btn = tb.addAction(label, act.trigger)
            btn.setToolTip(f"{act.text().replace('&', '')} ({act.shortcut().toString()})")
        tb.addSeparator()
        tb.addAction(self.undo_action)
        tb.addAction(self.redo_action)
        self.update_actions()
