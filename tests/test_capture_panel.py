"""Capture panel (offscreen Qt): find the SANE test scanner, scan with the key, QC badges, hot folder."""

from __future__ import annotations

import pytest
from _capture_helpers import sane_test_backend, text_page, write_tiff  # noqa: F401 - fixture

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from digitizer.gui.capture.capture_panel import CapturePanel  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402


@pytest.fixture
def panel(qtbot, tmp_path, sane_test_backend):  # noqa: F811
    ProjectStore.create(tmp_path / "proj").close()
    w = CapturePanel(str(tmp_path / "proj"), "box1")
    qtbot.addWidget(w)
    w.show()
    yield w
    assert w.wait_idle()
    qtbot.waitUntil(lambda: not w.jobs, timeout=10000)


def test_scan_with_key_shows_badges_and_preview(panel, qtbot, tmp_path):
    panel.refresh_devices()
    qtbot.waitUntil(lambda: panel.device_combo.count() >= 2, timeout=10000)
    assert panel.device_combo.currentData() == "test:0"
    assert [panel.tabs.tabText(i) for i in range(panel.tabs.count())] == ["Scanner", "Camera"]
    panel.resolution_spin.setValue(50)
    panel.mode_combo.setCurrentText("Gray")
    with qtbot.waitSignal(panel.pages_added, timeout=20000) as blocker:
        qtbot.keyClick(panel, Qt.Key.Key_F8)
    assert len(blocker.args[0]) == 1
    qtbot.waitUntil(panel.capture_button.isEnabled, timeout=5000)
    assert panel.qc_list.count() == 1
    # the test backend's default picture is solid black: QC asks for a rescan
    assert "rescan?" in panel.qc_list.item(0).text()
    assert panel.preview_label.pixmap() is not None and not panel.preview_label.pixmap().isNull()
    with ProjectStore.open(tmp_path / "proj") as store:
        pages = store.pages()
        assert len(pages) == 1 and pages[0].dpi == 50
    img = panel.grab().toImage()
    assert img.width() > 200 and img.height() > 300
    img.save(str(tmp_path / "capture_panel.png"))


def test_hot_folder_status(panel, qtbot, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    panel.start_hot_folder(str(folder), settle=0.1)
    assert panel.hot_button.isChecked()
    with qtbot.waitSignal(panel.pages_added, timeout=20000):
        write_tiff(folder / "a.tif", text_page(400, 560, seed=4, lines=10), dpi=300)
    qtbot.waitUntil(lambda: "imported 1" in panel.hot_status.text(), timeout=5000)
    assert panel.qc_list.count() == 1
    panel.stop_hot_folder()
    assert not panel.hot_button.isChecked()


def test_scan_needs_a_scanner_and_a_failed_scan_leaves_nothing(qtbot, tmp_path, sane_test_backend):  # noqa: F811
    """Scan and Preview are disabled until a scanner is found; a scan into a new item is made with
    the panel's (default) profile; a scan that fails leaves no empty item behind (issue 15)."""
    ProjectStore.create(tmp_path / "proj").close()
    panel = CapturePanel(str(tmp_path / "proj"), "wills", profile="typescript", items=["letters"])
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.capture_button.isEnabled() and not panel.preview_button.isEnabled()
    assert panel.item_combo.findText("letters") >= 0 and panel.item_edit.text() == "wills"
    panel.refresh_devices()
    qtbot.waitUntil(lambda: panel.device_combo.count() >= 2 and panel.capture_button.isEnabled(), timeout=10000)
    panel.resolution_spin.setValue(2400)               # the test scanner refuses it (max 1200)
    qtbot.keyClick(panel, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: "Error" in panel.status_label.text(), timeout=20000)
    qtbot.waitUntil(lambda: not panel.jobs, timeout=10000)
    assert "2400" in panel.status_label.text()
    with ProjectStore.open(tmp_path / "proj") as store:
        assert store.items() == [] and store.pages() == []
    panel.resolution_spin.setValue(50)
    with qtbot.waitSignal(panel.pages_added, timeout=20000):
        qtbot.keyClick(panel, Qt.Key.Key_F8)
    with ProjectStore.open(tmp_path / "proj") as store:
        (item,) = store.items()
        assert (item.identifier, item.profile, len(item.pages)) == ("wills", "typescript", 1)
    assert panel.wait_idle()
