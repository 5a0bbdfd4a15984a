"""GUI side of issue 16: Find & replace's preview with an empty "Replace with", and the search panel."""

from __future__ import annotations

from PySide6.QtCore import Qt

from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path, wait_full_image)


def test_find_with_empty_replacement_previews_matches_not_deletions(qtbot, gui_env, settings_path, tmp_path,  # noqa: F811
                                                                    processed_template, no_leaks):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    dlg = win.show_find_replace()
    dlg.find.setText("the")
    dlg.word.setChecked(True)
    dlg.case.setChecked(False)
    with qtbot.waitSignal(dlg.searched, timeout=10000):
        dlg.preview_button.click()
    rows = dlg.model.checked()
    assert len(rows) == 2
    after = [dlg.model.data(dlg.model.index(i, 3)) for i in range(dlg.model.rowCount())]
    assert after == [r.old for r in rows]                     # the lines as they are: nothing deleted
    assert all("the" in a.lower().split() for a in after)
    assert not dlg.apply_button.isEnabled()                   # finding only: nothing to apply
    dlg.delete.setChecked(True)                               # deleting is an explicit choice
    with qtbot.waitSignal(dlg.searched, timeout=10000):
        dlg.preview_button.click()
    assert all("the" not in r.new.lower().split() for r in dlg.model.checked()) and dlg.apply_button.isEnabled()
    qtbot.waitUntil(lambda: dlg.worker is None)
    with ProjectStore.open(root) as store:                    # previews write nothing
        assert all(store.load_layout(r.page_id).find_line(r.line_id).text == r.old for r in rows)
    dlg.close()
    win.close()


def _search(qtbot, panel, text: str, fuzzy: int = 0) -> int:
    panel.query.setText(text)
    panel.fuzzy.setValue(fuzzy)
    with qtbot.waitSignal(panel.searched, timeout=30000) as sig:
        qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    return sig.args[0]


def _selected(win, line_id: str) -> str:
    return win.editor.row(line_id).edit.textCursor().selectedText()


def test_search_panel_lists_hits_with_line_images_and_highlights_the_word(qtbot, gui_env, settings_path,  # noqa: F811
                                                                         tmp_path, processed_template, no_leaks):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    next(a for a in win.actions() if a.text() == "&Search project…").trigger()
    panel = win.search_panel
    assert win.search_dock.isVisible() and panel.query.hasFocus()
    assert _search(qtbot, panel, "archives") == 1
    assert not panel.results.item(0).icon().isNull()                       # the line image
    assert _search(qtbot, panel, "archivez") == 0 and panel.status.text() == "no hits"
    assert _search(qtbot, panel, "archivez", fuzzy=1) == 1                 # one OCR-like error tolerated
    hit = panel.hit_at(0)
    win.step_page(1)                                                        # somewhere else first
    qtbot.keyClick(win, Qt.Key.Key_F4)                                      # next hit
    assert win.page.id == hit.page_id and win.editor.current_line_id() == hit.line_id
    assert _selected(win, hit.line_id) == "Archives"                        # the word in the editor
    b = hit.words[0].bbox
    assert panel.highlight.path().boundingRect().adjusted(2, 2, -2, -2).toRect().getCoords()[:2] == (b.x0, b.y0)
    wait_full_image(qtbot, win)
    win.grab().save(str(tmp_path / "search-panel.png"))

    assert _search(qtbot, panel, "o*") == 3                                 # over, old (p. 1), of (p. 2)
    pages = [panel.hit_at(i).page for i in range(3)]
    assert pages == [1, 1, 2]
    for expected in (0, 1, 2, 0):                                           # F4 walks the hits and wraps
        qtbot.keyClick(win, Qt.Key.Key_F4)
        assert panel.results.currentRow() == expected and win.page.id == panel.hit_at(expected).page_id
    qtbot.keyClick(win, Qt.Key.Key_F4, Qt.KeyboardModifier.ShiftModifier)  # previous: back to p. 2
    assert panel.results.currentRow() == 2 and win.page.seq == 2
    assert _selected(win, panel.hit_at(2).line_id) == "of"
    win.step_page(-1)                                                       # another page: no stale highlight
    assert panel.highlight.path().isEmpty()
    lid = win.editor.line_ids()[0]
    win.save_line(win.page.id, lid, "Zebra crossing ahead")                  # an edit in the editor ...
    assert _search(qtbot, panel, "zebra") == 1 and panel.hit_at(0).line_id == lid   # ... is found at once
    assert _search(qtbot, panel, "quick") == 0
    win.close()
