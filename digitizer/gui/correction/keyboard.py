"""The virtual keyboard of the editor (issue 15): the keys of the page's profile or the user's own
version of them (:mod:`digitizer.keyboard` owns loading and saving), each with its name; "Edit…"
adds, renames, removes or resets keys and stores them per user."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QToolButton, QVBoxLayout, QWidget)

from ... import keyboard as kb

COLUMNS = 8


def key_tip(key: kb.Key) -> str:
    return f"{key.name} ({key.codepoints})"


class VirtualKeyboard(QWidget):
    """A grid of named keys; a click emits ``typed(chars)`` (the editor inserts at its cursor)."""

    typed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = ""
        self.editor_settings: Any = None
        self.keys: list[kb.Key] = []
        self.own = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        head = QHBoxLayout()
        self.title = QLabel("Keyboard")
        head.addWidget(self.title, 1)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.edit_button.setToolTip("Add, rename or remove keys (stored for you, per profile)")
        self.edit_button.clicked.connect(self.edit)
        head.addWidget(self.edit_button)
        outer.addLayout(head)
        self.grid = QGridLayout()
        self.grid.setSpacing(2)
        outer.addLayout(self.grid)

    def set_profile(self, name: str, editor_settings: Any) -> None:
        """Show the keys for profile ``name`` (the user's own if saved)."""
        if (name, editor_settings) == (self.profile, self.editor_settings) and self.keys:
            return
        self.profile, self.editor_settings = name, editor_settings
        self.keys, self.own = kb.load(name, editor_settings)
        self._fill()

    def buttons(self) -> list[QToolButton]:
        return [self.grid.itemAt(i).widget() for i in range(self.grid.count())]

    def _fill(self) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for i, key in enumerate(self.keys):
            btn = QToolButton()
            btn.setText(key.label)
            btn.setToolTip(key_tip(key))
            btn.setAccessibleName(key.name)
            btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)        # the text cursor stays in the line
            btn.setMinimumSize(QSize(30, 28))
            btn.clicked.connect(lambda _=False, c=key.char: self.typed.emit(c))
            self.grid.addWidget(btn, i // COLUMNS, i % COLUMNS)
        self.title.setText(f"Keyboard: {self.profile}" + (" (yours)" if self.own else ""))

    def edit(self) -> None:
        dlg = KeyboardDialog(self.profile, self.keys, self.editor_settings, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            keys = dlg.result_keys()
            self.apply(keys, reset=dlg.reset_requested and keys == kb.profile_keys(self.editor_settings))

    def apply(self, keys: list[kb.Key], *, reset: bool = False) -> None:
        """Store ``keys`` as the user's keyboard (or forget it with ``reset``) and show it."""
        if reset:
            kb.reset(self.profile)
        else:
            kb.save(self.profile, keys)
        self.keys, self.own = kb.load(self.profile, self.editor_settings)
        self._fill()


class KeyboardDialog(QDialog):
    """The keys as a list: add one (a character, U+XXXX or a Unicode name, and a name), rename,
    remove, move up/down, or go back to the profile's keys."""

    def __init__(self, profile: str, keys: list[kb.Key], editor_settings: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Keyboard of profile {profile}")
        self.editor_settings = editor_settings
        self.reset_requested = False
        lay = QVBoxLayout(self)
        self.list = QListWidget()
        for key in keys:
            self._add_item(key)
        lay.addWidget(self.list)
        row = QHBoxLayout()
        self.char_input = QLineEdit()
        self.char_input.setPlaceholderText("ſ, U+017F or LATIN SMALL LETTER LONG S")
        self.name_input = QLineEdit()
        self.name_input.setPlaceholderText("name (default: the Unicode name)")
        add = QPushButton("Add")
        add.clicked.connect(self.add_key)
        self.char_input.returnPressed.connect(self.add_key)
        for w in (self.char_input, self.name_input, add):
            row.addWidget(w)
        lay.addLayout(row)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c62828;")
        lay.addWidget(self.error)
        tools = QHBoxLayout()
        for text, slot in (("Rename", self.rename), ("Remove", self.remove), ("Up", lambda: self.shift(-1)),
                           ("Down", lambda: self.shift(1)), ("Profile's keys", self.reset)):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, s=slot: s())
            tools.addWidget(b)
        lay.addLayout(tools)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay.addWidget(box)

    def _add_item(self, key: kb.Key, row: int | None = None) -> None:
        item = QListWidgetItem(f"{key.label}   {key.name}   {key.codepoints}")
        item.setData(Qt.ItemDataRole.UserRole, (key.char, key.name))
        self.list.insertItem(self.list.count() if row is None else row, item)

    def result_keys(self) -> list[kb.Key]:
        return [kb.Key(*self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]

    def add_key(self) -> None:
        try:
            key = kb.make_key(self.char_input.text(), self.name_input.text())
        except ValueError as exc:
            self.error.setText(f"Cannot add {self.char_input.text()!r}: {exc}")
            return
        self.error.setText("")
        self._add_item(key)
        self.char_input.clear()
        self.name_input.clear()

    def rename(self) -> None:
        row, name = self.list.currentRow(), self.name_input.text().strip()
        if row >= 0 and name:
            char = self.list.item(row).data(Qt.ItemDataRole.UserRole)[0]
            self.list.takeItem(row)
            self._add_item(kb.Key(char, name), row)
            self.list.setCurrentRow(row)

    def remove(self) -> None:
        if self.list.currentRow() >= 0:
            self.list.takeItem(self.list.currentRow())

    def shift(self, delta: int) -> None:
        row = self.list.currentRow()
        if 0 <= row + delta < self.list.count() and row >= 0:
            self.list.insertItem(row + delta, self.list.takeItem(row))
            self.list.setCurrentRow(row + delta)

    def reset(self) -> None:
        self.list.clear()
        for key in kb.profile_keys(self.editor_settings):
            self._add_item(key)
        self.reset_requested = True
