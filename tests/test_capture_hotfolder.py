"""Hot folder: complete files only (slowly written file), order, never twice, restart, watchdog loop."""

from __future__ import annotations

import io
import threading

from _capture_helpers import text_page, write_tiff
from PIL import Image

from digitizer.capture.hotfolder import HotFolder
from digitizer.fsutil import sha256_file
from digitizer.store import ProjectStore


class Clock:
    """Deterministic time for the stability rule (no sleeps in tests)."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def tick(self, s: float = 1.0) -> None:
        self.t += s


def _tiff_bytes(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(text_page(400, 560, seed=seed, lines=10)).save(buf, "TIFF", dpi=(150, 150))
    return buf.getvalue()


def test_slowly_written_file_is_imported_only_when_complete(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    clock = Clock()
    data = _tiff_bytes(1)
    with ProjectStore.create(tmp_path / "p") as store:
        item = store.add_item("box")
        hf = HotFolder(store, folder, item, settle=2.0, clock=clock)
        target = folder / "page001.tif"
        chunks = [data[i:i + len(data) // 5 + 1] for i in range(0, len(data), len(data) // 5 + 1)]
        with open(target, "wb") as fh:
            for chunk in chunks:                  # the scanner writes a chunk per second
                fh.write(chunk)
                fh.flush()
                assert hf.scan() == []
                clock.tick(1.0)
        # size stable but not yet for `settle` seconds
        assert hf.scan() == [] and hf.pending() == ["page001.tif"]
        clock.tick(2.0)
        events = hf.scan()
        assert [(e.name, e.status) for e in events] == [("page001.tif", "imported")]
        page = store.pages(item.id)[0]
        assert page.master.sha256 == sha256_file(target)          # byte-exact master
        clock.tick(5)
        assert hf.scan() == []                                     # never twice


def test_truncated_but_stable_file_waits_then_fails_once(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    clock = Clock()
    (folder / "a.tif").write_bytes(_tiff_bytes(2)[:3000])       # stalled writer: header + part of data
    with ProjectStore.create(tmp_path / "p") as store:
        item = store.add_item("box")
        hf = HotFolder(store, folder, item, settle=1.0, fail_after=10.0, clock=clock)
        hf.scan()
        clock.tick(2)
        assert hf.scan() == []                                     # undecodable: keep waiting
        clock.tick(11)
        events = hf.scan()
        assert [e.status for e in events] == ["failed"] and events[0].reason
        clock.tick(5)
        assert hf.scan() == []
        assert store.failures() and not store.pages(item.id)


def test_name_order_restart_and_duplicates(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    clock = Clock()
    for name, seed in (("p10.tif", 10), ("p2.tif", 2), ("p1.tif", 1)):
        (folder / name).write_bytes(_tiff_bytes(seed))
    (folder / "notes.txt").write_text("not an image")
    (folder / ".p3.tif.part").write_bytes(b"partial")
    proj = tmp_path / "p"
    with ProjectStore.create(proj) as store:
        item = store.add_item("box")
        hf = HotFolder(store, folder, item, settle=1.0, clock=clock)
        hf.scan()
        clock.tick(1)
        assert [e.name for e in hf.scan()] == ["p1.tif", "p2.tif", "p10.tif"]
    # restart: a fresh watcher over the same folder imports nothing again
    (folder / "copy_of_p2.tif").write_bytes((folder / "p2.tif").read_bytes())
    write_tiff(folder / "p11.tif", text_page(400, 560, seed=11, lines=12))
    with ProjectStore.open(proj) as store:
        item = store.find_item("box")
        hf = HotFolder(store, folder, item, settle=1.0, clock=Clock())
        hf.scan()
        hf.clock.tick(1)
        events = {e.name: e for e in hf.scan()}
        assert set(events) == {"copy_of_p2.tif", "p11.tif"}
        assert events["copy_of_p2.tif"].status == "duplicate"
        assert events["p11.tif"].status == "imported"
        assert [p.seq for p in store.pages(item.id)] == [1, 2, 3, 4]
        assert len(hf.handled()) == 5


def test_run_loop_with_watchdog_and_qc(tmp_path):
    from digitizer.capture.qc import QCSettings

    folder = tmp_path / "in"
    folder.mkdir()
    with ProjectStore.create(tmp_path / "p") as store:
        item = store.add_item("box")
        hf = HotFolder(store, folder, item, settle=0.2, qc=QCSettings(target_dpi=300, checks=["resolution"]))
        stop = threading.Event()
        got = []

        def on_event(ev):
            got.append(ev)
            stop.set()

        worker = threading.Thread(target=hf.run, args=(stop,), kwargs={"poll": 0.1, "on_event": on_event})
        worker.start()
        write_tiff(folder / "low.tif", text_page(400, 560, seed=3, lines=10), dpi=150)
        worker.join(timeout=30)
        stop.set()
        assert not worker.is_alive()
        assert got and got[0].status == "imported" and got[0].qc_failed == ["resolution"]


def test_cli_once(tmp_path, capsys):
    from digitizer.cli.main import main

    folder = tmp_path / "in"
    folder.mkdir()
    write_tiff(folder / "a.tif", text_page(400, 560, seed=5, lines=10), dpi=300)
    proj = str(tmp_path / "p")
    assert main(["init", proj]) == 0
    assert main(["hotfolder", proj, str(folder), "--item", "box", "--once", "--settle", "0.1", "--no-qc"]) == 0
    assert "a.tif: imported" in capsys.readouterr().out
    assert main(["hotfolder", proj, str(folder), "--item", "box", "--once", "--settle", "0.1"]) == 0
    assert "a.tif" not in capsys.readouterr().out
