"""Camera capture without a camera: document detection and crop on generated photos of a page."""

from __future__ import annotations

import numpy as np
import pytest
from _capture_helpers import page_photo, text_page
from PIL import Image

from digitizer.capture.camera import (Camera, CameraError, crop_document, dpi_from_size, find_document,
                                      store_photo)
from digitizer.store import ProjectStore

CORNERS = [(420, 140), (1020, 175), (1050, 1030), (385, 1000)]   # a page seen slightly at an angle


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return text_page(620, 877, seed=3, lines=18)


def test_find_document_corners(page):
    photo = page_photo(page, CORNERS)
    quad = find_document(photo)
    assert quad is not None
    err = np.abs(quad - np.float32(CORNERS)).max()
    assert err < 8, quad


def test_crop_rectifies_the_page(page):
    photo = page_photo(page, CORNERS)
    cropped, used = crop_document(photo)
    assert used is not None
    h, w = cropped.shape[:2]
    assert abs(w / h - 620 / 877) < 0.1 * 620 / 877             # page proportions roughly restored
    back = np.asarray(Image.fromarray(cropped).convert("L").resize((620, 877)), dtype=np.float32)
    corr = np.corrcoef(back.ravel(), page.astype(np.float32).ravel())[0, 1]
    assert corr > 0.6                                           # the page content, upright
    assert dpi_from_size(cropped, 210.0) == pytest.approx(w / (210 / 25.4))


def test_no_document_in_an_empty_frame():
    frame = np.full((600, 800, 3), 70, np.uint8)
    assert find_document(frame) is None
    out, used = crop_document(frame)
    assert used is None and out is frame


def test_store_photo_master_and_crop(tmp_path, page):
    photo = page_photo(page, CORNERS, seed=2)
    with ProjectStore.create(tmp_path / "p") as store:
        item = store.add_item("cam")
        p = store_photo(store, item, photo, page_width_mm=148.0, name="shot1")
        master = np.asarray(Image.open(store.abspath(p.master.path)))
        assert np.array_equal(master, photo)                    # full frame kept lossless as master
        crop = Image.open(store.page_image_path(p))
        assert (p.width, p.height) == crop.size and p.dpi_source == "assumed"
        ev = store.events(page_id=p.id, action="capture")[0]
        assert ev.parameters["crop"] == "auto" and len(ev.parameters["corners"]) == 4
        assert ev.parameters["dpi"] == pytest.approx(crop.size[0] / (148 / 25.4), abs=0.1)
        manual = store_photo(store, item, photo, crop=np.float32(CORNERS), dpi=200, name="shot2")
        assert store.events(page_id=manual.id, action="capture")[0].parameters["crop"] == "manual"


def test_missing_camera_is_a_clear_error():
    with pytest.raises(CameraError, match="camera 57 cannot be opened"):
        Camera(57)


def test_camera_reads_a_video_file_and_loops(tmp_path, page):
    import cv2

    path = tmp_path / "clip.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (800, 600))
    for i in range(3):
        out.write(cv2.cvtColor(page_photo(page, [(c[0] * 0.6, c[1] * 0.6) for c in CORNERS], (800, 600), i),
                               cv2.COLOR_RGB2BGR))
    out.release()
    with Camera(str(path), loop=True) as cam:
        assert cam.info.source == str(path) and (cam.info.width, cam.info.height) == (800, 600)
        frames = [cam.read() for _ in range(7)]                 # 3 frames, rewound twice
    assert all(f.shape == (600, 800, 3) for f in frames)
    assert find_document(frames[-1]) is not None
    with Camera(str(path)) as cam:
        for _ in range(3):
            cam.read()
        with pytest.raises(CameraError, match="delivered no frame"):
            cam.read()
    with pytest.raises(CameraError, match="video source .* cannot be opened"):
        Camera(str(tmp_path / "missing.avi"))
