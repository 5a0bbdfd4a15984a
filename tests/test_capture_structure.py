"""Page structure: recto/verso labels, insert/reorder, rescan history, spread split."""

from __future__ import annotations

import numpy as np
import pytest
from _capture_helpers import text_page, write_tiff
from PIL import Image

from digitizer.capture.structure import (SPLIT_FRAME_BASE, detect_gutter, label_recto_verso, move_page,
                                         page_history, recto_verso_labels, replace_page_from_file, split_spread)
from digitizer.errors import InputFileError
from digitizer.fsutil import sha256_file
from digitizer.ingest import import_paths
from digitizer.store import ProjectStore


@pytest.fixture
def project(tmp_path):
    files = [write_tiff(tmp_path / f"src{i}.tif", text_page(500, 700, seed=i, lines=12)) for i in range(1, 4)]
    store = ProjectStore.create(tmp_path / "proj")
    item = store.add_item("vol1")
    import_paths(store, files, item)
    yield store, store.get_item(item.id), tmp_path
    store.close()


def test_recto_verso_labels(project):
    store, item, _ = project
    assert recto_verso_labels(5) == ["1r", "1v", "2r", "2v", "3r"]
    assert recto_verso_labels(3, start_leaf=7, first_side="v") == ["7v", "8r", "8v"]
    label_recto_verso(store, item, start_leaf=12)
    assert [p.label for p in store.pages(item.id)] == ["12r", "12v", "13r"]


def test_reorder_and_insert(project):
    store, item, tmp = project
    ids = [p.id for p in store.pages(item.id)]
    move_page(store, ids[2], 1)
    assert [p.id for p in store.pages(item.id)] == [ids[2], ids[0], ids[1]]
    assert store.events(page_id=ids[2], action="reorder")[0].parameters == {"from": 3, "to": 1}
    from digitizer.capture.structure import insert_file

    new = insert_file(store, item, write_tiff(tmp / "missed.tif", text_page(500, 700, seed=9, lines=8)), 2)
    pages = store.pages(item.id)
    assert [p.seq for p in pages] == [1, 2, 3, 4] and pages[1].id == new[0].id
    with pytest.raises(InputFileError, match="already in the project"):
        insert_file(store, item, tmp / "missed.tif", 1)


def test_rescan_replaces_page_and_keeps_old_master(project):
    store, item, tmp = project
    page = store.pages(item.id)[1]
    old_path, old_sha = page.master.path, page.master.sha256
    rescan = write_tiff(tmp / "rescan.tif", text_page(520, 720, seed=2, lines=12), dpi=300)
    new = replace_page_from_file(store, page.id, rescan)
    assert new.id == page.id and new.seq == page.seq
    assert new.master.path != old_path and new.master.sha256 == sha256_file(rescan)
    assert (new.width, new.height, new.dpi) == (520, 720, 300)
    assert store.abspath(old_path).exists() and sha256_file(store.abspath(old_path)) == old_sha
    hist = page_history(store, page.id)
    assert [(h.action, h.old_master, h.new_master) for h in hist] == [("replace", old_path, new.master.path)]
    ev = store.events(page_id=page.id, action="replace-master")[0]
    assert ev.parameters["old_sha256"] == old_sha and ev.parameters["reason"] == "rescan"
    # rescanning again keeps both earlier masters in the history
    again = replace_page_from_file(store, page.id, write_tiff(tmp / "r2.tif", text_page(500, 700, seed=22)))
    assert [h.old_master for h in page_history(store, page.id)] == [old_path, new.master.path]
    assert again.master.path not in (old_path, new.master.path)
    with pytest.raises(InputFileError, match="already a master"):
        replace_page_from_file(store, page.id, rescan)


def _spread(tmp):
    left, right = text_page(600, 800, seed=5, lines=14), text_page(600, 800, seed=6, lines=16)
    gutter = np.tile(np.linspace(235, 120, 40).astype(np.uint8), (800, 1))   # shadow into the binding
    a = np.hstack([left, gutter, gutter[:, ::-1], right])
    return write_tiff(tmp / "spread.tif", a, dpi=150), a


def test_split_spread_into_two_pages(tmp_path):
    path, a = _spread(tmp_path)
    assert abs(detect_gutter(a) - 640) < 45
    with ProjectStore.create(tmp_path / "p") as store:
        item = store.add_item("v")
        import_paths(store, [write_tiff(tmp_path / "before.tif", text_page(600, 800, seed=1)), path], item)
        spread = store.pages(item.id)[1]
        master_sha = spread.master.sha256
        left, right = split_spread(store, spread.id)
        pages = store.pages(item.id)
        assert [p.id for p in pages] == [pages[0].id, spread.id, right.id] and right.seq == 3
        assert left.master.path == right.master.path == spread.master.path      # the master stays
        assert sha256_file(store.abspath(spread.master.path)) == master_sha
        assert right.source_page >= SPLIT_FRAME_BASE
        li = np.asarray(Image.open(store.page_image_path(left)))
        ri = np.asarray(Image.open(store.page_image_path(right)))
        assert li.shape[1] + ri.shape[1] == a.shape[1] and (left.width, right.width) == (li.shape[1], ri.shape[1])
        assert np.array_equal(np.hstack([li, ri]), a)
        assert [h.detail["side"] for h in page_history(store, spread.id) + page_history(store, right.id)] == \
            ["left", "right"]
        # QC reads the split halves
        from digitizer.capture.qc import QCSettings, qc_page

        assert qc_page(store, right, QCSettings(target_dpi=150, checks=["blank", "blur"])).ok


def test_cli_pages(project, capsys):
    from digitizer.cli.main import main

    store, item, tmp = project
    root = str(store.root)
    assert main(["pages", "label", root, "--item", "vol1", "--recto-verso"]) == 0
    assert "1r 1v 2r" in capsys.readouterr().out
    assert main(["pages", "reorder", root, "--item", "vol1", "3", "1"]) == 0
    assert main(["pages", "replace", root, "--item", "vol1", "2",
                 str(write_tiff(tmp / "rs.tif", text_page(500, 700, seed=31)))]) == 0
    assert main(["pages", "history", root, "--item", "vol1", "2"]) == 0
    assert "replace" in capsys.readouterr().out
    assert main(["pages", "split", root, "--item", "vol1", "1", "--at", "0.5"]) == 0
    assert main(["pages", "list", root, "--item", "vol1"]) == 0
    out = capsys.readouterr().out
    assert len([ln for ln in out.splitlines() if ln.startswith("   ")]) == 4
    assert main(["pages", "reorder", root, "--item", "vol1", "9", "1"]) == 7
