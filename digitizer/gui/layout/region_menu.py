"""The context menu of a region in edit mode: its type and its place in the reading order.

A mixin of :class:`~.edit_mode.LayoutEditMode`: a right click on a region (or on a line in it) opens
the menu; every choice is one ``editRequested`` (a :mod:`digitizer.layout_edit` operation that the
window saves as one undoable layout version).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from ... import layout_edit as E

ORDER_KEYS = {-1: "Alt+Shift+Up", 1: "Alt+Shift+Down"}
ORDER_TEXT = {-1: "Earlier in reading order", 1: "Later in reading order"}


class RegionMenu:
    """Region type and region reading order (see the module docstring)."""

    viewer: Any
    menu: QMenu | None
    editRequested: Any
    select: Any                      # LayoutEditMode.select

    def region_of(self, hit: tuple[str, str]) -> str | None:
        layout = self.viewer.layout_
        if layout is None:
            return None
        if hit[0] == "region":
            return hit[1]
        try:
            return E.find_line(layout, hit[1])[0].id
        except E.LayoutEditError:
            return None

    def open_type_menu(self, hit: tuple[str, str], global_pos: QPoint) -> QMenu | None:
        """The context menu of a region (or of the region of a line): its type, then its reading order."""
        rid = self.region_of(hit)
        layout = self.viewer.layout_
        if rid is None or layout is None:
            return None
        current = E.find_block(layout, rid).type
        self.menu = menu = QMenu(self.viewer)
        menu.setObjectName("region-type-menu")
        menu.addSection(f"Region {rid}: type")
        group = QActionGroup(menu)
        for t in E.region_types():
            act = QAction(t, menu)
            act.setCheckable(True)
            act.setChecked(t == current)
            act.setData(("type", t))
            group.addAction(act)
            menu.addAction(act)
        menu.addSection(f"Region {rid}: reading order")
        place = [b.id for b in layout.blocks].index(rid)
        for delta in (-1, 1):
            act = QAction(f"{ORDER_TEXT[delta]}\t{ORDER_KEYS[delta]}", menu)
            act.setData(("order", delta))
            act.setEnabled(0 <= place + delta < len(layout.blocks))
            menu.addAction(act)
        menu.triggered.connect(lambda act: self._menu_chosen(rid, act.data()))
        self.select("region", rid)
        menu.popup(global_pos)
        return menu

    def _menu_chosen(self, region_id: str, data: Any) -> None:
        what, value = data
        if what == "type":
            self.request_type(region_id, str(value))
        else:
            self.request_order(region_id, int(value))

    def request_type(self, region_id: str, kind: str) -> None:
        self.editRequested.emit("region type", lambda lay: E.set_region_type(lay, region_id, kind), None,
                                {"region": region_id, "type": kind})

    def request_order(self, region_id: str, delta: int) -> None:
        """The region with its lines ``delta`` places later (earlier when negative) in the reading order."""
        self.editRequested.emit("region order", lambda lay: E.move_region_in_order(lay, region_id, delta), None,
                                {"region": region_id, "delta": delta})
