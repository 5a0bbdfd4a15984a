"""Issue 15, deliver 6: opening a page costs the GUI thread less, and behaves the same.

* the viewer draws a page's words, lines and blocks with a few items (not one item per word):
  real mouse clicks on the viewport still select the word (or, words hidden with F9, the line), the
  word's tooltip still gives its confidence, and a word clicked on the page is restricted in the store;
* the Restrictions panel reads a page's restrictions on the store writer's thread when a page opens;
* the shortcut guard watches the window's text fields (no application-wide event filter): a field
  made after the window still lets window shortcuts fire and types nothing for them.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QToolTip

from digitizer.restrict import add_restriction, list_restrictions
from digitizer.store import ProjectStore

from _gui_helpers import (CTRL, copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path, wait_full_image)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def _at(win, x: float, y: float) -> QPoint:
    """Viewport point of a master-coordinate point."""
    return win.viewer.mapFromScene(win.viewer.scene_pos_of(x, y))


def _centre(box) -> tuple[float, float]:
    return (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2


def test_words_drawn_by_few_items_are_still_clicked_hovered_and_restricted(qtbot, gui_env, settings_path, tmp_path,
                                                                          processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    wait_full_image(qtbot, win)
    v, lines = win.viewer, win.layout_.lines()
    words = sum(len(ln.words) for ln in lines)
    assert v.overlay_count("words") == words and v.overlay_count("lines") == len(lines)
    # every word is drawn, by a few items (blocks, lines, baselines, 4 confidence bands), the same
    # items for every page (refilled, not made again)
    from PySide6.QtCore import QRectF

    from digitizer.gui.correction.page_overlays import confidence_band

    for ln in lines:
        for w in ln.words:                        # each word is drawn with its confidence band
            assert QRectF(w.bbox.x0, w.bbox.y0, w.bbox.width, w.bbox.height) in v.overlays.bands[
                confidence_band(w.confidence, v.threshold)].rects
    items = set(v.overlay_root.childItems())
    assert len(items) < words
    ids = [p.id for p in win.browser.model.pages()]
    win.open_page(ids[1])
    assert set(v.overlay_root.childItems()) == items and v.overlay_count("words") > 0
    win.open_page(ids[0])
    lines = win.layout_.lines()

    # a real click on the 3rd word of the 2nd line: the editor goes there, the word selected
    word = lines[1].words[2]
    vp = v.viewport()
    QTest.mouseClick(vp, LEFT, NONE, _at(win, *_centre(word.bbox)))
    assert win.editor.current_line_id() == lines[1].id
    assert win.editor.row(lines[1].id).edit.textCursor().selectedText() == word.text
    # its tooltip says its confidence
    pos = _at(win, *_centre(word.bbox))
    QApplication.sendEvent(vp, QHelpEvent(QEvent.Type.ToolTip, pos, vp.mapToGlobal(pos)))
    assert QToolTip.text() == f"confidence {word.confidence * 100:.0f} %"
    QToolTip.hideText()

    # restrict the word clicked: the store has it, and it is hatched on the page
    win.restrict_dock.show()
    qtbot.mouseClick(win.restrict_panel.word_button, LEFT)
    with ProjectStore.open(root) as store:
        assert [(r.scope, r.target) for r in list_restrictions(store)] == [("word", word.id)]
    assert len(win.restrict_panel.hatches) == 1

    # a click beside the text (no line there) changes nothing
    QTest.mouseClick(vp, LEFT, NONE, _at(win, 5, 5))
    assert win.editor.current_line_id() == lines[1].id

    # words hidden (F9): the same point now selects the line, with no word selected
    win.editor.focus_line(lines[0].id)
    v.setFocus()
    qtbot.keyClick(v, Qt.Key.Key_F9)
    assert not v.overlays.visible["words"] and not any(i.isVisible() for i in v.overlays.bands.values())
    QTest.mouseClick(vp, LEFT, NONE, _at(win, *_centre(word.bbox)))
    assert win.editor.current_line_id() == lines[1].id
    assert win.editor.row(lines[1].id).edit.textCursor().selectedText() == ""
    win.close()


def test_restrictions_follow_the_pages_read_on_the_writer_thread(qtbot, gui_env, settings_path, tmp_path,
                                                               processed_template):
    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        first = store.pages()[0]
        line = store.load_layout(first.id).lines()[0]
        add_restriction(store, "line", reason="personal-data", target=line.id, item_id=first.item_id,
                        page_id=first.id, agent="tester")
    win = open_window(qtbot, settings_path, root)
    panel = win.restrict_panel
    ids = [p.id for p in win.browser.model.pages()]
    assert win.page.id == ids[0]
    qtbot.waitUntil(lambda: len(panel.hatches) == 1, timeout=5000)
    assert panel.table.rowCount() == 1
    hatch = panel.hatches[0].rect()
    assert (hatch.x(), hatch.y()) == (line.bbox.x0, line.bbox.y0)
    table_item = panel.table.item(0, 0)
    win.open_page(ids[1])                       # page 2 has nothing restricted: the hatches go at once
    assert panel.hatches == []
    win.flush_saves()
    qtbot.wait(50)
    assert panel.hatches == [] and panel.table.rowCount() == 1
    assert panel.table.item(0, 0) is table_item          # the same list: the table is not rebuilt
    win.open_page(ids[0])
    qtbot.waitUntil(lambda: len(panel.hatches) == 1, timeout=5000)
    win.close()


def test_a_text_field_made_after_the_window_lets_window_shortcuts_fire(qtbot, gui_env, settings_path, tmp_path,
                                                                      processed_template):
    win = open_window(qtbot, settings_path, copy_project(processed_template, tmp_path))
    field = QLineEdit()
    win.restrict_panel.layout().addWidget(field)        # a field the guard has not seen yet
    win.restrict_dock.show()
    win.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=5000)
    qtbot.keyClicks(field, "ab")
    assert field.text() == "ab"                         # plain keys still type
    qtbot.keyClick(field, Qt.Key.Key_U, CTRL)           # the window's "Unicode input" (Ctrl+U)
    assert field.text() == "ab"
    assert QApplication.focusWidget() is win.editor.unicode_input
    win.close()
