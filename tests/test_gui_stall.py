"""Issue 15: the GUI never blocks while a job runs.  The page shown follows a job that rewrites it,
read off the GUI thread and updated in place when only texts changed; page pixels are decoded in
worker threads.  (Stall times are measured by ``benchmarks/bench_gui.py``, not asserted here.)"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from digitizer import workflow
from digitizer.gui.correction import page_images
from digitizer.store import ProjectStore

from _gui_helpers import (CTRL, copy_project, gui_env, make_project, no_leaks, open_window,  # noqa: F401
                          processed_template, settings_path, wait_full_image)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def _shown_lines(win) -> list[tuple[str, str]]:
    return [(lid, win.editor.row(lid).edit.text()) for lid in win.editor.line_ids()]


def _stored_lines(root, page_id) -> list[tuple[str, str]]:
    with ProjectStore.open(root) as store:
        return [(ln.id, ln.text) for ln in store.load_layout(page_id).lines()]


def test_page_shown_follows_the_job_that_rewrites_it(qtbot, gui_env, settings_path, tmp_path):
    root = tmp_path / "proj"
    make_project(root, pages=2).close()
    win = open_window(qtbot, settings_path, root)
    wait_full_image(qtbot, win)
    page_id = win.page.id
    gui_thread = threading.get_ident()
    # the pixels were decoded by a worker, never on the GUI thread
    assert page_images.DECODE_THREADS and gui_thread not in page_images.DECODE_THREADS
    assert win.editor.line_ids() == []

    # Ctrl+R on the page shown: the job writes its text; the page on screen follows without reopening it
    win.activateWindow()
    with qtbot.waitSignal(win.queue.idle, timeout=120000):
        qtbot.keyClick(win.focusWidget() or win.browser.tree, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: win.reloads >= 1 and len(win.editor.line_ids()) == 3, timeout=20000)
    assert win.page.id == page_id and win.page.status == "processed"
    assert _shown_lines(win) == _stored_lines(root, page_id)
    assert win.viewer.overlay_count("lines") == 3
    # the new rows get their line crops, cut from the image already decoded (in a worker)
    qtbot.waitUntil(lambda: win._image_worker is None, timeout=20000)
    first = win.editor.line_ids()[0]
    qtbot.waitUntil(lambda: win.editor.row(first).crop.image is not None, timeout=20000)
    assert not win.editor.row(first).crop.image.isNull() and win.editor.row(first).crop.text() == ""
    assert gui_thread not in page_images.DECODE_THREADS

    # a correction, then the job runs again and replaces it: the lines keep their boxes, so the shown
    # rows are updated in place, and the image (same file) is not decoded again
    edit = win.editor.row(first).edit
    win.editor.focus_line(first)
    qtbot.keyClick(edit, Qt.Key.Key_End)
    qtbot.keyClicks(edit, " CORRECTED")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    win.flush_saves()
    assert _stored_lines(root, page_id)[0][1].endswith(" CORRECTED")
    decoded, in_place = len(page_images.DECODE_THREADS), win.reloaded_in_place
    with qtbot.waitSignal(win.queue.idle, timeout=120000):
        win.process_pages([page_id], force=True, discard_corrections=True)
    qtbot.waitUntil(lambda: win.reloaded_in_place > in_place, timeout=20000)
    stored = _stored_lines(root, page_id)
    assert not stored[0][1].endswith(" CORRECTED")           # the job's result ...
    assert _shown_lines(win) == stored                        # ... is what the page shown says
    assert len(page_images.DECODE_THREADS) == decoded
    with ProjectStore.open(root) as store:                    # every rewrite is a recorded version
        assert len(store.line_history(page_id, first)) >= 3   # first text, the correction, the job's text
    win.close()


def test_writer_read_sees_queued_writes_and_answers_in_the_gui_thread(qtbot, gui_env, settings_path, tmp_path):
    root = tmp_path / "proj"
    make_project(root, pages=1).close()
    win = open_window(qtbot, settings_path, root)
    got: list = []
    item = win.page.item_id
    win.writer.submit(lambda store: store.update_item(item, title="written"))  # a write still queued ...
    win.writer.read(lambda store: (store.get_item(item).title, threading.get_ident()),
                    callback=got.append)                                      # ... is seen by the read after it
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    value, reader = got[0]
    assert value == "written" and reader != threading.get_ident()           # read on the writer thread
    errors: list = []
    win.writer.read(lambda store: store.get_page(999999), callback=got.append, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert len(got) == 1                                                     # a failed read calls on_error only
    win.close()


def test_paging_uses_the_page_read_ahead_unless_it_changed(qtbot, gui_env, settings_path, tmp_path,
                                                          processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    first, second = [p.id for p in win.browser.model.pages()][:2]
    win.open_page(first)
    qtbot.waitUntil(lambda: second in (win._prefetched or {}), timeout=10000)   # read on the writer thread
    used = win.read_ahead_used
    _key(qtbot, win, Qt.Key.Key_PageDown, CTRL)
    assert win.page.id == second and _shown_lines(win) == _stored_lines(root, second)
    assert win.read_ahead_used == used + 1                                       # the read-ahead was used

    # the page read ahead is changed by another process before the user gets there: not used
    win.open_page(first)
    qtbot.waitUntil(lambda: second in (win._prefetched or {}), timeout=10000)
    line = _stored_lines(root, second)[0][0]
    with ProjectStore.open(root, agent="cli") as store:
        workflow.set_text(store, second, line, "changed by the CLI")
    used = win.read_ahead_used
    _key(qtbot, win, Qt.Key.Key_PageDown, CTRL)
    assert win.read_ahead_used == used                                           # stale: read again
    assert win.page.id == second and win.editor.row(line).edit.text() == "changed by the CLI"
    assert _shown_lines(win) == _stored_lines(root, second)
    win.close()


def _key(qtbot, win, key, mods) -> None:
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    qtbot.keyClick(win.focusWidget() or win.browser.tree, key, mods)
