"""Dialogs on a real processed project: export with validation, find & replace, history, preferences, help."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def test_export_dialog_runs_and_reports_validation(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    dlg = win.show_export_dialog()
    assert {"alto", "mets", "text"} <= set(dlg.formats())
    dlg.out.setText(str(tmp_path / "out"))
    with qtbot.waitSignal(dlg.finishedExport, timeout=60000) as sig:
        dlg.export_button.click()
    result = sig.args[0]
    assert result.validation.is_valid, result.validation.lines()
    checked = [f.subject for f in result.validation.findings if f.level == "notice"]
    assert any(s.endswith("mets.xml") for s in checked) and sum("alto/" in s for s in checked) == 2
    assert "all documents valid" in dlg.summary.toPlainText()
    assert (tmp_path / "out" / "letters" / "mets.xml").is_file()
    qtbot.waitUntil(lambda: dlg.worker is None)
    dlg.close()
    win.close()


def test_find_replace_preview_then_apply(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    dlg = win.show_find_replace()
    dlg.find.setText("the")
    dlg.replace.setText("THE")
    dlg.word.setChecked(True)
    dlg.case.setChecked(False)
    with qtbot.waitSignal(dlg.searched, timeout=10000):
        dlg.preview_button.click()
    rows = dlg.model.checked()
    assert len(rows) == 2 and all("THE" in r.new for r in rows)
    with ProjectStore.open(root) as store:                      # the preview wrote nothing
        assert all(store.load_layout(r.page_id).find_line(r.line_id).text == r.old for r in rows)
    dlg.model.setData(dlg.model.index(0, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    keep = rows[0]
    with qtbot.waitSignal(dlg.applied, timeout=10000) as sig:
        dlg.apply_button.click()
    assert sig.args[0] == len(rows) - 1
    qtbot.waitUntil(lambda: dlg.worker is None)
    with ProjectStore.open(root) as store:
        assert store.load_layout(keep.page_id).find_line(keep.line_id).text == keep.old
        for r in rows[1:]:
            assert store.load_layout(r.page_id).find_line(r.line_id).text == r.new
            assert [v.source for v in store.line_history(r.page_id, r.line_id)] == ["engine", "edit"]
    dlg.close()
    win.close()


def test_history_dialog_restores_as_new_version(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid, lid = win.page.id, win.editor.line_ids()[0]
    original = win.editor.row(lid).edit.text()
    win.save_line(pid, lid, "first fix")
    win.save_line(pid, lid, "second fix")
    win.editor.focus_line(lid)
    win.show_history()
    dlg = win.history_dialog
    assert dlg.model.rowCount() == 3
    dlg.select_version(1)
    dlg.restore_button.click()
    assert win.editor.row(lid).edit.text() == original
    win.flush_saves()                                            # saves are queued on the writer thread
    hist = win.store.line_history(pid, lid)
    assert [v.text for v in hist] == [original, "first fix", "second fix", original]
    assert hist[-1].source == "restore"
    win.undo()                                                   # the restore itself can be undone
    assert win.editor.row(lid).edit.text() == "second fix"
    win.close()


def test_preferences_set_operator_for_provenance(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    dlg = win.show_preferences()
    dlg.operator.setText("Ada Archivist")
    dlg.use_threshold.setChecked(True)
    dlg.threshold.setValue(0.5)
    dlg.theme.setCurrentText("dark")
    dlg.accept()
    assert win.store.agent == "Ada Archivist" and win.threshold == 0.5 and win.editor.threshold == 0.5
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() < 100
    lid = win.editor.line_ids()[0]
    win.save_line(win.page.id, lid, "signed edit")
    win.flush_saves()
    assert win.store.line_history(win.page.id, lid)[-1].agent == "Ada Archivist"
    ev = [e for e in win.store.events(page_id=win.page.id) if e.action == "correct"][-1]
    assert ev.agent == "Ada Archivist"
    from digitizer.gui.preferences import apply_theme

    apply_theme("light")
    win.close()


def test_help_lists_shortcuts(qtbot, gui_env, settings_path):
    win = open_window(qtbot, settings_path)
    dlg = win.show_help()
    rows = dict((what, keys) for keys, what in dlg.rows())
    assert rows["Next low-confidence word"].startswith("F3")
    assert "Ctrl+Z" in rows["Undo"] and "Ctrl+Return" in rows["Page done, go on"]
    assert any("Enter" in k for k, _ in dlg.rows())
    dlg.close()
    win.close()


def test_gui_command_without_display_fails_cleanly(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "digitizer.cli.main", "gui", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "no display" in proc.stderr and "Traceback" not in proc.stderr
