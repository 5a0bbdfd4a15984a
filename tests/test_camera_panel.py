"""Camera tab (offscreen Qt) on a real video file read through OpenCV's VideoCapture.

The video is a generated "photo of a page" (a text page warped in perspective onto a darker table),
written as MJPG .avi: the same ``cv2.VideoCapture`` code path a V4L2 camera uses.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from _capture_helpers import WORDS, page_photo, text_page
from PIL import Image

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, Qt, QTimer  # noqa: E402

from digitizer.gui.capture.capture_panel import CapturePanel  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402

SIZE = (1280, 960)
CORNERS = [(400, 110), (910, 125), (915, 870), (380, 860)]    # seen slightly from below and the left
PAGE_W, PAGE_H = 620, 877


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return text_page(PAGE_W, PAGE_H, seed=5, lines=16)


@pytest.fixture(scope="module")
def video(tmp_path_factory, page) -> Path:
    """20 frames of the page, jittering by a pixel or two like a handheld shot, MJPG in .avi."""
    path = tmp_path_factory.mktemp("video") / "page.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, SIZE)
    assert out.isOpened()
    for i in range(20):
        shift = np.float32([i % 3, (i // 3) % 2])
        rgb = page_photo(page, [tuple(np.float32(c) + shift) for c in CORNERS], size=SIZE, seed=i)
        out.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    out.release()
    assert path.stat().st_size > 10_000
    return path


@pytest.fixture
def panel(qtbot, tmp_path, video):
    ProjectStore.create(tmp_path / "proj").close()
    w = CapturePanel(str(tmp_path / "proj"), "cam1")
    qtbot.addWidget(w)
    w.resize(900, 900)
    w.show()
    w.tabs.setCurrentIndex(1)
    w.set_video_source(str(video))
    yield w
    assert w.wait_idle()
    qtbot.waitUntil(lambda: not w.jobs, timeout=10000)




def test_preview_detects_page_and_f7_stores_the_crop(panel, qtbot, tmp_path, page):
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    worker = panel.start_preview()
    assert worker is not None and panel.live_button.isChecked()
    with qtbot.waitSignal(worker.frame_ready, timeout=10000) as blocker:
        pass
    frame = blocker.args[0]
    assert frame.size == SIZE and not frame.image.isNull()
    qtbot.waitUntil(lambda: panel.camera_view.auto_corners is not None and worker.frames >= 8, timeout=10000)
    timer.stop()
    # the UI stayed responsive while frames were grabbed and detected in the worker thread
    assert len(ticks) >= 10, ticks
    err = np.abs(panel.camera_view.corners() - np.float32(CORNERS)).max()
    assert err < 12, panel.camera_view.corners()
    assert "page.avi" in panel.camera_status.text()

    with qtbot.waitSignal(panel.pages_added, timeout=20000) as added:
        qtbot.keyClick(panel, Qt.Key.Key_F7)
    assert len(added.args[0]) == 1
    qtbot.waitUntil(panel.photo_button.isEnabled, timeout=5000)
    assert panel.qc_list.count() == 1 and panel.qc_list.item(0).text().startswith("p1")
    assert panel.qc_list.item(0).toolTip()                       # QC details ran on the crop
    with ProjectStore.open(tmp_path / "proj") as store:
        (p,) = store.pages()
        master = Image.open(store.abspath(p.master.path))
        assert master.size == SIZE                               # the whole frame is the master
        crop = Image.open(store.page_image_path(p)).convert("L")
        ev = store.events(page_id=p.id, action="capture")[0].parameters
    assert ev["crop"] == "auto" and ev["camera"]["source"].endswith("page.avi")
    assert abs(crop.width / crop.height - PAGE_W / PAGE_H) < 0.05 * PAGE_W / PAGE_H
    back = np.asarray(crop.resize((PAGE_W, PAGE_H)), dtype=np.float32)
    corr = np.corrcoef(back.ravel(), page.astype(np.float32).ravel())[0, 1]
    assert corr > 0.6, corr                                      # the page's text, upright
    read = set(_ocr(crop).split())
    assert len(read & set(WORDS)) >= 6, read                     # and legible: tesseract reads it

    panel.stop_preview()
    assert worker.isFinished() and not worker.isRunning()
    assert panel.camera_worker is None and not panel.live_button.isChecked()
    frames = worker.frames
    qtbot.wait(300)
    assert worker.frames == frames                               # nothing grabs any more


def test_manual_crop_by_dragging_corners(panel, qtbot, tmp_path):
    worker = panel.start_preview()
    qtbot.waitUntil(lambda: panel.camera_view.auto_corners is not None, timeout=10000)
    panel.crop_combo.setCurrentText("manual")
    view = panel.camera_view
    assert view.manual and np.allclose(view.manual_corners, view.auto_corners)
    # drag the top-left corner 30 frame pixels inwards, with the mouse
    tl = view.to_widget(*view.manual_corners[0]).toPoint()
    target = view.to_widget(view.manual_corners[0][0] + 60, view.manual_corners[0][1] + 60).toPoint()
    with qtbot.waitSignal(view.corners_changed, timeout=2000) as moved:
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=tl)
        qtbot.mouseMove(view, target)
        _move(view, target)
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=target)
    new_tl = moved.args[0][0]
    assert abs(new_tl[0] - view.auto_corners[0][0] - 60) < 6 and abs(new_tl[1] - view.auto_corners[0][1] - 60) < 6
    with qtbot.waitSignal(panel.pages_added, timeout=20000):
        panel.capture_photo()
    with ProjectStore.open(tmp_path / "proj") as store:
        (p,) = store.pages()
        ev = store.events(page_id=p.id, action="capture")[0].parameters
    assert ev["crop"] == "manual"
    assert np.allclose(ev["corners"][0], new_tl, atol=0.2)
    panel.stop_preview()
    assert not worker.isRunning()


def _ocr(img: Image.Image) -> str:
    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.registry import get_engine

    return get_engine("tesseract").process(img.convert("L"), RecognitionOptions(languages=["eng"])).text


def _move(view, pos) -> None:
    """A mouse move with the left button held (QTest's mouseMove sends no buttons)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    ev = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(view.mapToGlobal(pos)),
                     Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, ev)


def test_missing_source_fails_in_one_line(panel, qtbot, tmp_path):
    panel.set_video_source(str(tmp_path / "nope.avi"))
    worker = panel.start_preview()
    qtbot.waitUntil(lambda: "Error:" in panel.camera_status.text(), timeout=10000)
    assert "cannot be opened" in panel.camera_status.text()
    assert not worker.isRunning() and panel.camera_worker is None
