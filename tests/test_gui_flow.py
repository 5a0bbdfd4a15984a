"""Real flows through the workstation: real project, real tesseract through the job queue, keyboard
correction, close and reopen, export to ALTO, undo/redo, F3 navigation, cancel, failed pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from PySide6.QtCore import Qt

from digitizer import workflow
from digitizer.pipeline.export import export_project
from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, make_project, no_leaks, open_window, process_and_wait,  # noqa: F401
                          processed_template, settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
ALTO_NS = {"a": "http://www.loc.gov/standards/alto/ns-v4#"}


def _alto_strings(out: Path) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    words = []
    for f in sorted(out.rglob("alto/*.xml")):
        words += etree.parse(str(f), parser).xpath("//a:String/@CONTENT", namespaces=ALTO_NS)
    return words


def test_import_process_correct_reopen_export(qtbot, gui_env, settings_path, tmp_path):
    root = tmp_path / "proj"
    make_project(root, pages=1).close()
    win = open_window(qtbot, settings_path, root)
    page_id = win.page.id
    assert win.page.status == "imported" and win.editor.line_ids() == []

    process_and_wait(qtbot, win, [page_id])                       # real tesseract, in a worker
    qtbot.waitUntil(lambda: len(win.editor.line_ids()) == 3, timeout=10000)
    assert win.browser.model.page(page_id).status == "processed"
    assert win.browser.model.page(page_id).mean_confidence > 0.5
    first = win.editor.line_ids()[0]
    edit = win.editor.row(first).edit
    assert edit.text().endswith("jumps")

    win.editor.focus_line(first)
    qtbot.keyClick(edit, Qt.Key.Key_End)
    for _ in range(5):
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, "leaps")
    qtbot.keyClick(edit, Qt.Key.Key_Return)                      # saves and moves to line 2
    second = win.editor.line_ids()[1]
    assert win.editor.current_line_id() == second
    win.flush_saves()                                            # the writer thread commits it
    assert win.store.load_layout(page_id).find_line(first).text.endswith("fox leaps")
    win.close()

    win2 = open_window(qtbot, settings_path, root)                # reopen: text and position restored
    assert win2.page.id == page_id and win2.editor.current_line_id() == second
    assert win2.editor.row(first).edit.text().endswith("fox leaps")
    with ProjectStore.open(root) as store:
        hist = store.line_history(page_id, first)
        assert [v.source for v in hist] == ["engine", "edit"]
        assert hist[-1].agent == "test-operator"
        assert store.get_page(page_id).status == "processed"     # one edited line does not correct a page
        assert workflow.line_states(store, page_id)[first] == "edited"
        summary = export_project(store, tmp_path / "out", formats=["alto"])
    assert not summary.errors
    words = _alto_strings(tmp_path / "out")
    assert "leaps" in words and "jumps" not in words
    win2.close()


def test_undo_redo_are_saved_versions(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid, lid = win.page.id, win.editor.line_ids()[1]
    original = win.editor.row(lid).edit.text()
    win.editor.focus_line(lid)
    edit = win.editor.row(lid).edit
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    qtbot.keyClicks(edit, "NEW ")
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    win.flush_saves()
    assert win.store.load_layout(pid).find_line(lid).text == "NEW " + original
    win.undo()
    win.flush_saves()
    assert win.store.load_layout(pid).find_line(lid).text == original
    assert edit.text() == original
    win.redo()
    assert edit.text() == "NEW " + original
    win.flush_saves()
    assert [v.source for v in win.store.line_history(pid, lid)] == ["engine", "edit", "undo", "redo"]
    # undo while typing: the pending edit is saved first, then that edit is undone
    win.editor.focus_line(lid)
    qtbot.keyClicks(edit, "!")
    win.undo()
    win.flush_saves()
    assert win.store.load_layout(pid).find_line(lid).text == "NEW " + original
    win.close()


def test_next_low_confidence_walks_page_then_item(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    win.settings.threshold = 0.999               # every word the engine read is "low"
    first_page = win.page.id
    win.open_page(first_page)
    words = [(ln.id, i, w.text) for ln in win.layout_.lines() for i, w in enumerate(ln.words)]
    win.editor.focus_line(words[0][0])
    win.editor.row(words[0][0]).edit.moveCursor(win.editor.row(words[0][0]).edit.textCursor().MoveOperation.Start)
    seen = []
    for _ in range(len(words) - 1):
        win.next_low_confidence()
        edit = win.editor.row(win.editor.current_line_id()).edit
        seen.append((win.editor.current_line_id(), edit.textCursor().selectedText()))
    assert seen == [(lid, text) for lid, _i, text in words[1:]]
    with qtbot.waitSignal(win.lowConfidenceSearchDone, timeout=10000) as sig:   # end of page -> next page
        win.next_low_confidence()
    hit = sig.args[0]
    assert hit is not None and hit.page != first_page and win.page.id == hit.page
    edit = win.editor.row(win.editor.current_line_id()).edit
    assert edit.textCursor().selectedText() == win.layout_.lines()[0].words[0].text
    # a corrected word is no longer low: fix it, and F3 from the start skips it
    qtbot.keyClicks(edit, "Sec0nd")
    win.editor.commit_current()
    win.editor.focus_line(win.layout_.lines()[0].id)
    edit.moveCursor(edit.textCursor().MoveOperation.Start)
    win.next_low_confidence()
    assert win.editor.row(win.editor.current_line_id()).edit.textCursor().selectedText() != "Sec0nd"
    win.close()


def test_cancel_running_batch(qtbot, gui_env, settings_path, tmp_path):
    root = tmp_path / "proj"
    make_project(root, pages=4).close()
    win = open_window(qtbot, settings_path, root)
    ids = [p.id for p in win.browser.model.pages()]
    job_id = win.process_pages(ids)
    with qtbot.waitSignal(win.queue.pageFinished, timeout=60000):
        pass
    win.queue.jobs[job_id].cancel_button.click()                  # the user clicks Cancel
    qtbot.waitUntil(lambda: not win.queue.busy(), timeout=60000)
    job = win.queue.jobs[job_id]
    assert job.state == "cancelled"
    with ProjectStore.open(root) as store:
        statuses = [store.get_page(i).status for i in ids]
    assert statuses.count("processed") in (1, 2)                 # the one running when cancelled may finish
    assert statuses[-1] == "imported" and statuses[-2] == "imported"
    assert win.queue.stall.beats > 0 and win.queue.last_batch_stall_ms is not None   # event loop kept running
    win.open_page(ids[0])                                         # and the window still works
    assert len(win.editor.line_ids()) == 3
    win.close()


def test_failed_page_gets_error_row_others_finish(qtbot, gui_env, settings_path, tmp_path):
    root = tmp_path / "proj"
    store = make_project(root, pages=3)
    broken = store.pages()[1]
    master = store.abspath(broken.master.path)
    master.write_bytes(master.read_bytes()[:300])                 # the file got truncated after import
    ids = [p.id for p in store.pages()]
    store.close()
    win = open_window(qtbot, settings_path, root)
    job_id = process_and_wait(qtbot, win, ids)
    job = win.queue.jobs[job_id]
    assert job.state == "done"
    assert sorted(job.ok_pages) == sorted([ids[0], ids[2]])
    assert list(job.failed_pages) == [broken.id]
    reason = job.failed_pages[broken.id]
    assert "trunc" in reason.lower() or "corrupt" in reason.lower() or "cannot" in reason.lower(), reason
    row = job.row.child(0)
    assert row.text(0) == f"page {broken.id}" and row.text(2) == reason
    assert win.browser.model.page(broken.id).status == "failed"
    assert win.browser.model.page(ids[2]).status == "processed"
    win.close()


def test_layout_corrections_flow_into_export(qtbot, gui_env, settings_path, tmp_path, processed_template):
    from digitizer.model import BBox

    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    pid = win.page.id
    l1, l2, l3 = win.editor.line_ids()
    text1, text2 = (win.layout_.find_line(x).text for x in (l1, l2))
    win.editor.focus_line(l1)
    win.merge_with_next()
    assert win.editor.line_ids() == [l1, l3]
    assert win.editor.row(l1).edit.text() == f"{text1} {text2}"
    win.undo()
    assert win.editor.line_ids() == [l1, l2, l3]
    win.redo()
    # split again after the 5 words of the first line (cursor placed after word 5)
    edit = win.editor.row(l1).edit
    cur = edit.textCursor()
    cur.setPosition(len(text1))
    edit.setTextCursor(cur)
    win.split_at_cursor()
    ids = win.editor.line_ids()
    assert len(ids) == 3 and win.editor.row(ids[0]).edit.text() == text1
    assert win.editor.row(ids[1]).edit.text() == text2
    win.editor.focus_line(ids[2])
    win.delete_current_line()
    win._rect_drawn("line", BBox(90, 600, 700, 650))             # what the viewer emits after a drag
    new_line = win.editor.current_line_id()
    assert new_line not in ids and len(win.editor.line_ids()) == 3
    edit = win.editor.row(new_line).edit
    qtbot.keyClicks(edit, "hand drawn line")
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    win.flush_saves()
    with ProjectStore.open(root) as store:
        export_project(store, tmp_path / "out", formats=["alto"])
        ops = [e.parameters.get("operation") for e in store.events(page_id=pid) if e.tool == "digitizer.correction"]
    words = _alto_strings(tmp_path / "out")
    assert "drawn" in words and "Archives" not in words
    assert ops == ["merge lines", "undo merge lines", "merge lines", "split line", "delete line", "add line"]
    win.close()
