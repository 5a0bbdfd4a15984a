"""The main window's item actions: new item (name, title, profile, then its metadata), rename, change
profile, engine and model per page or item, and importing scans and transcriptions into a chosen item.

A mixin of :class:`~digitizer.gui.main_window.MainWindow`.  Each act is a :mod:`digitizer.items` call
on the store writer (an event names the operator); the CLI twins are ``digitizer item new|rename|
set-profile|engine``, ``digitizer engine`` and ``digitizer import [--transcriptions]``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog

from ... import items
from ...errors import DigitizerError
from ..jobs import tasks as jobs
from ..workers import create_worker
from .dialogs import EngineDialog, ImportDialog, NewItemDialog


class ItemActions:
    """Create and change items; import into them."""

    def current_item_id(self) -> int | None:
        """The item selected in the browser, else the item of the page shown."""
        item_id = self.browser.current_item_id()
        if item_id is None and self.page is not None:
            item_id = self.page.item_id
        return item_id

    def _item_act(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run an item act of the core on the writer; a refusal is shown and gives ``None``."""
        if self.writer is None:
            return None
        try:
            result = self.writer.call(func, *args, **kwargs)
        except DigitizerError as exc:
            self.show_error(exc.user_message)
            return None
        self.refresh_browser()
        return result

    def _profiles_list(self) -> list[str]:
        from ...profiles import profile_names

        return profile_names(self.root)

    # ------------------------------------------------------------------ create, rename, profile
    def new_item(self, name: str, profile: str, title: str = "", metadata: dict | None = None) -> int | None:
        item = self._item_act(items.new_item, name or None, title=title, profile=profile, metadata=metadata)
        if item is None:
            return None
        self.browser.select_item(item.id)
        self.statusBar().showMessage(f"item {item.identifier} created (profile {item.profile})", 8000)
        return int(item.id)

    def _new_item_dialog(self) -> Any:
        dlg = NewItemDialog(self._profiles_list(), self.settings.default_profile, self)
        self.new_item_dialog = dlg

        def done() -> None:
            name, title, profile = dlg.values()
            item_id = self.new_item(name, profile, title)
            if item_id is not None:
                self.show_metadata_dialog(item_id)

        dlg.accepted.connect(done)
        dlg.open()
        return dlg

    def rename_item(self, item_id: int, name: str, title: str | None = None) -> bool:
        item = self._item_act(items.rename_item, item_id, name, title=title)
        return item is not None

    def _rename_dialog(self) -> None:
        item_id = self.current_item_id()
        if item_id is None:
            return
        old = self.store.get_item(item_id).identifier
        name, ok = QInputDialog.getText(self, "Rename item", f"New name of item {old}:", text=old)
        self.activateWindow()
        if ok and name.strip() and name.strip() != old:
            self.rename_item(item_id, name.strip())

    def set_item_profile(self, item_id: int, profile: str) -> bool:
        """The item's profile from now on; the page shown follows (palette, threshold)."""
        if self._item_act(items.set_item_profile, item_id, profile) is None:
            return False
        if self.page is not None and self.page.item_id == item_id:
            self.open_page(self.page.id, self.editor.current_line_id())
        return True

    def _profile_dialog(self) -> None:
        item_id = self.current_item_id()
        if item_id is None:
            return
        names = self._profiles_list()
        current = self.store.get_item(item_id).profile
        profile, ok = QInputDialog.getItem(self, "Item profile", "Profile (engine, palette, threshold, export):",
                                           names, names.index(current) if current in names else 0, False)
        self.activateWindow()
        if ok:
            self.set_item_profile(item_id, profile)

    # ------------------------------------------------------------------ engine and model
    def set_engine(self, engine: str, model: str | None = None, *, whole_item: bool = False) -> list[int]:
        """Engine and model of the page shown (or of every page of its item); ``default``: the profile's."""
        if self.page is None:
            return []
        if whole_item:
            ids = self._item_act(items.set_item_engine, self.page.item_id, engine, model)
        else:
            ids = self._item_act(items.set_engine, [self.page.id], engine, model)
        if ids:
            self.page = self.store.get_page(self.page.id)
            chosen = items.engine_choice(engine, model) or "from the profile"
            self.statusBar().showMessage(f"{len(ids)} page(s): engine {chosen}; process them to recognise with it",
                                         8000)
            self._update_status()
        return ids or []

    def _engine_dialog(self) -> Any:
        from ...engines.registry import available

        if self.page is None:
            return None
        try:
            from ...htr.registry import list_models
            models = [m.name for m in list_models(self.root) if m.kind == "recognition"]
        except Exception:  # noqa: BLE001 - no model registry (kraken missing): engine choice only
            models = []
        dlg = EngineDialog(available(), models, items.page_engine(self.store, self.page.id), self)
        self.engine_dialog = dlg
        dlg.accepted.connect(lambda: self.set_engine(*dlg.values()[:2], whole_item=dlg.values()[2]))
        dlg.open()
        return dlg

    # ------------------------------------------------------------------ progress
    def refresh_item_progress(self) -> None:
        """Read every item's progress (pages by state, lines edited/verified) in a worker; the
        browser's item rows show it.  Called through ``progress_timer`` after changes."""
        if self.store is None:
            return
        if self._progress_worker is not None:
            self.progress_timer.start()                 # once this one is done
            return
        worker = create_worker(jobs.progress_job, self.root, agent=self.settings.operator)
        worker.signals.returned.connect(self.browser.model.set_progress)
        worker.signals.finished.connect(lambda: setattr(self, "_progress_worker", None))
        self._progress_worker = worker
        worker.start()

    # ------------------------------------------------------------------ import
    def import_into(self, paths: list[str], item_id: int | None, *, new_item: tuple[str, str] = ("", ""),
                    transcriptions: list[str] | None = None) -> int | None:
        """Import ``paths`` (files and folders) into ``item_id``, or into a new item (name, profile)
        made first; then ``transcriptions`` onto its pages.  Returns the item id."""
        if self.store is None:
            return None
        if item_id is None:
            name, profile = new_item
            item_id = self.new_item(name, profile or self.settings.default_profile)
            if item_id is None:
                return None
        if paths:
            self.import_files(paths, item_id)
        if transcriptions:
            self.queue.add_job(f"Import {len(transcriptions)} transcription source(s)", jobs.transcriptions_job,
                               self.root, list(transcriptions), agent=self.settings.operator, item_id=item_id)
        return item_id

    def _import_dialog(self) -> Any:
        if self.store is None:
            self.show_error("open or create a project first")
            return None
        dlg = ImportDialog([(it.id, it.identifier) for it in self.browser.model.items()], self.current_item_id(),
                           self._profiles_list(), self.settings.default_profile, self)
        self.import_dialog = dlg

        def done() -> None:
            v = dlg.values()
            self.import_into(v["paths"], v["item_id"], new_item=v["new_item"], transcriptions=v["transcriptions"])

        dlg.accepted.connect(done)
        dlg.open()
        return dlg
