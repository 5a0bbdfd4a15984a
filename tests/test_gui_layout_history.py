"""Layout edits and the rest of the window's history (pytest-qt, offscreen, real tesseract page):

* undoing or restoring a text version of a line never undoes a move of that line made in edit mode
  (the text comes back, the line stays where it was put);
* a layout change made by another process (the real ``digitizer layout`` CLI) while the page is shown
  is picked up by the window's outside-change poll.
Every step is read back from the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from digitizer.model import BBox

from _gui_helpers import CTRL, current_edit, gui_env, no_leaks, settings_path  # noqa: F401
from _layout_gui import LEFT, NONE, SHIFT, drag, master, stored, window_in_edit_mode
from _layout_helpers import copy_typed, typed_project  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def _type_line(qtbot, win, line_id: str, text: str) -> None:
    win.editor.focus_line(line_id)
    edit = current_edit(win)
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)          # saved, on to the next line
    win.flush_saves()


def _moved(box: BBox, dx: int, dy: int) -> BBox:
    return BBox(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)


def test_undo_and_history_restore_of_text_keep_a_moved_line_in_place(qtbot, gui_env, settings_path, tmp_path,
                                                                      typed_project):
    root = copy_typed(typed_project, tmp_path)
    engine = stored(root)[0].find_line("b3_l1")
    win = window_in_edit_mode(qtbot, settings_path, root)
    ed = win.layout_edit
    # select the line with a click (the editor goes to it), then drag it 25,15 screen pixels
    mid = (engine.bbox.y0 + engine.bbox.y1) / 2
    QTest.mouseClick(win.viewer.viewport(), LEFT, NONE, ed.to_viewport(1000, mid))
    assert ed.selection == ("line", "b3_l1")
    start = ed.to_viewport(1000, mid)
    end = start + QPoint(25, 15)
    (x0, y0), (x1, y1) = master(win, start), master(win, end)
    drag(qtbot, win, start, end)
    dx, dy = x1 - x0, y1 - y0
    moved = _moved(engine.bbox, dx, dy)
    assert dx > 0 and dy > 0 and stored(root)[0].find_line("b3_l1").bbox == moved
    # then correct its text
    _type_line(qtbot, win, "b3_l1", "A corrected line")
    line = stored(root)[0].find_line("b3_l1")
    assert (line.text, line.bbox) == ("A corrected line", moved)
    # Ctrl+Z undoes the text edit: the engine's text and words come back, the line stays moved
    qtbot.keyClick(win.viewer, Qt.Key.Key_Z, CTRL)
    win.flush_saves()
    line = stored(root)[0].find_line("b3_l1")
    assert (line.text, line.bbox) == (engine.text, moved)
    assert [w.bbox for w in line.words] == [_moved(w.bbox, dx, dy) for w in engine.words]
    assert win.layout_.find_line("b3_l1").bbox == moved                  # and the window shows it there
    # Ctrl+Z again undoes the move
    qtbot.keyClick(win.viewer, Qt.Key.Key_Z, CTRL)
    win.flush_saves()
    line = stored(root)[0].find_line("b3_l1")
    assert (line.text, line.bbox) == (engine.text, engine.bbox)
    # redo both, then History (Ctrl+H) restores the engine's version: text back, line still moved
    for _ in range(2):
        qtbot.keyClick(win.viewer, Qt.Key.Key_Z, CTRL | SHIFT)
        win.flush_saves()
    line = stored(root)[0].find_line("b3_l1")
    assert (line.text, line.bbox) == ("A corrected line", moved)
    win.editor.focus_line("b3_l1")
    qtbot.keyClick(current_edit(win), Qt.Key.Key_H, CTRL)
    dlg = win.history_dialog
    dlg.select_version(1)
    dlg.restore_button.click()
    dlg.close()
    win.flush_saves()
    line = stored(root)[0].find_line("b3_l1")
    assert (line.text, line.bbox) == (engine.text, moved)
    assert win.editor.row("b3_l1").edit.text() == engine.text
    win.close()


def test_a_layout_change_by_the_cli_is_shown_while_the_page_is_open(qtbot, gui_env, settings_path, tmp_path,
                                                                   typed_project):
    root = copy_typed(typed_project, tmp_path)
    engine = stored(root)[0]
    win = window_in_edit_mode(qtbot, settings_path, root)
    win.flush_saves()
    win.check_outside_changes()                                          # the poll has seen the page as opened
    line = engine.find_line("b2_l1")
    res = subprocess.run([sys.executable, "-m", "digitizer.cli.main", "layout", str(root), "--page", "1",
                          "--line", "b2_l1", "--move=30,-4", "--operator", "Terminal Tom"],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert res.returncode == 0 and "saved as layout version 2" in res.stdout, res.stderr
    res = subprocess.run([sys.executable, "-m", "digitizer.cli.main", "layout", str(root), "--page", "1",
                          "--region", "b4", "--type", "heading"],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert res.returncode == 0, res.stderr
    # nothing the text compares changed (ids, texts, states): the layout version tells the window
    with qtbot.waitSignal(win.outsideChange, timeout=10000) as sig:      # polled on the window's timer
        pass
    assert sig.args == [win.page.id, True]
    assert stored(root)[1] == [1, 2, 3]
    assert win.layout_.find_line("b2_l1").bbox == _moved(line.bbox, 30, -4)
    assert win.viewer.layout_.find_line("b2_l1").bbox == _moved(line.bbox, 30, -4)
    assert win.decorations.type_labels["b4"] == "heading"                # edit mode's region labels follow
    assert win.layout_edit.active and win.current_mode() == "edit"
    win.close()
