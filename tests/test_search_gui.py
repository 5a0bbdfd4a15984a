"""GUI side of issue 16: Find & replace's preview with an empty "Replace with", and the search panel."""

from __future__ import annotations

from PySide6.QtCore import Qt

from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path)


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
