"""Saves run on the window's single writer thread: fast typing over many lines then an immediate
close loses nothing, order is kept (versions), the UI is not blocked, and a failed save is shown."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from digitizer.correction import split_words
from digitizer.model import BBox, Line, PageLayout, TextBlock
from digitizer.store import ProjectStore

from _gui_helpers import gui_env, make_project, no_leaks, open_window, settings_path  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
N_LINES = 36


def _many_lines_project(root) -> int:
    store = make_project(root, pages=1)
    page = store.pages()[0]
    lines = []
    for i in range(N_LINES):
        box = BBox(40, 10 + i * 18, 1100, 26 + i * 18)
        text = f"line {i + 1} of the ledger"
        lines.append(Line(id=f"b1_l{i + 1}", bbox=box, text=text, words=split_words(text, box), confidence=0.9))
    store.save_layout(page.id, PageLayout(width=page.width, height=page.height,
                                          blocks=[TextBlock(id="b1", bbox=BBox.union_all([ln.bbox for ln in lines]),
                                                            lines=lines)]))
    store.close()
    return page.id


def test_rapid_edits_then_immediate_close_lose_nothing(qtbot, gui_env, settings_path, tmp_path):
    root = tmp_path / "proj"
    pid = _many_lines_project(root)
    win = open_window(qtbot, settings_path, root)
    ids = win.editor.line_ids()
    assert len(ids) == N_LINES
    win.editor.focus_line(ids[0])
    for rnd in range(2):                                          # two edits per line: two ordered versions
        win.editor.focus_line(ids[0])
        for lid in ids:
            edit = win.editor.row(lid).edit
            edit.moveCursor(QTextCursor.MoveOperation.End)
            edit.insertPlainText(f" v{rnd}")
            qtbot.keyClick(edit, Qt.Key.Key_Return)               # queues the save, moves on at once
    assert win.writer.pending() > 0 or win.writer.last_commit_ms is not None
    win.close()                                                   # immediately: the writer is flushed
    with ProjectStore.open(root) as store:
        layout = store.load_layout(pid)
        for i, lid in enumerate(ids):
            assert layout.find_line(lid).text == f"line {i + 1} of the ledger v0 v1", lid
            hist = store.line_history(pid, lid)
            assert [v.text for v in hist][-2:] == [f"line {i + 1} of the ledger v0", f"line {i + 1} of the ledger v0 v1"]
            assert hist[-1].source == "edit"
        assert store.get_page(pid).status == "corrected"
        assert len([e for e in store.events(page_id=pid) if e.action == "correct"]) == 2 * N_LINES


def test_edits_reach_the_store_within_milliseconds_and_undo_goes_through_writer(qtbot, gui_env, settings_path,
                                                                                tmp_path):
    root = tmp_path / "proj"
    pid = _many_lines_project(root)
    win = open_window(qtbot, settings_path, root)
    lid = win.editor.line_ids()[3]
    win.editor.focus_line(lid)
    win.editor.row(lid).edit.insertPlainText("!")
    qtbot.keyClick(win.editor.row(lid).edit, Qt.Key.Key_Down)
    with ProjectStore.open(root) as other:                        # another connection sees the commit soon
        qtbot.waitUntil(lambda: other.load_layout(pid).find_line(lid).text.endswith("ledger!"), timeout=20000)
    win.undo()
    win.redo()
    win.undo()
    assert win.flush_saves(10)
    assert [v.source for v in win.store.line_history(pid, lid)][-4:] == ["edit", "undo", "redo", "undo"]
    assert win.store.load_layout(pid).find_line(lid).text == "line 4 of the ledger"
    win.close()


def test_failed_save_is_shown(qtbot, gui_env, settings_path, tmp_path):
    root = tmp_path / "proj"
    pid = _many_lines_project(root)
    win = open_window(qtbot, settings_path, root)
    with qtbot.waitSignal(win.saveFailed, timeout=5000) as sig:
        win.save_line(pid, "no_such_line", "text for a line that is not there")
    assert "no line 'no_such_line'" in sig.args[0]
    assert "could not save" in win.statusBar().currentMessage()
    win.close()
