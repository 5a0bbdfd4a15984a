"""No two actions share a shortcut: a shared key fires neither (Qt reports it as ambiguous)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def _bindings(win) -> dict[str, list[str]]:
    """Every key sequence bound in the window (menus, docks, panels) -> what it triggers."""
    seen: dict[str, list[str]] = defaultdict(list)
    for act in win.findChildren(QAction):
        if act.shortcutContext() == Qt.ShortcutContext.WidgetShortcut:
            continue
        for seq in act.shortcuts():
            if not seq.isEmpty():
                seen[seq.toString()].append(act.text() or act.objectName())
    for sc in win.findChildren(QShortcut):
        if sc.context() != Qt.ShortcutContext.WidgetShortcut and not sc.key().isEmpty():
            seen[sc.key().toString()].append(f"shortcut on {type(sc.parent()).__name__}")
    return seen


def test_no_two_actions_share_a_shortcut(qtbot, gui_env, settings_path, tmp_path, processed_template):
    win = open_window(qtbot, settings_path, copy_project(processed_template, tmp_path))
    seen = _bindings(win)
    assert len(seen) > 30, sorted(seen)                          # the window's actions really were found
    assert QKeySequence("F7").toString() in seen                  # camera capture (the Capture dock is there)
    shared = {k: v for k, v in seen.items() if len(set(v)) > 1}
    assert not shared, shared
    win.close()
