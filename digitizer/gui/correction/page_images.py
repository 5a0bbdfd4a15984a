"""Page pixels for the GUI, produced in worker threads: cached previews, full images, line crops.

Level of detail: a page opens with a preview (long side :data:`PREVIEW_MAX` px, cached as a
JPEG keyed by the file's SHA-256 under ``$XDG_CACHE_HOME/digitizer/previews``), so the first
paint does not wait for a 600-dpi decode; the full-resolution image follows and is used only
when the zoom needs it.  QImage (not QPixmap) is safe to build outside the GUI thread.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from PIL import Image
from PySide6.QtGui import QImage

from ...model import BBox

PREVIEW_MAX = 1800
THUMB_MAX = 112


@dataclass
class PageImage:
    """One stage of a page image: ``kind`` is ``"preview"`` or ``"full"``; ``size`` is the full size."""

    kind: str
    path: str
    image: QImage
    size: tuple[int, int]


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "digitizer" / "previews"


def preview_cache_path(sha256: str, frame: int = 0) -> Path:
    return cache_dir() / f"{sha256[:32]}_{frame}_{PREVIEW_MAX}.jpg"


def pil_to_qimage(im: Image.Image) -> QImage:
    """A QImage owning a copy of ``im``'s pixels (8-bit grey or RGB)."""
    if im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    fmt = QImage.Format.Format_Grayscale8 if im.mode == "L" else QImage.Format.Format_RGB888
    data = im.tobytes()
    bpl = im.width * (1 if im.mode == "L" else 3)
    return QImage(data, im.width, im.height, bpl, fmt).copy()


def _open_reduced(path: str, frame: int, target: int) -> tuple[Image.Image, tuple[int, int]]:
    """Decode ``path`` (frame) cheaply at no less than ``target`` px on the long side; returns the
    image and the full size.  JPEG decodes at a reduced scale directly (draft mode)."""
    from ...imaging.io import normalize_image

    im = Image.open(path)
    if frame:
        im.seek(frame)
    full = im.size
    if im.format == "JPEG":
        scale = max(full) / target
        im.draft(im.mode if im.mode in ("L", "RGB") else "RGB", (int(full[0] / scale), int(full[1] / scale)))
    im.load()
    return normalize_image(im), full


def _shrink(im: Image.Image, longest: int) -> Image.Image:
    factor = max(im.size) / longest
    if factor <= 1:
        return im
    if factor >= 2:
        im = im.reduce(int(factor))
    if max(im.size) > longest:
        im = im.resize((max(1, round(im.width * longest / max(im.size))),
                        max(1, round(im.height * longest / max(im.size)))), Image.Resampling.BILINEAR)
    return im


def make_preview(path: str, frame: int, sha256: str | None) -> tuple[QImage, tuple[int, int], Image.Image | None]:
    """The cached preview, or a new one (saved to the cache).  Also returns the decoded image when
    a full decode was needed anyway (so the caller need not decode twice)."""
    cached = preview_cache_path(sha256, frame) if sha256 else None
    if cached is not None and cached.is_file():
        img = QImage(str(cached))
        with Image.open(path) as probe:
            if frame:
                probe.seek(frame)
            size = probe.size
        if not img.isNull():
            return _for_screen(img), size, None
    im, size = _open_reduced(path, frame, PREVIEW_MAX)
    decoded = im if im.size == size else None
    small = _shrink(im, PREVIEW_MAX)
    if cached is not None:
        with contextlib.suppress(OSError):
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            small.save(tmp, format="JPEG", quality=88)
            os.replace(tmp, cached)
    return _for_screen(pil_to_qimage(small)), size, decoded


def _for_screen(image: QImage) -> QImage:
    """The preview in the screen's pixel format, converted here in the worker: the GUI thread's
    ``QPixmap.fromImage`` then shares the pixels instead of converting them (5-15 ms a page)."""
    return image.convertToFormat(QImage.Format.Format_RGB32)


def line_crops(im: Image.Image, boxes: dict[str, BBox], *, height: int = 56, width: int = 1100,
               pad: int = 6) -> dict[str, QImage]:
    """Crops of ``im`` around each box, scaled to fit ``width`` x ``height``."""
    out = {}
    for line_id, b in boxes.items():
        box = (max(0, b.x0 - pad), max(0, b.y0 - pad), min(im.width, b.x1 + pad), min(im.height, b.y1 + pad))
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        crop = im.crop(box)
        scale = min(height / crop.height, width / crop.width, 1.0)
        if scale < 1.0:
            crop = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))),
                               Image.Resampling.BOX)
        out[line_id] = pil_to_qimage(crop)
    return out


DECODE_THREADS: list[int] = []        # thread ids that decoded page pixels (last 32; tests read it)


def record_decode_thread() -> None:
    import threading

    DECODE_THREADS.append(threading.get_ident())
    del DECODE_THREADS[:-32]


def load_page_images(path: str, frame: int = 0, sha256: str | None = None, *,
                     full: bool = True) -> Iterator[PageImage]:
    """Worker generator: yields the preview first, then (``full``) the full image (the editor's line
    crops are cut from it by ``line_images.py``, in a worker too)."""
    record_decode_thread()
    preview, size, decoded = make_preview(path, frame, sha256)
    yield PageImage("preview", path, preview, size)
    if not full:
        return
    if decoded is None:
        from ...imaging.io import load_frame

        decoded, _dpi = load_frame(path, frame, normalize=True)
    yield PageImage("full", path, pil_to_qimage(decoded), size)


def thumbnail(path: str, frame: int = 0, sha256: str | None = None) -> QImage:
    """A small page image for the project browser (made from the cached preview)."""
    from PySide6.QtCore import Qt

    preview, _size, _decoded = make_preview(path, frame, sha256)
    return preview.scaled(THUMB_MAX, THUMB_MAX, Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)


def iter_thumbnails(jobs: list[tuple[int, str, int, str]]) -> Iterator[tuple[int, QImage | None]]:
    """Worker generator over ``(page_id, path, frame, sha256)``: yields ``(page_id, thumbnail)``;
    an unreadable file yields ``None`` (the browser shows no picture) and the rest go on."""
    for page_id, path, frame, sha in jobs:
        try:
            yield page_id, thumbnail(path, frame, sha)
        except Exception:  # a broken file must not stop the other thumbnails
            yield page_id, None
