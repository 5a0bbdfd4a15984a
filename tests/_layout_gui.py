"""Shared steps of the layout-editing GUI tests: the window in edit mode on the typed page, real mouse drags
on the viewer's viewport, viewport -> master coordinates, the stored layout and its correction events."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from digitizer.store import ProjectStore

from _gui_helpers import current_edit, open_window

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def stored(root):
    """``(current layout, layout versions, correction operations, layout version 1)`` of the first page."""
    with ProjectStore.open(root) as store:
        pid = store.pages()[0].id
        ops = [e.parameters["operation"] for e in store.events(page_id=pid) if e.tool == "digitizer.correction"]
        return store.load_layout(pid), store.layout_versions(pid), ops, store.load_layout(pid, 1)


def drag(qtbot, win, start: QPoint, end: QPoint) -> None:
    """Press, move in steps and release the left button on the viewer's viewport."""
    vp = win.viewer.viewport()
    QTest.mousePress(vp, LEFT, NONE, start)
    for i in range(1, 6):
        QTest.mouseMove(vp, start + (end - start) * i / 5)
    QTest.mouseRelease(vp, LEFT, NONE, end)
    win.flush_saves()


def master(win, p: QPoint) -> tuple[int, int]:
    m = win.layout_edit.to_master(QPointF(p))
    return round(m.x()), round(m.y())


def window_in_edit_mode(qtbot, settings_path, root, *, zoom: float = 0.3, centre=(1300, 900)):
    """The window on ``root``'s page with Layout > Edit layout on (Ctrl+Shift+E), docks hidden."""
    win = open_window(qtbot, settings_path, root)
    for dock in (win.transcription_dock, win.queue_dock):
        dock.hide()
    qtbot.keyClick(current_edit(win), Qt.Key.Key_E, CTRL | SHIFT)          # Layout > Edit layout
    assert win.current_mode() == "edit" and win.edit_layout_action.isChecked()
    assert win.mode_label.isVisible() and win.mode_label.text().startswith("EDIT LAYOUT")
    win.viewer.set_zoom(zoom)
    win.viewer.centerOn(win.viewer.scene_pos_of(*centre))
    return win
