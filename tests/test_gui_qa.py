"""The QA panel (pytest-qt, offscreen): draw a seeded sample, check lines in QA mode with the line
image shown, and the dashboard; every result is checked in the store, not in the widgets."""

from __future__ import annotations

from pathlib import Path

from digitizer.qa.targets import set_target
from digitizer.store import ProjectStore

from _gui_helpers import (PAGE_TEXTS, copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path)


def test_qa_mode_and_dashboard(qtbot, tmp_path, processed_template, no_leaks, settings_path):
    from digitizer.gui.qa.qa_panel import QaPanel

    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        set_target(store, None, {"target": 0.9, "min_per_stratum": 2})
    panel = QaPanel(str(root), "Quinn")
    qtbot.addWidget(panel)
    panel.resize(700, 600)
    panel.show()
    assert panel.dashboard.item(0, 5).text().startswith("refused: no QA sample drawn")
    panel.seed.setValue(42)
    panel.size.setText("4")
    with qtbot.waitSignal(panel.sampled, timeout=30000):
        qtbot.mouseClick(panel.draw_button, qtbot_button())
    qtbot.waitUntil(lambda: panel.worker is None)
    assert panel.progress.text() == "4 line(s) to check"
    assert not panel.line_image.pixmap().isNull() and panel.line_image.pixmap().height() > 10
    first = panel.entry
    panel.reference.setText(first.text + "x")                  # the image shows one more character
    with qtbot.waitSignal(panel.checked):
        qtbot.mouseClick(panel.save_button, qtbot_button())
    while panel.entry is not None:
        with qtbot.waitSignal(panel.checked):
            qtbot.mouseClick(panel.ok_button, qtbot_button())
    assert panel.progress.text() == "nothing to check"
    with ProjectStore.open(root) as store:
        rows = store.conn.execute("SELECT id, status, checked_by, errors, dels FROM qa_units ORDER BY id").fetchall()
        assert [r["status"] for r in rows] == ["checked"] * 4 and {r["checked_by"] for r in rows} == {"Quinn"}
        row = next(r for r in rows if r["id"] == first.id)
        assert (row["errors"], row["dels"]) == (1, 1)               # the engine text lacks a character
        assert sum(r["errors"] for r in rows) == 1
        assert {e.agent for e in store.events(action="qa-check")} == {"Quinn"}
        assert store.events(action="qa-sample")[0].parameters["seed"] == 42
        text = store.load_layout(first.page_id).find_line(first.line_id).text
        assert text == first.text + "x"                            # the check fixed the line
    cells = [panel.dashboard.item(0, c).text() for c in range(6)]
    assert cells[0] == "letters" and cells[1] == "90.00%" and cells[4] == "4/4" and cells[5] == "accepted"
    assert cells[2].endswith("%") and cells[3].startswith("[")
    shot = Path(tmp_path / "qa-panel.png")
    assert panel.grab().save(str(shot)) and shot.stat().st_size > 1000
    panel.close_store()


def test_main_window_docks_the_qa_panel(qtbot, tmp_path, processed_template, no_leaks, settings_path):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    assert win.qa_panel is not None and win.qa_dock.widget() is win.qa_panel
    view = next(a.menu() for a in win.menuBar().actions() if a.text() == "&View")
    toggle = next(a for a in view.actions() if a.text() == "Quality")
    assert win.qa_dock.isHidden()
    toggle.trigger()
    assert win.qa_dock.isVisible() and win.qa_panel.dashboard.item(0, 0).text() == "letters"
    assert win.qa_panel.store.root == Path(root)
    win.close_project()
    assert win.qa_panel is None


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_export_dialog_gate_and_allow_unaccepted(qtbot, tmp_path, processed_template, no_leaks, settings_path):
    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        set_target(store, None, {"target": 0.995})
    win = open_window(qtbot, settings_path, root)
    dlg = win.show_export_dialog()
    dlg.out.setText(str(tmp_path / "out"))
    assert not dlg.allow_unaccepted.isChecked()
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=60000)
    assert dlg.summary.toPlainText().startswith("Export failed: export refused, not accepted by QA: letters (")
    assert not (tmp_path / "out" / "letters").exists()
    dlg.allow_unaccepted.setChecked(True)
    with qtbot.waitSignal(dlg.finishedExport, timeout=60000):
        dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.worker is None)
    mets = (tmp_path / "out" / "letters" / "mets.xml").read_text(encoding="utf-8")
    assert "<premis:eventOutcome>unaccepted</premis:eventOutcome>" in mets
    dlg.close()
    win.close()


def test_double_keying_and_adjudication_views(qtbot, tmp_path, processed_template, no_leaks):
    from digitizer.gui.qa.qa_panel import QaPanel
    from digitizer.qa.keying import agreement

    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        page = store.pages()[0].id
        first = store.load_layout(page).lines()[0]
    panel = QaPanel(str(root), "Ada")
    qtbot.addWidget(panel)
    keying = panel.keying
    keying.page.setValue(page)
    keying.load()
    assert keying.table.rowCount() == 3 and keying.table.item(0, 1).text() == first.text
    keying.table.item(0, 1).setText("The quick brown fox jumps.")
    with qtbot.waitSignal(keying.saved):
        keying.save_button.click()
    panel.operator.setText("Bob")
    panel.operator.editingFinished.emit()
    keying.load()
    assert keying.table.item(0, 1).text() == first.text                 # Bob does not see Ada's keying
    keying.table.item(0, 1).setText("The quick brown fox jumps,")
    with qtbot.waitSignal(keying.saved):
        keying.save_button.click()
    adj = panel.adjudication
    panel.operator.setText("Judge")
    panel.operator.editingFinished.emit()
    adj.page.setValue(page)
    adj.load()
    assert adj.keyers == ["Ada", "Bob"] and adj.table.rowCount() == 1
    assert [adj.table.item(0, c).text() for c in range(3)] == [first.id, "The quick brown fox jumps.",
                                                               "The quick brown fox jumps,"]
    adj.table.setCurrentCell(0, 2)
    with qtbot.waitSignal(adj.decided):
        adj.take.click()
    with ProjectStore.open(root) as store:
        assert store.load_layout(page).find_line(first.id).text == "The quick brown fox jumps,"
        last = store.events(action="correct")[-1]
        assert (last.agent, last.parameters["source"]) == ("Judge", "adjudicate")
        assert [e.agent for e in store.events(action="qa-key")] == ["Ada"] * 3 + ["Bob"] * 3
        assert agreement(store)["pairs"]["Ada / Bob"]["differences"] == 1
    panel.close_store()
