"""Issue 11, the GUI part: the window acts on the page shown, keys do what they say, undo restores
whole line versions, nothing destructive happens on a bare Enter.  Each test drives real key events
through Qt's shortcut map and then reads the STORE (a second connection), not the widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from digitizer.store import ProjectStore

from _gui_helpers import (ALT, CTRL, answer_box, cancel_after_first_page, copy_project,  # noqa: F401
                          current_edit as _edit, gui_env, make_project, no_leaks, open_new_project, open_window,
                          process_and_wait, processed_template, settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def _open_copy(qtbot, settings_path, tmp_path, template):
    """A copy of the processed template, open in a window: ``(root, window, page id, first line id)``."""
    root = copy_project(template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    return root, win, win.page.id, win.editor.line_ids()[0]


def _stored(root, page_id: int):
    with ProjectStore.open(root) as store:
        return store.get_page(page_id), store.load_layout(page_id)


def _all_pages_done(qtbot, win, order) -> None:
    """Ctrl+Enter ("page done") on each page in ``order``: every page ends corrected."""
    for pid in order:
        win.open_page(pid)
        qtbot.keyClick(_edit(win), Qt.Key.Key_Return, CTRL)


def test_page_keys_move_the_page_shown_and_never_extend_the_selection(qtbot, gui_env, settings_path, tmp_path,
                                                                      processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    p1, p2 = [p.id for p in win.browser.model.pages()]
    win.open_page(p1)
    qtbot.keyClick(_edit(win), Qt.Key.Key_PageDown, CTRL)
    assert win.page.id == p2 and win.browser.selected_page_ids() == [p2]
    qtbot.keyClick(_edit(win), Qt.Key.Key_PageUp, CTRL)
    assert win.page.id == p1 and win.browser.selected_page_ids() == [p1]
    qtbot.keyClick(_edit(win), Qt.Key.Key_Return, CTRL)              # page done, on to the next page
    assert win.page.id == p2 and win.browser.selected_page_ids() == [p2]
    qtbot.keyClick(_edit(win), Qt.Key.Key_Return, CTRL)              # page done (last page: stays)
    qtbot.keyClick(_edit(win), Qt.Key.Key_PageUp, CTRL)
    assert win.page.id == p1 and win.browser.selected_page_ids() == [p1]
    qtbot.keyClick(_edit(win), Qt.Key.Key_R, CTRL | ALT)             # Mark reviewed: the page shown only
    assert _stored(root, p1)[0].status == "reviewed"
    assert _stored(root, p2)[0].status == "corrected"
    assert "reviewed" in win.editor.title.text()                    # the header shows the stored state
    assert win.browser.model.page(p2).status == "corrected"
    win.close()


def test_actions_on_several_pages_need_a_confirmation_naming_how_many(qtbot, gui_env, settings_path, tmp_path,
                                                                      processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    p1, p2 = [p.id for p in win.browser.model.pages()]
    _all_pages_done(qtbot, win, (p1, p2))
    win.browser.tree.selectAll()                                     # an explicit multi-selection
    seen = answer_box(qtbot)                                         # a bare Enter: the default, No
    qtbot.keyClick(_edit(win), Qt.Key.Key_R, CTRL | ALT)
    assert "2 pages" in seen["text"] and seen["default"] == QMessageBox.StandardButton.No
    assert {_stored(root, p)[0].status for p in (p1, p2)} == {"corrected"}
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)   # the box is gone
    seen = answer_box(qtbot, button=QMessageBox.StandardButton.Yes)
    qtbot.keyClick(_edit(win), Qt.Key.Key_R, CTRL | ALT)
    assert "2 pages" in seen["title"]
    assert {_stored(root, p)[0].status for p in (p1, p2)} == {"reviewed"}
    win.close()


def test_process_again_defaults_to_no_and_keeps_the_correction(qtbot, gui_env, settings_path, tmp_path,
                                                               processed_template):
    root, win, pid, lid = _open_copy(qtbot, settings_path, tmp_path, processed_template)
    win.editor.focus_line(lid)
    qtbot.keyClicks(_edit(win), " fixed")
    qtbot.keyClick(_edit(win), Qt.Key.Key_Down)
    win.flush_saves()
    seen = answer_box(qtbot)                                          # Enter on "Process again?"
    qtbot.keyClick(_edit(win), Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: not win.queue.busy(), timeout=60000)
    assert seen["title"] == "Process again?" and seen["default"] == QMessageBox.StandardButton.No
    assert not win.queue.jobs                                          # No: nothing was queued
    page, layout = _stored(root, pid)
    assert layout.find_line(lid).text.endswith(" fixed")
    with ProjectStore.open(root) as store:
        assert [v.source for v in store.line_history(pid, lid)] == ["engine", "edit"]   # not processed again
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    seen = answer_box(qtbot, button=QMessageBox.StandardButton.Yes)   # Yes: processed again ...
    with qtbot.waitSignal(win.queue.idle, timeout=90000):
        qtbot.keyClick(_edit(win), Qt.Key.Key_R, CTRL)
    with ProjectStore.open(root) as store:                            # ... and the correction is kept
        hist = store.line_history(pid, lid)                           # in the history, restorable
        assert [v.source for v in hist] == ["engine", "edit", "engine"]
        assert hist[1].text.endswith(" fixed") and not store.load_layout(pid).find_line(lid).text.endswith(" fixed")
        discard = [e for e in store.events(page_id=pid) if e.action == "discard-corrections"]
        assert len(discard) == 1 and discard[0].agent == "test-operator"   # the act is an event
    assert win.editor.row(lid).edit.text() == _stored(root, pid)[1].find_line(lid).text
    win.close()


def test_undo_and_redo_restore_the_whole_line_version(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root, win, pid, lid = _open_copy(qtbot, settings_path, tmp_path, processed_template)
    _page, before = _stored(root, pid)
    engine_line = before.find_line(lid)
    win.editor.focus_line(lid)
    qtbot.keyClick(_edit(win), Qt.Key.Key_Home)
    qtbot.keyClicks(_edit(win), "A ")                                 # one more word: words re-derived
    qtbot.keyClick(_edit(win), Qt.Key.Key_Down)
    win.flush_saves()
    edited = _stored(root, pid)[1].find_line(lid)
    assert len(edited.words) == len(engine_line.words) + 1
    win.editor.focus_line(lid)
    qtbot.keyClick(_edit(win), Qt.Key.Key_Z, CTRL)
    win.flush_saves()
    undone = _stored(root, pid)[1].find_line(lid)
    assert undone.text == engine_line.text
    assert [(w.text, w.confidence, w.bbox) for w in undone.words] == \
        [(w.text, w.confidence, w.bbox) for w in engine_line.words]
    assert undone.confidence == engine_line.confidence
    qtbot.keyClick(_edit(win), Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    win.flush_saves()
    redone = _stored(root, pid)[1].find_line(lid)
    assert [(w.text, w.confidence, w.bbox) for w in redone.words] == \
        [(w.text, w.confidence, w.bbox) for w in edited.words]
    with ProjectStore.open(root) as store:
        assert [v.source for v in store.line_history(pid, lid)][-2:] == ["undo", "redo"]
    win.close()


def test_f3_after_enter_goes_to_the_first_low_word_of_the_next_line(qtbot, gui_env, settings_path, tmp_path,
                                                                   processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    win.settings.threshold = 0.999                                    # every engine word is "low"
    l1, l2, _l3 = win.editor.line_ids()
    _page, layout = _stored(root, win.page.id)
    win.editor.focus_line(l1)
    qtbot.keyClick(_edit(win), Qt.Key.Key_Return)
    assert win.editor.current_line_id() == l2
    qtbot.keyClick(_edit(win), Qt.Key.Key_F3)
    assert win.editor.current_line_id() == l2
    assert _edit(win).textCursor().selectedText() == layout.find_line(l2).words[0].text
    qtbot.keyClick(_edit(win), Qt.Key.Key_F3)                         # the word after the selected one
    assert _edit(win).textCursor().selectedText() == layout.find_line(l2).words[1].text
    cur = _edit(win).textCursor()                                     # cursor inside the last word of l2
    cur.setPosition(len(layout.find_line(l2).text) - 1)
    _edit(win).setTextCursor(cur)
    qtbot.keyClick(_edit(win), Qt.Key.Key_F3)                         # -> first word of the next line
    assert _edit(win).textCursor().selectedText() == layout.lines()[2].words[0].text
    win.close()


def test_ctrl_u_goes_to_the_unicode_field_and_types_nothing(qtbot, gui_env, settings_path, tmp_path,
                                                           processed_template):
    root, win, pid, lid = _open_copy(qtbot, settings_path, tmp_path, processed_template)
    original = win.editor.row(lid).edit.text()
    win.editor.focus_line(lid)
    qtbot.keyClick(_edit(win), Qt.Key.Key_U, CTRL)
    assert win.editor.row(lid).edit.text() == original
    assert QApplication.focusWidget() is win.editor.unicode_input
    qtbot.keyClicks(win.editor.unicode_input, "U+017F")
    qtbot.keyClick(win.editor.unicode_input, Qt.Key.Key_Return)      # inserted at the line's cursor
    qtbot.keyClick(win.editor.row(lid).edit, Qt.Key.Key_Down)
    win.flush_saves()
    assert _stored(root, pid)[1].find_line(lid).text == original + "ſ"
    win.close()


def _sent(widget, kind: QEvent.Type, combo) -> QKeyEvent:
    ev = QKeyEvent(kind, combo.key(), combo.keyboardModifiers(), "x")
    ev.setAccepted(False)
    QApplication.sendEvent(widget, ev)
    return ev


def test_no_window_shortcut_is_swallowed_by_or_types_into_a_text_field(qtbot, gui_env, settings_path, tmp_path,
                                                                       processed_template):
    root, win, _pid, lid = _open_copy(qtbot, settings_path, tmp_path, processed_template)
    line = win.editor.row(lid).edit
    fields = {"line": (line, line.text), "unicode": (win.editor.unicode_input, win.editor.unicode_input.text),
              "threshold": (win.editor.threshold_box, win.editor.threshold_box.text)}
    combos = {seq[0] for act in win.actions() for seq in act.shortcuts() if not seq.isEmpty()}
    assert len(combos) > 30
    problems = []
    for name, (widget, text) in fields.items():
        before = text()
        for combo in combos:
            if _sent(widget, QEvent.Type.ShortcutOverride, combo).isAccepted():
                problems.append(f"{name} swallows {combo}")
            _sent(widget, QEvent.Type.KeyPress, combo)
            if text() != before:
                problems.append(f"{name} types {combo}: {text()!r}")
                before = text()
    assert problems == []
    assert line.text() == _stored(root, win.page.id)[1].find_line(lid).text
    win.close()


def test_gui_processing_is_the_cli_batch_job_with_rows_and_resume(qtbot, gui_env, settings_path, tmp_path):
    from digitizer.batch.jobs import JobStore

    root, win, ids = open_new_project(qtbot, settings_path, tmp_path, 3)
    cancel_after_first_page(qtbot, win, ids)
    with ProjectStore.open(root) as store:
        first = JobStore(store).latest_job("process")
        assert first.status == "cancelled" and first.count("page", "done") >= 1
        done_before = {t.page_id for t in JobStore(store).tasks(first.id, "page") if t.status == "done"}
    process_and_wait(qtbot, win, ids)                                  # the same job resumes
    with ProjectStore.open(root) as store:
        job = JobStore(store).latest_job("process")
        assert job.id == first.id and job.runs == 2 and job.status == "done"
        assert job.count("page", "done") == 3
        assert {store.get_page(i).status for i in ids} == {"processed"}
        recognised = [e.page_id for e in store.events() if e.action == "recognize"]
    assert sorted(recognised) == sorted(ids) and not set(recognised) - set(ids)   # each page once
    assert done_before <= set(ids)
    win.close()


def test_gui_processing_waits_for_the_project_lock_and_names_the_holder(qtbot, gui_env, settings_path, tmp_path):
    import subprocess
    import sys

    root = tmp_path / "proj"
    make_project(root, pages=1).close()
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from digitizer.lock import project_lock\n"
                               f"with project_lock({str(root)!r}, 'export'):\n"
                               "    print('held', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"           # another process writes the project
        win = open_window(qtbot, settings_path, root)
        pid = win.page.id
        job_id = win.process_pages([pid])
        job = win.queue.jobs[job_id]
        qtbot.waitUntil(lambda: "waiting for the project lock" in job.row.text(2), timeout=20000)
        assert f"pid {holder.pid}" in job.row.text(2) and "(export)" in job.row.text(2)
        assert _stored(root, pid)[0].status == "imported"            # nothing written meanwhile
        with qtbot.waitSignal(win.queue.idle, timeout=90000):
            holder.stdin.close()                                      # the holder finishes: the job goes on
            holder.wait(30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert job.state == "done" and _stored(root, pid)[0].status == "processed"
    win.close()


def test_a_right_click_on_a_page_shows_it_so_the_context_menu_acts_on_it(qtbot, gui_env, settings_path, tmp_path,
                                                                        processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    p1, p2 = [p.id for p in win.browser.model.pages()]
    _all_pages_done(qtbot, win, (p2, p1))                            # both corrected, p1 shown
    win.open_page(p1)
    tree = win.browser.tree
    idx = win.browser.proxy.mapFromSource(win.browser.model.index_for_page(p2))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.RightButton, pos=tree.visualRect(idx).center())
    assert win.page.id == p2 and win.browser.selected_page_ids() == [p2]
    win.review_action.trigger()                                       # what the context menu entry does
    assert _stored(root, p2)[0].status == "reviewed" and _stored(root, p1)[0].status == "corrected"
    win.close()
