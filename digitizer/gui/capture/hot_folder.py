"""The capture panel's hot folder: watch a folder the scanning software writes into and import
each new file into the item (``digitizer.capture.hotfolder``), with QC badges.

A mixin of :class:`~.capture_panel.CapturePanel`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton


class HotFolderBox:
    """The hot-folder box: watch a folder and import what appears in it."""

    def _hot_box(self) -> QGroupBox:
        box = QGroupBox("Hot folder")
        row = QHBoxLayout(box)
        self.hot_edit = QLineEdit()
        self.hot_edit.setPlaceholderText("folder the scanning software writes into")
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        self.hot_button = QPushButton("Watch")
        self.hot_button.setCheckable(True)
        self.hot_button.toggled.connect(self._toggle_hot)
        self.hot_status = QLabel("not watching")
        row.addWidget(self.hot_edit, 1)
        row.addWidget(browse)
        row.addWidget(self.hot_button)
        row.addWidget(self.hot_status)
        return box

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Hot folder")
        if folder:
            self.hot_edit.setText(folder)

    def _toggle_hot(self, on: bool) -> None:
        if on:
            self.start_hot_folder(self.hot_edit.text().strip())
        else:
            self.stop_hot_folder()

    def start_hot_folder(self, folder: str, *, settle: float | None = None) -> None:
        from ...capture.hotfolder import HotFolder
        from ...capture.qc import settings_for_item
        from ...capture.settings import capture_settings
        from ...profiles import load_profile
        from ...store import ProjectStore

        if self._hot_stop is not None:
            return
        stop = threading.Event()
        self._hot_stop = stop
        ident = self.item_edit.text().strip() or None

        def work(emit: Callable) -> Any:
            with ProjectStore.open(self.store_root) as store:
                item = (store.find_item(ident) if ident else None) or store.add_item(ident)
                cs = capture_settings(load_profile(item.profile))
                hf = HotFolder(store, folder, item, settle=cs.hotfolder_settle if settle is None else settle,
                               order=cs.hotfolder_order, qc=settings_for_item(item))

                def on_event(ev: Any) -> None:
                    qcs = [(p.seq, p.label, qc_of(store, p.id)) for p in map(store.get_page, ev.pages)]
                    emit((ev, qcs, len(hf.pending())))

                hf.run(stop, poll=0.25, on_event=on_event)
                return None

        def qc_of(store: Any, page_id: int) -> Any:
            from ...capture.qc import stored_qc

            return stored_qc(store, page_id)

        self.hot_status.setText(f"watching {folder}")
        self._hot_job = self._start(work, lambda _: self.hot_status.setText("not watching"), self._hot_event)
        if not self.hot_button.isChecked():
            self.hot_button.blockSignals(True)
            self.hot_button.setChecked(True)
            self.hot_button.blockSignals(False)

    def stop_hot_folder(self) -> None:
        if self._hot_stop is not None:
            self._hot_stop.set()
            self._hot_stop = None
            if self._hot_job is not None:
                self._hot_job.finished.wait(10)
            self._hot_job = None
            self.hot_button.blockSignals(True)
            self.hot_button.setChecked(False)
            self.hot_button.blockSignals(False)

    def _hot_event(self, payload: Any) -> None:
        ev, qcs, pending = payload
        self._hot_counts[ev.status] = self._hot_counts.get(ev.status, 0) + 1
        if ev.status == "imported":
            for seq, label, qc in qcs:
                self.add_badge(seq, label, qc)
            self.pages_added.emit(list(ev.pages))
        elif ev.status == "failed":
            self.status_label.setText(f"{ev.name}: {ev.reason}")
        c = self._hot_counts
        self.hot_status.setText(f"imported {c['imported']}, duplicates {c['duplicate']}, failed {c['failed']}, "
                                f"pending {pending}")
