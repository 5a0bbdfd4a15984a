"""The Restrictions panel and the export dialog's note, on a real project processed with tesseract:
every action is checked in the store (restrictions, events) and on the page (hatched areas)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from digitizer.restrict import list_restrictions
from digitizer.restrict.leak import check_access_package
from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def test_restrict_word_line_text_then_lift(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    panel = win.restrict_panel
    win.restrict_dock.show()
    first, second = win.layout_.lines()[0], win.layout_.lines()[1]
    win.viewer.wordClicked.emit(first.id, 1)
    assert panel.selection_label.text() == f"Selected word: {first.words[1].text}"
    panel.reason.setCurrentIndex(panel.reason.findData("personal-data"))
    panel.until.setText("2090-01-31")
    qtbot.mouseClick(panel.word_button, Qt.MouseButton.LeftButton)
    win.viewer.lineClicked.emit(second.id)
    panel.until.clear()
    panel.reason.setCurrentIndex(panel.reason.findData("third-party-privacy"))
    qtbot.mouseClick(panel.line_button, Qt.MouseButton.LeftButton)
    panel.text.setText("ARCHIVES")                       # case-insensitive, everywhere
    qtbot.mouseClick(panel.text_button, Qt.MouseButton.LeftButton)
    with ProjectStore.open(root) as store:
        rs = list_restrictions(store)
        assert [(r.scope, r.target, r.reason, r.until, r.agent) for r in rs] == [
            ("word", first.words[1].id, "personal-data", "2090-01-31", win.settings.operator),
            ("line", second.id, "third-party-privacy", None, win.settings.operator),
            ("text", "ARCHIVES", "third-party-privacy", None, win.settings.operator)]
        assert len(store.events(action="restrict")) == 3
    assert panel.table.rowCount() == 3
    # hatched: the word, the line and "Archives" (third line of page 1)
    boxes = sorted((h.rect().x(), h.rect().y()) for h in panel.hatches)
    assert len(boxes) == 3 and all(h.brush().style() == Qt.BrushStyle.BDiagPattern for h in panel.hatches)
    assert (first.words[1].bbox.x0, first.words[1].bbox.y0) in boxes
    panel.table.selectRow(1)
    qtbot.mouseClick(panel.lift_button, Qt.MouseButton.LeftButton)
    with ProjectStore.open(root) as store:
        assert [r.scope for r in list_restrictions(store, active_only=True)] == ["word", "text"]
        assert store.events(action="lift-restriction")[0].agent == win.settings.operator
    assert panel.table.rowCount() == 2 and len(panel.hatches) == 2
    win.viewer.lineClicked.emit(second.id)
    qtbot.mouseClick(panel.region_button, Qt.MouseButton.LeftButton)
    with ProjectStore.open(root) as store:
        region = list_restrictions(store, active_only=True)[-1]
        assert (region.scope, region.target) == ("region", win.layout_.blocks[0].id)
    b = win.layout_.blocks[0].bbox                         # the region and each of its lines
    assert (b.x0, b.y0, b.width, b.height) in [(h.rect().x(), h.rect().y(), h.rect().width(), h.rect().height())
                                               for h in panel.hatches]
    assert len(panel.hatches) == 2 + len(win.layout_.blocks[0].lines)          # + "Archives" elsewhere
    panel.table.selectRow(2)
    qtbot.mouseClick(panel.lift_button, Qt.MouseButton.LeftButton)
    panel.until.setText("soon")
    win.viewer.wordClicked.emit(first.id, 0)
    qtbot.mouseClick(panel.word_button, Qt.MouseButton.LeftButton)
    assert panel.message.text() == "--until 'soon' is not a date (use YYYY-MM-DD)"
    dlg = win.show_export_dialog()
    note = dlg.findChild(type(panel.message), "withheld").text()
    assert "will withhold" in note and "page 1: 2 word(s) and 0 line(s) removed, 2 area(s) blacked out" in note
    dlg.access_check.setChecked(True)
    dlg.out.setText(str(tmp_path / "out"))
    with qtbot.waitSignal(dlg.finishedExport, timeout=60000) as sig:
        dlg.export_button.click()
    assert sig.args[0].validation.is_valid
    text = (tmp_path / "out" / "letters" / "text" / "0001.txt").read_text("utf-8")
    assert first.words[1].text not in text and "Archives" not in text and first.words[2].text in text
    with ProjectStore.open(root) as store:
        assert check_access_package(store, tmp_path / "out").is_valid
    qtbot.waitUntil(lambda: dlg.worker is None)
    dlg.close()
    win.close()
