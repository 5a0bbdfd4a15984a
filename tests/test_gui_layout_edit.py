"""Layout edit mode in the window (pytest-qt, offscreen) on the real typewritten page processed with tesseract:
drag a line corner and a region with real mouse events on the viewer's viewport, change a region type from
its context menu, move a line into the next region with Alt+Down, undo; every step read back from the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from digitizer.model import BBox, to_dict
from digitizer.store import ProjectStore

from _gui_helpers import ALT, CTRL, current_edit, gui_env, no_leaks, settings_path  # noqa: F401
from _layout_gui import LEFT, NONE, SHIFT
from _layout_gui import drag as _drag, master as _master, stored as _stored
from _layout_gui import window_in_edit_mode as _window_in_edit_mode
from _layout_helpers import copy_typed, typed_project  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def test_drag_a_line_corner_and_a_region_then_undo(qtbot, gui_env, settings_path, tmp_path, typed_project):
    root = copy_typed(typed_project, tmp_path)
    before, _, _, _ = _stored(root)
    win = _window_in_edit_mode(qtbot, settings_path, root)
    ed = win.layout_edit
    line = before.find_line("b3_l1")
    # a click on the line selects it (handles at its corners) and makes it the editor's line
    QTest.mouseClick(win.viewer.viewport(), LEFT, NONE, ed.to_viewport(1000, (line.bbox.y0 + line.bbox.y1) / 2))
    assert ed.selection == ("line", "b3_l1") and win.editor.current_line_id() == "b3_l1"
    assert sorted(h.kind for h in ed._handles) == ["corner"] * 4
    # drag its bottom-right corner handle 30,20 screen pixels
    corner = ed.to_viewport(line.bbox.x1, line.bbox.y1)
    end = corner + QPoint(30, 20)
    _drag(qtbot, win, corner, end)
    x1, y1 = _master(win, end)
    after, versions, ops, first = _stored(root)
    assert after.find_line("b3_l1").bbox == BBox(line.bbox.x0, line.bbox.y0, x1, y1) and x1 > line.bbox.x1
    assert versions == [1, 2] and ops == ["resize line"]
    assert first.find_line("b3_l1").bbox == line.bbox                       # the first version is kept
    words = after.find_line("b3_l1").words
    assert words[0].bbox.x0 == line.words[0].bbox.x0 and words[-1].bbox.x1 > line.words[-1].bbox.x1
    # drag region b5 by its left margin (no line there): the region moves with its lines
    b5 = before.blocks[4]
    assert b5.id == "b5" and ed.item_at(QPointF(640, 720)) == ("region", "b5")
    start = ed.to_viewport(640, 720)
    end = start + QPoint(-20, 12)
    (mx0, my0), (mx1, my1) = _master(win, start), _master(win, end)
    _drag(qtbot, win, start, end)
    after, versions, ops, _ = _stored(root)
    dx, dy = mx1 - mx0, my1 - my0
    assert dx < 0 < dy and ed.selection == ("region", "b5")
    moved = after.blocks[4]
    assert moved.bbox == BBox(b5.bbox.x0 + dx, b5.bbox.y0 + dy, b5.bbox.x1 + dx, b5.bbox.y1 + dy)
    assert [ln.bbox.y0 for ln in moved.lines] == [ln.bbox.y0 + dy for ln in b5.lines]
    assert versions == [1, 2, 3] and ops == ["resize line", "move region"]
    # a click without a drag records nothing
    QTest.mouseClick(win.viewer.viewport(), LEFT, NONE, ed.to_viewport(640, 720 + dy))
    win.flush_saves()
    assert _stored(root)[1] == [1, 2, 3] and win.undo_stack.count() == 2
    # Ctrl+Z: the stored previous version comes back (as a new version)
    qtbot.keyClick(win.viewer, Qt.Key.Key_Z, CTRL)
    win.flush_saves()
    after, versions, ops, _ = _stored(root)
    assert versions == [1, 2, 3, 4] and ops[-1] == "undo move region"
    with ProjectStore.open(root) as store:
        assert to_dict(store.load_layout(store.pages()[0].id, 2)) == to_dict(after)
    # Esc leaves the mode
    qtbot.keyClick(win.viewer, Qt.Key.Key_Escape)
    assert win.current_mode() is None and not win.mode_label.isVisible() and not win.layout_edit.active
    win.close()


def test_region_type_menu_order_numbers_and_alt_down_across_regions(qtbot, gui_env, settings_path, tmp_path,
                                                                    typed_project):
    root = copy_typed(typed_project, tmp_path)
    win = _window_in_edit_mode(qtbot, settings_path, root)
    ed, deco = win.layout_edit, win.decorations
    assert deco.numbers["b5_l1"] == "5" and deco.type_labels["b3"] == "text"   # edit mode shows order and types
    # right-click a line of region b3: the region's type menu; click "heading" in it
    QTest.mouseClick(win.viewer.viewport(), Qt.MouseButton.RightButton, NONE, ed.to_viewport(1000, 517))
    menu = ed.menu
    assert menu is not None and menu.isVisible()
    act = next(a for a in menu.actions() if a.text() == "heading")
    qtbot.waitUntil(lambda: not menu.actionGeometry(act).isEmpty())
    QTest.mouseClick(menu, LEFT, NONE, menu.actionGeometry(act).center())
    win.flush_saves()
    lay, versions, ops, _ = _stored(root)
    assert lay.blocks[2].type == "heading" and versions == [1, 2] and ops == ["region type"]
    assert deco.type_labels["b3"] == "heading"
    # Ctrl+Shift+T: the next type for the selected region
    qtbot.keyClick(win.viewer, Qt.Key.Key_T, CTRL | SHIFT)
    win.flush_saves()
    assert _stored(root)[0].blocks[2].type == "marginalia"
    # Alt+Down on the only line of b4: it becomes the first line of b5 (same number), again: below b5_l1
    win.editor.focus_line("b4_l1")
    steps = win.undo_stack.count()
    qtbot.keyClick(current_edit(win), Qt.Key.Key_Down, ALT)
    win.flush_saves()
    lay = _stored(root)[0]
    assert [ln.id for ln in lay.blocks[3].lines] == [] and [ln.id for ln in lay.blocks[4].lines][:2] == ["b4_l1", "b5_l1"]
    assert win.undo_stack.count() == steps + 1 and deco.numbers["b4_l1"] == "4"
    qtbot.keyClick(current_edit(win), Qt.Key.Key_Down, ALT)
    win.flush_saves()
    lay, versions, ops, _ = _stored(root)
    assert [ln.id for ln in lay.blocks[4].lines][:2] == ["b5_l1", "b4_l1"] and deco.numbers["b4_l1"] == "5"
    assert ops[-2:] == ["reading order", "reading order"] and len(versions) == 5
    # Alt+Up on the first line of the page: nothing to move, no undo step, no version
    win.editor.focus_line("b1_l1")
    steps = win.undo_stack.count()
    qtbot.keyClick(current_edit(win), Qt.Key.Key_Up, ALT)
    win.flush_saves()
    assert win.undo_stack.count() == steps and len(_stored(root)[1]) == 5
    # undo the last move: b4_l1 is first of b5 again
    qtbot.keyClick(current_edit(win), Qt.Key.Key_Z, CTRL)
    win.flush_saves()
    assert [ln.id for ln in _stored(root)[0].blocks[4].lines][:2] == ["b4_l1", "b5_l1"]
    # the draw modes have the indicator too; Esc leaves them
    qtbot.keyClick(current_edit(win), Qt.Key.Key_L, CTRL | SHIFT)
    assert win.current_mode() == "line" and win.mode_label.text().startswith("DRAW LINE")
    assert not win.edit_layout_action.isChecked()
    assert win.viewer.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
    qtbot.keyClick(win.viewer, Qt.Key.Key_Escape)
    assert win.current_mode() is None and not win.mode_label.isVisible()
    win.close()
