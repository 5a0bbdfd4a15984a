"""Descriptive metadata of one item (MODS in the METS export), edited with the profile's rules.

Controlled vocabularies (languages, rights, subjects, name roles) come from the item's profile
(:func:`digitizer.metadata.rules_for`) and are offered in combo boxes.  Nothing is checked here:
Save hands the fields to :func:`digitizer.metadata.validate_metadata`; an invalid value keeps the
dialog open with the validator's message and the field marked, and nothing is stored.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QTableWidget, QTabWidget, QVBoxLayout, QWidget)

from ...errors import DigitizerError
from ...metadata import NAME_TYPES, MetadataError, MetadataRules, Vocabulary, effective_metadata, validate_metadata

LINE_FIELDS = (("title", "Title"), ("identifier", "Identifier"), ("date_created", "Date created"),
               ("date_issued", "Date issued"), ("genre", "Genre"), ("form", "Form"), ("extent", "Extent"),
               ("shelfmark", "Shelfmark"), ("physical_location", "Physical location"),
               ("rights_holder", "Rights holder"))
TEXT_FIELDS = (("description", "Description"), ("note", "Note"))
INVALID = "border: 2px solid #c62828;"


def _vocab_combo(vocab: Vocabulary, *, editable: bool, empty: str | None = None) -> QComboBox:
    """A combo of ``label (code)`` entries with the code as item data."""
    box = QComboBox()
    box.setEditable(editable)
    if empty is not None:
        box.addItem(empty, "")
    for code, label in vocab.terms.items():
        shown = label if label == code or "://" in code else f"{label} ({code})"
        box.addItem(shown, code)
        if "://" in code:
            box.setItemData(box.count() - 1, code, Qt.ItemDataRole.ToolTipRole)
    if editable:
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        box.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        box.completer().setCompletionMode(box.completer().CompletionMode.PopupCompletion)
    return box


def combo_value(box: QComboBox) -> str:
    """The code picked (or typed) in a vocabulary combo."""
    text = box.currentText().strip()
    i = box.findText(text)
    if i >= 0:
        return str(box.itemData(i))
    return text


class VocabList(QWidget):
    """Values of a list field from a vocabulary: pick (or type) in the combo, Add; Remove."""

    def __init__(self, vocab: Vocabulary, *, open_values: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vocab = vocab
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.combo = _vocab_combo(vocab, editable=open_values)
        self.combo.setCurrentIndex(-1)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_current)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.combo, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        lay.addLayout(row)
        self.list = QListWidget()
        self.list.setMaximumHeight(72)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        lay.addWidget(self.list)

    def add(self, code: str) -> None:
        if code and code not in self.values():
            label = self.vocab.terms.get(code)
            item = QListWidgetItem(f"{label} ({code})" if label and label != code else code)
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.list.addItem(item)

    def add_current(self) -> None:
        self.add(combo_value(self.combo))
        self.combo.setCurrentIndex(-1)
        self.combo.setEditText("")

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def values(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]

    def set_values(self, values: list[str]) -> None:
        self.list.clear()
        for v in values:
            self.add(str(v))


class NamesTable(QTableWidget):
    """Names with type and role (role from the roles vocabulary)."""

    def __init__(self, roles: Vocabulary, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.roles = roles
        self.setHorizontalHeaderLabels(["Name", "Type", "Role"])
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(1, 110)
        self.setColumnWidth(2, 190)
        self.verticalHeader().setVisible(False)
        self.setMinimumHeight(110)

    def add_name(self, name: str = "", kind: str = "personal", role: str = "") -> None:
        r = self.rowCount()
        self.insertRow(r)
        self.setCellWidget(r, 0, QLineEdit(name))
        types = QComboBox()
        types.addItems(list(NAME_TYPES))
        types.setCurrentText(kind or "personal")
        self.setCellWidget(r, 1, types)
        role_box = _vocab_combo(self.roles, editable=True, empty="(no role)")
        i = role_box.findData(role)
        role_box.setCurrentIndex(i if i >= 0 else 0)
        if role and i < 0:
            role_box.setEditText(role)
        self.setCellWidget(r, 2, role_box)

    def remove_current(self) -> None:
        if self.currentRow() >= 0:
            self.removeRow(self.currentRow())

    def names(self) -> list[dict[str, str]]:
        out = []
        for r in range(self.rowCount()):
            name = self.cellWidget(r, 0).text().strip()
            if not name:
                continue
            entry = {"name": name, "type": self.cellWidget(r, 1).currentText()}
            role = combo_value(self.cellWidget(r, 2))
            if role and role != "(no role)":
                entry["role"] = role
            out.append(entry)
        return out


class MetadataDialog(QDialog):
    """Edit an item's descriptive metadata. ``save(changes) -> clean metadata`` stores it (raises
    :class:`MetadataError` on an invalid value); ``metadataSaved(dict)`` follows a successful save."""

    metadataSaved = Signal(dict)

    def __init__(self, item: Any, rules: MetadataRules, save: Callable[[dict[str, Any]], dict[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item, self.rules, self._save = item, rules, save
        self.setWindowTitle(f"Metadata — {item.identifier}")
        self.resize(620, 640)
        self.fields: dict[str, QWidget] = {}
        lay = QVBoxLayout(self)
        tabs = QTabWidget()
        tabs.addTab(self._build_main(), "Description")
        tabs.addTab(self._build_more(), "More")
        lay.addWidget(tabs, 1)
        self.error_label = QLabel("")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error_label.setVisible(False)
        lay.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.load(effective_metadata(item))

    # ------------------------------------------------------------------ construction
    def _build_main(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for key, label in LINE_FIELDS[:4]:
            self.fields[key] = QLineEdit()
            form.addRow(label, self.fields[key])
        self.fields["date_created"].setPlaceholderText("YYYY, YYYY-MM, YYYY-MM-DD or START/END")
        self.fields["date_issued"].setPlaceholderText("YYYY, YYYY-MM, YYYY-MM-DD or START/END")
        self.fields["languages"] = VocabList(self.rules.languages)
        form.addRow("Languages", self.fields["languages"])
        self.fields["rights"] = _vocab_combo(self.rules.rights, editable=False, empty="(not set)")
        form.addRow("Rights", self.fields["rights"])
        self.fields["subjects"] = VocabList(self.rules.subjects, open_values=True)
        form.addRow("Subjects", self.fields["subjects"])
        names = QWidget()
        nlay = QVBoxLayout(names)
        nlay.setContentsMargins(0, 0, 0, 0)
        self.fields["names"] = NamesTable(self.rules.roles)
        nlay.addWidget(self.fields["names"])
        row = QHBoxLayout()
        add, rem = QPushButton("Add name"), QPushButton("Remove name")
        add.clicked.connect(lambda: self.fields["names"].add_name())
        rem.clicked.connect(lambda: self.fields["names"].remove_current())
        row.addWidget(add)
        row.addWidget(rem)
        row.addStretch(1)
        nlay.addLayout(row)
        form.addRow("Names", names)
        return page

    def _build_more(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for key, label in LINE_FIELDS[4:]:
            self.fields[key] = QLineEdit()
            form.addRow(label, self.fields[key])
        self.fields["alternative"] = QLineEdit()
        self.fields["alternative"].setPlaceholderText("other titles, separated by |")
        form.addRow("Alternative titles", self.fields["alternative"])
        for key, label in TEXT_FIELDS:
            box = QPlainTextEdit()
            box.setMaximumHeight(90)
            self.fields[key] = box
            form.addRow(label, box)
        return page

    # ------------------------------------------------------------------ values
    def load(self, meta: dict[str, Any]) -> None:
        for key, _label in LINE_FIELDS:
            self.fields[key].setText(str(meta.get(key, "")))
        for key, _label in TEXT_FIELDS:
            self.fields[key].setPlainText(str(meta.get(key, "")))
        self.fields["alternative"].setText(" | ".join(meta.get("alternative", [])))
        self.fields["languages"].set_values(meta.get("languages", []))
        self.fields["subjects"].set_values(meta.get("subjects", []))
        rights = self.fields["rights"]
        i = rights.findData(meta.get("rights", ""))
        rights.setCurrentIndex(max(0, i))
        for n in meta.get("names", []):
            n = n if isinstance(n, dict) else {"name": str(n)}
            self.fields["names"].add_name(n.get("name", ""), n.get("type", "personal"), n.get("role", ""))

    def values(self) -> dict[str, Any]:
        """Every field the dialog edits (empty: remove); sections are kept as they are."""
        out: dict[str, Any] = {key: self.fields[key].text().strip() for key, _l in LINE_FIELDS}
        out.update({key: self.fields[key].toPlainText().strip() for key, _l in TEXT_FIELDS})
        out["alternative"] = [v.strip() for v in self.fields["alternative"].text().split("|") if v.strip()]
        out["languages"] = self.fields["languages"].values()
        out["subjects"] = self.fields["subjects"].values()
        out["rights"] = str(self.fields["rights"].currentData() or "")
        out["names"] = self.fields["names"].names()
        return out

    def _mark(self, field: str | None) -> None:
        for key, widget in self.fields.items():
            widget.setStyleSheet(INVALID if key == field else "")

    def show_problem(self, exc: DigitizerError) -> None:
        text = exc.user_message
        self.error_label.setText(text)
        self.error_label.setVisible(True)
        field = exc.message.split(":", 1)[0].split(".", 1)[0].strip()
        if field.startswith("required metadata field"):
            field = field.split("'")[1] if "'" in field else ""
        self._mark(field if field in self.fields else None)

    def save(self) -> bool:
        """Validate and store; on an invalid value show the message and keep the dialog open."""
        changes = self.values()
        meta = {k: v for k, v in {**self.item.metadata, **changes}.items() if v not in ("", [], None)}
        try:
            validate_metadata(meta, self.rules, n_pages=len(self.item.pages) or None)
            clean = self._save(changes)
        except MetadataError as exc:
            self.show_problem(exc)
            return False
        except DigitizerError as exc:
            self.error_label.setText(exc.user_message)
            self.error_label.setVisible(True)
            return False
        self.error_label.setVisible(False)
        self._mark(None)
        self.metadataSaved.emit(clean)
        self.accept()
        return True
