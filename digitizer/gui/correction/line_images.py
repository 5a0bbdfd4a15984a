"""Line images for the editor at one scale (issue 15): every line of every page shows its text height
at the same number of pixels (:mod:`digitizer.imaging.lineimage`), masked to its polygon, times the
line-image zoom.

* The zoom: View ▸ Line images larger / smaller / at 100 % (``Ctrl+Alt++``, ``Ctrl+Alt+-``,
  ``Ctrl+Alt+0``) or the slider in the Transcription dock; kept in the settings.
* Crops are cut in a worker thread from the full page image the window decoded (``page_image``,
  called by the page display); the GUI thread only turns finished crops into pixmaps.
* Crops are cached per page image, zoom and line geometry (:class:`CropCache`): a page opened again,
  or reloaded after a save or a layout change, shows its crops at once; a line whose polygon
  changed is cut again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QSlider, QToolButton

from ...imaging.lineimage import TEXT_HEIGHT_PX, iter_line_crops, page_text_height
from ...model import Line, Page, Transform
from ..workers import Worker, create_worker

ZOOM_MIN, ZOOM_MAX, ZOOM_STEP = 0.5, 3.0, 1.25
CACHE_PAGES = 12                  # page images x zooms kept (crops of a page: ~1-3 MB)
Key = tuple[Any, ...]


def qimage_array(image: QImage) -> np.ndarray:
    """The pixels of ``image`` as a ``uint8`` array (grey H x W or RGB H x W x 3), copied."""
    if image.format() not in (QImage.Format.Format_Grayscale8, QImage.Format.Format_RGB888):
        image = image.convertToFormat(QImage.Format.Format_RGB888)
    ch = 1 if image.format() == QImage.Format.Format_Grayscale8 else 3
    w, h = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    arr = raw.reshape(h, image.bytesPerLine())[:, :w * ch]
    return np.ascontiguousarray(arr if ch == 1 else arr.reshape(h, w, 3))


def array_qimage(arr: np.ndarray) -> QImage:
    """A QImage owning a copy of a ``uint8`` grey or RGB array."""
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if arr.ndim == 2 else QImage.Format.Format_RGB888
    return QImage(arr.data, w, h, arr.strides[0], fmt).copy()


def cut_lines(image: QImage, lines: list[Line], transform: Transform | None, deskew: Transform | None,
              text_height: float, text_height_px: float) -> Iterator[tuple[str, QImage, float, float]]:
    """Worker generator: ``(line id, crop, scale, px per text height)`` for each line."""
    arr = qimage_array(image)
    for c in iter_line_crops(arr, lines, transform=transform, deskew=deskew, text_height_px=text_height_px,
                             text_height=text_height):
        yield c.line_id, array_qimage(c.image), c.scale, c.px_per_text_height


def line_key(line: Line) -> Key:
    """A line's identity for the cache: its id and geometry (a moved polygon is cut again)."""
    return (line.id, tuple(line.polygon or ()), (line.bbox.x0, line.bbox.y0, line.bbox.x1, line.bbox.y1))


class CropCache:
    """``(page image, px per text height) -> {line key: (crop, scale, px)}``, least recently used out."""

    def __init__(self, pages: int = CACHE_PAGES) -> None:
        self.pages = pages
        self._data: OrderedDict[Key, dict[Key, tuple[QImage, float, float]]] = OrderedDict()

    def get(self, key: Key) -> dict[Key, tuple[QImage, float, float]]:
        entry = self._data.setdefault(key, {})
        self._data.move_to_end(key)
        while len(self._data) > self.pages:
            self._data.popitem(last=False)
        return entry

    def __len__(self) -> int:
        return len(self._data)


class LineImages(QObject):
    """Puts line crops at the current zoom into the editor's rows of the page shown."""

    cropsReady = Signal(int)          # page id: every line of the page shown has its crop at the zoom
    zoomChanged = Signal(float)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.w = window
        self.zoom = self._clamp(window.settings.line_image_zoom)
        self.cache = CropCache()
        self._source: QImage | None = None      # the full image of the page shown
        self._source_key: Key | None = None     # which image it is (path, frame, sha, transform)
        self._worker: Worker | None = None
        self._request = 0
        self._follow = False                    # a zoom change: keep the line being typed in view
        self._timer = QTimer(self)              # a zoom slider drag cuts once, when it rests
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.refresh)
        window.pageOpened.connect(lambda _pid: self._page_opened())
        window.installEventFilter(self)

    # ------------------------------------------------------------------ zoom
    @staticmethod
    def _clamp(zoom: float) -> float:
        return round(min(ZOOM_MAX, max(ZOOM_MIN, float(zoom))), 3)

    @property
    def px(self) -> float:
        """Pixels per text height at the current zoom."""
        return TEXT_HEIGHT_PX * self.zoom

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def set_zoom(self, zoom: float) -> None:
        zoom = self._clamp(zoom)
        if zoom == self.zoom:
            return
        self.zoom = zoom
        self._follow = True
        self.w.settings.line_image_zoom = zoom
        self.zoomChanged.emit(zoom)
        self._timer.start()

    # ------------------------------------------------------------------ the page shown
    def _view(self) -> tuple[Key, Transform | None] | None:
        """The image shown (path, frame, sha, transform) and the transform of its coordinates."""
        page: Page | None = self.w.page
        if page is None or self.w.store is None:
            return None
        showing = "preprocessed" if self.w.showing == "preprocessed" and "preprocessed" in page.derived else "master"
        transform = page.transform if showing == "preprocessed" and not page.transform.is_identity() else None
        path, frame, sha = self.w._image_source(page, showing)
        return (path, frame, sha, tuple(transform.matrix()[0] + transform.matrix()[1]) if transform else ()), transform

    def _lines(self) -> list[Line]:
        return self.w.layout_.lines() if self.w.layout_ is not None else []

    def _page_opened(self) -> None:
        view = self._view()
        if view is None or view[0] != self._source_key:
            self._source = None                 # another image: its full image follows (page_image)
        self._cancel()
        self.refresh()                          # (a page reloaded on the same image: missing crops cut now)

    def page_image(self, page_id: int, image: Any) -> None:
        """A stage of the page image (``PageImage``) of the page shown has arrived."""
        view = self._view()
        if view is None or page_id != self.w.page.id or image.kind != "full" or image.path != view[0][0]:
            return                       # (a late image of the other view, master or preprocessed)
        self._source, self._source_key = image.image, view[0]
        self.refresh()

    def refresh(self) -> None:
        """Show the cached crops of the page shown at the zoom; cut the missing ones in a worker."""
        self._timer.stop()
        view, lines = self._view(), self._lines()
        if view is None or not lines:
            return
        (source, transform), editor = view, self.w.editor
        entry = self.cache.get((source, self.px))
        missing = []
        for line in lines:
            got = entry.get(line_key(line))
            if got is None:
                missing.append(line)
            elif line.id in editor._index:
                row = editor.row(line.id)
                if row.crop.image is not got[0]:
                    row.set_crop(*got)
        if not missing:
            self._cancel()
            self._shown()
        elif self._source is not None:
            deskew = self.w.page.transform
            self._cut(missing, transform, deskew, entry, page_text_height(lines, transform, deskew=deskew) or 1.0)

    def _cut(self, lines: list[Line], transform: Transform | None, deskew: Transform, entry: dict,
             text_height: float) -> None:
        self._cancel()
        self._request += 1
        req, pid, keys = self._request, self.w.page.id, {ln.id: line_key(ln) for ln in lines}
        worker = create_worker(cut_lines, self._source, lines, transform, deskew, text_height, self.px)
        worker.signals.yielded.connect(lambda r, req=req: self._crop_ready(req, pid, entry, keys, r))
        worker.signals.returned.connect(lambda _r, req=req: self._cut_done(req, pid))
        worker.signals.finished.connect(lambda w=worker: self._worker_done(w))
        self._worker = worker
        worker.start()

    def _crop_ready(self, req: int, page_id: int, entry: dict, keys: dict[str, Key],
                    result: tuple[str, QImage, float, float]) -> None:
        lid, image, scale, px = result
        entry[keys[lid]] = (image, scale, px)            # cached even when the page is left meanwhile
        if req == self._request and self.w.page is not None and self.w.page.id == page_id \
                and lid in self.w.editor._index:
            self.w.editor.row(lid).set_crop(image, scale, px)

    def _cut_done(self, req: int, page_id: int) -> None:
        if req == self._request and self.w.page is not None and self.w.page.id == page_id:
            self._shown()

    def _shown(self) -> None:
        """Every crop of the page shown is in its row; after a zoom the line being typed stays in view."""
        if self._follow:
            self._follow = False
            self.w.editor.keep_current_visible()
        self.cropsReady.emit(self.w.page.id)

    def _worker_done(self, worker: Worker) -> None:
        if self._worker is worker:
            self._worker = None

    def _cancel(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        self._request += 1

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.w and event.type() == QEvent.Type.Close:
            self._timer.stop()
            self._cancel()
        return False


def _zoom_box(ctl: LineImages) -> QGroupBox:
    """The dock's zoom slider (percent of :data:`TEXT_HEIGHT_PX` per text height)."""
    box = QGroupBox("Line images")
    lay = QHBoxLayout(box)
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(int(ZOOM_MIN * 100), int(ZOOM_MAX * 100))
    slider.setValue(round(ctl.zoom * 100))
    slider.setToolTip("Size of the line images above the text (Ctrl+Alt++ / Ctrl+Alt+- / Ctrl+Alt+0): "
                      f"the same for every line, 100 % = {TEXT_HEIGHT_PX} px per text height")
    slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    label = QLabel(f"{ctl.zoom * 100:.0f} %")
    label.setMinimumWidth(44)
    smaller, larger = QToolButton(), QToolButton()
    smaller.setText("−")
    larger.setText("+")
    for b, factor in ((smaller, 1 / ZOOM_STEP), (larger, ZOOM_STEP)):
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(lambda _=False, f=factor: ctl.zoom_by(f))
    slider.valueChanged.connect(lambda v: ctl.set_zoom(v / 100))

    def shown(zoom: float) -> None:
        label.setText(f"{zoom * 100:.0f} %")
        slider.blockSignals(True)
        slider.setValue(round(zoom * 100))
        slider.blockSignals(False)

    ctl.zoomChanged.connect(shown)
    for wdg in (smaller, slider, larger, label):
        lay.addWidget(wdg)
    ctl.slider, ctl.zoom_label = slider, label
    return box


def attach_line_images(window: Any) -> LineImages:
    """The line-image zoom of ``window``: its View menu actions and the Transcription dock's slider."""
    ctl = LineImages(window)
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    view.addSeparator()
    ctl.larger_action = window._act(view, "Line images &larger", lambda: ctl.zoom_by(ZOOM_STEP),
                                    ["Ctrl+Alt++", "Ctrl+Alt+="])
    ctl.smaller_action = window._act(view, "Line images s&maller", lambda: ctl.zoom_by(1 / ZOOM_STEP), "Ctrl+Alt+-")
    ctl.reset_action = window._act(view, "Line images at 100 %", lambda: ctl.set_zoom(1.0), "Ctrl+Alt+0")
    window.shortcut_guard.refresh()
    panel = window.transcription_panel
    panel.layout().insertWidget(panel.layout().count() - 1, _zoom_box(ctl))
    return ctl
