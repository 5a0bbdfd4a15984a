"""The main window's project and intake actions: open, create and close a project, the project
browser and its thumbnails, importing files into an item, the capture dock, item metadata.

A mixin of :class:`~digitizer.gui.main_window.MainWindow` (it uses the window's widgets, store and
writer); every change goes through the core (``ProjectStore``, ``digitizer.ingest``, ``digitizer.metadata``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel

from ...store import ProjectStore
from ..correction.page_images import iter_thumbnails
from ..jobs import tasks as jobs
from ..qa.qa_panel import attach_qa_panel, detach_qa_panel
from ..store_writer import StoreWriter
from ..workers import create_worker
from .dialogs import ProjectPathDialog


class ProjectActions:
    """Project, browser and intake actions of the main window."""

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
        self.update_actions()

    def new_project(self, path: str, name: str | None = None) -> None:
        ProjectStore.create(path, name, agent=self.settings.operator).close()
        self.open_project(path)

    def close_project(self) -> None:
        if self.store is None:
            return
        self.editor.commit_current()
        self._remember_position()
        self.progress_timer.stop()
        for w in (self._image_worker, self._thumb_worker, self._search_worker, self._progress_worker):
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
        self.viewer.clear_page()          # never the old project's page under the new one
        self.browser.set_items([])
        self.setWindowTitle("digitizer")
        self.update_actions()

    def _attach_capture(self) -> None:
        """Dock the capture panel (scanner, hot folder) for this project when it is installed."""
        try:
            from ..capture.capture_panel import CapturePanel
        except ImportError:
            return
        try:
            names = [it.identifier for it in self.browser.model.items()]
            self.capture_panel = CapturePanel(self.root, names[0] if names else None, items=names,
                                              profile=self.settings.default_profile)
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
        if self.capture_panel is not None:
            self.capture_panel.set_items([it.identifier for it in self.browser.model.items()])
        self.progress_timer.start()
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

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_projects:
            self.recent_menu.addAction(path, lambda p=path: self._guarded(self.open_project, p))
        self.recent_menu.setEnabled(bool(self.settings.recent_projects))

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
        from ...ingest import ImportReport
        from ...interop.transcriptions import TranscriptionReport

        if isinstance(result, ImportReport):
            self._say_imported(f"imported {len(result.added)} page(s)", result.failures)
            if self.page is None and result.added:
                self.open_page(result.added[0].id)
        elif isinstance(result, TranscriptionReport):
            self._say_imported(f"transcriptions: {len(result.imported)} page(s) got their lines", result.failures)
            if self.page is not None and self.page.id in {pid for _f, pid in result.imported}:
                self.open_page(self.page.id)

    def _say_imported(self, msg: str, failures: list[tuple[str, str]]) -> None:
        """Refresh the browser; say what came in and the first failures (file and reason)."""
        self.refresh_browser()
        if failures:
            msg += f"; {len(failures)} failed: " + "; ".join(f"{Path(p).name}: {r}" for p, r in failures[:3])
        self.statusBar().showMessage(msg, 15000)

    def _new_project_dialog(self) -> Any:
        """A folder typed or chosen; it is created when missing (ProjectStore.create)."""
        dlg = ProjectPathDialog(self)
        self.project_dialog = dlg
        dlg.accepted.connect(lambda: self._guarded(self.new_project, *dlg.values()))
        dlg.open()
        return dlg

    def _open_project_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open project folder")
        if path:
            self._guarded(self.open_project, path)

    def show_metadata_dialog(self, item_id: int | None = None) -> Any:
        """The metadata dialog for ``item_id`` (default: the browser's item, else the open page's)."""
        from ...metadata import rules_for, set_item_metadata
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
