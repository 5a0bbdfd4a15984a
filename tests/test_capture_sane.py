"""SANE capture end to end against SANE's real ``test`` backend (private SANE_CONFIG_DIR)."""

from __future__ import annotations

import numpy as np
import pytest
from _capture_helpers import sane_test_backend  # noqa: F401 - fixture
from PIL import Image

from digitizer.capture import sane_scanner as sc
from digitizer.capture.qc import QCSettings
from digitizer.capture.settings import ScanSettings
from digitizer.capture.structure import page_history
from digitizer.store import ProjectStore

pytestmark = pytest.mark.usefixtures("sane_test_backend")


def test_lists_test_devices():
    names = [d.name for d in sc.list_devices()]
    assert "test:0" in names and "test:1" in names


def test_single_page_capture_into_project(tmp_path):
    settings = ScanSettings(mode="Color", resolution=100, area=[0, 0, 100, 150],
                            options={"test-picture": "Color pattern"})
    with ProjectStore.create(tmp_path / "p") as store:
        item = store.add_item("box1")
        res = sc.capture(store, item, settings, device="test:0", count=1, qc=QCSettings(target_dpi=100))
        assert len(res.pages) == 1
        page = res.pages[0]
        img = Image.open(store.abspath(page.master.path))
        assert img.format == "TIFF" and img.mode == "RGB"
        assert abs(img.width - 394) <= 1 and abs(img.height - 591) <= 1   # 100 x 150 mm at 100 ppi
        assert round(img.info["dpi"][0]) == 100 and page.dpi == 100
        assert np.asarray(img).std() > 10                   # the colour pattern, not an empty frame
        ev = store.events(page_id=page.id, action="capture")[0]
        assert ev.parameters["device"]["name"] == "test:0"
        assert ev.parameters["settings"]["mode"] == "Color" and ev.parameters["settings"]["resolution"] == 100
        assert ev.parameters["settings"]["br_y"] == 150
        assert ev.agent == "test-operator" and ev.at
        assert res.qc and res.qc[0].get("resolution").status == "pass"
        assert store.events(page_id=page.id, action="qc")


def test_adf_batch_of_three_and_lineart_and_16bit(tmp_path):
    with ProjectStore.create(tmp_path / "p") as store:
        item = store.add_item("box2")
        settings = ScanSettings(source="ADF", mode="Gray", resolution=75, area=[0, 0, 60, 80])
        res = sc.capture(store, item, settings, device="test:0", count=3)
        assert [p.seq for p in res.pages] == [1, 2, 3]
        evs = [store.events(page_id=p.id, action="capture")[0] for p in res.pages]
        assert {e.parameters["batch"] for e in evs} == {evs[0].parameters["batch"]}
        assert [e.parameters["batch_index"] for e in evs] == [0, 1, 2]
        assert evs[0].parameters["settings"]["source"] == "Automatic Document Feeder"
        assert len({p.master.path for p in res.pages}) == 3
        assert all(Image.open(store.abspath(p.master.path)).mode == "L" for p in res.pages)
        # feeder runs dry: the test backend's ADF holds 10 sheets
        more = sc.capture(store, item, settings, device="test:1", count=None)
        assert len(more.pages) == 10
        line = sc.capture(store, item, ScanSettings(mode="Lineart", resolution=75, area=[0, 0, 40, 40],
                                                    options={"test-picture": "Grid"}), device="test:0")
        assert Image.open(store.abspath(line.pages[0].master.path)).mode == "1"
        deep = sc.capture(store, item, ScanSettings(mode="Gray", depth=16, resolution=75, area=[0, 0, 40, 40]),
                          device="test:0")
        assert Image.open(store.abspath(deep.pages[0].master.path)).mode.startswith("I;16")


def test_bad_option_is_a_clear_error(tmp_path):
    with sc.Scanner("test:0") as scanner:
        with pytest.raises(sc.ScannerError, match="source 'Film' is not one of"):
            scanner.apply(ScanSettings(source="Film"))
        with pytest.raises(sc.ScannerError, match="resolution = 5000 is outside"):
            scanner.apply(ScanSettings(resolution=5000))
        prev = scanner.preview(resolution=25)
        assert prev.width < 300


def test_cli_scan_preview_and_rescan(tmp_path, capsys):
    from digitizer.cli.main import main

    proj = str(tmp_path / "p")
    assert main(["init", proj]) == 0
    assert main(["scan", "--list"]) == 0
    assert "test:0" in capsys.readouterr().out
    assert main(["scan", proj, "--item", "b", "--device", "test:0", "--mode", "Gray", "--resolution", "50",
                 "--count", "2", "--no-qc"]) == 0
    assert main(["scan", proj, "--item", "b", "--device", "test:0", "--preview", str(tmp_path / "pv.png")]) == 0
    assert (tmp_path / "pv.png").stat().st_size > 0
    assert main(["scan", proj, "--item", "b", "--device", "test:0", "--mode", "Color", "--resolution", "60",
                 "--replace-page", "2"]) == 0
    with ProjectStore.open(proj) as store:
        pages = store.pages()
        assert len(pages) == 2 and pages[1].dpi == 60
        hist = page_history(store, pages[1].id)
        assert hist[0].action == "replace" and store.abspath(hist[0].old_master).exists()
    assert main(["scan", proj, "--item", "b", "--device", "nosuch:9"]) == 5
    assert "cannot open scanner 'nosuch:9'" in capsys.readouterr().err
