"""Dialogs of the model actions: retrain on corrected pages (items, held-back pages, base model, name,
epochs), the retraining's result (base vs new CER on the held-back pages, "Use for this item") and the
choice of an item and a model to switch it to.

They only collect choices; :mod:`.model_actions` runs the core (``digitizer retrain``,
``digitizer models use``).  The held-back pages are listed by a worker (reading every corrected
page's lines never runs on the GUI thread).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ...htr import estimate
from ...htr.overview import difference_text, pct
from ...htr.registry import NAME_RE
from ..workers import Worker, create_worker
from .tasks import corrected_pages_job

DEFAULT_EPOCHS = estimate.MAX_CPU_EPOCHS   # until the pages are read; then what fits in 30 min on a CPU
DEFAULT_BATCH = 8
DEFAULT_PATIENCE = 5          # as ``digitizer retrain --patience``
DEFAULT_LR = 0.002            # as ``digitizer retrain --lr``


def _checked(lst: QListWidget) -> list[Any]:
    return [lst.item(i).data(Qt.ItemDataRole.UserRole) for i in range(lst.count())
            if lst.item(i).checkState() == Qt.CheckState.Checked]


def _check_item(text: str, data: Any, checked: bool = False) -> QListWidgetItem:
    it = QListWidgetItem(text)
    it.setData(Qt.ItemDataRole.UserRole, data)
    it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    it.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    return it


class RetrainDialog(QDialog):
    """Retrain on corrected pages: ``values()`` gives the choices (``digitizer retrain``'s options)."""

    pagesLoaded = Signal()

    def __init__(self, root: str, agent: str, items: list[tuple[int, str]], current_item: int | None,
                 models: list[str], base: str, taken: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root, self.agent, self.taken = root, agent, taken
        self.pages: list[Any] = []          # CorrectedPage of the items checked
        self._worker: Worker | None = None
        self._generation = 0
        self._loading = False
        self._name_edited = False
        self._epochs_edited = False          # the user chose the epochs: no default overrides them
        self._setting_epochs = False
        self.setWindowTitle("Retrain on corrected pages")
        self.resize(660, 660)
        form = QFormLayout(self)
        self.items_list = QListWidget()
        self.items_list.setMaximumHeight(110)
        for item_id, name in items:
            self.items_list.addItem(_check_item(name, item_id, item_id == current_item or len(items) == 1))
        self.items_list.itemChanged.connect(lambda _it: self.load_pages())
        form.addRow("Items", self.items_list)
        self.pages_list = QListWidget()
        self.pages_list.itemChanged.connect(lambda _it: self._check())
        form.addRow("Held-back pages", self.pages_list)
        self.held_label = QLabel("")
        self.held_label.setWordWrap(True)
        self.held_label.setMinimumHeight(3 * self.fontMetrics().lineSpacing() + 6)
        self.held_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        form.addRow(self.held_label)
        self.base_combo = QComboBox()
        self.base_combo.addItems(models)
        if base in models:
            self.base_combo.setCurrentText(base)
        self.base_combo.currentTextChanged.connect(self._base_changed)
        form.addRow("Base model", self.base_combo)
        self.name_edit = QLineEdit()
        self.name_edit.textEdited.connect(lambda _t: setattr(self, "_name_edited", True))
        self.name_edit.textChanged.connect(lambda _t: self._check())
        form.addRow("New model name", self.name_edit)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1000)
        self.epochs_spin.setValue(DEFAULT_EPOCHS)
        self.epochs_spin.setToolTip("At most this many epochs; training stops earlier when the validation CER "
                                    "stops improving. Proposed: what fits in about 30 minutes on one CPU thread "
                                    f"({estimate.MIN_EPOCHS}-{estimate.MAX_CPU_EPOCHS})")
        self.epochs_spin.valueChanged.connect(self._epochs_changed)
        form.addRow("Epochs (at most)", self.epochs_spin)
        self.patience_spin = QSpinBox()
        self.patience_spin.setRange(1, 1000)
        self.patience_spin.setValue(DEFAULT_PATIENCE)
        self.patience_spin.setToolTip("Early stopping: epochs without a better validation CER")
        form.addRow("Stop after epochs without gain", self.patience_spin)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 256)
        self.batch_spin.setValue(DEFAULT_BATCH)
        self.batch_spin.valueChanged.connect(lambda _v: self._check())
        form.addRow("Batch size", self.batch_spin)
        self.time_label = QLabel("")             # lines x epochs at the measured lines/s (htr.estimate)
        self.time_label.setWordWrap(True)
        self.time_label.setMinimumHeight(3 * self.fontMetrics().lineSpacing() + 6)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        form.addRow(self.time_label)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 0.1)
        self.lr_spin.setSingleStep(0.0005)
        self.lr_spin.setValue(DEFAULT_LR)
        form.addRow("Learning rate", self.lr_spin)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #b71c1c;")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Retrain")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._base_changed(self.base_combo.currentText())
        self.load_pages()

    # ------------------------------------------------------------------ pages (worker)
    def load_pages(self) -> None:
        """List the corrected/reviewed/approved pages of the checked items (read by a worker)."""
        self._generation += 1
        gen = self._generation
        self.pages_list.clear()
        self.pages = []
        items = _checked(self.items_list)
        self.held_label.setText("reading the corrected pages…")
        self._loading = bool(items)
        self._check()
        if not items:
            self.held_label.setText("Check at least one item.")
            return
        worker = create_worker(corrected_pages_job, self.root, items, agent=self.agent)
        worker.signals.returned.connect(lambda pages, g=gen: self._pages_read(g, pages))
        worker.signals.errored.connect(lambda exc, g=gen: self._pages_failed(g, exc))
        self._worker = worker
        worker.start()

    def _pages_read(self, generation: int, pages: list[Any]) -> None:
        if generation != self._generation:
            return                                    # the items changed meanwhile
        self.pages, self._loading = pages, False
        self.pages_list.blockSignals(True)
        for p in pages:
            self.pages_list.addItem(_check_item(f"{p.key}  ({p.status}, {p.lines} lines)", p.key))
        self.pages_list.blockSignals(False)
        self._check()
        self.pagesLoaded.emit()

    def _pages_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self.held_label.setText(f"cannot read the pages: {getattr(exc, 'user_message', None) or exc}")

    # ------------------------------------------------------------------ epochs and time
    def _epochs_changed(self, _value: int) -> None:
        if not self._setting_epochs:
            self._epochs_edited = True
        self._check()

    def _estimate(self, train_lines: int) -> None:
        """Propose the CPU default (unless the user chose the epochs) and say about how long it takes."""
        batch = self.batch_spin.value()
        if not self._epochs_edited and train_lines:
            self._setting_epochs = True
            self.epochs_spin.setValue(estimate.default_epochs(train_lines, batch))
            self._setting_epochs = False
        if not train_lines:
            self.time_label.setText("")
            return
        epochs = self.epochs_spin.value()
        rate = estimate.cpu_lines_per_s(batch)
        seconds = estimate.training_seconds(train_lines, epochs, batch)
        self.time_label.setText(
            f"Training time on one CPU thread: at most {train_lines} lines × {epochs} epochs at {rate:g} lines/s "
            f"(measured, batch {batch}) = {estimate.duration_text(seconds)}, plus validation and scoring; "
            "early stopping often ends sooner, a GPU is much faster.")

    # ------------------------------------------------------------------ checks
    def _base_changed(self, base: str) -> None:
        if not self._name_edited:
            self.name_edit.setText(f"{base}-r{time.strftime('%Y%m%d%H%M')}" if base else "")
        self._check()

    def _check(self) -> None:
        held = set(_checked(self.pages_list))
        held_lines = sum(p.lines for p in self.pages if p.key in held)
        train_lines = sum(p.lines for p in self.pages if p.key not in held)
        if self.pages:
            self.held_label.setText(
                f"Held back: {len(held)} page(s), {held_lines} lines, never trained on: the base and the new model "
                f"are scored on the same lines. Training: {len(self.pages) - len(held)} page(s), {train_lines} "
                "lines." if held else
                f"No page held back: the new model trains on all {train_lines} lines of {len(self.pages)} "
                "page(s), and there is no before/after score.")
        self._estimate(train_lines if self.pages else 0)
        name = self.name_edit.text().strip()
        problem = ""
        if not self.base_combo.currentText():
            problem = "No recognition model to start from."
        elif not NAME_RE.match(name):
            problem = "Name: letters, digits, '.', '_' or '-'."
        elif name in self.taken:
            problem = f"A model named {name} exists already."
        elif self.pages and not train_lines:
            problem = "Leave at least one page to train on."
        elif not self.pages and not self._loading and _checked(self.items_list):
            problem = "No corrected lines in these items (pages corrected, reviewed or approved)."
        self.problem.setText(problem)
        self.ok_button.setEnabled(not problem and bool(self.pages))

    def values(self) -> dict[str, Any]:
        return {"items": _checked(self.items_list), "held_back": _checked(self.pages_list),
                "base_model": self.base_combo.currentText(), "name": self.name_edit.text().strip(),
                "epochs": self.epochs_spin.value(), "batch_size": self.batch_spin.value(),
                "lr": round(self.lr_spin.value(), 4), "patience": self.patience_spin.value()}


class RetrainResultDialog(QDialog):
    """Base vs new CER on the same held-back pages; ``useRequested`` when "Use for this item" is clicked."""

    useRequested = Signal()

    def __init__(self, result: Any, item_label: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.retrain_result = result
        self.setWindowTitle(f"Retrained: {result.name}")
        self.setMinimumWidth(480)
        lay = QVBoxLayout(self)
        self.text = QLabel(result_text(result))
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.text)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.use_button: QPushButton | None = None
        if item_label:
            self.use_button = self.buttons.addButton(f"Use for item {item_label}…",
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
            self.use_button.clicked.connect(self.useRequested.emit)
            self.use_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.accept)
        lay.addWidget(self.buttons)


def result_text(res: Any) -> str:
    """What the result dialog says (the CLI's last line of ``digitizer retrain``, in words)."""
    tr = res.train
    trained = f"Trained on {res.train_lines} lines, {tr.epochs} epoch(s) (stopped: {tr.stopped}); " \
              f"validation CER {pct(tr.val_cer)}." if tr is not None else f"Trained on {res.train_lines} lines."
    if res.cer_after is None:
        scored = "No page was held back, so there is no before/after score."
    else:
        base = "n/a (new model)" if res.cer_before is None else pct(res.cer_before)
        scored = (f"CER on the same {res.held_back_lines} held-back lines ({len(res.held_back_pages)} page(s): "
                  f"{', '.join(res.held_back_pages)}):\n\n    base {res.base_model}: {base}\n    new {res.name}: "
                  f"{pct(res.cer_after)}")
        if (res.evaluation or {}).get("difference"):
            scored += f"\n    new - base: {difference_text(res.evaluation)}"
    return f"Model {res.name} is registered.\n\n{scored}\n\n{trained}"


class UseModelDialog(QDialog):
    """Which item, which model: ``values()`` is ``(item id, model name)``."""

    def __init__(self, items: list[tuple[int, str]], current_item: int | None, models: list[str], model: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Use model for item")
        form = QFormLayout(self)
        self.item_combo = QComboBox()
        for item_id, name in items:
            self.item_combo.addItem(name, item_id)
        if current_item is not None and self.item_combo.findData(current_item) >= 0:
            self.item_combo.setCurrentIndex(self.item_combo.findData(current_item))
        form.addRow("Item", self.item_combo)
        self.model_combo = QComboBox()
        self.model_combo.addItems(models)
        if model in models:
            self.model_combo.setCurrentText(model)
        form.addRow("Model", self.model_combo)
        note = QLabel("Every page of the item gets the model; pages nobody has worked on are processed again "
                      "with it, pages with a person's work keep their text.")
        note.setWordWrap(True)
        form.addRow(note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Switch…")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(items and models))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def values(self) -> tuple[int, str]:
        return int(self.item_combo.currentData()), self.model_combo.currentText()
