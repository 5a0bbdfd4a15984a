"""Intake dialogs: new project (a typed path works), new item (name, title, profile), import files
and folders into a chosen item (or a new one with its profile) with transcriptions made elsewhere,
and the engine and model of the page shown or of a whole item.

The dialogs only collect choices; the window's intake actions call the core (:mod:`digitizer.items`,
``digitizer.ingest``, ``digitizer.interop``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLineEdit, QListWidget, QPushButton, QRadioButton, QVBoxLayout, QWidget)

NEW_ITEM = -1          # the item combo's entry "New item…"


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _profile_combo(profiles: list[str], current: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(profiles)
    combo.setCurrentText(current)
    return combo


class ProjectPathDialog(QDialog):
    """New project: a folder typed or chosen (created when missing) and a name."""

    def __init__(self, parent: QWidget | None = None, start: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(start)
        self.path_edit.setPlaceholderText("folder of the new project (created if missing)")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("Folder", row)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("default: the folder's name")
        form.addRow("Name", self.name_edit)
        self.buttons = _buttons(self, "Create")
        form.addRow(self.buttons)
        self.path_edit.textChanged.connect(self._check)
        self._check()

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Parent folder of the new project")
        if path:
            self.path_edit.setText(str(Path(path) / (self.name_edit.text().strip() or "new-project")))

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.path_edit.text().strip()))

    def values(self) -> tuple[str, str | None]:
        return self.path_edit.text().strip(), self.name_edit.text().strip() or None


class NewItemDialog(QDialog):
    """New item: name, title, profile (metadata follows in the metadata dialog)."""

    def __init__(self, profiles: list[str], default_profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New item")
        form = QFormLayout(self)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("identifier, e.g. box-12_letters (default: item-NNNN)")
        self.title_edit = QLineEdit()
        self.profile_combo = _profile_combo(profiles, default_profile)
        form.addRow("Name", self.name_edit)
        form.addRow("Title", self.title_edit)
        form.addRow("Profile", self.profile_combo)
        form.addRow(_buttons(self, "Create"))

    def values(self) -> tuple[str, str, str]:
        return self.name_edit.text().strip(), self.title_edit.text().strip(), self.profile_combo.currentText()


class ImportDialog(QDialog):
    """Files and folders, the item they go into (an existing one or a new one with a profile), and
    transcriptions made elsewhere (PAGE, ALTO, hOCR, export zips) for that item's pages."""

    def __init__(self, items: list[tuple[int, str]], current: int | None, profiles: list[str], default_profile: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.resize(620, 460)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.sources = QListWidget()
        form.addRow("Scans", self.sources)
        row = QHBoxLayout()
        for text, slot in (("Add files…", self._add_files), ("Add folder…", self._add_folder),
                           ("Remove", lambda: self._remove(self.sources))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        form.addRow("", row)
        self.item_combo = QComboBox()
        for item_id, name in items:
            self.item_combo.addItem(name, item_id)
        self.item_combo.addItem("New item…", NEW_ITEM)
        at = self.item_combo.findData(current) if current is not None else -1
        self.item_combo.setCurrentIndex(at if at >= 0 else self.item_combo.count() - 1)
        form.addRow("Into item", self.item_combo)
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("name of the new item (default: item-NNNN)")
        self.profile_combo = _profile_combo(profiles, default_profile)
        form.addRow("New item name", self.new_name)
        form.addRow("Its profile", self.profile_combo)
        self.transcriptions = QListWidget()
        form.addRow("Transcriptions", self.transcriptions)
        trow = QHBoxLayout()
        for text, slot in (("Add transcriptions…", self._add_transcriptions),
                           ("Remove", lambda: self._remove(self.transcriptions))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            trow.addWidget(button)
        form.addRow("", trow)
        lay.addLayout(form)
        self.buttons = _buttons(self, "Import")
        lay.addWidget(self.buttons)
        self.item_combo.currentIndexChanged.connect(self._check)
        self._check()

    def add_paths(self, paths: list[str], *, transcriptions: bool = False) -> None:
        target = self.transcriptions if transcriptions else self.sources
        target.addItems([p for p in paths if p])
        self._check()

    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import scans", "", "Images and PDF (*.tif *.tiff *.png *.jpg "
                                                "*.jpeg *.jp2 *.pdf);;All (*)")
        self.add_paths(files)

    def _add_folder(self) -> None:
        self.add_paths([QFileDialog.getExistingDirectory(self, "Import a folder of scans")])

    def _add_transcriptions(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Transcriptions", "", "PAGE, ALTO, hOCR or zip (*.xml *.html "
                                                "*.hocr *.zip);;All (*)")
        self.add_paths(files, transcriptions=True)

    def _remove(self, widget: QListWidget) -> None:
        for entry in widget.selectedItems():
            widget.takeItem(widget.row(entry))
        self._check()

    def _check(self) -> None:
        new = self.item_combo.currentData() == NEW_ITEM
        self.new_name.setEnabled(new)
        self.profile_combo.setEnabled(new)
        has_work = self.sources.count() > 0 or (self.transcriptions.count() > 0 and not new)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(has_work)

    def values(self) -> dict[str, Any]:
        item = self.item_combo.currentData()
        return {"paths": [self.sources.item(i).text() for i in range(self.sources.count())],
                "item_id": None if item == NEW_ITEM else int(item),
                "new_item": (self.new_name.text().strip(), self.profile_combo.currentText()),
                "transcriptions": [self.transcriptions.item(i).text() for i in range(self.transcriptions.count())]}


class EngineDialog(QDialog):
    """Engine and model for the page shown or the whole item; "default" follows the item's profile."""

    def __init__(self, engines: list[str], models: list[str], current: tuple[str | None, str | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Engine and model")
        form = QFormLayout(self)
        self.engine_combo = QComboBox()
        self.engine_combo.addItem("from the profile", "default")
        for name in engines:
            self.engine_combo.addItem(name, name)
        self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(current[0] or "default")))
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.addItem("")
        self.model_combo.addItems(models)
        self.model_combo.setCurrentText(current[1] or "")
        self.page_radio = QRadioButton("the page shown")
        self.item_radio = QRadioButton("every page of its item")
        self.page_radio.setChecked(True)
        form.addRow("Engine", self.engine_combo)
        form.addRow("Model", self.model_combo)
        form.addRow("For", self.page_radio)
        form.addRow("", self.item_radio)
        form.addRow(_buttons(self, "Apply"))
        self.engine_combo.currentIndexChanged.connect(
            lambda _i: self.model_combo.setEnabled(self.engine_combo.currentData() != "default"))

    def values(self) -> tuple[str, str | None, bool]:
        """(engine or "default", model, whole item)."""
        return (self.engine_combo.currentData(), self.model_combo.currentText().strip() or None,
                self.item_radio.isChecked())
