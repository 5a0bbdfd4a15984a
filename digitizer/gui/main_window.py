"""The main window: project browser, page viewer, transcription editor, job queue.

A thin client: every action calls the core (workflow, correction, batch, ingest, export); every
state and transition is :mod:`digitizer.workflow`'s, and what the window shows (header, tree, line
states) is read back from the store after each act.  Every write of the window (line saves,
undo/redo, line states, page actions, layout corrections, item metadata) goes through one
:class:`~.store_writer.StoreWriter` thread with its own connection, in order: a line save is queued
and the editor moves on at once; the window flushes the writer before it reads the store and on
close, so nothing is lost.  Anything longer (processing as the CLI's batch job, import, export,
project-wide replace, image decoding) runs in workers with their own connection.  A timer polls the
store's ``data_version`` to notice changes made by other processes.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox, QSplitter,
                               QWidget)

from .. import __version__, workflow
from ..correction import (Position, add_line, add_region, commit_layout, delete_line, locate_line, merge_lines,
                          move_line, next_low_confidence, set_line_text, split_line)
from ..errors import DigitizerError
from ..model import Page, PageLayout, layout_from_dict, to_dict
from ..pipeline.process import DONE_STATUSES
from ..profiles import Profile, load_profile
from ..store import ProjectStore
from . import jobs
from .line_editor import LineEditor
from .page_images import PageImage, iter_thumbnails, load_page_images
from .page_viewer import PageViewer
from .project_browser import ProjectBrowser
from .qa_panel import attach_qa_panel, detach_qa_panel
from .queue_panel import QueuePanel
from .settings import Settings
from .shortcuts import ShortcutGuard
from .store_writer import StoreWriter
from .workers import Worker, create_worker

ICON = Path(__file__).resolve().parent.parent.parent / "packaging" / "icons" / "digitizer.svg"


def _copy(layout: PageLayout) -> PageLayout:
    return layout_from_dict(to_dict(layout))


PAGE_ACTIONS = {"review": workflow.review, "approve": workflow.approve, "reopen": workflow.reopen}
PAGE_ACTION_WORDS = {"review": "reviewed", "approve": "approved", "reopen": "reopened"}
CHANGE_POLL_MS = 1000         # how often the window asks the store whether another process changed it
CHANGED_ELSEWHERE = "changed since it was shown"    # workflow.set_text's refusal when expected_version is old


class LineVersionCommand(QUndoCommand):
    """One change of one line, saved as a line version.  Undo restores the version before it and redo
    the version it made, whole (text, words, boxes, confidences), each as a new version (sources
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


class MainWindow(QMainWindow):
    pageOpened = Signal(int)
    pageImageReady = Signal(int, str)       # page id, "preview" | "full"
    lowConfidenceSearchDone = Signal(object)
    saveFailed = Signal(str)                # a queued save failed: the store's message
    statusesChanged = Signal(list, str)     # page ids, workflow action (review, approve, reopen)
    outsideChange = Signal(int, bool)       # page id shown, reloaded (False: reload deferred, line being typed)

    def __init__(self, settings: Settings | None = None, project: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self.store: ProjectStore | None = None
        self.writer: StoreWriter | None = None     # every write of the window goes through it, in order
        self.page: Page | None = None
        self.layout_: PageLayout | None = None
        self.profile: Profile | None = None
        self.showing = "master"
        self._profiles: dict[str, Profile] = {}
        self._image_worker: Worker | None = None
        self._thumb_worker: Worker | None = None
        self._search_worker: Worker | None = None
        self.undo_stack = QUndoStack(self)
        self._data_version = -1           # the store's data_version last looked at (outside changes)
        self._versions: dict[str, int] = {}   # line id -> version shown (page shown)
        self._stale = False               # the page shown differs from the store (reload deferred)
        self.change_timer = QTimer(self)
        self.change_timer.setInterval(CHANGE_POLL_MS)
        self.change_timer.timeout.connect(self.check_outside_changes)
        self.setWindowTitle("digitizer")
        if ICON.is_file():
            self.setWindowIcon(QIcon(str(ICON)))
        self._build_widgets()
        self._build_actions()
        from .search_panel import attach_search_panel   # the search dock (issue 16)
        self.search_panel = attach_search_panel(self)
        self._restore_geometry()
        if project:
            self.open_project(project)

    # ================================================================== construction
    def _build_widgets(self) -> None:
        self.viewer = PageViewer()
        self.editor = LineEditor()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.viewer)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        split.setSizes([760, 620])
        self.setCentralWidget(split)
        self.browser = ProjectBrowser()
        self.browser_dock = self._dock("Project", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.queue = QueuePanel()
        self.queue_dock = self._dock("Jobs", self.queue, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.capture_dock = QDockWidget("Capture", self)     # filled when a project is open
        self.capture_dock.setObjectName("dock-capture")
        self.capture_dock.setWidget(QLabel("Open a project to capture into it."))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.capture_dock)
        self.capture_dock.hide()
        self.capture_panel = None
        from .restrict_panel import attach_restrict_panel
        self.restrict_panel, self.restrict_dock = attach_restrict_panel(self)
        self.restrict_dock.hide()
        from .correction.transcription_panel import attach_transcription_panel
        self.transcription_panel, self.transcription_dock = attach_transcription_panel(self)
        self.status_label = QLabel("")
        self.statusBar().addPermanentWidget(self.status_label)
        self.browser.pageActivated.connect(lambda pid: self.open_page(pid))
        self.browser.filesDropped.connect(self._files_dropped)
        self.viewer.lineClicked.connect(lambda lid: self.editor.focus_line(lid))
        self.viewer.wordClicked.connect(lambda lid, w: self.editor.focus_line(lid, w))
        self.viewer.rectDrawn.connect(self._rect_drawn)
        self.editor.lineChanged.connect(self._line_changed)
        self.editor.commitRequested.connect(self._commit_requested)
        self.editor.nextLowConfidenceRequested.connect(self.next_low_confidence)
        self.editor.thresholdChanged.connect(self._threshold_changed)
        self.editor.pageDoneRequested.connect(self.page_done)
        self.queue.pageFinished.connect(self._page_processed)
        self.queue.jobResult.connect(self._job_result)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _act(self, menu: Any, text: str, slot: Any, keys: Any = (), *, checkable: bool = False,
             checked: bool = False, tip: str = "") -> QAction:
        act = QAction(text, self)
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

    def _build_actions(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._act(f, "&New project…", self._new_project_dialog, "Ctrl+Shift+N")
        self._act(f, "&Open project…", self._open_project_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = f.addMenu("Open &recent")
        self._fill_recent()
        f.addSeparator()
        self.import_action = self._act(f, "&Import files…", self._import_dialog, "Ctrl+I")
        self.export_action = self._act(f, "&Export…", self.show_export_dialog, "Ctrl+E")
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
        self._act(e, "&Find and replace in project…", self.show_find_replace, ["Ctrl+Shift+F", "Ctrl+F"])
        self._act(e, "&Preferences…", self.show_preferences, "Ctrl+,")
        p = mb.addMenu("&Page")
        self._act(p, "&Process selected pages", self.process_selected, "Ctrl+R")
        self._act(p, "Process whole &item", self.process_item, "Ctrl+Shift+R")
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
        self.metadata_action = self._act(it, "Edit &metadata…", self.show_metadata_dialog, "Ctrl+Shift+I",
                                         tip="Descriptive metadata (MODS) of the current item")
        self.browser.set_context_actions([self.review_action, self.approve_action, self.reopen_action, None,
                                          self.metadata_action])
        lay = mb.addMenu("&Layout")
        self._act(lay, "&Delete line", self.delete_current_line, "Ctrl+Shift+D")
        self._act(lay, "&Merge line with next", self.merge_with_next, "Ctrl+Shift+M")
        self._act(lay, "&Split line at cursor", self.split_at_cursor, "Ctrl+Shift+S")
        self._act(lay, "Draw missing &line", lambda: self.viewer.set_draw_mode("line"), "Ctrl+Shift+L")
        self._act(lay, "Draw missing &region", lambda: self.viewer.set_draw_mode("region"), "Ctrl+Shift+G")
        self._act(lay, "Move line &up in reading order", lambda: self.move_current_line(-1), "Alt+Up")
        self._act(lay, "Move line do&wn in reading order", lambda: self.move_current_line(1), "Alt+Down")
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
        v.addSeparator()
        for dock in (self.browser_dock, self.queue_dock, self.capture_dock, self.restrict_dock):
            v.addAction(dock.toggleViewAction())
        h = mb.addMenu("&Help")
        self._act(h, "&Keyboard shortcuts", self.show_help, "F1")
        self._act(h, "&About digitizer", self._about)
        self.shortcut_guard = ShortcutGuard(self)      # window shortcuts win over text fields, never type
        tb = self.addToolBar("Main")
        tb.setObjectName("toolbar-main")
        for text, slot in (("Open", self._open_project_dialog), ("Import", self._import_dialog),
                           ("Process", self.process_selected), ("Next low (F3)", self.next_low_confidence),
                           ("Page done", self.page_done), ("Export", self.show_export_dialog)):
            tb.addAction(text, slot)
        tb.addSeparator()
        for act, label in ((self.review_action, "Reviewed"), (self.approve_action, "Approve"),
                           (self.reopen_action, "Reopen")):
            btn = tb.addAction(label, act.trigger)
            btn.setToolTip(f"{act.text().replace('&', '')} ({act.shortcut().toString()})")
        tb.addSeparator()
        tb.addAction(self.undo_action)
        tb.addAction(self.redo_action)

    def _toggle_lines(self, on: bool) -> None:
        self.viewer.set_overlay_visible("blocks", on)
        self.viewer.set_overlay_visible("lines", on)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_projects:
            self.recent_menu.addAction(path, lambda p=path: self._guarded(self.open_project, p))
        self.recent_menu.setEnabled(bool(self.settings.recent_projects))

    def _restore_geometry(self) -> None:
        geometry, state = self.settings.window_state()
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 950)
            self.resizeDocks([self.browser_dock], [290], Qt.Orientation.Horizontal)
            self.resizeDocks([self.queue_dock], [150], Qt.Orientation.Vertical)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    # ================================================================== errors
    def _guarded(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``func``; a DigitizerError becomes a message box (the GUI's error boundary)."""
        try:
            return func(*args, **kwargs)
        except DigitizerError as exc:
            self.show_error(exc.user_message)
            return None

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)
        if self.isVisible() and QGuiApplication.platformName() not in ("offscreen", "minimal"):
            QMessageBox.warning(self, "digitizer", text)

    def confirm(self, title: str, text: str) -> bool:
        """Ask Yes/No; No is the default and the Escape button (Enter alone never destroys anything)."""
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        self.confirm_box = box
        try:
            return box.exec() == QMessageBox.StandardButton.Yes
        finally:
            self.confirm_box = None
            box.deleteLater()
            self.activateWindow()             # the window's shortcuts work again at once

    def pages_to_act_on(self, verb: str) -> list[int]:
        """The page shown; or the pages explicitly multi-selected in the tree, once the user confirms
        a question naming how many.  Page keys never extend the selection, so only a deliberate
        Ctrl/Shift-click in the tree (or Select all) leads here."""
        multi = self.browser.multi_selection()
        if multi:
            n = len(multi)
            ok = self.confirm(f"{verb} {n} pages?", f"{verb}: {n} pages are selected in the project browser. "
                                                    f"Act on all {n}?")
            return multi if ok else []
        return [self.page.id] if self.page is not None else []

    # ================================================================== project
    @property
    def root(self) -> str | None:
        return str(self.store.root) if self.store else None

    def open_project(self, path: str) -> None:
        self.close_project()
        self.store = ProjectStore.open(path, agent=self.settings.operator)
        self.writer = StoreWriter(str(self.store.root), self.settings.operator, self)
        self.writer.failed.connect(self._save_failed)
        self.writer.saved.connect(self._saved)
        self.settings.add_recent(path)
        self._fill_recent()
        info = self.store.info()
        self._data_version, self._stale = self.store.data_version(), False
        self.change_timer.start()
        self.setWindowTitle(f"{info.name} — digitizer")
        self.refresh_browser(info.items)
        self._attach_capture()
        attach_qa_panel(self)
        pos = self.settings.last_position(path)
        if pos and pos.get("page_id") and self.browser.model.page(int(pos["page_id"])) is not None:
            self.open_page(int(pos["page_id"]), pos.get("line_id"))
            if pos.get("zoom"):
                self.viewer.set_zoom(float(pos["zoom"]))
        else:
            first = next((p for it in info.items for p in it.pages), None)
            if first is not None:
                self.open_page(first.id)
        self._update_status()

    def new_project(self, path: str, name: str | None = None) -> None:
        ProjectStore.create(path, name, agent=self.settings.operator).close()
        self.open_project(path)

    def close_project(self) -> None:
        if self.store is None:
            return
        self.editor.commit_current()
        self._remember_position()
        for w in (self._image_worker, self._thumb_worker, self._search_worker):
            if w is not None:
                w.quit()
        self.undo_stack.clear()
        self.change_timer.stop()
        self._detach_capture()
        detach_qa_panel(self)
        self._close_writer()
        self.store.close()
        self.store, self.page, self.layout_ = None, None, None
        self.editor.set_page(None, None)
        self.browser.set_items([])

    def _attach_capture(self) -> None:
        """Dock the capture panel (scanner, hot folder) for this project when it is installed."""
        try:
            from .capture_panel import CapturePanel
        except ImportError:
            return
        try:
            item = self.browser.model.items()[0].identifier if self.browser.model.items() else None
            self.capture_panel = CapturePanel(self.root, item)
        except Exception as exc:  # a capture problem must not stop the workstation
            self.statusBar().showMessage(f"capture panel unavailable: {exc}", 8000)
            return
        self.capture_panel.pages_added.connect(lambda _ids: self.refresh_browser())
        self.capture_dock.setWidget(self.capture_panel)

    def _detach_capture(self) -> None:
        if self.capture_panel is not None:
            self.capture_panel.wait_idle()
            self.capture_dock.setWidget(QLabel("Open a project to capture into it."))
            self.capture_panel.deleteLater()
            self.capture_panel = None

    def refresh_browser(self, items: list | None = None) -> None:
        if self.store is None:
            return
        self.browser.set_items(items if items is not None else self.store.items())
        todo = [(p.id, *self._image_source(p, "master")) for p in self.browser.model.pages()
                if not self.browser.model.has_thumbnail(p.id)]
        if todo and self._thumb_worker is None:
            self._thumb_worker = create_worker(iter_thumbnails, todo)
            self._thumb_worker.signals.yielded.connect(self._thumb_ready)
            self._thumb_worker.signals.finished.connect(self._thumbs_done)
            self._thumb_worker.start()

    def _thumb_ready(self, value: tuple) -> None:
        page_id, image = value
        if image is not None:
            self.browser.model.set_thumbnail(page_id, image)

    def _thumbs_done(self) -> None:
        self._thumb_worker = None

    def _remember_position(self) -> None:
        if self.store is not None and self.page is not None:
            self.settings.set_last_position(self.store.root, self.page.id, self.editor.current_line_id(),
                                            self.viewer.zoom)

    # ================================================================== pages
    def _profile_for(self, item_id: int) -> Profile:
        item = self.store.get_item(item_id)
        if item.profile not in self._profiles:
            try:
                self._profiles[item.profile] = load_profile(item.profile)
            except DigitizerError:
                self._profiles[item.profile] = load_profile(self.settings.default_profile)
        return self._profiles[item.profile]

    @property
    def threshold(self) -> float:
        if self.settings.threshold is not None:
            return self.settings.threshold
        return self.profile.editor.low_confidence if self.profile else 0.8

    def _image_source(self, page: Page, showing: str) -> tuple[str, int, str]:
        if showing == "preprocessed" and "preprocessed" in page.derived:
            ref = page.derived["preprocessed"]
            return str(self.store.abspath(ref.path)), 0, ref.sha256
        ref = page.derived.get("image")
        if ref is not None:
            return str(self.store.abspath(ref.path)), 0, ref.sha256
        return str(self.store.abspath(page.master.path)), page.source_page, page.master.sha256

    def open_page(self, page_id: int, line_id: str | None = None, word: int | None = None) -> None:
        """Show a page in viewer and editor; pixels and line crops follow from a worker."""
        if self.store is None:
            return
        if self.page is not None and self.page.id != page_id:
            self.editor.commit_current()
        self.flush_saves()                # read what was written
        self._stale = False               # what is shown next is read from the store now
        page = self.store.get_page(page_id)
        self.page, self.layout_ = page, self.store.load_layout(page_id)
        self.profile = self._profile_for(page.item_id)
        showing = "preprocessed" if self.showing == "preprocessed" and "preprocessed" in page.derived else "master"
        self.viewer.threshold = self.threshold
        self.viewer.set_page(page, self.layout_, showing)
        self.editor.set_threshold(self.threshold)
        self.editor.set_special_characters([])      # the Transcription dock's keyboard has the profile's keys
        self.transcription_panel.keyboard.set_profile(self.profile.name, self.profile.editor)
        self.editor.set_page(page.id, self.layout_, self._page_title(page))
        self._versions = self.store.current_line_versions(page.id)   # a save names the version it replaces
        self._show_page_state(page)
        self._load_images(page, showing)
        self.browser.select_page(page_id)
        if self.layout_ is not None and self.layout_.lines():
            self.editor.focus_line(line_id if line_id and self.layout_.find_line(line_id) else
                                   self.layout_.lines()[0].id, word)
        self._remember_position()
        self._update_status()
        self.pageOpened.emit(page_id)

    @staticmethod
    def _page_title(page: Page) -> str:
        return f"Page {page.seq} · {page.status}" + (f" · {page.mean_confidence * 100:.0f} %"
                                                      if page.mean_confidence is not None else "")

    def _load_images(self, page: Page, showing: str) -> None:
        if self._image_worker is not None:
            self._image_worker.quit()
        path, frame, sha = self._image_source(page, showing)
        lines = self.layout_.lines() if self.layout_ else []
        if showing == "preprocessed":
            boxes = {ln.id: page.transform.map_bbox(ln.bbox) for ln in lines}
        else:
            boxes = {ln.id: ln.bbox for ln in lines}
        worker = create_worker(load_page_images, path, frame, sha, boxes=boxes)
        pid = page.id
        worker.signals.yielded.connect(lambda img, pid=pid: self._image_ready(pid, img))
        worker.signals.errored.connect(lambda exc, pid=pid: self._image_failed(pid, exc))
        worker.signals.finished.connect(lambda w=worker: self._image_worker_done(w))
        self._image_worker = worker
        worker.start()

    def _image_worker_done(self, worker: Worker) -> None:
        if self._image_worker is worker:
            self._image_worker = None

    def _image_ready(self, page_id: int, img: PageImage) -> None:
        if self.page is None or page_id != self.page.id:
            return
        self.viewer.set_image(img)
        if img.crops:
            self.editor.set_crops(img.crops)
        self.pageImageReady.emit(page_id, img.kind)

    def _image_failed(self, page_id: int, exc: BaseException) -> None:
        if self.page is not None and page_id == self.page.id:
            self.statusBar().showMessage(f"cannot show page image: {getattr(exc, 'user_message', None) or exc}",
                                         15000)

    def step_page(self, delta: int) -> None:
        if self.page is None:
            return
        pages = self.store.pages(self.page.item_id)
        ids = [p.id for p in pages]
        i = ids.index(self.page.id) + delta
        if 0 <= i < len(ids):
            self.open_page(ids[i])

    def set_show_preprocessed(self, on: bool) -> None:
        self.showing = "preprocessed" if on else "master"
        if self.page is not None:
            line = self.editor.current_line_id()
            zoom = self.viewer.zoom
            self.open_page(self.page.id, line)
            self.viewer.set_zoom(zoom)

    def _line_changed(self, line_id: str) -> None:
        self.viewer.set_current_line(line_id)
        self._update_status()

    def _update_status(self) -> None:
        parts = [f"operator: {self.settings.operator}"]
        if self.page is not None:
            parts.append(f"page {self.page.seq} ({self.page.status})")
            lid = self.editor.current_line_id()
            if lid:
                parts.append(f"line {lid}")
        self.status_label.setText("  ·  ".join(parts))

    # ================================================================== saving
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

    def show_stored_page(self, page_id: int) -> None:
        """Header, tree and status bar show what the store holds for ``page_id`` (never a GUI guess)."""
        if self.store is None:
            return
        page = self.store.get_page(page_id)
        self.browser.update_page(page)
        if self.page is not None and self.page.id == page_id:
            self.page = page
            self.editor.title.setText(self._page_title(page))
            self._show_page_state(page)
            self._update_status()

    def _show_page_state(self, page: Page) -> None:
        """Line states from the store; lines of a closed page (reviewed, approved) are read-only."""
        self.show_line_states()
        reason = workflow.PAGE_LINE_WORK.get(page.status)
        self.editor.set_read_only(f"page {page.seq} is {page.status}: {reason}" if reason and self.layout_ else None)

    def show_line_states(self) -> None:
        if self.page is not None and self.store is not None:
            self.editor.set_line_states({lid: (st.state, st.comment)
                                         for lid, st in self.store.line_states(self.page.id).items()})

    # ================================================================== changes by another process
    def check_outside_changes(self) -> None:
        """Polled on a timer: when another connection (the CLI, a second window, a job) committed,
        the tree and the page shown follow the store.  A page with a line being typed is not reloaded
        under the typist: the reload waits until the line is left, and saving that line over text
        changed elsewhere is refused by the core and then asked about (:meth:`_line_conflict`)."""
        if self.store is None or self.page is None or (self.writer is not None and self.writer.pending()):
            return
        version = self.store.data_version()
        if version == self._data_version and not self._stale:
            return
        self._data_version = version
        self._refresh_tree_states()
        self._stale = self._page_differs()
        if not self._stale:
            return
        if self.editor.pending_line() is not None:
            self.statusBar().showMessage(f"page {self.page.seq} was changed by another process: it reloads "
                                         "when you leave this line", 10000)
            self.outsideChange.emit(self.page.id, False)
            return
        self._stale = False
        self.open_page(self.page.id, self.editor.current_line_id())
        self.statusBar().showMessage(f"page {self.page.seq} was changed by another process: reloaded", 10000)
        self.outsideChange.emit(self.page.id, True)

    def _refresh_tree_states(self) -> None:
        pages = self.store.pages()
        if len(pages) != len(self.browser.model.pages()):
            self.refresh_browser()
            return
        for page in pages:
            shown = self.browser.model.page(page.id)
            if shown is None or (shown.status, shown.mean_confidence) != (page.status, page.mean_confidence):
                self.browser.update_page(page)

    def _page_differs(self) -> bool:
        """True when the page shown (state, line texts, line states) is not what the store holds."""
        stored = self.store.get_page(self.page.id)
        layout = self.store.load_layout(self.page.id)
        lines = [(ln.id, ln.text) for ln in layout.lines()] if layout else []
        shown = [(ln.id, ln.text) for ln in self.layout_.lines()] if self.layout_ else []
        states = {lid: st.state for lid, st in self.store.line_states(self.page.id).items()}
        shown_states = {lid: self.editor.line_state(lid) for lid in self.editor.line_ids()}
        return stored.status != self.page.status or lines != shown or \
            any(states.get(lid, "machine") != st for lid, st in shown_states.items())

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

    # ================================================================== editing
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
        self.editor.update_line(line)
        self.viewer.update_line(line)
        self.show_stored_page(page_id)

    def save_layout(self, page_id: int, layout: PageLayout, action: str, focus: str | None = None,
                    **params: Any) -> None:
        self.writer.call(commit_layout, page_id, layout, action, **params)
        self.browser.update_page(self.store.get_page(page_id))
        self.open_page(page_id, focus)

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
        from ..correction import word_spans

        spans = word_spans(line)
        if spans:   # split before the word the cursor is in, or after it when at its end
            word = next((i for i, (s, e, _w) in enumerate(spans) if cursor <= s or s < cursor < e), len(spans))
        self._layout_op("split line", lambda lay: split_line(lay, pos.line_id, word), lambda res: res[1].id,
                        line=pos.line_id, at_word=word)

    def move_current_line(self, delta: int) -> None:
        lid = self.editor.current_line_id()
        if not lid:
            return
        block, idx = locate_line(self.layout_, lid)
        self._layout_op("reading order", lambda lay: move_line(lay, lid, idx + delta), lid, line=lid, index=idx + delta)

    def _rect_drawn(self, kind: str, bbox: Any) -> None:
        if kind == "region":
            self._layout_op("add region", lambda lay: add_region(lay, bbox), None, bbox=list(bbox.as_polygon()))
        else:
            self._layout_op("add line", lambda lay: add_line(lay, bbox), lambda ln: ln.id,
                            bbox=[bbox.x0, bbox.y0, bbox.x1, bbox.y1])

    # ================================================================== workflow (digitizer.workflow)
    def _workflow(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a workflow act on the writer thread as the operator; a refusal is shown (the CLI's
        message) and gives ``None``."""
        try:
            return self.writer.call(func, *args, agent=self.settings.operator, **kwargs)
        except DigitizerError as exc:
            self.show_error(exc.user_message)
            return None

    def page_done(self) -> None:
        """Ctrl+Enter: save the current line, "page done" (the remaining machine lines become verified,
        one recorded act; the page corrected), then open the next page of the item."""
        if self.page is None:
            return
        self._settle()
        page = self.page
        verified = self._workflow(workflow.page_done, page.id)
        if verified is None:
            return
        self.show_stored_page(page.id)
        self.statusBar().showMessage(f"page {page.seq} done: {len(verified)} line(s) verified", 5000)
        nxt = [p for p in self.store.pages(page.item_id) if p.seq > page.seq]
        self.open_page(nxt[0].id if nxt else page.id)

    def verify_line(self) -> None:
        """Confirm the current line's text as it is (state verified) and go to the next line."""
        lid = self.editor.current_line_id()
        if self.page is None or lid is None:
            return
        self._settle()
        if self._workflow(workflow.verify, self.page.id, lid) is not None:
            self.show_stored_page(self.page.id)
            self.editor.move(1)

    def flag_line(self, comment: str | None = None) -> None:
        """Mark the current line uncertain with a comment (asked for when not given)."""
        lid = self.editor.current_line_id()
        if self.page is None or lid is None:
            return
        self._settle()
        if comment is None:
            comment, ok = QInputDialog.getText(self, "Flag line", f"What is uncertain in line {lid}?")
            self.activateWindow()
            if not ok:
                return
        if self._workflow(workflow.flag, self.page.id, lid, comment) is not None:
            self.show_stored_page(self.page.id)

    def page_action(self, action: str, page_ids: list[int] | None = None) -> list[int]:
        """``review``, ``approve`` or ``reopen`` the page shown, or an explicit multi-selection after a
        confirmation naming how many (:meth:`pages_to_act_on`); all or none (the workflow's rule).
        Returns the page ids changed."""
        if self.store is None:
            return []
        ids = page_ids if page_ids is not None else self.pages_to_act_on(action.capitalize())
        if not ids:
            return []
        self._settle()
        if self._workflow(PAGE_ACTIONS[action], list(ids)) is None:
            return []
        for pid in ids:
            self.show_stored_page(pid)
        n = len(ids)
        self.statusBar().showMessage(f"{n} page{'s' if n > 1 else ''} {PAGE_ACTION_WORDS[action]}", 5000)
        self.statusesChanged.emit(list(ids), action)
        return list(ids)

    def _threshold_changed(self, value: float) -> None:
        self.settings.threshold = value
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

    # ================================================================== processing and import
    def process_pages(self, page_ids: list[int], *, force: bool = False,
                      discard_corrections: bool = False) -> int | None:
        """Queue a processing job for ``page_ids`` (the CLI's batch job: ``digitizer process``);
        returns the job id."""
        if self.store is None or not page_ids:
            return None
        self._settle()
        n = len(page_ids)
        return self.queue.add_job(f"Process {n} page{'s' if n > 1 else ''}", jobs.process_job, self.root,
                                  list(page_ids), agent=self.settings.operator, languages=self.settings.languages,
                                  force=force, discard_corrections=discard_corrections, total=n)

    def process_selected(self) -> None:
        """Process the page shown (or a confirmed multi-selection); pages that already have text are
        processed again only when the user says Yes to a dialog whose default is No (then a person's
        corrections are replaced too, and every earlier line version stays in the history)."""
        ids = self.pages_to_act_on("Process")
        done = [pid for pid in ids if (p := self.browser.model.page(pid)) and p.status in DONE_STATUSES]
        again = bool(done) and self.confirm(
            "Process again?", f"{len(done)} page(s) already have text (corrections included). "
            "Process them again and replace their text? Earlier versions stay in each line's history.")
        self.process_pages(ids if again else [i for i in ids if i not in done], force=again,
                           discard_corrections=again)

    def process_item(self) -> None:
        if self.page is None:
            return
        ids = [p.id for p in self.store.pages(self.page.item_id) if p.status not in DONE_STATUSES]
        self.process_pages(ids)

    def _page_processed(self, page_id: int, ok: bool, error: str) -> None:
        if self.store is None:
            return
        page = self.store.get_page(page_id)
        self.browser.update_page(page)
        if self.page is not None and self.page.id == page_id:
            self.open_page(page_id, self.editor.current_line_id())

    def import_files(self, paths: list[str], item_id: int | None = None) -> int | None:
        if self.store is None:
            return None
        return self.queue.add_job(f"Import {len(paths)} path(s)", jobs.import_job, self.root, list(paths),
                                  agent=self.settings.operator, item_id=item_id,
                                  profile=self.settings.default_profile)

    def _files_dropped(self, paths: list[str], item_id: int) -> None:
        if self.store is None:
            folder = next((p for p in paths if (Path(p) / "project.sqlite").is_file()), None)
            if folder:
                self._guarded(self.open_project, folder)
            else:
                self.statusBar().showMessage("open or create a project first", 6000)
            return
        self.import_files(paths, None if item_id < 0 else item_id)

    def _job_result(self, job_id: int, result: Any) -> None:
        from ..ingest import ImportReport

        if isinstance(result, ImportReport):
            self.refresh_browser()
            msg = f"imported {len(result.added)} page(s)"
            if result.failures:
                msg += f"; {len(result.failures)} failed: " + "; ".join(f"{Path(p).name}: {r}"
                                                                        for p, r in result.failures[:3])
            self.statusBar().showMessage(msg, 15000)
            if self.page is None and result.added:
                self.open_page(result.added[0].id)

    # ================================================================== dialogs
    def _new_project_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "New project folder (empty)")
        if path:
            self._guarded(self.new_project, path)

    def _open_project_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open project folder")
        if path:
            self._guarded(self.open_project, path)

    def _import_dialog(self) -> None:
        if self.store is None:
            self.show_error("open or create a project first")
            return
        files, _ = QFileDialog.getOpenFileNames(self, "Import scans", "",
                                                "Images and PDF (*.tif *.tiff *.png *.jpg *.jpeg *.jp2 *.pdf);;All (*)")
        if files:
            self.import_files(files, self.browser.current_item_id())

    def show_export_dialog(self) -> Any:
        from .export_dialog import ExportDialog

        if self.store is None:
            return None
        self._settle()
        formats = self.profile.export.formats if self.profile else ["alto", "text", "mets"]
        dlg = ExportDialog(self.root, agent=self.settings.operator, profile_formats=formats, parent=self)
        self.export_dialog = dlg
        dlg.open()
        return dlg

    def show_find_replace(self) -> Any:
        from .find_replace import FindReplaceDialog

        if self.store is None:
            return None
        self._settle()
        dlg = FindReplaceDialog(self.root, agent=self.settings.operator, parent=self)
        dlg.applied.connect(self._replaced)
        dlg.jumpTo.connect(lambda pid, lid: self.open_page(pid, lid))
        self.find_dialog = dlg
        dlg.show()
        return dlg

    def show_metadata_dialog(self, item_id: int | None = None) -> Any:
        """The metadata dialog for ``item_id`` (default: the browser's item, else the open page's)."""
        from ..metadata import rules_for, set_item_metadata
        from .metadata_dialog import MetadataDialog

        if self.store is None:
            return None
        item_id = item_id if item_id is not None else self.browser.current_item_id()
        if item_id is None and self.page is not None:
            item_id = self.page.item_id
        if item_id is None:
            self.statusBar().showMessage("pick an item in the project browser first", 6000)
            return None
        self._settle()
        item = self.store.get_item(item_id)
        rules = rules_for(self._profile_for(item_id))

        def save(changes: dict[str, Any]) -> dict[str, Any]:
            operator = self.settings.operator

            def write(st: ProjectStore) -> dict[str, Any]:
                st.agent = operator                      # the update-item event names the operator
                return set_item_metadata(st, st.get_item(item_id), changes, rules)

            return self.writer.call(write)

        dlg = MetadataDialog(item, rules, save, self)
        dlg.metadataSaved.connect(lambda _meta: (self.refresh_browser(), self.statusBar().showMessage(
            f"metadata of {item.identifier} saved", 6000)))
        self.metadata_dialog = dlg
        dlg.open()
        return dlg

    def _replaced(self, count: int, page_ids: list[int]) -> None:
        for pid in page_ids:
            self.browser.update_page(self.store.get_page(pid))
        if self.page is not None and self.page.id in page_ids:
            self.open_page(self.page.id, self.editor.current_line_id())
        self.statusBar().showMessage(f"replaced in {count} line(s)", 8000)

    def show_preferences(self) -> Any:
        from .preferences import PreferencesDialog, apply_theme

        dlg = PreferencesDialog(self.settings, self)
        self.preferences_dialog = dlg

        def done() -> None:
            if self.store is not None:
                self.store.agent = self.settings.operator
                self.writer.set_agent(self.settings.operator)
            apply_theme(self.settings.theme)
            if self.page is not None:
                self.open_page(self.page.id, self.editor.current_line_id())
            self._update_status()

        dlg.accepted.connect(done)
        dlg.open()
        return dlg

    def _system_scheme_changed(self, *_: Any) -> None:
        if self.settings.theme == "system":
            from .preferences import apply_theme

            apply_theme("system")

    def show_help(self) -> Any:
        from .help_dialog import HelpDialog

        dlg = HelpDialog(self.actions(), self)
        self.help_dialog = dlg
        dlg.open()
        return dlg

    def _about(self) -> None:
        QMessageBox.about(self, "About digitizer",
                          f"<b>digitizer {__version__}</b><br>Offline archive digitization workstation.<br>"
                          "Scan, clean, recognise, correct and export ALTO/METS.")

    # ================================================================== closing
    def closeEvent(self, event: QCloseEvent) -> None:
        self.editor.commit_current()
        self._remember_position()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.queue.cancel_all()
        if self.capture_panel is not None:
            self.capture_panel.wait_idle()
        for w in (self._image_worker, self._thumb_worker, self._search_worker):
            if w is not None:
                w.quit()
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(30000)
        self._close_writer()              # waits for queued saves: closing loses nothing
        if self.store is not None:
            self.store.close()
            self.store = None
        super().closeEvent(event)
