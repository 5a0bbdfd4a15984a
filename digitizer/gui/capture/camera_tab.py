"""The capture panel's Camera tab: camera choice, live preview with crop corners (a
:class:`~.camera_view.CameraWorker` thread), and storing a photo as a page (F7).

A mixin of :class:`~.capture_panel.CapturePanel` (its store root, job pool and QC badges).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from .camera_view import CameraView, CameraWorker, Frame

CAMERA_KEY = "F7"
VIDEO_FILE = "__file__"
CROP_MODES = ("auto", "manual", "none")


class CameraTab:
    """The Camera tab: preview, crop and photo capture."""

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

    def refresh_cameras(self) -> None:
        """List camera indices that deliver a frame (in the pool: probing can take seconds)."""
        from ...capture.camera import list_cameras

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
        from ...capture.camera import store_photo
        from ...capture.qc import qc_page, settings_for_item
        from ...store import ProjectStore

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
