"""Points and region order in the layout edit mode (pytest-qt, offscreen, the real tesseract page): a
double-click on a line's edge and on its baseline adds a point, a right click on a point and Delete on a
selected point remove one, a removal below the minimum is refused in the status bar, Alt+Shift+Up and the
region's context menu move a region in the reading order; undo; each step read back from the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from digitizer import layout_edit as E
from digitizer.correction import commit_layout
from digitizer.store import ProjectStore

from _gui_helpers import ALT, CTRL, gui_env, no_leaks, settings_path  # noqa: F401
from _layout_gui import LEFT, NONE, SHIFT, master, stored, window_in_edit_mode
from _layout_helpers import copy_typed, typed_project  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
RIGHT = Qt.MouseButton.RightButton


def _with_baseline(root, line_id: str, y: int) -> None:
    with ProjectStore.open(root) as store:
        pid = store.pages()[0].id
        lay = store.load_layout(pid)
        box = lay.find_line(line_id).bbox
        E.set_baseline(lay, line_id, [(box.x0, y), (box.x1, y)])
        commit_layout(store, pid, lay, "baseline", line=line_id)


def test_add_and_remove_points_with_the_mouse_and_delete(qtbot, gui_env, settings_path, tmp_path, typed_project):
    root = copy_typed(typed_project, tmp_path)
    line = stored(root)[0].find_line("b3_l1")
    box, base_y = line.bbox, line.bbox.y1 - 10
    _with_baseline(root, "b3_l1", base_y)
    win = window_in_edit_mode(qtbot, settings_path, root)
    ed, vp = win.layout_edit, win.viewer.viewport()
    QTest.mouseClick(vp, LEFT, NONE, ed.to_viewport(1000, (box.y0 + box.y1) / 2))
    assert ed.selection == ("line", "b3_l1")
    assert sorted(h.kind for h in ed._handles) == ["baseline"] * 2 + ["corner"] * 4
    # double-click on the top edge of the box: the line gets an outline with a point there
    top = ed.to_viewport(1200, box.y0)
    x, y = master(win, top)
    QTest.mouseDClick(vp, LEFT, NONE, top)
    win.flush_saves()
    lay, versions, ops, _ = stored(root)
    poly = lay.find_line("b3_l1").polygon
    assert poly == [(box.x0, box.y0), (x, y), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
    assert versions == [1, 2, 3] and ops[-1] == "insert point"
    assert [h.kind for h in ed._handles].count("vertex") == 5 and ed.selection == ("line", "b3_l1")
    # right-click that point: it is removed
    QTest.mouseClick(vp, RIGHT, NONE, ed.to_viewport(x, y))
    win.flush_saves()
    lay, versions, ops, _ = stored(root)
    assert len(lay.find_line("b3_l1").polygon) == 4 and versions[-1] == 4 and ops[-1] == "remove point"
    # double-click on the baseline: a third baseline point
    on_base = ed.to_viewport(1400, base_y)
    bx, by = master(win, on_base)
    QTest.mouseDClick(vp, LEFT, NONE, on_base)
    win.flush_saves()
    lay, versions, _, _ = stored(root)
    assert lay.find_line("b3_l1").baseline == [(box.x0, base_y), (bx, by), (box.x1, base_y)] and versions[-1] == 5
    # a click on that point selects it, Delete removes it
    QTest.mouseClick(vp, LEFT, NONE, ed.to_viewport(bx, by))
    assert ed.point is not None and (ed.point.kind, ed.point.index) == ("baseline", 1)
    qtbot.keyClick(win.viewer, Qt.Key.Key_Delete)
    win.flush_saves()
    lay, versions, ops, _ = stored(root)
    assert lay.find_line("b3_l1").baseline == [(box.x0, base_y), (box.x1, base_y)] and versions[-1] == 6
    assert ed.point is None
    # one more would leave one baseline point: refused in the status bar, nothing saved, no undo step
    steps = win.undo_stack.count()
    QTest.mouseClick(vp, RIGHT, NONE, ed.to_viewport(box.x1, base_y))
    win.flush_saves()
    assert "needs at least 2 points" in win.statusBar().currentMessage()
    assert stored(root)[1][-1] == 6 and win.undo_stack.count() == steps
    # Ctrl+Z brings the third point back (as a new version)
    qtbot.keyClick(win.viewer, Qt.Key.Key_Z, CTRL)
    win.flush_saves()
    lay, versions, ops, _ = stored(root)
    assert len(lay.find_line("b3_l1").baseline) == 3 and versions[-1] == 7 and ops[-1] == "undo remove point"
    win.close()


def test_region_reading_order_by_key_and_context_menu(qtbot, gui_env, settings_path, tmp_path, typed_project):
    root = copy_typed(typed_project, tmp_path)
    first = stored(root)[0]
    ids = [b.id for b in first.blocks]
    assert ids.index("b5") == ids.index("b4") + 1
    win = window_in_edit_mode(qtbot, settings_path, root)
    ed, deco, vp = win.layout_edit, win.decorations, win.viewer.viewport()
    n_b4 = len(first.blocks[ids.index("b4")].lines)
    assert deco.numbers["b5_l1"] == "5" and deco.region_numbers["b5"] == ids.index("b5") + 1
    QTest.mouseClick(vp, LEFT, NONE, ed.to_viewport(640, 720))             # region b5's margin: selects it
    assert ed.selection == ("region", "b5")
    qtbot.keyClick(win.viewer, Qt.Key.Key_Up, ALT | SHIFT)                 # Move region earlier
    win.flush_saves()
    lay, versions, ops, _ = stored(root)
    now = [b.id for b in lay.blocks]
    assert now.index("b5") == ids.index("b4") and now.index("b4") == ids.index("b5")
    assert versions == [1, 2] and ops == ["region order"]
    assert deco.numbers["b5_l1"] == "4" and deco.numbers["b4_l1"] == str(4 + len(lay.blocks[now.index("b5")].lines))
    assert deco.region_numbers["b5"] == ids.index("b4") + 1
    # the region's context menu: "Later in reading order" puts it back
    QTest.mouseClick(vp, RIGHT, NONE, ed.to_viewport(640, 720))
    menu = ed.menu
    assert menu is not None and menu.isVisible()
    act = next(a for a in menu.actions() if a.data() == ("order", 1))
    assert act.text().startswith("Later in reading order") and act.isEnabled()
    qtbot.waitUntil(lambda: not menu.actionGeometry(act).isEmpty())
    QTest.mouseClick(menu, LEFT, NONE, menu.actionGeometry(act).center())
    win.flush_saves()
    lay, versions, ops, _ = stored(root)
    assert [b.id for b in lay.blocks] == ids and versions == [1, 2, 3] and ops[-1] == "region order"
    assert deco.numbers["b5_l1"] == "5" and n_b4 >= 1
    # Ctrl+Z: earlier again (the stored version 2 saved again)
    qtbot.keyClick(win.viewer, Qt.Key.Key_Z, CTRL)
    win.flush_saves()
    lay, versions, ops, _ = stored(root)
    assert [b.id for b in lay.blocks] == now and versions == [1, 2, 3, 4] and ops[-1] == "undo region order"
    # the first region cannot go earlier: nothing recorded, no undo step
    steps = win.undo_stack.count()
    ed.select("region", now[0])
    qtbot.keyClick(win.viewer, Qt.Key.Key_Up, ALT | SHIFT)
    win.flush_saves()
    assert stored(root)[1] == [1, 2, 3, 4] and win.undo_stack.count() == steps
    win.close()
