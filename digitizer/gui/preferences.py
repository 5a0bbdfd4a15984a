"""Preferences: operator (recorded in provenance), default profile, languages, threshold, theme."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFormLayout, QLineEdit, QVBoxLayout)

from ..profiles import profile_names
from .settings import THEMES, Settings


def dark_palette() -> QPalette:
    pal = QPalette()
    base, alt, text = QColor(37, 38, 41), QColor(48, 50, 54), QColor(230, 230, 230)
    for role, color in ((QPalette.ColorRole.Window, alt), (QPalette.ColorRole.WindowText, text),
                        (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, alt),
                        (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, alt),
                        (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.ToolTipBase, base),
                        (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.Highlight, QColor(66, 133, 244)),
                        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
                        (QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150)),
                        (QPalette.ColorRole.Link, QColor(100, 170, 255))):
        pal.setColor(role, color)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(130, 130, 130))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(130, 130, 130))
    return pal


def effective_theme(theme: str) -> str:
    """``light``/``dark``; ``system`` follows ``QStyleHints.colorScheme`` (light when unknown)."""
    if theme in ("light", "dark"):
        return theme
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def apply_theme(theme: str) -> str:
    """Fusion style with a light or dark palette; returns the theme applied."""
    app = QApplication.instance()
    eff = effective_theme(theme)
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if eff == "dark" else app.style().standardPalette())
    return eff


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: Any = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Preferences")
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.operator = QLineEdit(settings.operator)
        self.operator.setToolTip("Recorded as the agent of every edit and processing run (PREMIS/METS)")
        form.addRow("Operator name", self.operator)
        self.profile = QComboBox()
        self.profile.addItems(profile_names())
        self.profile.setCurrentText(settings.default_profile)
        form.addRow("Default profile", self.profile)
        self.languages = QLineEdit("+".join(settings.languages))
        self.languages.setPlaceholderText("from the profile (e.g. deu+frk)")
        form.addRow("Recognition languages", self.languages)
        self.use_threshold = QCheckBox("override the profile")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(settings.threshold if settings.threshold is not None else 0.8)
        self.use_threshold.setChecked(settings.threshold is not None)
        self.threshold.setEnabled(self.use_threshold.isChecked())
        self.use_threshold.toggled.connect(self.threshold.setEnabled)
        form.addRow("Low-confidence threshold", self.threshold)
        form.addRow("", self.use_threshold)
        self.theme = QComboBox()
        self.theme.addItems(THEMES)
        self.theme.setCurrentText(settings.theme)
        form.addRow("Theme", self.theme)
        lay.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def apply(self) -> None:
        """Write the fields to the settings."""
        s = self.settings
        s.operator = self.operator.text()
        s.default_profile = self.profile.currentText()
        s.languages = self.languages.text().replace(",", "+").split("+")
        s.threshold = self.threshold.value() if self.use_threshold.isChecked() else None
        s.theme = self.theme.currentText()
        s.sync()

    def accept(self) -> None:
        self.apply()
        super().accept()
