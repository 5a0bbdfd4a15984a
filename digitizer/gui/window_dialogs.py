"""The main window's error boundary, confirmations and the dialogs that are not an area's own
(export, preferences, help, about).

A mixin of :class:`~digitizer.gui.main_window.MainWindow`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from .. import __version__
from ..errors import DigitizerError


class WindowDialogs:
    """Messages, questions and the general dialogs of the main window."""

    def _guarded(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``func``; a DigitizerError becomes a message box (the GUI's error boundary)."""
        try:
            return func(*args, **kwargs)
        except DigitizerError as exc:
            self.show_error(exc.user_message)
            return None

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)
        if self.isVisible() and QGuiApplication.platformName() not in ("offscreen", "minimal"):
            QMessageBox.warning(self, "digitizer", text)

    def confirm(self, title: str, text: str) -> bool:
        """Ask Yes/No; No is the default and the Escape button (Enter alone never destroys anything)."""
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        self.confirm_box = box
        try:
            return box.exec() == QMessageBox.StandardButton.Yes
        finally:
            self.confirm_box = None
            box.deleteLater()
            self.activateWindow()             # the window's shortcuts work again at once

    def show_export_dialog(self) -> Any:
        from .export.export_dialog import ExportDialog

        if self.store is None:
            return None
        self._settle()
        formats = self.profile.export.formats if self.profile else ["alto", "text", "mets"]
        dlg = ExportDialog(self.root, agent=self.settings.operator, profile_formats=formats, parent=self)
        self.export_dialog = dlg
        dlg.open()
        return dlg

    def show_preferences(self) -> Any:
        from .preferences import PreferencesDialog, apply_theme

        dlg = PreferencesDialog(self.settings, self)
        self.preferences_dialog = dlg

        def done() -> None:
            if self.store is not None:
                self.store.agent = self.settings.operator
                self.writer.set_agent(self.settings.operator)
            apply_theme(self.settings.theme)
            if self.page is not None:
                self.open_page(self.page.id, self.editor.current_line_id())
            self._update_status()

        dlg.accepted.connect(done)
        dlg.open()
        return dlg

    def _system_scheme_changed(self, *_: Any) -> None:
        if self.settings.theme == "system":
            from .preferences import apply_theme

            apply_theme("system")

    def show_help(self) -> Any:
        from .help_dialog import HelpDialog

        dlg = HelpDialog(self.actions(), self)
        self.help_dialog = dlg
        dlg.open()
        return dlg

    def _about(self) -> None:
        QMessageBox.about(self, "About digitizer",
                          f"<b>digitizer {__version__}</b><br>Offline archive digitization workstation.<br>"
                          "Scan, clean, recognise, correct and export ALTO/METS.")
