"""The main window: project browser, page viewer, transcription editor, job queue.

The window only composes: its widgets and docks are built here, and its actions live by area in mixins
(:mod:`.intake.project_actions`, :mod:`.correction.page_display`, :mod:`.correction.line_actions`,
:mod:`.correction.workflow_actions`, :mod:`.layout.layout_actions`, :mod:`.jobs.process_actions`,
:mod:`.window_dialogs`, :mod:`.menus`).

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

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QSplitter, QWidget

from ..model import Page, PageLayout
from ..profiles import Profile
from ..store import ProjectStore
from .correction.line_actions import LineActions
from .correction.line_editor import LineEditor
from .correction.page_display import PageDisplay
from .correction.page_viewer import PageViewer
from .correction.workflow_actions import WorkflowActions
from .intake.item_actions import ItemActions
from .intake.project_actions import ProjectActions
from .intake.project_browser import ProjectBrowser
from .jobs.process_actions import ProcessActions
from .jobs.queue_panel import QueuePanel
from .layout.edit_actions import LayoutEditActions
from .layout.layout_actions import LayoutActions
from .menus import WindowMenus
from .settings import Settings
from .store_writer import StoreWriter
from .window_dialogs import WindowDialogs
from .workers import Worker

ICON = Path(__file__).resolve().parent.parent.parent / "packaging" / "icons" / "digitizer.svg"
CHANGE_POLL_MS = 1000         # how often the window asks the store whether another process changed it
PROGRESS_DELAY_MS = 700       # per-item progress is read this long after the last change


class MainWindow(ProjectActions, ItemActions, PageDisplay, LineActions, WorkflowActions, LayoutActions,
                 LayoutEditActions, ProcessActions, WindowDialogs, WindowMenus, QMainWindow):
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
        self._thresholds: dict[str, float] = {}     # profile -> threshold set in the editor this session
        self._image_worker: Worker | None = None
        self._progress_worker: Worker | None = None
        self.progress_timer = QTimer(self)              # per-item progress is re-read shortly after changes
        self.progress_timer.setSingleShot(True)
        self.progress_timer.setInterval(PROGRESS_DELAY_MS)
        self.progress_timer.timeout.connect(self.refresh_item_progress)
        self._thumb_worker: Worker | None = None
        self._search_worker: Worker | None = None
        self.undo_stack = QUndoStack(self)
        self._data_version = -1           # the store's data_version last looked at (outside changes)
        self._versions: dict[str, int] = {}   # line id -> version shown (page shown)
        self._layout_version: int | None = None   # the layout version shown (page shown)
        self._stale = False               # the page shown differs from the store (reload deferred)
        self.change_timer = QTimer(self)
        self.change_timer.setInterval(CHANGE_POLL_MS)
        self.change_timer.timeout.connect(self.check_outside_changes)
        self.setWindowTitle("digitizer")
        if ICON.is_file():
            self.setWindowIcon(QIcon(str(ICON)))
        self._build_widgets()
        self._build_actions()
        from .search.search_panel import attach_search_panel   # the search dock (issue 16)
        self.search_panel = attach_search_panel(self)
        from .correction.line_images import attach_line_images   # line images at one scale, zoom
        self.line_images = attach_line_images(self)
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
        from .restrict.restrict_panel import attach_restrict_panel
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
    # ================================================================== project
    # ================================================================== pages
    # ================================================================== saving
    # ================================================================== changes by another process
    # ================================================================== editing
    # ================================================================== workflow (digitizer.workflow)
    # ================================================================== processing and import
    # ================================================================== dialogs
    # ================================================================== closing
    def closeEvent(self, event: QCloseEvent) -> None:
        self.editor.commit_current()
        self._remember_position()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.queue.cancel_all()
        if self.capture_panel is not None:
            self.capture_panel.wait_idle()
        self.progress_timer.stop()
        for w in (self._image_worker, self._thumb_worker, self._search_worker, self._progress_worker):
            if w is not None:
                w.quit()
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(30000)
        self._close_writer()              # waits for queued saves: closing loses nothing
        if self.store is not None:
            self.store.close()
            self.store = None
        super().closeEvent(event)
