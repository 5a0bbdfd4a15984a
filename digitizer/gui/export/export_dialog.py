"""Export dialog: formats (the profile's by default), target folder, progress, validation summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton,
                               QVBoxLayout)

from ..jobs.tasks import ExportResult, export_job
from ..workers import Worker, create_worker

CORE_FORMATS = ("alto", "text", "mets", "page")
FORMAT_LABELS = {"alto": "ALTO 4 XML", "text": "Plain text", "mets": "METS 1.12 (MODS, PREMIS)",
                 "page": "PAGE XML 2019", "pdf": "PDF with text", "iiif": "IIIF tiles + manifest",
                 "tiff": "TIFF masters", "bag": "BagIt bag"}


def exportable_formats() -> list[str]:
    """The formats the core can write now (those whose exporter module is installed)."""
    import importlib.util

    out = []
    for fmt in CORE_FORMATS:
        module = {"text": "text", "alto": "alto", "mets": "mets", "page": "page"}[fmt]
        if importlib.util.find_spec(f"digitizer.export.{module}") is not None:
            out.append(fmt)
    return out


class ExportDialog(QDialog):
    finishedExport = Signal(object)

    def __init__(self, root: str, *, agent: str, profile_formats: list[str], item_ids: list[int] | None = None,
                 default_out: str | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.root, self.agent, self.item_ids = root, agent, item_ids
        self.result: ExportResult | None = None
        self.worker: Worker | None = None
        self.setWindowTitle("Export")
        self.resize(640, 480)
        lay = QVBoxLayout(self)
        box = QGroupBox("Formats")
        grid = QGridLayout(box)
        self.checks: dict[str, QCheckBox] = {}
        for i, fmt in enumerate(exportable_formats()):
            cb = QCheckBox(FORMAT_LABELS.get(fmt, fmt))
            cb.setChecked(fmt in profile_formats)
            self.checks[fmt] = cb
            grid.addWidget(cb, i // 2, i % 2)
        lay.addWidget(box)
        from ..restrict.restrict_panel import add_access_choice
        self.access_check = add_access_choice(lay, root, item_ids)
        row = QHBoxLayout()
        row.addWidget(QLabel("Folder"))
        self.out = QLineEdit(default_out or str(Path(root) / "exports"))
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
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

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
        self.worker = create_worker(export_job, self.root, self.out.text(), agent=self.agent, formats=self.formats(),
                                    item_ids=self.item_ids, allow_unaccepted=self.allow_unaccepted.isChecked(),
                                    access=self.access_check.isChecked() or None)
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
        self.finishedExport.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setPlainText(f"Export failed: {getattr(exc, 'user_message', None) or exc}")

    def _finished(self) -> None:
        self.worker = None
        self.export_button.setEnabled(True)
