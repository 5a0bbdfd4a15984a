"""Application shortcuts win over the text fields of the main window, and never type into them.

A text field (line editor, Unicode input, threshold box) claims many key combinations through
``ShortcutOverride`` and types what it does not claim.  Before this guard, each widget kept its own
list of keys to let through, and the lists drifted: Ctrl+U was typed into the line, Ctrl+Enter and
others depended on which widget had the focus.  :class:`ShortcutGuard` is one event filter on the
application: for a text field inside its window it refuses the override for every key combination
bound to one of the window's actions (so the action fires), and swallows the key press of such a
combination when the action could not take it (disabled), so it never turns into text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QKeyCombination, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

TEXT_FIELDS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)
KEY_EVENTS = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)


def action_keys(widget: QWidget) -> set[QKeyCombination]:
    """The first key combination of every shortcut of ``widget``'s actions."""
    return {seq[0] for act in widget.actions() for seq in act.shortcuts() if not seq.isEmpty()}  # type: ignore[index]


class ShortcutGuard(QObject):
    """Installed on the application for ``window``; see the module docstring."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._keys: set[QKeyCombination] | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.cover()

    def cover(self) -> None:
        """Watch every text field the window has now."""
        for kind in TEXT_FIELDS:
            for field in self._window.findChildren(kind):
                field.installEventFilter(self)        # (installed again: moved to the front, not doubled)

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        if isinstance(now, TEXT_FIELDS):
            now.installEventFilter(self)

    def refresh(self) -> None:
        """Forget the cached key set and watch the text fields made since (call after adding or
        changing actions or docks)."""
        self._keys = None
        self.cover()

    def keys(self) -> set[QKeyCombination]:
        if self._keys is None:
            self._keys = action_keys(self._window)
        return self._keys

    def owns(self, obj: Any, event: QEvent) -> bool:
        """True when ``event`` is a window shortcut's key event aimed at a text field of the window."""
        # type checks first: most events the application sends are no key events, and ``event.type()``
        # is converted to a Python enum on every call
        if not isinstance(event, QKeyEvent) or not isinstance(obj, TEXT_FIELDS) or event.type() not in KEY_EVENTS:
            return False
        return obj.window() is self._window and event.keyCombination() in self.keys()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if not self.owns(obj, event):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.ignore()            # not overridden: the shortcut map triggers the action
        else:
            event.accept()            # the action is disabled: the key does nothing, it types nothing
        return True

    def uninstall(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)
        for kind in TEXT_FIELDS:
            for field in self._window.findChildren(kind):
                field.removeEventFilter(self)
