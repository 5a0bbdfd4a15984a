"""A full working day without the CLI (issue 15, deliver 8), driven with keys and mouse through the
window's shortcuts and dialogs, with the stored state checked after each step: new project, new items
with a profile, import a folder into a chosen item, process one item with Tesseract and another with
kraken, correct a line, page done, review, export a BagIt bag.  Real tesseract, real kraken (the shipped
``poilus-fr-v1``), real SQLite, real validation.  Only the operating system's file chooser is skipped:
the folder is given to the import dialog as that chooser would give it.

Correcting with tags (part B of the issue, another branch) is left to the merge of that work."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from _gui_helpers import gui_env, no_leaks, open_window, render_page, settings_path  # noqa: E402,F401
from digitizer.demo import LETTERS, render_text_page  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaks")]
CTRL, ALT, SHIFT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier,
                    Qt.KeyboardModifier.ShiftModifier)


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _ok(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def _key(qtbot, win, key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """A window shortcut, typed where the keyboard is (the window's focus widget)."""
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    qtbot.keyClick(win.focusWidget() or win.browser.tree, key, mods)


def _stored(root: Path):
    return ProjectStore.open(root)


def _choose(qtbot, combo, text: str) -> None:
    """Pick an entry of a combo box with the keyboard (Home, then Down until it is there)."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentText() != text:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() < combo.count() - 1 or combo.currentText() == text, f"{text!r} not offered"


def _new_item(qtbot, win, name: str, profile: str) -> None:
    _key(qtbot, win, Qt.Key.Key_N, CTRL | ALT)
    dlg = win.new_item_dialog
    qtbot.keyClicks(dlg.name_edit, name)
    _choose(qtbot, dlg.profile_combo, profile)
    _click(qtbot, _ok(dlg))
    qtbot.waitUntil(lambda: win.metadata_dialog.isVisible())
    qtbot.keyClick(win.metadata_dialog, Qt.Key.Key_Escape)         # metadata can wait


def _import_folder(qtbot, win, folder: Path, item: str) -> None:
    _key(qtbot, win, Qt.Key.Key_I, CTRL)
    dlg = win.import_dialog
    dlg.add_paths([str(folder)])                                   # what "Add folder…" returns
    _choose(qtbot, dlg.item_combo, item)
    with qtbot.waitSignal(win.queue.idle, timeout=60000):
        _click(qtbot, _ok(dlg))


def _open_in_tree(qtbot, win, page_id: int) -> None:
    """Click the page's row in the project browser."""
    tree = win.browser.tree
    idx = win.browser.proxy.mapFromSource(win.browser.model.index_for_page(page_id))
    tree.scrollTo(idx)
    pos = tree.visualRect(idx).center()
    with qtbot.waitSignal(win.pageOpened, timeout=10000):
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _process_item(qtbot, win) -> None:
    with qtbot.waitSignal(win.queue.idle, timeout=600000):
        _key(qtbot, win, Qt.Key.Key_R, CTRL | SHIFT)


def test_a_working_day_with_keys_and_mouse(qtbot, settings_path, gui_env, no_leaks):  # noqa: F811
    printed, hand = gui_env / "scans-printed", gui_env / "scans-hand"
    printed.mkdir()
    hand.mkdir()
    render_page(printed / "p01.png", ["The quick brown fox jumps", "over the lazy dog today"])
    render_page(printed / "p02.png", ["Second page begins here", "with two short lines"])
    render_text_page(LETTERS[1][:2], width=1400, height=360, font_size=40, margin=60).save(
        hand / "will.png", dpi=(300, 300))
    root = gui_env / "day" / "archive"
    win = open_window(qtbot, settings_path)

    # 1. new project, the folder typed
    _key(qtbot, win, Qt.Key.Key_N, CTRL | SHIFT)
    dlg = win.project_dialog
    qtbot.keyClicks(dlg.path_edit, str(root))
    qtbot.keyClick(dlg.path_edit, Qt.Key.Key_Return)
    assert (root / "project.sqlite").is_file() and win.store is not None

    # 2. two items, each with its profile
    _new_item(qtbot, win, "letters", "printed-modern")
    _new_item(qtbot, win, "wills", "manuscript")
    with _stored(root) as st:
        assert [(i.identifier, i.profile) for i in st.items()] == [("letters", "printed-modern"),
                                                                   ("wills", "manuscript")]

    # 3. a folder into each chosen item
    _import_folder(qtbot, win, printed, "letters")
    _import_folder(qtbot, win, hand, "wills")
    with _stored(root) as st:
        letters, wills = st.get_item("letters"), st.get_item("wills")
        assert [Path(p.source_path).name for p in letters.pages] == ["p01.png", "p02.png"]
        assert [Path(p.source_path).name for p in wills.pages] == ["will.png"]
        assert {p.status for p in letters.pages + wills.pages} == {"imported"}

    # 4. letters with Tesseract (its profile's engine)
    _open_in_tree(qtbot, win, letters.pages[0].id)
    _process_item(qtbot, win)
    with _stored(root) as st:
        assert [p.status for p in st.pages(letters.id)] == ["processed"] * 2
        assert {st.events(page_id=p.id, action="recognize")[-1].tool for p in letters.pages} == {"tesseract"}
        assert "quick brown fox" in st.load_layout(letters.pages[0].id).text

    # 5. wills with kraken and the shipped model, chosen in the engine dialog for the whole item
    _open_in_tree(qtbot, win, wills.pages[0].id)
    _key(qtbot, win, Qt.Key.Key_E, CTRL | ALT)
    eng = win.engine_dialog
    _choose(qtbot, eng.engine_combo, "kraken")
    eng.model_combo.setFocus()
    eng.model_combo.lineEdit().selectAll()
    qtbot.keyClicks(eng.model_combo.lineEdit(), "poilus-fr-v1")
    _click(qtbot, eng.item_radio)
    _click(qtbot, _ok(eng))
    with _stored(root) as st:
        assert st.get_page(wills.pages[0].id).engine_override == "kraken:poilus-fr-v1"
    _process_item(qtbot, win)
    with _stored(root) as st:
        event = st.events(page_id=wills.pages[0].id, action="recognize")[-1]
        assert (event.tool, event.model) == ("kraken", "poilus-fr-v1")
        assert st.get_page(wills.pages[0].id).status == "processed"
        assert all(ln.baseline for ln in st.load_layout(wills.pages[0].id).lines())

    # 6. correct the first line of letters p. 1 by typing, Enter saves and moves on
    _open_in_tree(qtbot, win, letters.pages[0].id)
    first = win.editor.line_ids()[0]
    edit = win.editor.row(first).edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(edit, "The quick brown fox jumps!")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert win.flush_saves()
    with _stored(root) as st:
        assert st.load_layout(letters.pages[0].id).find_line(first).text == "The quick brown fox jumps!"
        assert st.line_states(letters.pages[0].id)[first].state == "edited"
        assert st.line_history(letters.pages[0].id, first)[-1].source == "edit"

    # 7. page done (Ctrl+Enter) on both pages, each time on to the next
    for page in letters.pages:
        assert win.page.id == page.id
        _key(qtbot, win, Qt.Key.Key_Return, CTRL)
        with _stored(root) as st:
            assert st.get_page(page.id).status == "corrected"
    with _stored(root) as st:
        states = {s.state for s in st.line_states(letters.pages[0].id).values()}
        assert states == {"edited", "verified"}

    # 8. review both pages (Ctrl+Alt+R on the page shown)
    for page in letters.pages:
        _open_in_tree(qtbot, win, page.id)
        _key(qtbot, win, Qt.Key.Key_R, CTRL | ALT)
    with _stored(root) as st:
        assert [p.status for p in st.pages(letters.id)] == ["reviewed"] * 2
        assert st.get_page(wills.pages[0].id).status == "processed"

    # 9. export the reviewed items as a BagIt bag
    _key(qtbot, win, Qt.Key.Key_E, CTRL)
    exp = win.export_dialog
    assert Path(exp.out.text()).parent == root.parent                 # outside the project by default
    assert "wills: 1 of 1 page(s) not reviewed" in exp.warning.text()
    _choose(qtbot, exp.state_filter, "items whose pages are all reviewed")
    assert exp.item_ids == [letters.id] and exp.warning.text() == ""
    for fmt, box in exp.checks.items():                            # Space toggles the box with the focus
        if box.isChecked() != (fmt in ("alto", "mets", "bag")):
            box.setFocus()
            qtbot.keyClick(box, Qt.Key.Key_Space)
    assert exp.formats() == ["alto", "mets", "bag"]
    exp.out.setFocus()
    exp.out.selectAll()
    qtbot.keyClicks(exp.out, str(gui_env / "bag"))
    assert exp.out.text() == str(gui_env / "bag")
    with qtbot.waitSignal(exp.finishedExport, timeout=120000) as sig:
        _click(qtbot, exp.export_button)
    result = sig.args[0]
    assert result.validation.is_valid, result.validation.lines()
    assert [it.identifier for it in result.summary.items] == ["letters"]
    bag = gui_env / "bag"
    assert result.summary.bag == bag
    assert (bag / "bagit.txt").is_file() and (bag / "manifest-sha256.txt").is_file()
    assert any(p.name == "mets.xml" for p in bag.rglob("mets.xml"))
    qtbot.waitUntil(lambda: exp.worker is None)
    assert exp.open_button.isEnabled()
    with _stored(root) as st:
        event = st.events(action="export")[-1]
        assert (event.parameters["items"], event.parameters["bag"], event.outcome) == (["letters"], True, "success")
    exp.close()
    win.close()
