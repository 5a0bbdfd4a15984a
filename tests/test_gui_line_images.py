"""The editor's line images at one scale (issue 15): on a real handwritten will (its ground-truth ALTO
polygons imported as the page's transcription) and a real typed page, a short and a long line show
the same pixels per text height, long lines are not shrunk and short ones not enlarged, pixels
outside a line's polygon are the paper, Ctrl+Alt+Plus / Minus change every line by the same factor,
the zoom is kept in the settings, and a page opened again shows its crops from the cache.  The zoom
writes nothing to the store (its events are counted)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter
from PySide6.QtCore import Qt

from digitizer.imaging.lineimage import PAD, TEXT_HEIGHT_PX, line_outline, page_text_height
from digitizer.ingest import import_paths
from digitizer.interop import import_transcriptions
from digitizer.store import ProjectStore

from _data_helpers import HANDWRITTEN_PAGE, TYPED_PAGE
from _gui_helpers import ALT, CTRL, current_edit, gui_env, no_leaks, open_window, settings_path  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


@pytest.fixture
def wills(tmp_path):
    """A project: the will page and the typed page, each with its ground truth imported."""
    root = tmp_path / "proj"
    store = ProjectStore.create(root, name="wills", agent="tester")
    item = store.add_item("wills", title="Wills", profile="manuscript")
    assert not import_paths(store, [HANDWRITTEN_PAGE, TYPED_PAGE], item).failures
    rep = import_transcriptions(store, [HANDWRITTEN_PAGE.with_suffix(".xml"), TYPED_PAGE.with_suffix(".xml")], item)
    assert not rep.failures and len(rep.imported) == 2, rep
    store.close()
    return root


def _events(root) -> int:
    with ProjectStore.open(root) as store:
        return len(store.events())


def _all_cut(win) -> bool:
    return all(win.editor.row(lid).crop.image is not None for lid in win.editor.line_ids())


def _open(qtbot, settings_path, root):
    win = open_window(qtbot, settings_path, root)
    qtbot.waitUntil(lambda: win.page is not None and _all_cut(win), timeout=30000)
    return win


def _short_long(win):
    lines = sorted(win.layout_.lines(), key=lambda ln: ln.bbox.width)
    return lines[0], lines[-1]


def _array(image) -> np.ndarray:
    from digitizer.gui.correction.line_images import qimage_array

    return qimage_array(image)


def _outside(view, line, margin: int = 3) -> np.ndarray:
    """True where a pixel of the row's crop lies more than ``margin`` px outside the line's polygon."""
    img = view.image
    th = page_text_height(view.window().layout_.lines())
    x0 = max(0, min(x for x, _ in line_outline(line)) - PAD * th)
    y0 = max(0, min(y for _, y in line_outline(line)) - PAD * th)
    m = Image.new("L", (img.width(), img.height()), 0)
    pts = [((x - int(x0)) * view.scale, (y - int(y0)) * view.scale) for x, y in line_outline(line)]
    ImageDraw.Draw(m).polygon(pts, fill=255)
    return np.asarray(m.filter(ImageFilter.MaxFilter(2 * margin + 1))) == 0


def test_one_scale_for_short_and_long_lines_zoom_keys_and_mask(qtbot, gui_env, settings_path, wills):
    win = _open(qtbot, settings_path, wills)
    assert win.page.seq == 1 and win.layout_.lines()[0].polygon          # the will, with GT polygons
    short, long = _short_long(win)
    th = page_text_height(win.layout_.lines())
    a, b = win.editor.row(short.id).crop, win.editor.row(long.id).crop
    assert a.px_per_text_height == b.px_per_text_height == pytest.approx(TEXT_HEIGHT_PX)
    assert a.scale == b.scale == pytest.approx(TEXT_HEIGHT_PX / th)
    # displayed as cut: the source width at that one scale (the long line is not shrunk to the row) ...
    for view, line in ((a, short), (b, long)):
        pad = 2 * np.ceil(PAD * th)
        assert view.image.width() == pytest.approx((min(line.bbox.x1 + pad / 2, 1711) - max(line.bbox.x0 - pad / 2, 0))
                                                   * view.scale, abs=3)
    assert b.image.width() > b.width() and b.overflow() > 0                 # ... it scrolls instead
    assert a.image.width() < a.width() and a.overflow() == 0                # the short one is not enlarged
    # pixels outside the polygon are the paper (one flat colour), the writing inside is there
    for view, line in ((a, short), (b, long)):
        px = _array(view.image)
        out = _outside(view, line)
        assert out.mean() > 0.05 and np.ptp(px[out], axis=0).max() <= 1
        assert px[~out].min() < px[out][0].min() - 80

    # typing at the end of the long line brings its end into view; Home goes back to the start
    win.editor.focus_line(long.id)
    qtbot.keyClick(current_edit(win), Qt.Key.Key_End)
    assert b.offset == b.overflow() > 0
    qtbot.keyClick(current_edit(win), Qt.Key.Key_Home)
    assert b.offset == 0

    events = _events(wills)
    wa, wb = a.image.width(), b.image.width()
    with qtbot.waitSignal(win.line_images.cropsReady, timeout=30000):
        qtbot.keyClick(current_edit(win), Qt.Key.Key_Plus, CTRL | ALT)
    assert win.line_images.zoom == 1.25 and win.line_images.zoom_label.text() == "125 %"
    assert a.px_per_text_height == b.px_per_text_height == pytest.approx(1.25 * TEXT_HEIGHT_PX)
    assert a.image.width() == pytest.approx(1.25 * wa, abs=2) and b.image.width() == pytest.approx(1.25 * wb, abs=2)
    with qtbot.waitSignal(win.line_images.cropsReady, timeout=30000):
        qtbot.keyClick(current_edit(win), Qt.Key.Key_Minus, CTRL | ALT)
        qtbot.keyClick(current_edit(win), Qt.Key.Key_Minus, CTRL | ALT)
    assert win.line_images.zoom == 0.8 and a.px_per_text_height == pytest.approx(0.8 * TEXT_HEIGHT_PX)
    assert b.image.width() == pytest.approx(0.8 * wb, abs=2)
    assert _events(wills) == events                      # a view setting: nothing written to the project
    win.close()

    from digitizer.gui.settings import Settings

    assert Settings(settings_path).line_image_zoom == 0.8                   # kept ...
    win = _open(qtbot, settings_path, wills)                                # ... and used again
    assert win.line_images.zoom == 0.8 and win.line_images.slider.value() == 80
    short, long = _short_long(win)
    assert win.editor.row(long.id).crop.px_per_text_height == pytest.approx(0.8 * TEXT_HEIGHT_PX)
    win.close()


def test_every_page_at_the_same_pixels_per_text_height_and_cached(qtbot, gui_env, settings_path, wills):
    win = _open(qtbot, settings_path, wills)
    will_px = [win.editor.row(lid).crop.px_per_text_height for lid in win.editor.line_ids()]
    will_scale = win.editor.row(win.editor.line_ids()[0]).crop.scale
    with qtbot.waitSignal(win.line_images.cropsReady, timeout=30000):
        qtbot.keyClick(current_edit(win), Qt.Key.Key_PageDown, CTRL)        # the typed page
    assert win.page.seq == 2 and _all_cut(win)
    typed_px = [win.editor.row(lid).crop.px_per_text_height for lid in win.editor.line_ids()]
    typed_scale = win.editor.row(win.editor.line_ids()[0]).crop.scale
    assert len(will_px) > 5 and len(typed_px) > 5
    assert will_px + typed_px == pytest.approx([TEXT_HEIGHT_PX] * (len(will_px) + len(typed_px)))
    assert typed_scale != pytest.approx(will_scale, rel=0.1)                # different writing sizes, one look
    cached = len(win.line_images.cache)
    win.step_page(-1)                                                       # back: from the cache at once
    assert win.page.seq == 1 and _all_cut(win) and len(win.line_images.cache) == cached
    win.close()


@pytest.fixture
def skewed_typed(tmp_path):
    """The typed page scanned 2.5° askew, processed with the real Tesseract (deskewed first)."""
    from digitizer.batch.process import process_pages
    from digitizer.imaging.skew import rotation_transform, warp

    with Image.open(TYPED_PAGE) as im:
        gray = np.asarray(im.convert("L"))
    rot, w, h = rotation_transform(gray.shape[1], gray.shape[0], 2.5)
    scan = tmp_path / "askew.png"
    Image.fromarray(warp(gray, rot, (w, h), 255)).save(scan, dpi=(300, 300))
    root = tmp_path / "proj"
    store = ProjectStore.create(root, name="typed", agent="tester")
    item = store.add_item("typed", title="Typed", profile="printed-modern")
    assert not import_paths(store, [scan], item).failures
    rep = process_pages(store)
    assert len(rep.done) == 1, rep.failed
    page = store.pages()[0]
    assert "preprocessed" in page.derived and abs(page.transform.d) > 0.03      # really deskewed
    store.close()
    return root


def test_deskewed_page_master_and_preprocessed_views_at_one_scale(qtbot, gui_env, settings_path, skewed_typed):
    win = _open(qtbot, settings_path, skewed_typed)
    lines = win.layout_.lines()
    assert len(lines) > 10 and not lines[0].polygon                        # Tesseract: boxes only

    def rows():
        return [win.editor.row(ln.id).crop for ln in lines]

    master = [(v.scale, v.image.height(), _ink(v)) for v in rows()]
    assert {round(s, 6) for s, _h, _i in master} == {round(master[0][0], 6)}
    with qtbot.waitSignal(win.line_images.cropsReady, timeout=30000):
        qtbot.keyClick(current_edit(win), Qt.Key.Key_F6)                     # show the preprocessed image
    assert win.showing == "preprocessed"
    pre = [(v.scale, v.image.height(), _ink(v)) for v in rows()]
    # the letters keep their size: the same text height on both images (the Transform only rotates)
    assert pre[0][0] == pytest.approx(master[0][0], rel=1e-6)
    assert [v.px_per_text_height for v in rows()] == pytest.approx([TEXT_HEIGHT_PX] * len(lines))
    # a line is cut at its recognised box, not the tall master box around it (which holds its neighbours)
    tall = np.median([ln.bbox.height for ln in lines]) * master[0][0] + 2 * PAD * TEXT_HEIGHT_PX
    assert np.median([h for _s, h, _i in pre]) < 0.6 * tall
    assert np.median([h for _s, h, _i in pre]) == pytest.approx((1 + 2 * PAD) * TEXT_HEIGHT_PX, abs=4)
    # the same writing in both views, line by line
    ratios = [b / a for (_s, _h, a), (_s2, _h2, b) in zip(master, pre) if a > 50]
    assert len(ratios) > 10 and 0.8 < np.median(ratios) < 1.25
    win.close()


def _ink(view) -> int:
    px = _array(view.image)
    return int(((px if px.ndim == 2 else px.mean(axis=2)) < 110).sum())


def test_the_line_being_typed_stays_in_view_when_the_line_images_grow(qtbot, gui_env, settings_path, wills):
    """Found with real keys under Xvfb: Ctrl+Alt++ on a line near the bottom of the editor made the rows
    above it taller and pushed the line being typed out of view; it stays in view."""
    win = _open(qtbot, settings_path, wills)
    editor = win.editor
    vp = editor.scroll.viewport()

    def top_in_view(lid: str) -> int:
        return editor.row(lid).mapTo(vp, editor.row(lid).rect().topLeft()).y()

    def in_view(lid: str) -> bool:
        row = editor.row(lid)
        return 0 <= top_in_view(lid) and top_in_view(lid) + row.height() <= vp.height()

    lid = [i for i in editor.line_ids() if in_view(i)][-1]            # the last line shown whole
    editor.focus_line(lid)
    assert in_view(lid)
    for _ in range(2):
        with qtbot.waitSignal(win.line_images.cropsReady, timeout=30000):
            qtbot.keyClick(current_edit(win), Qt.Key.Key_Plus, CTRL | ALT)
    qtbot.wait(50)
    assert win.line_images.zoom == pytest.approx(1.562, abs=0.001)
    assert editor.current_line_id() == lid and in_view(lid), (top_in_view(lid), vp.height())
    win.close()
