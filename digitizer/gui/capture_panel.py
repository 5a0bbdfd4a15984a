"""Capture panel: scanner (SANE) and camera capture, previews, hot-folder watching and QC badges.

A self-contained ``QWidget`` the main window docks: ``CapturePanel(store_root, item_identifier)``.
Two tabs: *Scanner* (F8 scans) and *Camera* (live preview, auto/manual crop, F7 captures).
All device and store work runs on the global ``QThreadPool`` (each job opens its own store
connection); camera frames are grabbed by a :class:`~digitizer.gui.camera_view.CameraWorker`
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
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from .camera_view import CameraView, CameraWorker, Frame

CAPTURE_KEY = "F8"
CAMERA_KEY = "F7"
VIDEO_FILE = "__file__"
CROP_MODES = ("auto", "manual", "none")
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


class CapturePanel(QWidget):
    pages_added = Signal(list)

    def __init__(self, store_root: str, item_identifier: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.store_root = str(store_root)
        self.pool = QThreadPool.globalInstance()
        self.jobs: list[_Job] = []
        self._hot_stop: threading.Event | None = None
        self._hot_counts = {"imported": 0, "duplicate": 0, "failed": 0}
        self.camera_worker: CameraWorker | None = None
        self._stale_workers: list[CameraWorker] = []
        self._build(item_identifier or "")
        self.shortcut = QShortcut(QKeySequence(CAPTURE_KEY), self)
        self.shortcut.activated.connect(self.capture)
        self.camera_shortcut = QShortcut(QKeySequence(CAMERA_KEY), self)
        self.camera_shortcut.activated.connect(self.capture_photo)

    # ------------------------------------------------------------------ layout

    def _build(self, item: str) -> None:
        lay = QVBoxLayout(self)
        top = QFormLayout()
        self.item_edit = QLineEdit(item)
        self.item_edit.setPlaceholderText("item identifier (created if missing)")
        top.addRow("Item", self.item_edit)
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

    def _camera_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.camera_combo = QComboBox()
        self.camera_combo.addItem("video file…", VIDEO_FILE)
        self.camera_combo.activated.connect(self._camera_chosen)
        self.find_cameras_button = QPushButton("Find cameras")
        self.find_cameras_button.clicked.connect(self.refresh_cameras)
        self.live_button = QPushButton("Start preview")
        self.live_button.setCheckable(True)
        self.live_button.toggled.connect(self._toggle_preview)
        row.addWidget(self.camera_combo, 1)
        row.addWidget(self.find_cameras_button)
        row.addWidget(self.live_button)
        lay.addLayout(row)
        opts = QHBoxLayout()
        self.crop_combo = QComboBox()
        self.crop_combo.addItems(CROP_MODES)
        self.crop_combo.currentTextChanged.connect(lambda m: self.camera_view.set_manual(m == "manual"))
        self.page_width_spin = QSpinBox()
        self.page_width_spin.setRange(0, 2000)
        self.page_width_spin.setSuffix(" mm")
        self.page_width_spin.setSpecialValueText("unknown")
        self.page_width_spin.setToolTip("physical page width; gives the page's resolution (else 300 ppi is assumed)")
        self.photo_button = QPushButton(f"Capture ({CAMERA_KEY})")
        self.photo_button.clicked.connect(self.capture_photo)
        opts.addWidget(QLabel("Crop"))
        opts.addWidget(self.crop_combo)
        opts.addWidget(QLabel("Page width"))
        opts.addWidget(self.page_width_spin)
        opts.addStretch(1)
        opts.addWidget(self.photo_button)
        lay.addLayout(opts)
        self.camera_view = CameraView()
        lay.addWidget(self.camera_view, 1)
        self.camera_status = QLabel("preview stopped")
        lay.addWidget(self.camera_status)
        return tab

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

    def _set_busy(self, busy: bool) -> None:
        for w in (self.capture_button, self.preview_button, self.refresh_button):
            w.setEnabled(not busy)

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
        from ..capture.settings import ScanSettings

        return ScanSettings(source=self.source_combo.currentText(), mode=self.mode_combo.currentText(),
                            resolution=self.resolution_spin.value())

    def refresh_devices(self) -> None:
        from ..capture.sane_scanner import list_devices

        self.status_label.setText("looking for scanners…")
        self._set_busy(True)
        self._start(lambda emit: list_devices(), self._got_devices)

    def _got_devices(self, devices: list[Any]) -> None:
        self.device_combo.clear()
        for d in devices:
            self.device_combo.addItem(f"{d.name} — {d.vendor} {d.model}", d.name)
        self.status_label.setText(f"{len(devices)} scanner(s) found" if devices else "no scanner found")

    def preview(self) -> None:
        from ..capture.sane_scanner import Scanner

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
        from ..capture import sane_scanner as sc
        from ..capture.qc import settings_for_item
        from ..store import ProjectStore

        device, settings = self.device_combo.currentData(), self._settings()
        count = None if self.batch_check.isChecked() else 1
        ident = self.item_edit.text().strip() or None

        def work(emit: Callable) -> Any:
            with ProjectStore.open(self.store_root) as store:
                item = store.find_item(ident) if ident else None
                item = item or store.add_item(ident)
                res = sc.capture(store, item, settings, device=device, count=count, qc=settings_for_item(item))
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

            from ..store import ProjectStore

            with ProjectStore.open(self.store_root) as store:
                self._show_preview(Image.open(store.page_image_path(first)))
        except Exception:  # noqa: BLE001 - the preview is a convenience
            pass
        self.pages_added.emit([r[0] for r in rows])

    # ------------------------------------------------------------------ camera

    def refresh_cameras(self) -> None:
        """List camera indices that deliver a frame (in the pool: probing can take seconds)."""
        from ..capture.camera import list_cameras

        self.find_cameras_button.setEnabled(False)
        self.camera_status.setText("looking for cameras…")
        self._start(lambda emit: list_cameras(), self._got_cameras)

    def _got_cameras(self, cameras: list[Any]) -> None:
        self.find_cameras_button.setEnabled(True)
        keep = [(self.camera_combo.itemText(i), self.camera_combo.itemData(i)) for i in range(self.camera_combo.count())
                if isinstance(self.camera_combo.itemData(i), str)]
        self.camera_combo.clear()
        for c in cameras:
            self.camera_combo.addItem(f"camera {c.index} ({c.backend} {c.width}×{c.height})", c.index)
        for text, data in keep:
            self.camera_combo.addItem(text, data)
        self.camera_status.setText(f"{len(cameras)} camera(s) found" if cameras else "no camera found")

    def _camera_chosen(self, index: int) -> None:
        if self.camera_combo.itemData(index) == VIDEO_FILE:
            path, _ = QFileDialog.getOpenFileName(self, "Video file or stream")
            if path:
                self.set_video_source(path)

    def set_video_source(self, path: str) -> None:
        """Add a video file (or stream URL) as a source and select it."""
        self.camera_combo.addItem(f"file: {path}", path)
        self.camera_combo.setCurrentIndex(self.camera_combo.count() - 1)

    def _toggle_preview(self, on: bool) -> None:
        if on:
            self.start_preview()
        else:
            self.stop_preview()

    def start_preview(self, fps: float = 12.0) -> CameraWorker | None:
        """Start grabbing frames from the selected source in a worker thread."""
        source = self.camera_combo.currentData()
        if self.camera_worker is not None or source is None or source == VIDEO_FILE:
            if source in (None, VIDEO_FILE):
                self.camera_status.setText("choose a camera or a video file first")
                self._set_checked(self.live_button, False)
            return self.camera_worker
        worker = CameraWorker(source, fps=fps)
        worker.frame_ready.connect(self._show_frame)
        worker.opened.connect(lambda info: self.camera_status.setText(
            f"{info.label}: {info.backend} {info.width}×{info.height}"))
        worker.failed.connect(self._camera_failed)
        worker.finished.connect(lambda: self._set_checked(self.live_button, False))
        self.camera_worker = worker
        worker.start()
        self._set_checked(self.live_button, True)
        self.live_button.setText("Stop preview")
        return worker

    def stop_preview(self) -> None:
        """Stop the worker thread and wait for it to end."""
        worker, self.camera_worker = self.camera_worker, None
        if worker is not None:
            if not worker.stop():
                self._stale_workers.append(worker)     # never destroy a running QThread
            self.camera_status.setText("preview stopped")
        self._set_checked(self.live_button, False)
        self.live_button.setText("Start preview")

    def _camera_failed(self, message: str) -> None:
        self.stop_preview()
        self.camera_status.setText(f"Error: {message}")

    def _show_frame(self, frame: Frame) -> None:
        self.camera_view.show_frame(frame)
        if self.camera_worker is not None:
            self.camera_worker.taken()

    @staticmethod
    def _set_checked(button: QPushButton, on: bool) -> None:
        button.blockSignals(True)
        button.setChecked(on)
        button.blockSignals(False)

    def capture_photo(self) -> None:
        """Store the current frame as a master and its crop as the page image; QC badges follow."""
        if not self.photo_button.isEnabled():
            return
        grabbed = self.camera_worker.latest() if self.camera_worker is not None else None
        if grabbed is None:
            self.camera_status.setText("no frame: start the preview first")
            return
        frame, _ = grabbed
        mode = self.crop_combo.currentText()
        manual = self.camera_view.corners() if mode == "manual" else None
        crop: Any = manual if manual is not None else ("none" if mode == "none" else "auto")
        width_mm = self.page_width_spin.value() or None
        info, ident = self.camera_worker.info, self.item_edit.text().strip() or None
        self.photo_button.setEnabled(False)
        self.camera_status.setText("saving…")
        self._start(lambda emit: self._store_photo(frame, crop, width_mm, info, ident), self._photo_stored)

    def _store_photo(self, frame: Any, crop: Any, width_mm: float | None, info: Any, ident: str | None) -> Any:
        from ..capture.camera import store_photo
        from ..capture.qc import qc_page, settings_for_item
        from ..store import ProjectStore

        with ProjectStore.open(self.store_root) as store:
            item = (store.find_item(ident) if ident else None) or store.add_item(ident)
            page = store_photo(store, item, frame, crop=crop, page_width_mm=width_mm, camera=info)
            qc = qc_page(store, page, settings_for_item(item))
            return page, qc

    def _photo_stored(self, result: Any) -> None:
        page, qc = result
        self.photo_button.setEnabled(True)
        self.add_badge(page.seq, page.label, qc)
        cropped = "image" in page.derived
        self.camera_status.setText(f"captured p{page.seq} ({page.width}×{page.height}"
                                   f"{', cropped' if cropped else ', whole frame'})")
        self.pages_added.emit([page.id])

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

    def _toggle_hot(self, on: bool) -> None:
        if on:
            self.start_hot_folder(self.hot_edit.text().strip())
        else:
            self.stop_hot_folder()

    def start_hot_folder(self, folder: str, *, settle: float | None = None) -> None:
        from ..capture.hotfolder import HotFolder
        from ..capture.qc import settings_for_item
        from ..capture.settings import capture_settings
        from ..profiles import load_profile
        from ..store import ProjectStore

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
            from ..capture.qc import stored_qc

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
