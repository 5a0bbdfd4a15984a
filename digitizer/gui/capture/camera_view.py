"""Live camera preview: a frame-grabbing ``QThread`` and a view that draws the page quadrilateral.

* :class:`CameraWorker` opens a :class:`~digitizer.capture.camera.Camera` in its own thread and
  loops until :meth:`CameraWorker.stop`: read a frame, detect the page, emit a :class:`Frame` at
  about ``fps`` frames per second.  A frame is only emitted when the view has taken the previous
  one, so a slow UI never builds up a queue.  The GUI thread only paints.
* :class:`CameraView` paints the latest frame, the detected quadrilateral (auto crop) or four
  draggable corners (manual crop).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QThread, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

PREVIEW_MAX = 960          # longest side of the image sent to the GUI thread
HANDLE = 7                 # corner handle radius in widget pixels


@dataclass
class Frame:
    """One preview frame: a (downscaled) image, the page corners in full-frame pixels, the frame size."""

    image: QImage
    corners: np.ndarray | None
    size: tuple[int, int]


def to_qimage(rgb: np.ndarray, max_side: int = PREVIEW_MAX) -> QImage:
    """A deep-copied RGB888 QImage, downscaled so its longest side is at most ``max_side``."""
    import cv2

    h, w = rgb.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1:
        rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888).copy()


class CameraWorker(QThread):
    """Grab, detect and emit frames until stopped.  ``latest()`` gives the last full frame."""

    frame_ready = Signal(object)       # Frame
    opened = Signal(object)            # CameraInfo
    failed = Signal(str)

    def __init__(self, source: int | str, *, fps: float = 12.0, detect: bool = True, parent: Any = None):
        super().__init__(parent)
        self.source, self.interval, self.detect = source, 1.0 / fps, detect
        self._stop = threading.Event()
        self._taken = threading.Event()
        self._taken.set()
        self._lock = threading.Lock()
        self._latest: tuple[np.ndarray, np.ndarray | None] | None = None
        self.info: Any = None
        self.frames = 0

    def run(self) -> None:
        from ...capture.camera import Camera, CameraError, find_document

        try:
            cam = Camera(self.source, loop=isinstance(self.source, str))
        except CameraError as exc:
            self.failed.emit(exc.user_message)
            return
        self.info = cam.info
        self.opened.emit(cam.info)
        try:
            while not self._stop.is_set():
                start = time.monotonic()
                frame = cam.read()
                corners = find_document(frame) if self.detect else None
                with self._lock:
                    self._latest = (frame, corners)
                self.frames += 1
                if self._taken.is_set():
                    self._taken.clear()
                    self.frame_ready.emit(Frame(to_qimage(frame), corners, (frame.shape[1], frame.shape[0])))
                self._stop.wait(max(0.0, self.interval - (time.monotonic() - start)))
        except CameraError as exc:
            self.failed.emit(exc.user_message)
        finally:
            cam.close()

    def taken(self) -> None:
        """The GUI has painted the last frame; the next one may be sent."""
        self._taken.set()

    def latest(self) -> tuple[np.ndarray, np.ndarray | None] | None:
        """(full RGB frame, detected corners) of the last frame grabbed, or None."""
        with self._lock:
            return None if self._latest is None else (self._latest[0].copy(), self._latest[1])

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Ask the loop to end and wait for the thread; True when it has finished."""
        self._stop.set()
        return self.wait(timeout_ms)


class CameraView(QWidget):
    """Paints the preview and the crop quadrilateral; in manual mode the 4 corners can be dragged."""

    corners_changed = Signal(object)   # np.ndarray (4x2, full-frame pixels)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.frame_size: tuple[int, int] | None = None
        self.auto_corners: np.ndarray | None = None
        self.manual_corners: np.ndarray | None = None
        self.manual = False
        self._drag: int | None = None
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(480, 360)

    # ------------------------------------------------------------------ state

    def show_frame(self, frame: Frame) -> None:
        self.image, self.frame_size, self.auto_corners = frame.image, frame.size, frame.corners
        self.update()

    def set_manual(self, on: bool) -> None:
        """Switch to manual corners, starting from the detected page or an inset rectangle."""
        self.manual = on
        if on and self.manual_corners is None and self.frame_size:
            if self.auto_corners is not None:
                self.manual_corners = self.auto_corners.copy()
            else:
                w, h = self.frame_size
                self.manual_corners = np.float32([[0.1 * w, 0.1 * h], [0.9 * w, 0.1 * h],
                                                  [0.9 * w, 0.9 * h], [0.1 * w, 0.9 * h]])
        self.update()

    def corners(self) -> np.ndarray | None:
        """The corners in use: manual ones in manual mode, else the detected ones."""
        return self.manual_corners if self.manual else self.auto_corners

    # ------------------------------------------------------------------ geometry

    def _target(self) -> QRectF:
        if not self.image:
            return QRectF()
        iw, ih = self.image.width(), self.image.height()
        s = min(self.width() / iw, self.height() / ih)
        return QRectF((self.width() - iw * s) / 2, (self.height() - ih * s) / 2, iw * s, ih * s)

    def to_widget(self, x: float, y: float) -> QPointF:
        r, (fw, fh) = self._target(), self.frame_size
        return QPointF(r.x() + x * r.width() / fw, r.y() + y * r.height() / fh)

    def to_frame(self, p: QPointF) -> tuple[float, float]:
        r, (fw, fh) = self._target(), self.frame_size
        x = (p.x() - r.x()) * fw / r.width()
        y = (p.y() - r.y()) * fh / r.height()
        return min(max(x, 0.0), fw - 1.0), min(max(y, 0.0), fh - 1.0)

    # ------------------------------------------------------------------ painting and dragging

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#202020"))
        if self.image is None:
            p.setPen(QColor("#c0c0c0"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no preview")
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(self._target(), self.image)
        quad = self.corners()
        if quad is None:
            return
        pts = [self.to_widget(float(x), float(y)) for x, y in quad]
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor("#ff9800" if self.manual else "#00e676"), 2))
        p.drawPolygon(QPolygonF(pts))
        if self.manual:
            p.setBrush(QColor("#ff9800"))
            for pt in pts:
                p.drawEllipse(pt, HANDLE, HANDLE)

    def _nearest(self, pos: QPointF) -> int | None:
        if not self.manual or self.manual_corners is None:
            return None
        dists = [(QPointF(self.to_widget(float(x), float(y)) - pos).manhattanLength(), i)
                 for i, (x, y) in enumerate(self.manual_corners)]
        d, i = min(dists)
        return i if d <= 3 * HANDLE else None

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        self._drag = self._nearest(event.position())

    def mouseMoveEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        if self._drag is None:
            near = self._nearest(event.position()) is not None
            self.setCursor(Qt.CursorShape.SizeAllCursor if near else Qt.CursorShape.ArrowCursor)
            return
        self.manual_corners[self._drag] = self.to_frame(event.position())
        self.update()

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        if self._drag is not None:
            self._drag = None
            self.corners_changed.emit(self.manual_corners.copy())
