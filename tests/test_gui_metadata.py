"""The metadata dialog on a real project: controlled vocabularies in combo boxes, saved through the
window's writer, in the item's MODS of a real (XSD-validated) METS export; invalid values rejected."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from digitizer.pipeline.export import export_project
from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
NS = {"mets": "http://www.loc.gov/METS/", "mods": "http://www.loc.gov/mods/v3"}
INC = "http://rightsstatements.org/vocab/InC/1.0/"
SHOT = os.environ.get("DIGITIZER_SCREENSHOT_DIR")


def _mods(out: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    mets = next(out.rglob("mets.xml"))
    return etree.parse(str(mets), parser).xpath("//mods:mods", namespaces=NS)[0]


def test_edit_metadata_saves_and_exports_in_mods(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    win.settings.operator = "Meta Editor"
    item_id = win.page.item_id
    dlg = win.show_metadata_dialog()
    f = dlg.fields
    assert f["title"].text() == "Letters"                        # current values are loaded
    assert f["rights"].findData(INC) > 0 and f["languages"].combo.count() >= 30   # vocabularies offered
    f["title"].setText("Letters of the Weaver Family")
    f["date_created"].setText("1848-03")
    f["languages"].combo.setCurrentIndex(f["languages"].combo.findData("ger"))
    f["languages"].add_button.click()
    f["languages"].combo.setEditText("English (eng)")
    f["languages"].add_button.click()
    f["rights"].setCurrentIndex(f["rights"].findData(INC))
    f["names"].add_name("Weaver, Anna", "personal", "aut")
    if SHOT:
        dlg.grab().save(str(Path(SHOT) / "metadata-dialog.png"))
    with qtbot.waitSignal(dlg.metadataSaved, timeout=5000) as sig:
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    assert sig.args[0]["languages"] == ["ger", "eng"] and not dlg.isVisible()
    win.close()
    with ProjectStore.open(root) as store:
        item = store.get_item(item_id)
        assert item.title == "Letters of the Weaver Family"
        assert item.metadata["rights"] == INC and item.metadata["date_created"] == "1848-03"
        assert item.metadata["names"] == [{"name": "Weaver, Anna", "type": "personal", "role": "aut"}]
        assert [e.agent for e in store.events(item_id=item_id) if e.action == "update-item"][-1] == "Meta Editor"
        summary = export_project(store, tmp_path / "out", formats=["mets"])
    assert not summary.errors
    mods = _mods(tmp_path / "out")
    assert mods.xpath("mods:titleInfo/mods:title/text()", namespaces=NS) == ["Letters of the Weaver Family"]
    assert mods.xpath("mods:language/mods:languageTerm[@type='code']/text()", namespaces=NS) == ["ger", "eng"]
    acc = mods.xpath("mods:accessCondition", namespaces=NS)
    assert any(a.text == "In Copyright" for a in acc)
    assert "1848-03" in mods.xpath("mods:originInfo/mods:dateCreated/text()", namespaces=NS)
    assert mods.xpath("mods:name/mods:namePart/text()", namespaces=NS) == ["Weaver, Anna"]


def test_invalid_metadata_is_rejected_with_the_validators_message(qtbot, gui_env, settings_path, tmp_path,
                                                                  processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    item_id = win.page.item_id
    dlg = win.show_metadata_dialog(item_id)
    f = dlg.fields
    f["title"].setText("Changed title")
    f["date_created"].setText("last spring")
    assert dlg.save() is False and dlg.isVisible()
    assert "date_created: 'last spring' is not an ISO 8601 date" in dlg.error_label.text()
    assert "c62828" in f["date_created"].styleSheet()
    f["date_created"].setText("1850")
    f["languages"].combo.setEditText("klingon")                  # typed, not in the vocabulary
    f["languages"].add_button.click()
    assert dlg.save() is False
    assert "languages: 'klingon' is not in the controlled vocabulary" in dlg.error_label.text()
    assert "c62828" in f["languages"].styleSheet() and "c62828" not in f["date_created"].styleSheet()
    f["title"].setText("")                                        # the profile requires a title
    f["languages"].set_values([])
    assert dlg.save() is False and "required metadata field 'title'" in dlg.error_label.text()
    dlg.reject()
    win.flush_saves()
    item = win.store.get_item(item_id)
    assert item.title == "Letters" and "date_created" not in item.metadata   # nothing was saved
    win.close()
