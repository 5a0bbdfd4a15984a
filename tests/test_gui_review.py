"""The window's workflow actions (line states, page done, review/approve/reopen) and its reaction to
changes made by another process, on a real project processed with tesseract.  Keys go through Qt's
shortcut map; the assertions read the STORE (states, texts, events) and the CLI's own messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolBar

from digitizer.errors import WorkflowRefusedError
from digitizer.store import ProjectStore
from digitizer.workflow import page_transition

from _gui_helpers import (ALT, CTRL, answer_box, answer_input, copy_project, current_edit as _edit,  # noqa: F401
                          gui_env, no_leaks, open_window, processed_template, settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
ROOT = Path(__file__).resolve().parent.parent


def digitizer(*args: str) -> subprocess.CompletedProcess:
    """The CLI in another process (another SQLite connection, another lock holder)."""
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def _states(root, pid) -> dict[str, tuple[str, str]]:
    with ProjectStore.open(root) as store:
        return {lid: (st.state, st.comment) for lid, st in store.line_states(pid).items()}


def _status(root, pid) -> str:
    with ProjectStore.open(root) as store:
        return store.get_page(pid).status


def test_line_states_and_page_actions_go_through_the_workflow(qtbot, gui_env, settings_path, tmp_path,
                                                               processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    win.settings.operator = "Gui Reviewer"
    pid = win.page.id
    l1, l2, l3 = win.editor.line_ids()
    qtbot.keyClick(_edit(win), Qt.Key.Key_R, CTRL | ALT)              # review a processed page: refused
    with pytest.raises(WorkflowRefusedError) as refusal:
        page_transition("processed", "review", page=pid)
    assert win.statusBar().currentMessage() == refusal.value.user_message    # the CLI's message, word for word
    assert _status(root, pid) == "processed"

    win.editor.focus_line(l1)
    qtbot.keyClicks(_edit(win), "!")
    qtbot.keyClick(_edit(win), Qt.Key.Key_Down)                       # edited
    qtbot.keyClick(_edit(win), Qt.Key.Key_V, CTRL | ALT)              # line 2 verified, on to line 3
    assert win.editor.current_line_id() == l3
    answer_input("ink blot over the last word")
    qtbot.keyClick(_edit(win), Qt.Key.Key_F, CTRL | ALT)              # line 3 flagged with a comment
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)   # the dialog is gone
    win.flush_saves()
    assert _states(root, pid) == {l1: ("edited", ""), l2: ("verified", ""),
                                  l3: ("flagged", "ink blot over the last word")}
    assert [win.editor.line_state(x) for x in (l1, l2, l3)] == ["edited", "verified", "flagged"]
    assert "flagged" in win.editor.row(l3).state_label.text()
    qtbot.keyClick(_edit(win), Qt.Key.Key_Return, CTRL)               # page done: refused, a line is flagged
    assert "flagged" in win.statusBar().currentMessage() and _status(root, pid) == "processed"
    assert win.page.id == pid

    qtbot.keyClick(_edit(win), Qt.Key.Key_V, CTRL | ALT)              # verify line 3: every line vouched for
    assert _status(root, pid) == "corrected" and "corrected" in win.editor.title.text()
    assert win.browser.model.page(pid).status == "corrected"
    qtbot.keyClick(_edit(win), Qt.Key.Key_R, CTRL | ALT)              # review
    assert _status(root, pid) == "reviewed" and "reviewed" in win.editor.title.text()
    win.editor.focus_line(l1)
    before = win.editor.row(l1).edit.text()
    qtbot.keyClicks(_edit(win), "xyz")                                 # a reviewed page is read-only
    qtbot.keyClick(_edit(win), Qt.Key.Key_Down)
    win.flush_saves()
    assert win.editor.row(l1).edit.text() == before
    with ProjectStore.open(root) as store:
        assert store.load_layout(pid).find_line(l1).text == before
    qtbot.keyClick(_edit(win), Qt.Key.Key_O, CTRL | ALT)              # reopen: corrected, editable again
    assert _status(root, pid) == "corrected" and not win.editor.row(l1).edit.isReadOnly()
    with ProjectStore.open(root) as store:
        acts = [(e.action, e.agent) for e in store.events(page_id=pid)
                if e.action in ("verify-line", "flag-line", "review", "reopen")]
    assert acts == [("verify-line", "Gui Reviewer"), ("flag-line", "Gui Reviewer"), ("verify-line", "Gui Reviewer"),
                    ("review", "Gui Reviewer"), ("reopen", "Gui Reviewer")]
    tb_texts = [a.text() for a in win.findChild(QToolBar, "toolbar-main").actions()]
    assert {"Reviewed", "Approve", "Reopen", "Page done"} <= set(tb_texts)
    ctx = [a.text() for a in win.browser.tree.actions()]
    assert "Mark re&viewed" in ctx and "Edit &metadata…" in ctx
    win.close()


def test_multi_page_approve_and_the_status_filter(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    assert digitizer("lines", str(root), "--page", "1", "--done").returncode == 0
    assert digitizer("lines", str(root), "--page", "2", "--done").returncode == 0
    assert digitizer("review", str(root), "--pages", "1", "2").returncode == 0
    win = open_window(qtbot, settings_path, root)
    p1, p2 = [p.id for p in win.browser.model.pages()]
    win.browser.tree.selectAll()                                      # both pages (and the item)
    seen = answer_box(qtbot, button=QMessageBox.StandardButton.Yes)
    qtbot.keyClick(_edit(win), Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert "2 pages" in seen["text"]
    assert {_status(root, p) for p in (p1, p2)} == {"approved"}
    win.browser.set_status_filter("approved")
    assert win.browser.visible_page_ids() == [p1, p2]
    win.page_action("reopen", [p2])
    assert win.browser.visible_page_ids() == [p1]
    win.browser.set_status_filter("corrected")
    assert win.browser.visible_page_ids() == [p2]
    win.close()


def test_changes_by_another_process_are_shown_and_never_overwritten_silently(qtbot, gui_env, settings_path,
                                                                             tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid = win.page.id
    l1, l2, _l3 = win.editor.line_ids()
    res = digitizer("lines", str(root), "--page", str(pid), "--line", l1, "--set", "changed by the CLI")
    assert res.returncode == 0, res.stderr
    with qtbot.waitSignal(win.outsideChange, timeout=10000) as sig:  # polled: reloaded, nothing being typed
        pass
    assert sig.args == [pid, True]
    assert win.editor.row(l1).edit.text() == "changed by the CLI" and win.editor.line_state(l1) == "edited"

    win.editor.focus_line(l2)
    qtbot.keyClicks(_edit(win), " typed here")                        # a person is typing in line 2 ...
    res = digitizer("lines", str(root), "--page", str(pid), "--line", l2, "--set", "also changed by the CLI")
    assert res.returncode == 0, res.stderr
    with qtbot.waitSignal(win.outsideChange, timeout=10000) as sig:  # ... so the reload waits
        pass
    assert sig.args == [pid, False] and win.editor.row(l2).edit.text().endswith(" typed here")
    seen = answer_box(qtbot)                                          # leaving the line: the core refuses
    qtbot.keyClick(_edit(win), Qt.Key.Key_Down)                       # the stale save, the window asks;
    qtbot.waitUntil(lambda: "title" in seen, timeout=10000)           # Enter = No
    assert seen["title"] == "Line changed elsewhere" and "also changed by the CLI" in seen["text"]
    win.flush_saves()
    with ProjectStore.open(root) as store:
        assert store.load_layout(pid).find_line(l2).text == "also changed by the CLI"
        assert [v.source for v in store.line_history(pid, l2)] == ["engine", "edit"]
    assert win.editor.row(l2).edit.text() == "also changed by the CLI"       # the window shows what is stored
    win.close()


def test_a_save_over_a_change_the_poll_has_not_seen_yet_is_refused_then_asked(qtbot, gui_env, settings_path,
                                                                              tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    win.change_timer.stop()                                           # the change lands between two polls
    pid, l1 = win.page.id, win.editor.line_ids()[0]
    win.editor.focus_line(l1)
    qtbot.keyClicks(_edit(win), " mine")
    assert digitizer("lines", str(root), "--page", str(pid), "--line", l1, "--set", "theirs").returncode == 0
    seen = answer_box(qtbot, button=QMessageBox.StandardButton.Yes)   # save mine over it: Yes
    qtbot.keyClick(_edit(win), Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: "title" in seen, timeout=10000)
    assert "“theirs”" in seen["text"] and seen["default"] == QMessageBox.StandardButton.No
    win.flush_saves()
    with ProjectStore.open(root) as store:
        hist = store.line_history(pid, l1)
        assert [v.text for v in hist][1:] == ["theirs", hist[0].text + " mine"]   # both kept, in order
        assert store.current_line_versions(pid)[l1] == 3 == win._versions[l1]
        assert store.load_layout(pid).find_line(l1).text.endswith(" mine")
    assert win.editor.row(l1).edit.text().endswith(" mine")
    win.close()
