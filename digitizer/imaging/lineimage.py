"""Line images at one scale: a line's pixels cut from its page, masked outside the line's polygon and
scaled so that the page's text height maps to the same number of pixels on every line of every page.

**Text height.**  A line's text height is the mean thickness of its band: the polygon's area divided
by the length of its baseline (by the polygon's width when there is no baseline), or the height of
its box when there is no polygon (Tesseract lines).  Both are the ascender-to-descender band of the
line, not the x-height.  One line alone is a noisy measure (a line of capitals, a polygon reaching
into the next line, a short line of one word), so a page uses one value for all its lines: the
**median** over its lines (:func:`page_text_height`).  Every line of a page therefore gets the same
scale (letters written the same size look the same size), and every page is scaled so that its
median band is ``text_height_px`` pixels high (small and large handwriting look alike).

**Coordinates.**  Lines are stored in master pixels.  For the preprocessed (deskewed, cropped) image,
pass the page's :class:`~digitizer.model.Transform` (master -> derived): the polygon is mapped
through it, and heights are multiplied by its scale (``sqrt |det|``).  A box-only line (Tesseract) of
a deskewed page is stored as the master box around its rotated recognised box, which on a 2.5° skew
is twice as tall as the line and holds parts of its neighbours: with ``deskew`` (the page's
Transform) the recognised box is solved back from the Transform's angle (:func:`recognised_box`) and
used for the height and the mask, so a skewed scan gets neither smaller letters nor extra lines.

**Mask.**  Pixels outside the polygon (the line's box when it has none) are painted in the paper's
colour (the median of the pixels around the line, or of every line of the page in
:func:`iter_line_crops`), with a soft edge of about one output pixel.

No Qt here: arrays in, arrays out (``uint8``, ``H x W`` grey or ``H x W x 3`` RGB).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ..model import BBox, Line, Point, Transform

TEXT_HEIGHT_PX = 32        # output pixels per text height (the median line band of the page) at zoom 1
PAD = 0.25                 # context around the line's box, in text heights
FEATHER_PX = 1.0           # soft edge of the mask, output pixels (Gaussian radius)
MIN_TEXT_HEIGHT = 4.0      # source pixels: a smaller estimate is noise


@dataclass(frozen=True)
class LineCrop:
    """One line's image: ``image`` (uint8 array) is ``box`` of the source image times ``scale``."""

    line_id: str
    image: np.ndarray
    scale: float            # output pixels per source pixel
    box: BBox               # the region cut from the source image (source pixels)
    text_height: float      # the text height used (source pixels)

    @property
    def px_per_text_height(self) -> float:
        return self.scale * self.text_height


def transform_scale(transform: Transform | None) -> float:
    """How much ``transform`` scales lengths (1 for rotations and crops)."""
    if transform is None:
        return 1.0
    return math.sqrt(abs(transform.a * transform.e - transform.b * transform.d)) or 1.0


def _area(pts: Sequence[Point]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, [*pts[1:], pts[0]]))) / 2.0


def _length(pts: Sequence[Point]) -> float:
    return sum(math.hypot(x1 - x0, y1 - y0) for (x0, y0), (x1, y1) in zip(pts, pts[1:]))


def recognised_box(line: Line, deskew: Transform | None) -> list[Point] | None:
    """A box-only line of a deskewed page is stored as the master box around its rotated recognised
    box, taller than the line by ``width * sin(angle)``: the recognised box (master coordinates,
    a rotated rectangle) solved back from ``deskew``'s angle; None when there is nothing to undo."""
    if deskew is None or (line.polygon and len(line.polygon) >= 3):
        return None
    k = transform_scale(deskew)
    cos, sin = abs(deskew.a) / k, abs(deskew.d) / k
    det = cos * cos - sin * sin
    if sin <= 1e-3 or det <= 0.5:                       # no rotation, or over 30 degrees
        return None
    b = line.bbox
    h = (b.height * cos - b.width * sin) / det
    w = (b.width * cos - b.height * sin) / det
    if h < MIN_TEXT_HEIGHT or w < MIN_TEXT_HEIGHT:
        return None
    cx, cy = deskew.apply((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2)
    hw, hh = k * w / 2, k * h / 2
    corners = [(cx - hw, cy - hh), (cx + hw, cy - hh), (cx + hw, cy + hh), (cx - hw, cy + hh)]
    return deskew.inverse().apply_points(corners)


def line_text_height(line: Line, deskew: Transform | None = None) -> float:
    """The mean thickness of ``line``'s band in master pixels (see the module docstring); ``deskew``
    (the page's Transform) corrects box-only lines of a deskewed page (:func:`recognised_box`)."""
    if line.polygon and len(line.polygon) >= 3:
        area = _area(line.polygon)
        length = _length(line.baseline) if line.baseline and len(line.baseline) >= 2 else 0.0
        if length <= 0:
            length = float(BBox.from_points(line.polygon).width)
        if area > 0 and length > 0:
            return max(MIN_TEXT_HEIGHT, area / length)
    box = recognised_box(line, deskew)
    if box is not None:
        return max(MIN_TEXT_HEIGHT, math.dist(box[1], box[2]))
    return max(MIN_TEXT_HEIGHT, float(line.bbox.height))


def page_text_height(lines: Iterable[Line], transform: Transform | None = None, *,
                     deskew: Transform | None = None) -> float | None:
    """The median text height of ``lines`` in the pixels of the image shown: ``transform`` maps master
    pixels to it (None: the master is shown); ``deskew`` is the page's Transform (default
    ``transform``), whose angle corrects box-only lines (:func:`line_text_height`).  None: no lines."""
    heights = [line_text_height(ln, deskew or transform) for ln in lines]
    return statistics.median(heights) * transform_scale(transform) if heights else None


def line_outline(line: Line, transform: Transform | None = None, deskew: Transform | None = None) -> list[Point]:
    """The line's polygon (its recognised box, or its box, when it has none) in the coordinates of the
    image shown (``transform``: master -> shown; ``deskew``: the page's Transform, default ``transform``)."""
    if line.polygon and len(line.polygon) >= 3:
        pts = list(line.polygon)
    else:
        pts = recognised_box(line, deskew or transform) or line.bbox.as_polygon()
    return transform.apply_points(pts) if transform is not None else pts


def as_array(image: Image.Image | np.ndarray) -> np.ndarray:
    """``uint8`` grey (H x W) or RGB (H x W x 3) pixels of ``image`` (alpha dropped)."""
    if isinstance(image, Image.Image):
        if image.mode not in ("L", "RGB"):
            image = image.convert("L" if image.mode in ("1", "I", "I;16", "F", "LA") else "RGB")
        return np.asarray(image)
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return arr.astype(np.uint8, copy=False)


def paper_colour(pixels: np.ndarray) -> np.ndarray:
    """The paper's colour in ``pixels`` (an image region, H x W grey or H x W x 3): the median, as ink
    covers far less than half of a line's surroundings."""
    flat = pixels.reshape(-1, pixels.shape[-1]) if pixels.ndim == 3 else pixels.reshape(-1, 1)
    if flat.size == 0:
        return np.full(flat.shape[1], 255, dtype=np.uint8)
    median: np.ndarray = np.median(flat, axis=0).astype(np.uint8)
    return median


def _crop_box(outline: Sequence[Point], pad: float, width: int, height: int) -> BBox:
    box = BBox.from_points(outline)
    p = int(math.ceil(pad))
    return BBox(box.x0 - p, box.y0 - p, box.x1 + p, box.y1 + p).clip(width, height)


def line_crop(image: Image.Image | np.ndarray, line: Line, *, transform: Transform | None = None,
              deskew: Transform | None = None, text_height_px: float = TEXT_HEIGHT_PX,
              text_height: float | None = None, pad: float | None = None, mask: bool = True, background: Sequence[int] | np.ndarray | None = None) -> LineCrop:
    """``line`` cut from ``image`` (the master, or the derived image ``transform`` maps to), masked
    outside its outline and scaled so that ``text_height`` (default: the line's own, see
    :func:`line_text_height`) becomes ``text_height_px`` pixels.  ``pad``: context around the
    outline's box in source pixels (default :data:`PAD` text heights).  Raises ``ValueError`` for a
    line outside the image."""
    arr = as_array(image)
    h_img, w_img = arr.shape[:2]
    th = text_height if text_height else line_text_height(line, deskew or transform) * transform_scale(transform)
    th = max(MIN_TEXT_HEIGHT, th)
    scale = text_height_px / th
    outline = line_outline(line, transform, deskew)
    box = _crop_box(outline, PAD * th if pad is None else pad, w_img, h_img)
    if box.width < 1 or box.height < 1:
        raise ValueError(f"line {line.id} lies outside the image ({w_img}x{h_img})")
    region = arr[box.y0:box.y1, box.x0:box.x1]
    size = (max(1, round(box.width * scale)), max(1, round(box.height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BICUBIC
    out = np.asarray(Image.fromarray(region).resize(size, resample))
    if mask:
        bg = paper_colour(region) if background is None else np.asarray(background, dtype=np.uint8).reshape(-1)
        out = _masked(out, outline, box, scale, bg)
    return LineCrop(line.id, out, scale, box, th)


def _masked(out: np.ndarray, outline: Sequence[Point], box: BBox, scale: float, bg: np.ndarray) -> np.ndarray:
    """``out`` with the pixels outside ``outline`` (source coordinates) faded into ``bg``."""
    h, w = out.shape[:2]
    sx, sy = w / box.width, h / box.height            # the rounded output size's exact scale
    m = Image.new("L", (w, h), 0)
    ImageDraw.Draw(m).polygon([((x - box.x0) * sx, (y - box.y0) * sy) for x, y in outline], fill=255)
    m = m.filter(ImageFilter.GaussianBlur(FEATHER_PX))
    if out.ndim == 3:
        rgb = bg[:3] if bg.size >= 3 else np.repeat(bg[:1], 3)
        paper = Image.new("RGB", (w, h), (int(rgb[0]), int(rgb[1]), int(rgb[2])))
    else:
        paper = Image.new("L", (w, h), int(bg[0]) if bg.size < 3 else round(float(bg[:3].mean())))
    return np.asarray(Image.composite(Image.fromarray(out), paper, m))


def iter_line_crops(image: Image.Image | np.ndarray, lines: Sequence[Line], *, transform: Transform | None = None,
                    deskew: Transform | None = None, text_height_px: float = TEXT_HEIGHT_PX, mask: bool = True,
                    text_height: float | None = None) -> Iterator[LineCrop]:
    """:func:`line_crop` of every line of a page at the page's one scale (``text_height``, default
    :func:`page_text_height`) and with the page's one paper colour; lines outside the image are
    skipped.  A generator, so a worker can stop between lines."""
    arr = as_array(image)
    th = text_height or page_text_height(lines, transform, deskew=deskew)
    if th is None:
        return
    h_img, w_img = arr.shape[:2]
    samples = []
    for ln in lines:
        box = _crop_box(line_outline(ln, transform, deskew), PAD * th, w_img, h_img)
        if box.width and box.height:
            samples.append(arr[box.y0:box.y1:4, box.x0:box.x1:4].reshape(-1, *arr.shape[2:]))
    bg = paper_colour(np.concatenate(samples)[None]) if samples else None
    for ln in lines:
        try:
            yield line_crop(arr, ln, transform=transform, deskew=deskew, text_height_px=text_height_px,
                            text_height=th, mask=mask, background=bg)
        except ValueError:
            continue


def line_crops(image: Image.Image | np.ndarray, lines: Sequence[Line], **kwargs: object) -> dict[str, LineCrop]:
    """``{line id: LineCrop}`` of :func:`iter_line_crops`."""
    return {c.line_id: c for c in iter_line_crops(image, lines, **kwargs)}  # type: ignore[arg-type]
