"""Status you can see (issue 15, deliver 5): per-item pages by state and share of lines edited or
verified in the project browser, the jobs panel's stage, ETA, footer and scrolling to new rows, and
the history's diff between versions.  Real processed project, real workers."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: E402,F401
                          settings_path)
from digitizer.gui.correction.history_dialog import diff_html, text_diff  # noqa: E402
from digitizer.gui.jobs.queue_panel import QueuePanel, eta_text  # noqa: E402
from digitizer.items import item_progress  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def test_item_progress_in_core_and_browser(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    item = win.store.items()[0]
    qtbot.waitUntil(lambda: "0 % lines checked" in win.browser.model.item_status(item), timeout=20000)
    assert win.browser.model.item_status(item).startswith("2 processed")
    first = win.page.id
    lid = win.editor.line_ids()[0]
    win.save_line(first, lid, "A line a person typed")
    win.page_done()                                  # page 1: 1 edited + 2 verified of 3; page 2 untouched
    with ProjectStore.open(root) as store:
        prog = item_progress(store, item.id)
    assert (prog.pages, prog.lines, prog.edited, prog.verified) == ({"corrected": 1, "processed": 1}, 6, 1, 2)
    assert prog.touched_share == pytest.approx(0.5)
    item = win.store.items()[0]
    qtbot.waitUntil(lambda: win.browser.model.item_status(item) == "1 corrected, 1 processed · 50 % lines checked",
                    timeout=20000)
    win.close()


def _counting(n: int, gate: threading.Event, *, progress=None, cancel=None) -> int:
    """A job of ``n`` steps that waits for ``gate`` after the first (so its running state can be seen)."""
    progress.start(n, "counting sheets")
    for i in range(n):
        progress.advance(1)
        if i == 0:
            gate.wait(30)
    progress.finish()
    return n


def test_jobs_panel_stage_eta_footer_and_new_rows(qtbot, no_leaks):
    assert eta_text(2, 4, 10.0) == "ETA 0:10" and eta_text(0, 4, 1.0) == "" and eta_text(3, None, 5.0) == ""
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.resize(600, 160)
    panel.show()
    gate = threading.Event()
    first = panel.add_job("Count 5", _counting, 5, gate)
    qtbot.waitUntil(lambda: panel.jobs[first].done == 1, timeout=10000)
    # the row and footer follow within ROW_REFRESH_MS (progress is not redrawn for every step)
    qtbot.waitUntil(lambda: panel.footer.text() == "Running: Count 5 — counting sheets, 1/5", timeout=5000)
    assert panel.jobs[first].row.text(2).startswith("running, counting sheets, ETA 0:")
    for n in range(12):                              # more rows than the panel shows
        jid = panel.add_job(f"Later {n}", _counting, 1, gate)
        rect = panel.tree.visualItemRect(panel.jobs[jid].row)
        assert panel.tree.viewport().rect().contains(rect.center()), f"row {n} not scrolled into view"
    assert panel.footer.text().endswith(", 12 queued")
    with qtbot.waitSignal(panel.idle, timeout=30000):
        gate.set()
    assert all(j.state == "done" for j in panel.jobs.values())
    assert panel.footer.text().startswith("Idle.")


def test_history_shows_what_each_version_changed(qtbot, gui_env, settings_path, tmp_path, processed_template):
    assert text_diff("Tbe quick fox", "The quick brown fox") == [
        ("=", "T"), ("-", "b"), ("+", "h"), ("=", "e quick "), ("+", "brown "), ("=", "fox")]
    assert diff_html("x<b", "x<c").startswith("x&lt;<span")          # text is escaped
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid, lid = win.page.id, win.editor.line_ids()[0]
    original = win.editor.row(lid).edit.text()
    win.save_line(pid, lid, original + " added")
    win.editor.focus_line(lid)
    win.show_history()
    dlg = win.history_dialog
    assert dlg.model.rowCount() == 2                   # the last version is selected
    shown = dlg.diff.toHtml()
    assert "underline" in shown and "added" in dlg.diff.toPlainText() and "line-through" not in shown
    dlg.select_version(1)                              # the engine's version: all of it is new
    assert dlg.diff.toPlainText() == original
    dlg.reject()
    win.close()
