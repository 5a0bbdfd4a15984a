"""Workers, models, settings and widgets, each on real data (no window unless needed)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from digitizer.errors import CancelledError, DigitizerError
from digitizer.gui.correction.line_editor import LineEditor
from digitizer.gui.correction.line_row import char_label, parse_unicode
from digitizer.gui.models import PAGE_ROLE, ProjectModel, ReplacementModel, StatusFilterProxy
from digitizer.gui.settings import Settings
from digitizer.gui.workers import create_worker
from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, make_project, no_leaks, open_window, processed_template,  # noqa: F401
                          render_page, settings_path, wait_full_image)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


# ---------------------------------------------------------------- workers

def _count(n, cancel=None, progress=None):
    progress.start(n, "count")
    for i in range(n):
        progress.advance(1)
        yield i
    return "done"


def test_worker_yields_progress_and_returns(qtbot):
    got, prog = [], []
    w = create_worker(_count, 3)
    w.signals.yielded.connect(got.append)
    w.signals.progress.connect(prog.append)
    with qtbot.waitSignal(w.signals.returned, timeout=5000) as ret:
        w.start()
    qtbot.waitUntil(lambda: w.done.is_set())
    assert ret.args == ["done"] and got == [0, 1, 2]
    assert prog[0] == ("start", 3, "count") and prog.count(("advance", 1, "")) == 3


def _endless(cancel=None):
    i = 0
    while True:
        i += 1
        yield i


def test_worker_abort_between_yields(qtbot):
    got = []
    w = create_worker(_endless)
    w.signals.yielded.connect(got.append)
    w.signals.yielded.connect(lambda v: w.quit() if v >= 3 else None)
    with qtbot.waitSignal(w.signals.aborted, timeout=5000):
        w.start()
    qtbot.waitUntil(lambda: w.done.is_set())
    assert 3 <= len(got) and w.cancel_token.cancelled


def _cancellable(cancel=None):
    while True:
        cancel.check()


def _fails():
    raise DigitizerError("bad thing", hint="do this")


def test_worker_cancel_token_and_errors(qtbot):
    w = create_worker(_cancellable)
    with qtbot.waitSignal(w.signals.aborted, timeout=5000):
        w.start()
        w.quit()
    qtbot.waitUntil(lambda: w.done.is_set())
    e = create_worker(_fails)
    with qtbot.waitSignal(e.signals.errored, timeout=5000) as err:
        e.start()
    qtbot.waitUntil(lambda: e.done.is_set())
    assert err.args[0].user_message == "bad thing (do this)"
    assert not isinstance(err.args[0], CancelledError)


# ---------------------------------------------------------------- models and settings

def test_project_model_and_status_filter(qapp, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        pages = store.pages()
        store.set_status(pages[1].id, "approved")
        model = ProjectModel(store.items())
    item_idx = model.index(0, 0)
    assert model.rowCount() == 1 and model.rowCount(item_idx) == 2
    p0 = model.index(0, 0, item_idx)
    assert p0.data(PAGE_ROLE) == pages[0].id and p0.parent() == item_idx
    assert model.index(0, 1, item_idx).data() == "processed"
    assert model.index(0, 2, item_idx).data().endswith("%")
    proxy = StatusFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_status("approved")
    top = proxy.index(0, 0)
    assert proxy.rowCount(top) == 1 and proxy.index(0, 0, top).data(PAGE_ROLE) == pages[1].id
    proxy.set_status("failed")
    assert proxy.rowCount() == 0
    proxy.set_status("")
    assert proxy.rowCount(proxy.index(0, 0)) == 2


def test_replacement_model_checkboxes(qapp):
    from digitizer.correction import Replacement

    rows = [Replacement(1, 1, 1, "b1_l1", "a x", "a y", 1), Replacement(1, 2, 2, "b1_l1", "x", "y", 1)]
    m = ReplacementModel(rows)
    assert m.rowCount() == 2 and m.index(0, 3).data() == "a y"
    m.setData(m.index(1, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert m.checked() == rows[:1]


def test_settings_round_trip(tmp_path):
    path = tmp_path / "s.ini"
    s = Settings(path)
    assert s.operator == "test-operator" and s.threshold is None and s.theme == "system"
    s.operator, s.languages, s.threshold, s.theme = "Ada", ["deu", "frk"], 0.7, "dark"
    s.add_recent(tmp_path / "a")
    s.add_recent(tmp_path / "b")
    s.add_recent(tmp_path / "a")
    s.set_last_position(tmp_path / "a", 12, "b1_l3", 0.5)
    s.sync()
    t = Settings(path)
    assert (t.operator, t.languages, t.threshold, t.theme) == ("Ada", ["deu", "frk"], 0.7, "dark")
    assert t.recent_projects == [str((tmp_path / "a").resolve()), str((tmp_path / "b").resolve())]
    assert t.last_position(tmp_path / "a") == {"page_id": 12, "line_id": "b1_l3", "zoom": 0.5}
    assert t.last_position(tmp_path / "b") is None


def test_unicode_input_parsing():
    assert parse_unicode("U+017F") == "ſ" == parse_unicode("17f") == parse_unicode("0x17F")
    assert parse_unicode("LATIN SMALL LETTER LONG S") == "ſ"
    assert parse_unicode("U+0075 U+0364") == "uͤ"
    with pytest.raises(ValueError):
        parse_unicode("zzz-not-a-char")
    assert char_label("\u0364") == "◌\u0364" and char_label("ß") == "ß"


# ---------------------------------------------------------------- editor on its own

def test_editor_palette_unicode_and_keys(qtbot, processed_template, tmp_path):
    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        page = store.pages()[0]
        layout = store.load_layout(page.id)
    ed = LineEditor()
    qtbot.addWidget(ed)
    ed.show()
    ed.set_special_characters(["ſ", "\u0364"])
    ed.set_page(page.id, layout)
    commits = []
    ed.commitRequested.connect(lambda *a: commits.append(a))
    ids = ed.line_ids()
    ed.focus_line(ids[0])
    edit = ed.row(ids[0]).edit
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    buttons = [b for b in ed.palette_bar.findChildren(type(ed.palette_bar.layout().itemAt(0).widget()))]
    buttons[0].click()                                        # palette: ſ
    ed.unicode_input.setText("U+00DF")
    qtbot.keyClick(ed.unicode_input, Qt.Key.Key_Return)      # free Unicode: ß
    assert edit.text().endswith("ſß")
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert ed.current_line_id() == ids[1]
    assert commits == [(ids[0], layout.lines()[0].text, layout.lines()[0].text + "ſß")]
    qtbot.keyClick(ed.row(ids[1]).edit, Qt.Key.Key_Up)
    assert ed.current_line_id() == ids[0]
    with qtbot.waitSignal(ed.pageDoneRequested, timeout=1000):
        qtbot.keyClick(ed.row(ids[0]).edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # low-confidence highlight: with a threshold of 1.0 every engine word is marked
    ed.set_threshold(1.0)
    hl = ed.row(ids[1]).edit.highlighter
    block = ed.row(ids[1]).edit.document().firstBlock()
    assert hl.line is not None and len(block.layout().formats()) == len(layout.lines()[1].words)
    ed.set_threshold(0.0)
    assert len(ed.row(ids[1]).edit.document().firstBlock().layout().formats()) == 0


# ---------------------------------------------------------------- viewer in the window

def test_viewer_overlays_click_zoom_and_preprocessed(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    wait_full_image(qtbot, win)
    v = win.viewer
    lines = win.layout_.lines()
    assert v.overlay_count("words") == sum(len(ln.words) for ln in lines)
    qtbot.waitUntil(lambda: v.first_paint_ms is not None, timeout=5000)
    assert v.first_paint_ms > 0
    # click on the 2nd word of the 3rd line -> the editor goes there with the word selected
    word = lines[2].words[1]
    pos = v.mapFromScene(v.scene_pos_of((word.bbox.x0 + word.bbox.x1) / 2, (word.bbox.y0 + word.bbox.y1) / 2))
    qtbot.mouseClick(v.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert win.editor.current_line_id() == lines[2].id
    assert win.editor.row(lines[2].id).edit.textCursor().selectedText() == word.text
    z = v.zoom
    v.setFocus()
    qtbot.keyClick(v, Qt.Key.Key_Plus)
    assert v.zoom == pytest.approx(z * 1.25)
    v.fit_page()
    assert v.zoom < z * 1.25
    # the pixels are really painted (dark text on the grabbed viewport)
    img = v.viewport().grab().toImage()
    dark = sum(1 for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)
               if img.pixelColor(x, y).lightness() < 60)
    assert dark > 20
    with qtbot.waitSignal(win.pageImageReady, timeout=20000):
        win.preprocessed_action.setChecked(True)
    if "preprocessed" not in win.page.derived:   # a clean page keeps no derived copy: the master is shown
        assert v.showing == "master" and v.image_item.has_pixels
        win.preprocessed_action.setChecked(False)
        win.close()
        return
    assert v.showing == "preprocessed" and v.image_item.has_pixels
    from PIL import Image

    with Image.open(root / win.page.derived["preprocessed"].path) as im:
        assert (v.sceneRect().width(), v.sceneRect().height()) == im.size
    t = win.page.transform
    assert v.overlay_root.transform().m11() == pytest.approx(t.a) and v.overlay_root.transform().dx() == pytest.approx(t.c)
    win.preprocessed_action.setChecked(False)
    win.close()


def test_drop_files_imports_into_item(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    new = render_page(tmp_path / "dropped.png", ["A dropped page"])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(new))])
    tree = win.browser.tree
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(win.queue.idle, timeout=30000):
        tree.dropEvent(event)
    qtbot.waitUntil(lambda: len(win.browser.model.pages()) == 3, timeout=5000)
    assert win.browser.model.pages()[-1].status == "imported"
    from digitizer.gui.capture.capture_panel import CapturePanel   # docked once a project is open

    assert isinstance(win.capture_dock.widget(), CapturePanel) and win.capture_panel.store_root == win.root
    win.close()
