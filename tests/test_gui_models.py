"""The Models dialog, retraining from the GUI and switching an item in one action (issue 12, deliver 6).

Real kraken training (a tiny base model, then the real ``retrain`` core on a project whose pages a
person corrected), real blla + recognition for the page re-processed; keys and mouse drive the window;
the store and the registry are read back after each step.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from _gui_helpers import ALT, CTRL, answer_box, gui_env, no_leaks, open_window, settings_path  # noqa: F401
from _htr_helpers import TINY_SPEC, add_project_model, tiny_samples
from digitizer import lock
from digitizer.htr import estimate, registry
from digitizer.lock import project_lock
from digitizer.htr.overview import VERDICT_SHORT, difference_text, pct
from digitizer.store import ProjectStore
from test_htr_loop import LINES, PAGES, make_project

pytestmark = pytest.mark.gui


def _base_model() -> str:
    """A weak base model: two epochs on other rendered lines (as in test_htr_loop)."""
    from digitizer.htr.train import train

    train(tiny_samples(24, 7, "b"), tiny_samples(8, 8, "bv"), output_name="loop-base", spec=TINY_SPEC,
          max_epochs=2, batch_size=1, lr=0.005, threads=1, device="cpu")
    return "loop-base"


def _key(qtbot, win, key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    qtbot.keyClick(win.focusWidget() or win.browser.tree, key, mods)


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _click_row(qtbot, view, row: int, col: int = 0) -> None:
    index = view.model().index(row, col)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def _type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(widget, text)


def _texts(store, page_id: int) -> list[str]:
    return [ln.text for ln in store.load_layout(page_id).lines()]


def _open_models(qtbot, win):
    _key(qtbot, win, Qt.Key.Key_M, CTRL | ALT)
    dlg = win.model_actions.models_dialog
    assert dlg is not None and dlg.isVisible()
    return dlg


def test_retrain_in_background_shows_both_cers_and_switches_the_item(qtbot, settings_path, gui_env, no_leaks,
                                                                     tmp_path, capsys):  # noqa: F811
    project = make_project(tmp_path)                 # ms-1: pages 1..7 corrected by a person, page 8 not
    base = _base_model()
    with ProjectStore.open(project) as store:
        pages = store.pages()
        before = {p.id: (_texts(store, p.id), len(store.load_layout(p.id).steps)) for p in pages}
    win = open_window(qtbot, settings_path, project)

    # the Models dialog (Ctrl+Alt+M): the base model has a validation CER and no held-back score yet
    models = _open_models(qtbot, win)
    assert models.cell(base, "Val. CER") == pct(registry.get(base).cer)
    assert models.cell(base, "Held-back: base") == "-"
    _click_row(qtbot, models.table, models.row_of(base))
    assert models.current_name() == base and "loop-base" in models.details.toPlainText()
    _click(qtbot, models.retrain_button)

    # choose two held-back pages with mouse and Space, a name, 4 epochs, batch size 1
    dlg = win.model_actions.retrain_dialog
    qtbot.waitUntil(lambda: dlg.pages_list.count() == PAGES - 1, timeout=30000)
    assert dlg.base_combo.currentText() == base and dlg.ok_button.isEnabled()       # none held back yet
    for row in (1, 4):                                # ms-1/2 and ms-1/5
        _click_row(qtbot, dlg.pages_list, row)
        qtbot.keyClick(dlg.pages_list, Qt.Key.Key_Space)
    assert dlg.values()["held_back"] == ["ms-1/2", "ms-1/5"]
    assert "Held back: 2 page(s), 16 lines" in dlg.held_label.text()
    _type_into(qtbot, dlg.name_edit, "loop-gui")
    _type_into(qtbot, dlg.epochs_spin, "12")
    _type_into(qtbot, dlg.batch_spin, "1")
    _type_into(qtbot, dlg.lr_spin, "0.005")
    _type_into(qtbot, dlg.patience_spin, "12")
    assert dlg.values() == {"items": [win.browser.model.items()[0].id], "held_back": ["ms-1/2", "ms-1/5"],
                            "base_model": base, "name": "loop-gui", "epochs": 12, "batch_size": 1, "lr": 0.005,
                            "patience": 12}
    if os.environ.get("DIGITIZER_SHOTS"):
        dlg.grab().save(str(Path(os.environ["DIGITIZER_SHOTS"]) / "models-retrain.png"))
    _click(qtbot, dlg.ok_button)

    # a job in the jobs panel; the event loop keeps running while it trains; then the result dialog
    job = win.queue.running()
    assert job is not None and job.title.startswith(f"Retrain {base}") and job.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: win.model_actions.result_dialog is not None, timeout=600000)
    assert job.state == "done" and job.done > 0 and win.queue.stall.beats > 0
    res = job.result
    info = registry.get("loop-gui")
    ev = info.evaluations[-1]
    assert (ev["cer_before"], ev["cer_after"], ev["lines"]) == (res.cer_before, res.cer_after, 2 * LINES)
    assert res.held_back_pages == ["ms-1/2", "ms-1/5"] and info.training["max_epochs"] == 12
    result = win.model_actions.result_dialog
    shown = result.text.text()
    assert f"base {base}: {pct(ev['cer_before'])}" in shown and f"new loop-gui: {pct(ev['cer_after'])}" in shown
    # and whether the difference is more than chance on these lines (the same words as the CLI)
    diff = ev["difference"]
    assert (diff["cer_a"], diff["cer_b"], diff["units"]) == (pytest.approx(ev["cer_before"], abs=1e-5),
                                                             pytest.approx(ev["cer_after"], abs=1e-5), 2 * LINES)
    assert f"new - base: {difference_text(ev)}" in shown and "interval" in difference_text(ev)
    with capsys.disabled():
        print(f"\nGUI retrain: base {ev['cer_before']} -> new {ev['cer_after']} on {ev['lines']} held-back lines, "
              f"{res.train.epochs} epochs, longest UI stall {win.queue.last_batch_stall_ms} ms")

    # the Models dialog shows both CERs on the same held-back lines side by side
    assert models.cell("loop-gui", "Held-back: base") == pct(ev["cer_before"])
    assert models.cell("loop-gui", "Held-back: this") == f"{pct(ev['cer_after'])} ({VERDICT_SHORT[diff['verdict']]})"
    assert f"this - base: {difference_text(ev)}" in models.details.toPlainText()
    assert models.cell("loop-gui", "Held-back lines") == "16 (2 pages)"
    assert models.current_name() == "loop-gui" and "cer_before" not in models.details.toPlainText()
    assert f"base {base} {pct(ev['cer_before'])} -> this {pct(ev['cer_after'])}" in models.details.toPlainText()
    if os.environ.get("DIGITIZER_SHOTS"):
        models.grab().save(str(Path(os.environ["DIGITIZER_SHOTS"]) / "models-dialog.png"))
        result.grab().save(str(Path(os.environ["DIGITIZER_SHOTS"]) / "models-retrained.png"))

    # "Use for item ms-1": the confirmation names the numbers; Yes switches and re-processes page 8 only
    seen = answer_box(qtbot, button=QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(win.queue.idle, timeout=600000):
        _click(qtbot, result.use_button)
    assert f"{PAGES - 1} page(s) with a person's work keep their text" in seen["text"]
    assert "1 page(s) nobody has worked on will be processed again" in seen["text"]
    assert seen["default"] == QMessageBox.StandardButton.No
    switched = win.model_actions.last_switch
    assert switched.model == "loop-gui" and switched.todo == [pages[-1].id]
    process_job = win.queue.jobs[win.model_actions.last_process_job]
    assert process_job.state == "done" and process_job.ok_pages == [pages[-1].id], \
        (process_job.error, process_job.failed_pages)
    with ProjectStore.open(project) as store:
        now = store.pages()
        assert {p.engine_override for p in now} == {"kraken:loop-gui"}      # the whole item has the model
        for p in now[:-1]:                            # a person's work: same text, not recognised again
            assert (_texts(store, p.id), len(store.load_layout(p.id).steps)) == before[p.id]
            assert p.status == "corrected"
        rec = [s for s in store.load_layout(now[-1].id).steps if s.action == "recognize"]
        assert rec[-1].model == "loop-gui" and rec[-1].model_sha256 == info.sha256
        assert store.events(page_id=now[-1].id, action="recognize")[-1].model == "loop-gui"
        sw = store.events(action="switch-model")
        assert len(sw) == 1 and sw[0].agent == win.settings.operator
        assert sw[0].parameters["reprocess"] == [now[-1].id] and sw[0].parameters["kept"] == [p.id for p in now[:-1]]
        train = store.events(action="train")
        assert len(train) == 1 and train[0].model == "loop-gui" and train[0].parameters["held_back_pages"] == \
            ["ms-1/2", "ms-1/5"]
    win.close()


def test_retraining_waits_for_the_project_lock_and_is_cancelled_from_the_jobs_panel(
        qtbot, settings_path, gui_env, no_leaks, tmp_path):  # noqa: F811
    """The retrain job takes the project lock like a processing job (it waits while another writer, here
    a 'process' in another thread, holds it), holds it while training without blocking the reading
    of the project, and gives it back when cancelled.  The dialog proposes the epochs that fit a CPU."""
    project = make_project(tmp_path)
    base = _base_model()
    win = open_window(qtbot, settings_path, project)
    held, release = threading.Event(), threading.Event()

    def other_writer() -> None:                    # e.g. 'digitizer process' started from a terminal
        with project_lock(project, "process"):
            held.set()
            release.wait(120)

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert held.wait(10)
    _key(qtbot, win, Qt.Key.Key_M, CTRL | ALT)
    win.model_actions.models_dialog.close()
    dlg = win.model_actions.show_retrain(base)
    qtbot.waitUntil(lambda: dlg.pages_list.count() == PAGES - 1, timeout=30000)
    assert "No page held back" in dlg.held_label.text()           # none held back: no before/after score
    lines = (PAGES - 1) * LINES
    epochs = estimate.default_epochs(lines, 8)                     # what fits in 30 min on one CPU thread
    assert dlg.epochs_spin.value() == epochs <= estimate.MAX_CPU_EPOCHS
    assert f"{lines} lines × {epochs} epochs at 9.6 lines/s (measured, batch 8)" in dlg.time_label.text()
    _type_into(qtbot, dlg.batch_spin, "1")                         # batch 1: faster per line on a CPU
    assert f"{lines} lines × {epochs} epochs at 16 lines/s (measured, batch 1)" in dlg.time_label.text()
    assert estimate.duration_text(lines * epochs / 16) in dlg.time_label.text()
    _type_into(qtbot, dlg.epochs_spin, "6")                        # the user's choice stays
    _click_row(qtbot, dlg.pages_list, 0)                           # hold back page 1: fewer lines to train
    qtbot.keyClick(dlg.pages_list, Qt.Key.Key_Space)
    assert dlg.values()["held_back"] == ["ms-1/1"]
    assert dlg.epochs_spin.value() == 6 and f"{lines - LINES} lines × 6 epochs" in dlg.time_label.text()
    _type_into(qtbot, dlg.name_edit, "never-done")
    _click(qtbot, dlg.ok_button)
    job = win.queue.running()
    qtbot.waitUntil(lambda: job.row.text(2).startswith("waiting for the project lock"), timeout=30000)
    assert "(process)" in job.row.text(2) and job.done == 0
    release.set()                                                  # the other writer finishes
    writer.join(10)
    qtbot.waitUntil(lambda: job.done > 0, timeout=300000)          # training has started (lines trained)
    assert job.total and job.total % 6 == 0 and job.total < 6 * lines         # lines x 6 epochs at most
    assert lock.is_locked(project) and lock.holder(project)["purpose"] == "retrain"
    with ProjectStore.open(project) as store:                      # reading the project goes on
        assert len(store.pages()) == PAGES and _texts(store, store.pages()[0].id)
    _click(qtbot, job.cancel_button)
    qtbot.waitUntil(lambda: not win.queue.busy(), timeout=300000)
    assert job.state == "cancelled" and win.model_actions.result_dialog is None
    assert not lock.is_locked(project)                             # given back
    with pytest.raises(registry.ModelNotFoundError):
        registry.get("never-done")
    with ProjectStore.open(project) as store:
        assert store.events(action="train") == []
    win.close()


def test_a_model_kept_in_the_project_is_used_for_an_item_from_the_models_dialog(qtbot, settings_path, gui_env,
                                                                               no_leaks, tmp_path):  # noqa: F811
    """Issue 12 defect: the dialog listed PROJECT/models but "Use" failed with "no model named …"."""
    project = make_project(tmp_path)                 # ms-1: pages 1..7 corrected by a person, page 8 not
    path = add_project_model(project, "proj-hand")
    with ProjectStore.open(project) as store:
        pages = store.pages()
        before = {p.id: (_texts(store, p.id), len(store.load_layout(p.id).steps)) for p in pages[:-1]}
    win = open_window(qtbot, settings_path, project)
    models = _open_models(qtbot, win)
    assert models.cell("proj-hand", "Origin") == "project"
    _click_row(qtbot, models.table, models.row_of("proj-hand"))
    assert models.current_name() == "proj-hand" and str(path) in models.details.toPlainText()
    _click(qtbot, models.use_button)
    use = win.model_actions.use_dialog
    assert use is not None and use.isVisible() and use.values() == (pages[0].item_id, "proj-hand")
    seen = answer_box(qtbot, button=QMessageBox.StandardButton.Yes)
    _click(qtbot, use.buttons.button(use.buttons.StandardButton.Ok))          # "Switch…", then Yes
    switched = win.model_actions.last_switch
    assert switched is not None, win.statusBar().currentMessage()
    assert "1 page(s) nobody has worked on will be processed again" in seen["text"]
    qtbot.waitUntil(lambda: not win.queue.busy(), timeout=600000)
    process_job = win.queue.jobs[win.model_actions.last_process_job]
    assert process_job.state == "done" and process_job.ok_pages == [pages[-1].id], \
        (process_job.error, process_job.failed_pages)
    with ProjectStore.open(project) as store:
        now = store.pages()
        assert {p.engine_override for p in now} == {"kraken:proj-hand"}
        for p in now[:-1]:                            # a person's work: same text, not recognised again
            assert (_texts(store, p.id), len(store.load_layout(p.id).steps)) == before[p.id]
        rec = [s for s in store.load_layout(now[-1].id).steps if s.action == "recognize"]
        assert rec[-1].model == "proj-hand" and rec[-1].model_sha256 == registry.get("proj-hand", project).sha256
        assert store.load_layout(now[-1].id).lines() and now[-1].status == "processed"
        sw = store.events(action="switch-model")
        assert len(sw) == 1 and sw[0].model == "proj-hand" and sw[0].agent == win.settings.operator
    win.close()
