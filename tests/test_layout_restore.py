"""Restoring an older text version of a line after its geometry was edited (move, resize, outline,
baseline): the text, words and confidences of that version come back, the line stays where the person
put it (words mapped into its current box).  Through the workflow API and the real CLI, on the page
processed with the real tesseract."""

from __future__ import annotations

from pathlib import Path

from digitizer import layout_edit as E
from digitizer import workflow
from digitizer.correction import commit_layout
from digitizer.model import BBox
from digitizer.store import ProjectStore

from _layout_helpers import copy_typed, typed_project  # noqa: F401


def _edit_geometry(store: ProjectStore, pid: int, action: str, op) -> None:
    lay = store.load_layout(pid)
    assert op(lay) is not None
    commit_layout(store, pid, lay, action)


def test_restore_after_a_move_keeps_the_line_where_it_was_moved(typed_project, tmp_path):
    root = copy_typed(typed_project, tmp_path)
    with ProjectStore.open(root, agent="Rita Restore") as store:
        pid = store.pages()[0].id
        engine = store.load_layout(pid).find_line("b3_l1")
        assert len(engine.words) > 2
        v2 = workflow.set_text(store, pid, "b3_l1", engine.text + " added")
        _edit_geometry(store, pid, "move line", lambda lay: E.move_line(lay, "b3_l1", 12, 9))
        moved = store.load_layout(pid).find_line("b3_l1")
        assert moved.bbox == BBox(engine.bbox.x0 + 12, engine.bbox.y0 + 9, engine.bbox.x1 + 12, engine.bbox.y1 + 9)
        # restore the engine's version: its text, words and confidences, in the moved place
        workflow.restore(store, pid, "b3_l1", 1)
        now = store.load_layout(pid).find_line("b3_l1")
        assert now.text == engine.text and now.confidence == engine.confidence
        assert (now.bbox, now.polygon, now.baseline) == (moved.bbox, moved.polygon, moved.baseline)
        assert [(w.text, w.confidence) for w in now.words] == [(w.text, w.confidence) for w in engine.words]
        assert [w.bbox for w in now.words] == [BBox(w.bbox.x0 + 12, w.bbox.y0 + 9, w.bbox.x1 + 12, w.bbox.y1 + 9)
                                               for w in engine.words]
        # the edit made before the move: its text, the moved geometry
        workflow.restore(store, pid, "b3_l1", v2)
        now = store.load_layout(pid).find_line("b3_l1")
        assert now.text == engine.text + " added" and now.bbox == moved.bbox
        assert all(moved.bbox.x0 <= w.bbox.x0 <= w.bbox.x1 <= moved.bbox.x1 for w in now.words)
        hist = workflow.line_history(store, pid, "b3_l1")
        assert [h.source for h in hist] == ["engine", "edit", "restore", "restore"]
        assert hist[-1].data["bbox"] == [moved.bbox.x0, moved.bbox.y0, moved.bbox.x1, moved.bbox.y1]


def test_restore_after_resize_and_baseline_maps_words_into_the_new_box(typed_project, tmp_path):
    root = copy_typed(typed_project, tmp_path)
    with ProjectStore.open(root) as store:
        pid = store.pages()[0].id
        engine = store.load_layout(pid).find_line("b3_l1")
        b = engine.bbox
        workflow.set_text(store, pid, "b3_l1", "Two words")
        wide = BBox(b.x0, b.y0, b.x1, b.y0 + 2 * b.height)                # twice as high
        _edit_geometry(store, pid, "resize line", lambda lay: E.resize_line(lay, "b3_l1", wide))
        base = [(float(b.x0), float(wide.y1 - 9)), (float(b.x1), float(wide.y1 - 7))]
        _edit_geometry(store, pid, "baseline", lambda lay: E.set_baseline(lay, "b3_l1", base))
        current = store.load_layout(pid).find_line("b3_l1")
        workflow.restore(store, pid, "b3_l1", 1)
        now = store.load_layout(pid).find_line("b3_l1")
        assert now.text == engine.text and (now.bbox, now.baseline, now.polygon) == (wide, base, current.polygon)
        for old, new in zip(engine.words, now.words):       # y scaled by 2 from the line's top edge, x kept
            assert (new.bbox.x0, new.bbox.x1) == (old.bbox.x0, old.bbox.x1)
            assert (new.bbox.y0, new.bbox.y1) == (b.y0 + 2 * (old.bbox.y0 - b.y0), b.y0 + 2 * (old.bbox.y1 - b.y0))
        # a restore with nothing moved brings the stored word boxes back exactly
        workflow.set_text(store, pid, "b3_l1", "Again two")
        last = workflow.line_history(store, pid, "b3_l1")[-2].version
        workflow.restore(store, pid, "b3_l1", last)
        assert [w.bbox for w in store.load_layout(pid).find_line("b3_l1").words] == [w.bbox for w in now.words]


def _cli(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120)


def test_cli_restore_after_a_cli_move_keeps_the_geometry(typed_project, tmp_path):
    root = copy_typed(typed_project, tmp_path)
    p = str(root)
    with ProjectStore.open(root) as store:
        engine = store.load_layout(store.pages()[0].id).find_line("b2_l1")
    for step in (("lines", p, "--page", "1", "--line", "b2_l1", "--set", "Corrected text"),
                 ("layout", p, "--page", "1", "--line", "b2_l1", "--move=-7,4"),
                 ("lines", p, "--page", "1", "--line", "b2_l1", "--restore", "1")):
        res = _cli(*step)
        assert res.returncode == 0, (step, res.stderr)
    with ProjectStore.open(root) as store:
        now = store.load_layout(store.pages()[0].id).find_line("b2_l1")
    assert now.text == engine.text
    assert now.bbox == BBox(engine.bbox.x0 - 7, engine.bbox.y0 + 4, engine.bbox.x1 - 7, engine.bbox.y1 + 4)
    assert now.words[0].bbox == BBox(engine.words[0].bbox.x0 - 7, engine.words[0].bbox.y0 + 4,
                                     engine.words[0].bbox.x1 - 7, engine.words[0].bbox.y1 + 4)
