"""The export dialog (issue 15, deliver 2): every CLI format, item choice, a state filter, warnings about
unreviewed pages and the QA gate before the export starts, a default folder outside the project, a
zipped BagIt bag, and "Open folder" once done.  Real processed project, real exporters and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: E402,F401
                          settings_path)
from digitizer.pipeline.readiness import readiness  # noqa: E402
from digitizer.profiles import EXPORT_FORMATS  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]


def _checked(dlg) -> list[int]:
    return dlg.item_ids


def test_export_dialog_formats_filter_warnings_and_bag(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        second = store.add_item("empty", profile="printed-modern").id
    win = open_window(qtbot, settings_path, root)
    letters = win.store.get_item("letters").id
    dlg = win.show_export_dialog()
    assert list(dlg.checks) == [*EXPORT_FORMATS, "zip"]
    out = Path(dlg.out.text())
    assert root.resolve() not in out.resolve().parents and out.name == "proj-export"
    assert sorted(_checked(dlg)) == sorted([letters, second])
    assert "letters: 2 of 2 page(s) not reviewed (1, 2)" in dlg.warning.text()
    dlg.state_filter.setCurrentIndex(dlg.state_filter.findData("reviewed"))
    assert _checked(dlg) == [] and not dlg.export_button.isEnabled() and dlg.warning.text() == ""
    dlg.close()

    for page in win.store.pages(letters):                   # corrected (page done), then reviewed
        win.open_page(page.id)
        win.page_done()
    assert win.page_action("review", [p.id for p in win.store.pages(letters)])
    dlg = win.show_export_dialog()
    dlg.state_filter.setCurrentIndex(dlg.state_filter.findData("reviewed"))
    assert _checked(dlg) == [letters] and dlg.warning.text() == ""       # the empty item cannot pass
    for fmt, box in dlg.checks.items():
        box.setChecked(fmt in ("alto", "mets", "text", "zip"))
    dlg.out.setText(str(tmp_path / "bag"))
    assert not dlg.open_button.isEnabled()
    with qtbot.waitSignal(dlg.finishedExport, timeout=120000) as sig:
        qtbot.mouseClick(dlg.export_button, Qt.MouseButton.LeftButton)
    summary = sig.args[0].summary
    assert sig.args[0].validation.is_valid, sig.args[0].validation.lines()
    assert (tmp_path / "bag" / "bagit.txt").is_file() and summary.zip is not None and summary.zip.is_file()
    assert [it.identifier for it in summary.items] == ["letters"]
    qtbot.waitUntil(lambda: dlg.worker is None)
    assert dlg.open_button.isEnabled() and dlg.output_folder() == tmp_path / "bag"
    dlg.close()
    win.close()


def test_readiness_names_unreviewed_pages_and_the_qa_gate(tmp_path, processed_template):
    from digitizer.qa.targets import set_target

    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        set_target(store, None, {"target": 0.995})
        (r,) = readiness(store)
    assert r.not_reviewed == [1, 2] and not r.passes("reviewed") and r.passes("all")
    assert any("not accepted by QA" in w for w in r.warnings())
