"""GUI: draw a missing line with the mouse on the page, then Layout ▸ Recognise this line (Ctrl+Alt+L)
reads it with the page's engine (real tesseract) in a worker; the store has a machine version, and
undo makes the drawn (empty) version current again."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from digitizer import workflow
from digitizer.gui.layout import recognise_action
from digitizer.store import ProjectStore

from _gui_helpers import (PAGE_TEXTS, copy_project, gui_env, no_leaks, open_window,  # noqa: F401
                          processed_template, settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _view_point(win, x: float, y: float) -> QPoint:
    """Master pixel (x, y) -> a point on the viewer's viewport."""
    scene = win.viewer.overlay_root.transform().map(QPointF(x, y))
    return win.viewer.mapFromScene(scene)


def _drag(win, x0: int, y0: int, x1: int, y1: int) -> None:
    vp = win.viewer.viewport()
    start, end = _view_point(win, x0, y0), _view_point(win, x1, y1)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, (start + end) / 2)
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_draw_a_line_with_the_mouse_and_recognise_it(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid = win.page.id
    first, second, third = win.editor.line_ids()
    box = win.layout_.find_line(second).bbox
    win.editor.focus_line(second)
    win.delete_current_line()                            # the engine "missed" the second line
    assert win.editor.line_ids() == [first, third]

    win.viewer.fit_page()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    _drag(win, box.x0 - 6, box.y0 - 6, box.x1 + 6, box.y1 + 6)
    ids = win.editor.line_ids()
    assert len(ids) == 3 and ids[0] == first and ids[2] == third
    drawn = ids[1]
    assert drawn not in (first, second, third) and win.editor.current_line_id() == drawn
    assert "Ctrl+Alt+L" in win.statusBar().currentMessage()            # the offer
    assert win.store.load_layout(pid).find_line(drawn).text == ""

    qtbot.keyClick(win.editor.row(drawn).edit, Qt.Key.Key_L, CTRL_ALT)
    worker = recognise_action.running(win) or win._line_recogniser
    qtbot.waitUntil(lambda: win.undo_stack.undoText() == f"recognise line {drawn}", timeout=120_000)
    assert worker.done.is_set()

    expected = PAGE_TEXTS[0][1]                                        # "over the lazy dog today"
    with ProjectStore.open(root) as store:                             # a second connection: what is stored
        line = store.load_layout(pid).find_line(drawn)
        assert line.text == expected and line.words and line.confidence is not None
        assert [v.source for v in store.line_history(pid, drawn)] == ["layout", "recognise"]
        assert workflow.line_states(store, pid)[drawn] == "machine"
        assert store.events(page_id=pid, action="ocr")[-1].parameters["line"] == drawn
    assert win.editor.row(drawn).edit.text() == expected               # the window shows what is stored
    if os.environ.get("DIGITIZER_SCREENSHOTS"):
        win.grab().save(os.path.join(os.environ["DIGITIZER_SCREENSHOTS"], "recognise-line.png"))

    win.undo()                                                         # back to the drawn, empty line
    win.flush_saves()
    with ProjectStore.open(root) as store:
        assert store.load_layout(pid).find_line(drawn).text == ""
        assert [v.source for v in store.line_history(pid, drawn)] == ["layout", "recognise", "undo"]
    win.close()


def test_recognise_is_refused_on_a_persons_text(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid, lid = win.page.id, win.editor.line_ids()[0]
    errors: list[str] = []
    win.show_error = errors.append
    win.editor.focus_line(lid)
    edit = win.editor.row(lid).edit
    qtbot.keyClicks(edit, " typed")
    qtbot.keyClick(edit, Qt.Key.Key_L, CTRL_ALT)                      # the pending edit is saved first
    qtbot.waitUntil(lambda: bool(errors), timeout=120_000)
    assert "a person's text is there" in errors[0]
    with ProjectStore.open(root) as store:
        assert store.load_layout(pid).find_line(lid).text.endswith(" typed")
        assert [v.source for v in store.line_history(pid, lid)] == ["engine", "edit"]
    win.close()


def test_the_transcription_dock_follows_a_recognised_and_an_undone_line(qtbot, gui_env, settings_path, tmp_path,
                                                                       processed_template):
    """Found with real keys under Xvfb: after Ctrl+Alt+L the editor showed the engine's text but the
    Transcription dock still said 'Line 2: ' (empty) and 'edited'; after Ctrl+Z it showed text that was
    no longer current.  The dock shows what the store holds for the current line."""
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid, panel = win.page.id, win.transcription_panel
    first, second, third = win.editor.line_ids()
    box = win.layout_.find_line(second).bbox
    win.editor.focus_line(second)
    qtbot.keyClick(win.editor.row(second).edit, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)                 # Layout > Delete line
    win.flush_saves()
    win.viewer.fit_page()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    _drag(win, box.x0 - 6, box.y0 - 6, box.x1 + 6, box.y1 + 6)
    drawn = win.editor.current_line_id()
    assert drawn not in (first, second, third)
    with ProjectStore.open(root) as store:
        drawn_state = store.line_states(pid)[drawn].state
    assert panel.line_label.text() == "Line 2: " and panel.state_label.text() == drawn_state

    qtbot.keyClick(win.editor.row(drawn).edit, Qt.Key.Key_L, CTRL_ALT)
    qtbot.waitUntil(lambda: win.undo_stack.undoText() == f"recognise line {drawn}", timeout=120_000)
    with ProjectStore.open(root) as store:
        text = store.load_layout(pid).find_line(drawn).text
        state = store.line_states(pid).get(drawn)
    assert text == PAGE_TEXTS[0][1]
    assert panel.line_label.text() == f"Line 2: {text}"
    assert panel.state_label.text() == (state.state if state else "machine")

    qtbot.keyClick(win.editor.row(drawn).edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    win.flush_saves()
    with ProjectStore.open(root) as store:
        assert store.load_layout(pid).find_line(drawn).text == ""
        state = store.line_states(pid).get(drawn)
    assert panel.line_label.text() == "Line 2: "
    assert panel.state_label.text() == (state.state if state else "machine")
    win.close()
