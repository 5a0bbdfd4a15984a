"""Issue 15: the GUI never blocks while a job runs.  The page shown follows a job that rewrites it,
read off the GUI thread and updated in place when only texts changed; page pixels are decoded in
worker threads.  (Stall times are measured by ``benchmarks/bench_gui.py``, not asserted here.)"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from digitizer.gui.correction import page_images
from digitizer.store import ProjectStore

from _gui_helpers import (CTRL, gui_env, make_project, no_leaks, open_window, settings_path,  # noqa: F401
                          wait_full_image)

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
    assert win.editor.row(first).crop.pixmap() is not None and not win.editor.row(first).crop.pixmap().isNull()
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
