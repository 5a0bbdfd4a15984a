"""Capture panel: scanner (SANE) and camera capture, previews, hot-folder watching and QC badges.

A self-contained ``QWidget`` the main window docks: ``CapturePanel(store_root, item_identifier)``.
Two tabs: *Scanner* (F8 scans) and *Camera* (live preview, auto/manual crop, F7 captures).
All device and store work runs on the global ``QThreadPool`` (each job opens its own store
connection); camera frames are grabbed by a :class:`~digitizer.gui.capture.camera_view.CameraWorker`
thread.  The panel only shows results.  Signals: ``pages_added(list[int])`` after a capture or
a hot-folder import, so the main window can refresh its page list.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from .camera_tab import CAMERA_KEY, CameraTab
from .camera_view import CameraWorker
from .hot_folder import HotFolderBox

CAPTURE_KEY = "F8"
PREVIEW_SIZE = 260


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)
    event = Signal(object)


class _Job(QRunnable):
    """Run ``func(emit)`` in the pool; ``emit(obj)`` sends intermediate results to the GUI thread."""

    def __init__(self, func: Callable[[Callable[[Any], None]], Any]):
        super().__init__()
        self.signals = _Signals()
        self.func = func
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self.signals.done.emit(self.func(self.signals.event.emit))
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never lost
            msg = getattr(exc, "user_message", None) or f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
            self.signals.failed.emit(msg)
        finally:
            self.finished.set()


def _pixmap(img: Any) -> QPixmap:
    """QPixmap from a PIL image (copied, so the buffer may go away)."""
    rgb = img.convert("RGB")
    data = rgb.tobytes()
    qimg = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimg)


class CapturePanel(CameraTab, HotFolderBox, QWidget):
    pages_added = Signal(list)

    def __init__(self, store_root: str, item_identifier: str | None = None, parent: QWidget | None = None, *,
                 profile: str = "printed-modern", items: list[str] | None = None):
        super().__init__(parent)
        self.store_root = str(store_root)
        self.profile = profile            # of an item the panel creates (the item's own profile otherwise)
        self.pool = QThreadPool.globalInstance()
        self.jobs: list[_Job] = []
        self._hot_stop: threading.Event | None = None
        self._hot_counts = {"imported": 0, "duplicate": 0, "failed": 0}
        self.camera_worker: CameraWorker | None = None
        self._stale_workers: list[CameraWorker] = []
        self._build(item_identifier or "", items or [])
        self._set_busy(False)             # Scan and Preview wait for a scanner to be found
        self.shortcut = QShortcut(QKeySequence(CAPTURE_KEY), self)
        self.shortcut.activated.connect(self.capture)
        self.camera_shortcut = QShortcut(QKeySequence(CAMERA_KEY), self)
        self.camera_shortcut.activated.connect(self.capture_photo)

    # ------------------------------------------------------------------ layout

    def _build(self, item: str, items: list[str]) -> None:
        lay = QVBoxLayout(self)
        top = QFormLayout()
        self.item_combo = QComboBox()
        self.item_combo.setEditable(True)
        self.set_items(items, item)
        self.item_edit = self.item_combo.lineEdit()
        self.item_edit.setPlaceholderText("item identifier (a new one is created with the default profile)")
        top.addRow("Item", self.item_combo)
        lay.addLayout(top)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._scanner_tab(), "Scanner")
        self.tabs.addTab(self._camera_tab(), "Camera")
        lay.addWidget(self.tabs, 2)
        lay.addWidget(self._hot_box())
        lay.addWidget(QLabel("Quality control (latest pages)"))
        self.qc_list = QListWidget()
        lay.addWidget(self.qc_list, 1)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        lay.addWidget(self.status_label)

    def _scanner_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        form = QFormLayout()
        row = QHBoxLayout()
        self.device_combo = QComboBox()
        self.refresh_button = QPushButton("Find scanners")
        self.refresh_button.clicked.connect(self.refresh_devices)
        row.addWidget(self.device_combo, 1)
        row.addWidget(self.refresh_button)
        form.addRow("Scanner", row)
        self.source_combo = QComboBox()
        self.source_combo.addItems(["Flatbed", "ADF"])
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(["Color", "Gray", "Lineart"])
        self.resolution_spin = QSpinBox()
        self.resolution_spin.setRange(25, 2400)
        self.resolution_spin.setValue(300)
        self.resolution_spin.setSuffix(" ppi")
        self.batch_check = QCheckBox("until the feeder is empty")
        form.addRow("Source", self.source_combo)
        form.addRow("Mode", self.mode_combo)
        form.addRow("Resolution", self.resolution_spin)
        form.addRow("Batch", self.batch_check)
        lay.addLayout(form)
        buttons = QHBoxLayout()
        self.preview_button = QPushButton("Preview")
        self.preview_button.clicked.connect(self.preview)
        self.capture_button = QPushButton(f"Scan ({CAPTURE_KEY})")
        self.capture_button.clicked.connect(self.capture)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.capture_button)
        lay.addLayout(buttons)
        self.preview_label = QLabel("no preview")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setMinimumHeight(PREVIEW_SIZE // 2)
        lay.addWidget(self.preview_label, 1)
        return tab

    # ------------------------------------------------------------------ jobs

    def _start(self, func: Callable, on_done: Callable[[Any], None], on_event: Callable | None = None) -> _Job:
        job = _Job(func)
        job.setAutoDelete(False)
        job.signals.done.connect(on_done)
        job.signals.failed.connect(self._failed)
        if on_event:
            job.signals.event.connect(on_event)
        job.signals.done.connect(lambda *_: self._forget(job))
        job.signals.failed.connect(lambda *_: self._forget(job))
        self.jobs.append(job)
        self.pool.start(job)
        return job

    def _forget(self, job: _Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self._set_busy(bool([j for j in self.jobs if j is not self._hot_job]))

    _hot_job: _Job | None = None

    def _failed(self, message: str) -> None:
        self.status_label.setText(f"Error: {message}")
        self.photo_button.setEnabled(True)
        self.find_cameras_button.setEnabled(True)

    def set_items(self, identifiers: list[str], current: str | None = None) -> None:
        """The project's items to scan into (the text may also name a new one)."""
        text = current if current is not None else self.item_combo.currentText()
        self.item_combo.clear()
        self.item_combo.addItems(identifiers)
        self.item_combo.setCurrentText(text)

    def _set_busy(self, busy: bool) -> None:
        """Scan and Preview only work with a scanner found and nothing running."""
        self.refresh_button.setEnabled(not busy)
        for w in (self.capture_button, self.preview_button):
            w.setEnabled(not busy and self.device_combo.count() > 0)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Stop the hot folder and wait for all jobs (for closing and tests)."""
        self.stop_hot_folder()
        self.stop_preview()
        return all(j.finished.wait(timeout) for j in list(self.jobs))

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        self.wait_idle()
        super().closeEvent(event)

    # ------------------------------------------------------------------ scanner

    def _settings(self) -> Any:
        from ...capture.settings import ScanSettings

        return ScanSettings(source=self.source_combo.currentText(), mode=self.mode_combo.currentText(),
                            resolution=self.resolution_spin.value())

    def refresh_devices(self) -> None:
        from ...capture.sane_scanner import list_devices

        self.status_label.setText("looking for scanners…")
        self._set_busy(True)
        self._start(lambda emit: list_devices(), self._got_devices)

    def _got_devices(self, devices: list[Any]) -> None:
        self.device_combo.clear()
        for d in devices:
            self.device_combo.addItem(f"{d.name} — {d.vendor} {d.model}", d.name)
        self.status_label.setText(f"{len(devices)} scanner(s) found" if devices else "no scanner found")

    def preview(self) -> None:
        from ...capture.sane_scanner import Scanner

        device, settings = self.device_combo.currentData(), self._settings()

        def work(emit: Callable) -> Any:
            with Scanner(device) as sc:
                sc.apply(settings)
                return sc.preview()

        self._set_busy(True)
        self._start(work, self._show_preview)

    def _show_preview(self, img: Any) -> None:
        pm = _pixmap(img).scaled(PREVIEW_SIZE, PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        self.preview_label.setPixmap(pm)

    def capture(self) -> None:
        """Scan one page (or the whole feeder) into the item; QC badges follow."""
        if not self.capture_button.isEnabled():
            return
        from ...capture.sane_scanner import capture_into
        from ...store import ProjectStore

        device, settings = self.device_combo.currentData(), self._settings()
        count = None if self.batch_check.isChecked() else 1
        ident, profile = self.item_edit.text().strip() or None, self.profile

        def work(emit: Callable) -> Any:
            with ProjectStore.open(self.store_root) as store:
                res = capture_into(store, ident, settings, profile=profile, device=device, count=count)
                return [(p.id, p.seq, p.label, q) for p, q in zip(res.pages, res.qc)], res.pages[0]

        self._set_busy(True)
        self.status_label.setText("scanning…")
        self._start(work, self._captured)

    def _captured(self, result: Any) -> None:
        rows, first = result
        for _pid, seq, label, qc in rows:
            self.add_badge(seq, label, qc)
        self.status_label.setText(f"scanned {len(rows)} page(s)")
        try:
            from PIL import Image

            from ...store import ProjectStore

            with ProjectStore.open(self.store_root) as store:
                self._show_preview(Image.open(store.page_image_path(first)))
        except Exception:  # noqa: BLE001 - the preview is a convenience
            pass
        self.pages_added.emit([r[0] for r in rows])

    # ------------------------------------------------------------------ camera

    # ------------------------------------------------------------------ QC badges

    def add_badge(self, seq: int, label: str, qc: Any) -> QListWidgetItem:
        failed = [c.name for c in qc.failed] if qc is not None else []
        text = f"p{seq} ({label})  " + ("OK" if qc is not None and not failed else
                                         ("not checked" if qc is None else "rescan? " + ", ".join(failed)))
        it = QListWidgetItem(text)
        if qc is not None:
            it.setForeground(QBrush(QColor("#1b7f1b" if not failed else "#b00020")))
            it.setToolTip("\n".join(f"{c.name}: {c.status} {c.value if c.value is not None else ''} "
                                    f"{c.message}" for c in qc.checks))
        self.qc_list.insertItem(0, it)
        return it

    # ------------------------------------------------------------------ hot folder

