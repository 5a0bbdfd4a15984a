"""Intake from the GUI (issue 15, deliver 1): a new project at a typed path, a new item with a profile,
rename, change of profile (palette and threshold follow), import of a folder into a chosen item,
transcriptions made elsewhere, engine and model per page or item, controls disabled when they cannot
work, and no old page under a newly opened project.  Real projects, real store; the dialogs are driven
through their widgets."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from _gui_helpers import (gui_env, make_project, no_leaks, open_window, render_page,  # noqa: E402,F401
                          settings_path)
from digitizer.store import ProjectStore  # noqa: E402

ALTO = "http://www.loc.gov/standards/alto/ns-v4#"


def _ok(dialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def _alto(name: str, text: str) -> str:
    words = "".join(f'<String CONTENT="{w}" HPOS="{90 + 150 * k}" VPOS="90" WIDTH="140" HEIGHT="45"/>'
                    for k, w in enumerate(text.split()))
    return (f'<?xml version="1.0" encoding="UTF-8"?><alto xmlns="{ALTO}"><Description><MeasurementUnit>pixel'
            f'</MeasurementUnit><sourceImageInformation><fileName>{name}</fileName></sourceImageInformation>'
            f'</Description><Layout><Page WIDTH="1240" HEIGHT="700" PHYSICAL_IMG_NR="1" ID="p1"><PrintSpace '
            f'HPOS="0" VPOS="0" WIDTH="1240" HEIGHT="700"><TextBlock ID="b1" HPOS="80" VPOS="80" WIDTH="900" '
            f'HEIGHT="70"><TextLine ID="l1" HPOS="90" VPOS="90" WIDTH="880" HEIGHT="50">{words}</TextLine>'
            f'</TextBlock></PrintSpace></Page></Layout></alto>')


def test_new_project_item_import_and_profile(qtbot, settings_path, gui_env, no_leaks):  # noqa: F811
    win = open_window(qtbot, settings_path)
    assert not win.import_action.isEnabled() and not win.new_item_action.isEnabled()
    assert not win.engine_action.isEnabled()
    target = gui_env / "typed" / "new-project"                  # neither folder exists yet
    dlg = win._new_project_dialog()
    dlg.path_edit.setText(str(target))
    dlg.name_edit.setText("Wills")
    _ok(dlg)
    assert win.store is not None and (target / "project.sqlite").is_file()
    assert win.store.info().name == "Wills" and win.import_action.isEnabled()
    assert not win.engine_action.isEnabled()                    # no page shown yet

    item_dlg = win._new_item_dialog()
    item_dlg.name_edit.setText("wills 1911")
    item_dlg.profile_combo.setCurrentText("manuscript")
    _ok(item_dlg)
    qtbot.waitUntil(lambda: getattr(win, "metadata_dialog", None) is not None and win.metadata_dialog.isVisible())
    win.metadata_dialog.reject()
    (wills,) = win.store.items()
    assert (wills.identifier, wills.profile) == ("wills_1911", "manuscript")
    other = win.new_item("letters", "printed-modern")

    scans = gui_env / "scans"
    scans.mkdir()
    for n in (1, 2):
        render_page(scans / f"will{n}.png", [f"Last will number {n}", "of a citizen of Lyon"])
    imp = win._import_dialog()
    assert imp.item_combo.currentData() == other                # the item selected in the browser
    imp.item_combo.setCurrentIndex(imp.item_combo.findData(wills.id))
    imp.add_paths([str(scans)])                                 # a folder
    with qtbot.waitSignal(win.queue.idle, timeout=60000):
        _ok(imp)
    assert [p.source_path.endswith(f"will{n}.png") for n, p in enumerate(win.store.pages(wills.id), 1)] == [True] * 2
    assert win.store.pages(other) == []
    qtbot.waitUntil(lambda: win.page is not None)
    assert win.page.item_id == wills.id and win.engine_action.isEnabled()
    keys = lambda: [k.char for k in win.transcription_panel.keyboard.keys]     # noqa: E731  (the profile's keyboard)
    assert keys()[:3] == ["^", "ſ", "ꝑ"] and win.threshold == pytest.approx(0.70)

    assert win.set_item_profile(wills.id, "printed-modern")     # palette and threshold follow
    assert keys()[0] == "–" and win.threshold == pytest.approx(0.80)
    assert win.rename_item(wills.id, "wills-1911")
    assert not win.rename_item(wills.id, "letters")             # taken: refused, said
    assert "already exists" in win.statusBar().currentMessage()
    assert win.store.get_item(wills.id).identifier == "wills-1911"

    assert win.set_engine("kraken", "poilus-fr-v1", whole_item=True) == [p.id for p in win.store.pages(wills.id)]
    assert {p.engine_override for p in win.store.pages(wills.id)} == {"kraken:poilus-fr-v1"}
    assert win.set_engine("default") == [win.page.id]
    assert win.store.get_page(win.page.id).engine_override is None
    win.close()


def test_transcriptions_and_switching_projects(qtbot, settings_path, gui_env, tmp_path, no_leaks):  # noqa: F811
    make_project(tmp_path / "a").close()
    ProjectStore.create(tmp_path / "b").close()
    win = open_window(qtbot, settings_path, tmp_path / "a")
    item_id = win.store.items()[0].id
    (tmp_path / "page01.xml").write_text(_alto("page01.png", "Imported from elsewhere"), encoding="utf-8")
    with qtbot.waitSignal(win.queue.idle, timeout=60000):
        assert win.import_into([], item_id, transcriptions=[str(tmp_path / "page01.xml")]) == item_id
    page = win.store.pages(item_id)[0]
    assert win.store.load_layout(page.id).text.strip() == "Imported from elsewhere"
    assert "1 page(s) got their lines" in win.statusBar().currentMessage()
    assert win.viewer.page is not None
    win.open_project(str(tmp_path / "b"))                       # an empty project: nothing of a's shown
    assert win.viewer.page is None and win.editor.line_ids() == [] and not win.engine_action.isEnabled()
    win.close()
