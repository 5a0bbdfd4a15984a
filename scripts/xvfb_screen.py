"""What a person sees on the Xvfb screen, found in a screenshot: where the page viewer shows a master pixel,
which words are where (Tesseract on a crop), whether a colour is shown.  Used by ``xvfb_layout_replay.py``
to aim the pointer as a person aims it, without asking the window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytesseract
from PIL import Image

VIEWER_BG = (70, 72, 76)           # the page viewer's background around the page
ORANGE = (255, 111, 0)             # the selection outline of the layout edit mode
MODE_LABEL = (255, 111, 0)         # the mode indicator in the status bar (#ff6f00)


def _mask(img: Image.Image, rgb: tuple[int, int, int], tol: int = 6) -> np.ndarray:
    a = np.asarray(img.convert("RGB")).astype(int)
    return np.all(np.abs(a - np.array(rgb)) <= tol, axis=2)  # type: ignore[no-any-return]


def count(img: Image.Image, rgb: tuple[int, int, int], box: tuple[int, int, int, int] | None = None,
          tol: int = 6) -> int:
    """How many pixels of colour ``rgb`` (within ``tol``) are in ``box`` (x0, y0, x1, y1) of the screenshot."""
    if box is not None:
        img = img.crop(box)
    return int(_mask(img, rgb, tol).sum())


@dataclass
class PageMap:
    """Master pixel -> screen pixel for the page the viewer shows whole (fit page)."""

    left: float
    top: float
    scale: float
    viewer: tuple[int, int, int, int]

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x * self.scale, self.top + y * self.scale

    def to_master(self, sx: float, sy: float) -> tuple[float, float]:
        return (sx - self.left) / self.scale, (sy - self.top) / self.scale


def page_map(img: Image.Image, width: int, height: int) -> PageMap:
    """Find the viewer (its background colour) and the page in it; the page is ``width`` x ``height``
    master pixels and must be shown whole.  Raises ``ValueError`` when the screenshot does not show that."""
    bg = _mask(img, VIEWER_BG, 2)
    xs, ys = np.nonzero(bg.sum(axis=0) > 40)[0], np.nonzero(bg.sum(axis=1) > 40)[0]   # not stray pixels of text
    if len(xs) < 100 or len(ys) < 100:
        raise ValueError("no page viewer on the screen")
    vx0, vy0, vx1, vy1 = int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())
    inner = ~bg[vy0 + 2:vy1 - 1, vx0 + 2:vx1 - 1]
    rows, cols = np.nonzero(inner.sum(axis=1) > 20)[0], np.nonzero(inner.sum(axis=0) > 20)[0]
    if not len(rows) or not len(cols):
        raise ValueError("no page in the viewer")
    px0, px1 = vx0 + 2 + int(cols.min()), vx0 + 2 + int(cols.max()) + 1
    py0, py1 = vy0 + 2 + int(rows.min()), vy0 + 2 + int(rows.max()) + 1
    sx, sy = (px1 - px0) / width, (py1 - py0) / height
    if abs(sx - sy) > 0.02 * sx:
        raise ValueError(f"the page is not shown whole: {px1 - px0}x{py1 - py0} px for {width}x{height}")
    return PageMap(px0, py0, (sx + sy) / 2, (vx0, vy0, vx1, vy1))


def words(img: Image.Image, box: tuple[int, int, int, int]) -> list[tuple[str, tuple[float, float]]]:
    """The words Tesseract reads in ``box`` of the screenshot, each with its centre in screen pixels."""
    crop = img.crop(box).convert("L")
    big = crop.resize((crop.width * 3, crop.height * 3), Image.Resampling.LANCZOS)
    data = pytesseract.image_to_data(big, config="--psm 11", output_type=pytesseract.Output.DICT)
    found = []
    for text, x, y, w, h in zip(data["text"], data["left"], data["top"], data["width"], data["height"]):
        if text.strip():
            found.append((text.strip(), (box[0] + (x + w / 2) / 3, box[1] + (y + h / 2) / 3)))
    return found


def find_word(img: Image.Image, box: tuple[int, int, int, int], word: str) -> tuple[float, float] | None:
    """The centre of the first word read in ``box`` that is ``word`` (case-insensitive), else ``None``."""
    for text, centre in words(img, box):
        if text.lower().strip(".,:;()") == word.lower():
            return centre
    return None


def changed_box(before: Image.Image, after: Image.Image, tol: int = 12) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels that differ between two screenshots (``None`` when none do)."""
    a = np.asarray(before.convert("RGB")).astype(int)
    b = np.asarray(after.convert("RGB")).astype(int)
    diff = np.any(np.abs(a - b) > tol, axis=2)
    ys, xs = np.nonzero(diff)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def differs(before: Image.Image, after: Image.Image, box: tuple[int, int, int, int], tol: int = 12) -> int:
    """How many pixels of ``box`` differ between two screenshots."""
    a = np.asarray(before.crop(box).convert("RGB")).astype(int)
    b = np.asarray(after.crop(box).convert("RGB")).astype(int)
    return int(np.any(np.abs(a - b) > tol, axis=2).sum())
