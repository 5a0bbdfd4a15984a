"""Export dialog: every format the CLI has (the profile's checked), which items (with a state filter),
warnings about unreviewed pages and the QA gate before it starts, a target folder outside the project
by default, progress, the validation summary and "Open folder" at the end (``digitizer export``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QProgressBar, QPushButton, QVBoxLayout)

from ...pipeline.readiness import Readiness, readiness
from ...store import ProjectStore

from ..jobs.tasks import ExportResult, export_job
from ..workers import Worker, create_worker

FORMAT_LABELS = {"alto": "ALTO 4 XML", "text": "Plain text", "mets": "METS 1.12 (MODS, PREMIS)",
                 "page": "PAGE XML 2019", "pdf": "PDF/A with text", "iiif": "IIIF tiles + manifest",
                 "tiff": "TIFF masters", "bag": "BagIt bag", "zip": "BagIt bag as .zip"}
STATE_LABELS = {"all": "every item", "reviewed": "items whose pages are all reviewed",
                "approved": "items whose pages are all approved"}


def exportable_formats() -> list[str]:
    """Every format ``digitizer export`` writes (``zip``: ``--zip``, a zipped bag)."""
    from ...profiles import EXPORT_FORMATS

    return [*EXPORT_FORMATS, "zip"]


def default_folder(root: str) -> str:
    """``<project>-export`` beside the project: exports never land inside the project folder."""
    project = Path(root).absolute()
    return str(project.parent / f"{project.name}-export")


class ExportDialog(QDialog):
    finishedExport = Signal(object)

    def __init__(self, root: str, *, agent: str, profile_formats: list[str], item_ids: list[int] | None = None,
                 default_out: str | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.root, self.agent = root, agent
        self.result: ExportResult | None = None
        self.worker: Worker | None = None
        self.setWindowTitle("Export")
        self.resize(700, 640)
        with ProjectStore.open(root) as store:
            self.ready: dict[int, Readiness] = {r.item_id: r for r in readiness(store)}
        lay = QVBoxLayout(self)
        lay.addWidget(self._formats_box(profile_formats))
        lay.addWidget(self._items_box(item_ids))
        self.warning = QLabel("")
        self.warning.setObjectName("export-warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b26a00")
        lay.addWidget(self.warning)
        from ..restrict.restrict_panel import add_access_choice
        self.access_check = add_access_choice(lay, root, item_ids)
        row = QHBoxLayout()
        row.addWidget(QLabel("Folder"))
        self.out = QLineEdit(default_out or default_folder(root))
        row.addWidget(self.out, 1)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        lay.addLayout(row)
        self.allow_unaccepted = QCheckBox("Also items QA has not accepted (recorded as unaccepted in the METS)")
        lay.addWidget(self.allow_unaccepted)
        self.bar = QProgressBar()
        self.bar.setValue(0)
        lay.addWidget(self.bar)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setPlaceholderText("Every document is validated against the official schemas before it is "
                                        "written; the results appear here.")
        lay.addWidget(self.summary, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = self.buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_folder)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._items_changed()

    def _formats_box(self, profile_formats: list[str]) -> QGroupBox:
        box = QGroupBox("Formats")
        grid = QGridLayout(box)
        self.checks: dict[str, QCheckBox] = {}
        for i, fmt in enumerate(exportable_formats()):
            cb = QCheckBox(FORMAT_LABELS.get(fmt, fmt))
            cb.setChecked(fmt in profile_formats)
            self.checks[fmt] = cb
            grid.addWidget(cb, i // 3, i % 3)
        return box

    def _items_box(self, item_ids: list[int] | None) -> QGroupBox:
        box = QGroupBox("Items")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Export"))
        self.state_filter = QComboBox()
        for key, label in STATE_LABELS.items():
            self.state_filter.addItem(label, key)
        row.addWidget(self.state_filter, 1)
        lay.addLayout(row)
        self.item_list = QListWidget()
        self.item_list.setMaximumHeight(120)
        for r in self.ready.values():
            entry = QListWidgetItem(f"{r.identifier} ({r.pages} page(s))")
            entry.setData(Qt.ItemDataRole.UserRole, r.item_id)
            entry.setCheckState(Qt.CheckState.Checked if item_ids is None or r.item_id in item_ids
                                else Qt.CheckState.Unchecked)
            self.item_list.addItem(entry)
        lay.addWidget(self.item_list)
        self.state_filter.currentIndexChanged.connect(self._filter_changed)
        self.item_list.itemChanged.connect(lambda _e: self._items_changed())
        return box

    def _entries(self) -> list[QListWidgetItem]:
        return [self.item_list.item(i) for i in range(self.item_list.count())]

    def _filter_changed(self) -> None:
        """Check exactly the items that pass the state filter; the others cannot be picked."""
        key = self.state_filter.currentData()
        self.item_list.blockSignals(True)
        for entry in self._entries():
            ok = self.ready[int(entry.data(Qt.ItemDataRole.UserRole))].passes(key)
            entry.setCheckState(Qt.CheckState.Checked if ok else Qt.CheckState.Unchecked)
            flags = entry.flags() | Qt.ItemFlag.ItemIsEnabled if ok else entry.flags() & ~Qt.ItemFlag.ItemIsEnabled
            entry.setFlags(flags)
        self.item_list.blockSignals(False)
        self._items_changed()

    @property
    def item_ids(self) -> list[int]:
        return [int(e.data(Qt.ItemDataRole.UserRole)) for e in self._entries()
                if e.checkState() == Qt.CheckState.Checked]

    def _items_changed(self) -> None:
        """Say what is not ready in the chosen items (pages not reviewed, the QA gate)."""
        lines = [w for i in self.item_ids for w in self.ready[i].warnings()]
        self.warning.setText("\n".join(lines))
        self.warning.setVisible(bool(lines))
        self.export_button.setEnabled(bool(self.item_ids) and self.worker is None)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export to", self.out.text())
        if path:
            self.out.setText(path)

    def formats(self) -> list[str]:
        return [f for f, cb in self.checks.items() if cb.isChecked()]

    def start(self) -> None:
        if self.worker is not None:
            return
        self.export_button.setEnabled(False)
        self.summary.setPlainText("Exporting…")
        formats = self.formats()
        zip_bag = "zip" in formats
        formats = [f for f in formats if f != "zip"]
        self.open_button.setEnabled(False)
        self.worker = create_worker(export_job, self.root, self.out.text(), agent=self.agent, formats=formats,
                                    item_ids=self.item_ids, allow_unaccepted=self.allow_unaccepted.isChecked(),
                                    access=self.access_check.isChecked() or None, zip_bag=zip_bag)
        self.worker.signals.progress.connect(self._progress)
        self.worker.signals.returned.connect(self._done)
        self.worker.signals.errored.connect(self._failed)
        self.worker.signals.finished.connect(self._finished)
        self.worker.start()

    def _progress(self, ev: tuple) -> None:
        kind, value, _text = ev
        if kind == "start":
            self.bar.setRange(0, max(value or 0, 0))
            self.bar.setValue(0)
        elif kind == "advance":
            self.bar.setValue(self.bar.value() + value)

    def _done(self, result: ExportResult) -> None:
        self.result = result
        rep = result.validation
        s = result.summary
        head = [f"Exported {len(s.items)} item(s) to {s.out}",
                f"Validation: {'all documents valid' if rep.is_valid else f'{len(rep.errors)} error(s)'}; "
                f"{len(rep.warnings)} warning(s); "
                f"{sum(1 for f in rep.findings if f.level == 'notice')} document(s) checked", ""]
        self.summary.setPlainText("\n".join(head + rep.lines()))
        self.bar.setValue(self.bar.maximum())
        self.open_button.setEnabled(True)
        self.finishedExport.emit(result)

    def output_folder(self) -> Path | None:
        """The folder the last export wrote (what "Open folder" opens)."""
        return Path(self.result.summary.out) if self.result is not None else None

    def open_folder(self) -> None:
        folder = self.output_folder()
        if folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _failed(self, exc: BaseException) -> None:
        self.summary.setPlainText(f"Export failed: {getattr(exc, 'user_message', None) or exc}")

    def _finished(self) -> None:
        self.worker = None
        self.export_button.setEnabled(bool(self.item_ids))
