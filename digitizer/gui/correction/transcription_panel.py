"""The "Transcription" dock (issue 15, point 3): the current line's scholarly tags (tag the
selected characters as unclear, gap, supplied, deletion, abbreviation + expansion, person, place,
date, organisation; remove one), its state with the comment (flag it uncertain, edit the comment)
and the virtual keyboard.  Every change is a :mod:`digitizer.workflow` act through the window
(``window._workflow``, the writer thread, the operator's name); nothing is written here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDockWidget, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from ... import workflow
from ...model import Line, Tag
from ...tags import KINDS
from .keyboard import VirtualKeyboard

# kind -> button text (no mnemonics: Alt+letter belongs to the menus)
KIND_LOOK = {"unclear": "Unclear", "gap": "Gap", "supplied": "Supplied", "deletion": "Deletion",
             "abbreviation": "Abbrev.", "person": "Person", "place": "Place", "date": "Date",
             "organisation": "Organisation"}


def tag_text(line: Line, tag: Tag) -> str:
    span = line.text[tag.offset:tag.offset + tag.length]
    value = f" = {tag.value}" if tag.value else ""
    return f"{tag.kind} {tag.offset}:{tag.offset + tag.length} «{span}»{value}"


class TranscriptionPanel(QWidget):
    """Tags and notes of the editor's current line, and the keyboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_: Any = None
        self.line: Line | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.line_label = QLabel("No line")
        self.line_label.setWordWrap(True)
        lay.addWidget(self.line_label)
        lay.addWidget(self._tag_box())
        lay.addWidget(self._note_box())
        self.keyboard = VirtualKeyboard()
        lay.addWidget(self.keyboard)
        lay.addStretch(1)

    def _tag_box(self) -> QGroupBox:
        box = QGroupBox("Tags (select characters in the line, then a kind)")
        lay = QVBoxLayout(box)
        grid = QGridLayout()
        self.kind_buttons: dict[str, QPushButton] = {}
        for i, kind in enumerate(KINDS):
            b = QPushButton(KIND_LOOK[kind])
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)       # the selection in the line stays
            b.setToolTip(f"Tag the selected characters as {kind} (Transkribus: {KINDS[kind][0]})")
            b.clicked.connect(lambda _=False, k=kind: self.tag_selection(k))
            grid.addWidget(b, i // 3, i % 3)
            self.kind_buttons[kind] = b
        lay.addLayout(grid)
        self.value_input = QLineEdit()
        self.value_input.setPlaceholderText("value: expansion, normalised date, name… (optional)")
        lay.addWidget(self.value_input)
        self.tag_list = QListWidget()
        self.tag_list.setMaximumHeight(110)
        lay.addWidget(self.tag_list)
        self.remove_button = QPushButton("Remove tag")
        self.remove_button.clicked.connect(self.remove_selected)
        lay.addWidget(self.remove_button)
        return box

    def _note_box(self) -> QGroupBox:
        box = QGroupBox("Uncertain / comment")
        lay = QHBoxLayout(box)
        self.state_label = QLabel("")
        self.comment_input = QLineEdit()
        self.comment_input.setPlaceholderText("what is uncertain in this line")
        self.flag_button = QPushButton("Flag")
        self.flag_button.setToolTip("Mark the line uncertain with this comment (state flagged); again to edit it")
        self.flag_button.clicked.connect(self.flag)
        self.comment_input.returnPressed.connect(self.flag)
        for w in (self.state_label, self.comment_input, self.flag_button):
            lay.addWidget(w)
        return box

    # ------------------------------------------------------------------ wiring
    def attach(self, window: Any) -> None:
        self.window_ = window
        window.editor.lineChanged.connect(lambda _lid: self.refresh())
        self.keyboard.typed.connect(window.editor.insert_text)

    def _target(self) -> tuple[int, str] | None:
        w = self.window_
        lid = w.editor.current_line_id() if w is not None else None
        if w is None or w.store is None or w.page is None or lid is None:
            return None
        return w.page.id, lid

    def refresh(self) -> None:
        """Show the current line's stored tags, state and comment."""
        target = self._target()
        w = self.window_
        self.line = w.layout_.find_line(target[1]) if target and w.layout_ is not None else None
        self.tag_list.clear()
        if target is None or self.line is None:
            self.line_label.setText("No line")
            return
        number = w.editor.line_ids().index(target[1]) + 1
        self.line_label.setText(f"Line {number}: {self.line.text}")
        for tag in self.line.tags:
            item = QListWidgetItem(tag_text(self.line, tag))
            item.setData(Qt.ItemDataRole.UserRole, (tag.kind, tag.offset, tag.length))
            self.tag_list.addItem(item)
        st = w.store.line_states(target[0]).get(target[1])
        self.state_label.setText(st.state if st else "machine")
        self.comment_input.setText(st.comment if st else "")

    def selection(self) -> tuple[int, int]:
        """The selected characters of the current line (the cursor position when none)."""
        edit = self.window_.editor.row(self.window_.editor.current_line_id()).edit
        cur = edit.textCursor()
        return cur.selectionStart(), cur.selectionEnd()

    def _act(self, func: Any, *args: Any) -> None:
        target = self._target()
        if target is None:
            return
        self.window_._settle()                       # typing in the line is saved first: offsets are of it
        if self.window_._workflow(func, *target, *args) is not None:
            self.window_.show_stored_line(*target)
            self.window_.editor.focus_line(target[1])
        self.refresh()

    def tag_selection(self, kind: str) -> None:
        if self._target() is None:
            return
        start, end = self.selection()
        self._act(workflow.tag, kind, start, end, self.value_input.text().strip())
        self.value_input.clear()

    def remove_selected(self) -> None:
        item = self.tag_list.currentItem()
        if item is not None:
            kind, offset, length = item.data(Qt.ItemDataRole.UserRole)
            self._act(workflow.untag, offset, offset + length, kind)

    def flag(self) -> None:
        self._act(workflow.flag, self.comment_input.text())


def attach_transcription_panel(window: Any) -> tuple[TranscriptionPanel, QDockWidget]:
    """Dock a :class:`TranscriptionPanel` on the right of ``window``; the keyboard replaces the
    editor's fixed character row."""
    panel = TranscriptionPanel()
    dock = window._dock("Transcription", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    panel.attach(window)
    return panel, dock
