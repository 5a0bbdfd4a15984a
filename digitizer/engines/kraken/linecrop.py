"""Cut one text line out of a page the way the training lines were made.

Same recipe as the team's HTR line corpus (``tests/data/README.md``, "train-htr"): bounding box
of the boundary polygon + 4 px, pixels outside the polygon set to white, rotated level when
the baseline is inclined by more than 5 degrees, 8-bit grey, at most 120 px high, 16 grey levels.
Training and recognition share this function so a model sees the same kind of image in both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageOps

Point = tuple[float, float]

PAD = 4
MAX_HEIGHT = 120
LEVELS = 16
ROTATE_MIN_DEG = 5.0
ROTATE_MAX_DEG = 135.0


@dataclass(frozen=True)
class LineCrop:
    """A normalised line image plus how to map its x axis back to the page."""

    image: Image.Image
    x0: int              # page x of the crop's left edge (before scaling)
    y0: int
    x1: int
    y1: int
    scale: float         # crop pixels per page pixel (<= 1)
    rotated: bool


def quantize_levels(im: Image.Image, levels: int = LEVELS) -> Image.Image:
    """Round every grey value to the nearest of ``levels`` evenly spaced values (16 -> 0,17,...,255)."""
    step = 255 / (levels - 1)
    lut = [int(round(round(v / step) * step)) for v in range(256)]
    return im.point(lut)


def normalize_line_image(im: Image.Image, *, max_height: int = MAX_HEIGHT, levels: int = LEVELS) -> Image.Image:
    """Grey (L), at most ``max_height`` px high (Lanczos, aspect kept), ``levels`` grey levels."""
    im = ImageOps.exif_transpose(im) if im.mode != "L" else im
    if im.mode in ("RGBA", "LA", "P"):
        bg = Image.new("RGB", im.size, (255, 255, 255))
        bg.paste(im.convert("RGBA"), mask=im.convert("RGBA").getchannel("A"))
        im = bg
    im = im.convert("L")
    if im.height > max_height:
        w = max(1, round(im.width * max_height / im.height))
        im = im.resize((w, max_height), Image.Resampling.LANCZOS)
    return quantize_levels(im, levels) if levels else im


def baseline_angle(baseline: Sequence[Point] | None) -> float:
    """Inclination of first->last baseline point in degrees (image coordinates, y down)."""
    if not baseline or len(baseline) < 2:
        return 0.0
    (xa, ya), (xb, yb) = baseline[0], baseline[-1]
    return math.degrees(math.atan2(yb - ya, xb - xa))


def crop_line(page: Image.Image, polygon: Sequence[Point] | None, baseline: Sequence[Point] | None = None,
              bbox: tuple[int, int, int, int] | None = None, *, pad: int = PAD, max_height: int = MAX_HEIGHT,
              levels: int = LEVELS) -> LineCrop:
    """Masked, levelled, normalised crop of one line from ``page`` (see module docstring)."""
    grey = page.convert("L") if page.mode != "L" else page
    pts = list(polygon) if polygon and len(polygon) >= 3 else None
    if pts is None:
        if bbox is None:
            raise ValueError("a line needs a polygon or a bbox to be cut out")
        pts = [(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[2], bbox[3]), (bbox[0], bbox[3])]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0 = max(0, int(math.floor(min(xs))) - pad)
    y0 = max(0, int(math.floor(min(ys))) - pad)
    x1 = min(grey.width, int(math.ceil(max(xs))) + pad + 1)
    y1 = min(grey.height, int(math.ceil(max(ys))) + pad + 1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError("line region is empty")
    crop = grey.crop((x0, y0, x1, y1))
    mask = Image.new("L", crop.size, 0)
    ImageDraw.Draw(mask).polygon([(x - x0, y - y0) for x, y in pts], fill=255, outline=255)
    crop = Image.composite(crop, Image.new("L", crop.size, 255), mask)
    angle = baseline_angle(baseline)
    rotated = ROTATE_MIN_DEG < abs(angle) <= ROTATE_MAX_DEG
    if rotated:
        crop = crop.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        ink = ImageChops.invert(crop).getbbox()
        if ink:
            crop = crop.crop((max(0, ink[0] - pad), max(0, ink[1] - pad),
                              min(crop.width, ink[2] + pad), min(crop.height, ink[3] + pad)))
    h_before = crop.height
    out = normalize_line_image(crop, max_height=max_height, levels=levels)
    return LineCrop(image=out, x0=x0, y0=y0, x1=x1, y1=y1, scale=out.height / h_before, rotated=rotated)
