"""Line images at one scale (issue 15): a real handwritten page with its ground-truth polygons
(Testaments de Poilus, ALTO): lines of different widths get one scale, pixels outside a line's
polygon are the paper's colour, and lines on a deskewed image are found through the page's Transform."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from digitizer.imaging.lineimage import (TEXT_HEIGHT_PX, LineCrop, line_crop, line_crops, line_outline, line_text_height,
                                         page_text_height, transform_scale)
from digitizer.imaging.preprocess import PreprocessOptions, preprocess
from digitizer.imaging.skew import rotation_transform, warp
from digitizer.interop import read_transcription
from digitizer.model import BBox, Line, Transform

from _data_helpers import HANDWRITTEN_PAGE, TYPED_PAGE


@pytest.fixture(scope="module")
def will():
    """The handwritten page (RGB) and its 20 GT lines (polygons + baselines, master pixels)."""
    tr = read_transcription(HANDWRITTEN_PAGE.with_suffix(".xml"))
    tr.layout.assign_ids()
    with Image.open(HANDWRITTEN_PAGE) as im:
        return im.convert("RGB"), tr.layout


def _short_and_long(layout) -> tuple[Line, Line]:
    lines = sorted(layout.lines(), key=lambda ln: ln.bbox.width)
    return lines[0], lines[-1]


def test_short_and_long_lines_get_one_scale(will):
    image, layout = will
    short, long = _short_and_long(layout)
    assert long.bbox.width > 3 * short.bbox.width          # really different widths
    crops = line_crops(image, layout.lines(), text_height_px=40)
    assert len(crops) == len(layout.lines())
    a, b = crops[short.id], crops[long.id]
    assert a.scale == pytest.approx(b.scale) and a.px_per_text_height == pytest.approx(40)
    th = page_text_height(layout.lines())
    assert 50 < th < 110                                   # a handwritten band at ~300 dpi
    assert a.scale == pytest.approx(40 / th)
    # the long line is not shrunk to a width: its crop keeps the source's proportions at that scale
    assert b.image.shape[1] == pytest.approx(b.box.width * b.scale, abs=1)
    assert a.image.shape[0] == pytest.approx(a.box.height * a.scale, abs=1)
    # twice the pixels per text height: twice the size, for every line
    big = line_crops(image, [short, long], text_height_px=80, text_height=th)
    assert big[short.id].image.shape[1] == pytest.approx(2 * a.image.shape[1], abs=2)
    assert big[long.id].image.shape[1] == pytest.approx(2 * b.image.shape[1], abs=2)


def test_text_height_is_the_band_not_the_box():
    """A slanted line's box is taller than its band; the polygon area over the baseline length is not."""
    poly = [(0.0, 100.0), (1000.0, 0.0), (1000.0, 60.0), (0.0, 160.0)]      # 60 px band rising 100 px
    line = Line("l", BBox.from_points(poly), polygon=poly, baseline=[(0.0, 150.0), (1000.0, 50.0)])
    assert line.bbox.height == 160
    assert line_text_height(line) == pytest.approx(60 * 1000 / np.hypot(1000, 100), rel=1e-6)
    boxed = Line("t", BBox(10, 10, 400, 52))                                  # a Tesseract line: its box
    assert line_text_height(boxed) == 42
    assert page_text_height([line, boxed, boxed]) == 42
    assert page_text_height([boxed], Transform(2, 0, 0, 0, 2, 0)) == 84 and page_text_height([]) is None
    # a Tesseract line of a deskewed page: recognised as a 1200 x 42 box on the derived image, stored as
    # the master box around that box turned back by 2.5 degrees (62 px taller); its height is the 42
    rot, _w, _h = rotation_transform(3000, 4000, 2.5)               # master -> derived (the deskew)
    derived_box = BBox(300, 1000, 1500, 1042)
    stored = Line("s", rot.inverse().map_bbox(derived_box))
    assert stored.bbox.height > 90
    assert line_text_height(stored, rot) == pytest.approx(42, abs=2.5)          # (the stored box is rounded)
    assert line_text_height(stored) == stored.bbox.height              # no transform: the box
    assert page_text_height([stored], deskew=rot) == pytest.approx(42, abs=2.5)      # shown on the master
    # and it is cut (and masked) at that box, not at the tall one holding its neighbours
    shown = BBox.from_points(line_outline(stored, rot))
    assert all(abs(u - v) <= 2 for u, v in zip((shown.x0, shown.y0, shown.x1, shown.y1), (300, 1000, 1500, 1042)))
    assert BBox.from_points(line_outline(stored, deskew=rot)).height < 100 and line_outline(stored) == \
        stored.bbox.as_polygon()


def _outside(shape: tuple[int, int], crop: LineCrop, outline, margin: int) -> np.ndarray:
    """True where a pixel of ``crop`` is more than ``margin`` px outside ``outline`` (source coords)."""
    h, w = shape
    sx, sy = w / crop.box.width, h / crop.box.height
    m = Image.new("L", (w, h), 0)
    pts = [((x - crop.box.x0) * sx, (y - crop.box.y0) * sy) for x, y in outline]
    ImageDraw.Draw(m).polygon(pts, fill=255)
    if margin:
        m = m.filter(ImageFilter.MaxFilter(2 * margin + 1))
    return np.asarray(m) == 0


def test_pixels_outside_the_polygon_are_paper(will):
    image, layout = will
    lines = layout.lines()
    crops = line_crops(image, lines)
    arr = np.asarray(image)
    for line in (lines[1], lines[5], lines[-1]):
        c = crops[line.id]
        out = _outside(c.image.shape[:2], c, line_outline(line), margin=3)
        assert out.mean() > 0.05                          # there is an outside (polygons are not boxes)
        bg = c.image[out]
        assert np.ptp(bg, axis=0).max() <= 1              # one flat colour ...
        paper = np.median(arr[line.bbox.y0:line.bbox.y1, line.bbox.x0:line.bbox.x1].reshape(-1, 3), axis=0)
        assert np.abs(bg[0].astype(int) - paper).max() <= 12    # ... the paper's, not white
        inside = c.image[~_outside(c.image.shape[:2], c, line_outline(line), margin=0)]
        assert inside.min() < bg[0].min() - 80            # the ink is still there
    # without the mask the same pixels show the neighbouring lines' ink
    plain = line_crop(image, lines[1], mask=False, text_height=crops[lines[1].id].text_height)
    out = _outside(plain.image.shape[:2], plain, line_outline(lines[1]), margin=3)
    assert plain.image[out].min() < 100


def test_a_line_without_polygon_is_cut_and_masked_at_its_box():
    with Image.open(TYPED_PAGE) as im:
        image = im.convert("L")
    line = Line("t", BBox(300, 400, 1500, 460))
    c = line_crop(image, line, text_height_px=30)
    assert c.scale == pytest.approx(0.5) and c.image.ndim == 2
    assert c.box == BBox(285, 385, 1515, 475)              # the box plus a quarter text height
    out = _outside(c.image.shape, c, line.bbox.as_polygon(), margin=3)
    assert np.ptp(c.image[out]) <= 1
    with pytest.raises(ValueError, match="outside the image"):
        line_crop(image, Line("x", BBox(90000, 90000, 90100, 90050)))


def test_lines_on_the_deskewed_image_use_the_page_transform(will):
    """A scan skewed by 3°: the lines stored in its (master) coordinates are cut from the preprocessed
    image through the Transform that preprocess returns, and show the same writing."""
    image, layout = will
    w, h = image.size
    rot, nw, nh = rotation_transform(w, h, 3.0)
    master = Image.fromarray(warp(np.asarray(image), rot, (nw, nh), (255, 255, 255)))
    skewed = layout.transformed(rot, nw, nh)               # GT lines in the skewed master's pixels
    res = preprocess(master, PreprocessOptions(grayscale=False, deskew=True))
    assert abs(res.skew_angle) > 2 and not res.transform.is_identity()      # (the writing slopes too)
    assert transform_scale(res.transform) == pytest.approx(1.0)
    line, truth = skewed.lines()[1], layout.lines()[1]
    th = page_text_height(layout.lines())
    want = line_crop(image, truth, text_height=th).image
    got = line_crop(res.image, line, transform=res.transform, text_height=th).image
    wrong = line_crop(res.image, line, text_height=th).image    # master coordinates on the derived image

    def ink(a: np.ndarray) -> np.ndarray:
        """Dark pixels per column (the writing's profile along the line), smoothed over 9 columns."""
        cols = (a.mean(axis=2) < 140).sum(axis=0).astype(float)
        return np.convolve(cols, np.ones(9) / 9, mode="same")

    def corr(a: np.ndarray, b: np.ndarray) -> float:
        x, y = ink(a), ink(b)
        n = min(len(x), len(y))
        return float(np.corrcoef(x[:n], y[:n])[0, 1])

    assert ink(got).sum() == pytest.approx(ink(want).sum(), rel=0.15)     # the same writing, all of it
    assert corr(want, got) > 0.8, corr(want, got)
    assert corr(want, wrong) < 0.5, corr(want, wrong)
    assert line_crops(res.image, skewed.lines(), transform=res.transform)[line.id].scale == \
        pytest.approx(TEXT_HEIGHT_PX / page_text_height(skewed.lines(), res.transform))
