"""Camera capture (copy stand / document camera) through OpenCV, with automatic document crop.

* :class:`Camera` wraps ``cv2.VideoCapture`` (V4L2 on Linux, Media Foundation on Windows,
  AVFoundation on macOS; FFmpeg for video files and streams).  PySide6-Essentials has no QtMultimedia, so the GUI shows frames
  grabbed here.  What needs a real camera (exposure/focus control, resolution negotiation,
  frame latency) is not covered by tests: see docs/capture.md.
* :func:`find_document` finds the page as the largest convex quadrilateral (edges and bright
  paper on a darker background); :func:`warp_document` rectifies it with a perspective warp.
* :func:`store_photo` keeps the **full frame as the master** (lossless) and the rectified crop as
  the page's derived ``image``; the crop corners go into the capture event.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from .. import __version__
from ..errors import DigitizerError
from ..model import Item, Page, ProcessingStep, utcnow


class CameraError(DigitizerError):
    exit_code = 5


@dataclass
class CameraInfo:
    index: int
    backend: str
    width: int
    height: int
    source: str | None = None       # a video file or stream URL; None for a device index

    @property
    def label(self) -> str:
        return self.source or f"camera {self.index}"


def list_cameras(max_index: int = 4) -> list[CameraInfo]:
    """Cameras that open and deliver a frame, by index (slow on some systems: ~0.1-1 s each)."""
    out = []
    for i in range(max_index):
        cap = cv2.VideoCapture(i)
        try:
            if cap.isOpened() and cap.read()[0]:
                out.append(CameraInfo(i, cap.getBackendName(), int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                                      int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))))
        finally:
            cap.release()
    return out


class Camera:
    """One open camera, video file or stream; ``read()`` returns RGB frames.

    ``source`` is a device index (V4L2 ``/dev/videoN`` on Linux) or a path/URL that OpenCV's
    FFmpeg backend opens (a test video, or a tethered camera writing a stream).  ``loop=True``
    rewinds a file at its end, so a short clip works as an endless preview.
    Thread-safe for one reader at a time.
    """

    def __init__(self, source: int | str = 0, *, width: int | None = None, height: int | None = None,
                 loop: bool = False):
        self._lock = threading.Lock()
        self.loop = loop
        self.cap = cv2.VideoCapture(source)
        name = f"camera {source}" if isinstance(source, int) else f"video source {source}"
        if not self.cap.isOpened():
            self.cap.release()
            raise CameraError(f"{name} cannot be opened",
                              hint="check that it is connected and not used by another program"
                              if isinstance(source, int) else "check the path or URL and that FFmpeg can decode it")
        if width:
            self.cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self.cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.info = CameraInfo(source if isinstance(source, int) else -1, self.cap.getBackendName(),
                               int(self.cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                               int(self.cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                               None if isinstance(source, int) else str(source))

    def read(self) -> np.ndarray:
        with self._lock:
            ok, frame = self.cap.read()
            if not ok and self.loop and self.info.source is not None:
                self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self.cap.read()
        if not ok or frame is None:
            raise CameraError(f"{self.info.label} delivered no frame")
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        with self._lock:
            self.cap.release()

    def __enter__(self) -> "Camera":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- document detection


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (float32, shape 4x2)."""
    pts = np.asarray(pts, dtype=np.float32).reshape(4, 2)
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def _quads(mask: np.ndarray, min_area: float) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        if cv2.contourArea(c) < min_area:
            break
        hull = cv2.convexHull(c)
        peri = cv2.arcLength(hull, True)
        for eps in (0.01, 0.02, 0.03, 0.05):
            approx = cv2.approxPolyDP(hull, eps * peri, True)
            if len(approx) == 4:
                out.append(approx.reshape(4, 2).astype(np.float32))
                break
    return out


def find_document(image: np.ndarray, *, min_fraction: float = 0.15) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of the largest page-like quadrilateral in ``image``, or None."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    scale = min(1.0, 1000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    small = cv2.GaussianBlur(small, (5, 5), 0)
    min_area = min_fraction * small.shape[0] * small.shape[1]
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    edges = cv2.dilate(cv2.Canny(small, 50, 150), np.ones((3, 3), np.uint8))
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    frame_area = small.shape[0] * small.shape[1]
    candidates = [q for q in _quads(bright, min_area) + _quads(edges, min_area)
                  if cv2.contourArea(q) < 0.97 * frame_area]      # the whole frame is not a page
    if not candidates:
        return None
    best = max(candidates, key=lambda q: cv2.contourArea(q))
    return order_corners(best / scale)


def warp_document(image: np.ndarray, corners: np.ndarray, aspect: float | None = None) -> np.ndarray:
    """Rectify the quadrilateral ``corners`` (tl, tr, br, bl) to an upright rectangle.

    The output size is the mean of opposite sides, which is only approximate under strong
    perspective; pass ``aspect`` (width / height of the real page) when it is known.
    """
    tl, tr, br, bl = order_corners(corners)
    width = int(round((np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2))
    height = int(round((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2))
    if aspect:
        height = int(round(width / aspect))
    dst = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    m = cv2.getPerspectiveTransform(np.float32([tl, tr, br, bl]), dst)
    return cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def crop_document(image: np.ndarray, corners: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(cropped image, corners used); the frame unchanged when no page is found."""
    quad = corners if corners is not None else find_document(image)
    if quad is None:
        return image, None
    return warp_document(image, quad), order_corners(quad)


def dpi_from_size(cropped: np.ndarray, page_width_mm: float) -> float:
    """Effective resolution of a crop whose physical width is known."""
    return cropped.shape[1] / (page_width_mm / 25.4)


# --------------------------------------------------------------------------- store


def _png(a: np.ndarray, dpi: float | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG", dpi=(dpi, dpi) if dpi else None)
    return buf.getvalue()


def store_photo(store: Any, item: Item, frame: np.ndarray, *, crop: str | np.ndarray = "auto",
                dpi: float = 300.0, page_width_mm: float | None = None, camera: CameraInfo | None = None,
                name: str | None = None) -> Page:
    """Save a camera frame as a master (PNG, lossless) and its rectified crop as the page image.

    ``crop``: ``"auto"`` (detect), ``"none"``, or 4 corners (manual crop).  The page's resolution is
    ``dpi_from_size`` when ``page_width_mm`` is given, else ``dpi`` (recorded as assumed).
    """
    import time

    from ..fsutil import safe_name

    quad = None if isinstance(crop, str) and crop == "none" else (None if isinstance(crop, str) else np.asarray(crop))
    cropped, used = (frame, None) if isinstance(crop, str) and crop == "none" else crop_document(frame, quad)
    eff_dpi = dpi_from_size(cropped, page_width_mm) if page_width_mm else dpi
    stem = safe_name(name or f"camera-{time.strftime('%Y%m%dT%H%M%S')}")
    params = {"camera": camera.__dict__ if camera else None, "crop": "manual" if quad is not None else str(crop),
              "corners": used.round(1).tolist() if used is not None else None, "dpi": round(eff_dpi, 1),
              "dpi_basis": "page width" if page_width_mm else "assumed", "page_width_mm": page_width_mm,
              "frame_size": [frame.shape[1], frame.shape[0]], "captured": utcnow()}
    step = ProcessingStep(action="capture", tool="digitizer.capture.camera", tool_version=__version__,
                          parameters=params, agent=store.agent)
    master_rel = store.unique_path(f"masters/{item.identifier}/{stem}.png")
    crop_rel = store.unique_path(f"derivatives/{item.identifier}/{stem}_crop.png")
    try:
        with store.transaction():
            master = store.write_file(master_rel, _png(frame), role="master", mime="image/png")
            page = store.add_page(item.id, master, width=cropped.shape[1], height=cropped.shape[0], dpi=eff_dpi,
                                  dpi_source="assumed", source_path=f"camera:{camera.label if camera else '?'}",
                                  step=step)
            if used is not None:
                ref = store.write_file(crop_rel, _png(cropped, eff_dpi), role="derivative", mime="image/png")
                store.set_derived(page.id, "image", ref)
    except BaseException:
        for rel in (master_rel, crop_rel):
            store.abspath(rel).unlink(missing_ok=True)
        raise
    return store.get_page(page.id)
