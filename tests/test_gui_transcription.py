"""The Transcription dock (issue 15, point 3) on a real project processed with tesseract: select
characters with the keyboard, tag them with a mouse click, an empty gap, remove a tag,
flag the line with a comment; the virtual keyboard of the page's profile types into the line and
a user's own keys are stored per user.  Every assertion reads the STORE (tags, states, events)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from digitizer.model import Tag
from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, current_edit, gui_env, no_leaks, open_window,  # noqa: F401
                          processed_template, settings_path)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "digitizer"


def _line(root, pid, lid):
    with ProjectStore.open(root) as store:
        st = store.line_states(pid).get(lid)
        return store.load_layout(pid).find_line(lid), (st.state, st.comment) if st else ("machine", "")


def _select(qtbot, edit, start: int, end: int) -> None:
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    for _ in range(start):
        qtbot.keyClick(edit, Qt.Key.Key_Right)
    for _ in range(end - start):
        qtbot.keyClick(edit, Qt.Key.Key_Right, SHIFT)


def test_tag_edit_untag_and_flag_from_the_dock(qtbot, gui_env, settings_path, tmp_path, processed_template,
                                               user_data):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    win.settings.operator = "Tia Tagger"
    panel, pid = win.transcription_panel, win.page.id
    lid = win.editor.line_ids()[0]
    win.editor.focus_line(lid)
    first = win.layout_.find_line(lid).text.split(" ")[0]
    _select(qtbot, current_edit(win), 0, len(first))
    qtbot.keyClicks(panel.value_input, "Anna Muster")
    qtbot.mouseClick(panel.kind_buttons["person"], Qt.MouseButton.LeftButton)
    line, state = _line(root, pid, lid)
    assert line.tags == [Tag("person", 0, len(first), "Anna Muster")] and state == ("machine", "")
    assert panel.tag_list.count() == 1 and f"«{first}» = Anna Muster" in panel.tag_list.item(0).text()

    # typing right after tagging is saved (the tag made a new line version: the next save names it)
    edit = current_edit(win)
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    qtbot.keyClicks(edit, "Herr ")
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    win.writer.flush()
    qtbot.waitUntil(lambda: _line(root, pid, lid)[0].text.startswith("Herr "), timeout=10000)
    line, state = _line(root, pid, lid)
    assert line.tags == [Tag("person", 5, len(first), "Anna Muster")] and state == ("edited", "")
    win.editor.focus_line(lid)
    first = "Herr " + first

    n = len(first)
    _select(qtbot, current_edit(win), n, n)                       # a gap: an empty span at the cursor
    qtbot.mouseClick(panel.kind_buttons["gap"], Qt.MouseButton.LeftButton)
    assert _line(root, pid, lid)[0].tags == [Tag("person", 5, n - 5, "Anna Muster"), Tag("gap", n, 0)]
    panel.tag_list.setCurrentRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert _line(root, pid, lid)[0].tags == [Tag("gap", n, 0)]

    qtbot.keyClicks(panel.comment_input, "second word faded")
    qtbot.mouseClick(panel.flag_button, Qt.MouseButton.LeftButton)
    assert _line(root, pid, lid)[1] == ("flagged", "second word faded")
    assert panel.state_label.text() == "flagged" and panel.comment_input.text() == "second word faded"
    with ProjectStore.open(root) as store:
        acts = [(e.action, e.agent) for e in store.events(page_id=pid) if e.action in ("tag-line", "flag-line")]
    assert acts == [("tag-line", "Tia Tagger")] * 3 + [("flag-line", "Tia Tagger")]
    assert _line(root, pid, lid)[0].text.startswith("Herr ")


def test_profile_keyboard_types_and_user_keys_are_kept(qtbot, gui_env, settings_path, tmp_path,
                                                       processed_template, user_data):
    from digitizer.gui.correction.keyboard import KeyboardDialog, VirtualKeyboard
    from digitizer.profiles import load_profile

    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        store.update_item(store.items()[0].id, profile="printed-historical")
    win = open_window(qtbot, settings_path, root)
    kb = win.transcription_panel.keyboard
    assert not win.editor.palette_bar.isVisibleTo(win)           # the fixed row is replaced by the keyboard
    names = [b.toolTip() for b in kb.buttons()]
    assert names[0] == "long s (U+017F)" and "combining e above (U+0364)" in names
    lid = win.editor.line_ids()[1]
    win.editor.focus_line(lid)
    qtbot.keyClick(current_edit(win), Qt.Key.Key_End)
    qtbot.mouseClick(kb.buttons()[0], Qt.MouseButton.LeftButton)   # ſ, the cursor stays in the line
    qtbot.keyClick(current_edit(win), Qt.Key.Key_Down)
    win.flush_saves()
    assert _line(root, win.page.id, lid)[0].text.endswith("ſ")

    editor = load_profile("printed-historical").editor
    dlg = KeyboardDialog("printed-historical", kb.keys, editor)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.char_input, "U+A751")
    qtbot.keyClicks(dlg.name_input, "per (p with stroke through descender)")
    qtbot.mouseClick(dlg.findChildren(type(kb.edit_button))[0], Qt.MouseButton.LeftButton)   # Add
    dlg.list.setCurrentRow(0)
    dlg.remove()
    qtbot.keyClicks(dlg.char_input, "not a character name")
    dlg.add_key()
    assert "Cannot add" in dlg.error.text()
    kb.apply(dlg.result_keys())
    saved = json.loads((user_data / "keyboards" / "printed-historical.json").read_text(encoding="utf-8"))
    assert saved["keys"][-1] == {"char": "\ua751", "name": "per (p with stroke through descender)"}
    assert saved["keys"][0]["char"] != "ſ" and kb.title.text().endswith("(yours)")
    again = VirtualKeyboard()                                     # a new session reads the user's keys
    qtbot.addWidget(again)
    again.set_profile("printed-historical", editor)
    assert [b.toolTip() for b in again.buttons()][-1] == "per (p with stroke through descender) (U+A751)"
    again.apply([], reset=True)                                   # back to the profile's keys
    assert again.buttons()[0].text() == "ſ" and not again.own
