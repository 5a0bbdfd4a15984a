"""Packages that survive faults (issue 14, part 3): kills, a full disk, hostile input.

Each test reproduces one reported fault with real files, the real store and the real CLI.  The full
disk is a real one: a 1 MiB tmpfs mounted for the test where the system allows it (root), and
``/dev/full`` (the kernel's always-full device) for the error translation everywhere.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from digitizer.demo import render_text_page
from digitizer.errors import DiskFullError, ExitCode
from digitizer.export.staging import MARKER
from digitizer.export.verify import verify_path
from digitizer.fsutil import atomic_write_bytes, disk_full_names
from digitizer.ingest import import_paths, item_for
from digitizer.model import BBox, Line, PageLayout, ProcessingStep, TextBlock
from digitizer.pipeline.export import MANIFEST, export_project
from digitizer.progress import NullProgress
from digitizer.store import ProjectStore

METADATA = {"title": "Fault test", "languages": ["eng"], "rights": "http://rightsstatements.org/vocab/NoC-US/1.0/"}


def cli(*args, cwd=None):
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=600, cwd=cwd)


def _page_image(path: Path, text: str, size=(600, 240)) -> Path:
    render_text_page([text], width=size[0], height=size[1], font_size=28, margin=40).save(path, dpi=(300, 300))
    return path


def _layout(text: str, w: int = 600, h: int = 240) -> PageLayout:
    line = Line(id="", bbox=BBox(40, 40, 400, 80), text=text, confidence=0.9)
    return PageLayout(width=w, height=h, blocks=[TextBlock(id="", bbox=BBox(40, 40, 400, 80), lines=[line])])


def _project(tmp: Path, items=("a", "b")) -> ProjectStore:
    store = ProjectStore.create(tmp / "proj", name="faults", agent="tester")
    for name in items:
        item = store.add_item(name, title=f"Item {name}", metadata=METADATA)
        rep = import_paths(store, [_page_image(tmp / f"{name}.png", f"Page of item {name}")], item)
        assert not rep.failures, rep.failures
        page = store.pages(item.id)[0]
        store.save_layout(page.id, _layout(f"Page of item {name}"),
                          ProcessingStep(action="recognize", tool="tesseract", tool_version="5"))
    return store


class _KillAfter(NullProgress):
    """A progress sink that "kills" the run (KeyboardInterrupt) at its ``n``-th page."""

    def __init__(self, n: int) -> None:
        self.n = n

    def advance(self, n: int = 1) -> None:
        self.n -= n
        if self.n <= 0:
            raise KeyboardInterrupt


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- staging, kill, sweep


def test_killed_reexport_never_looks_complete_and_the_next_one_repairs(tmp_path):
    store = _project(tmp_path)
    out = tmp_path / "out"
    export_project(store, out, formats=["alto", "mets"])
    assert verify_path(out).is_valid
    page = store.pages(store.find_item("a").id)[0]
    line = store.load_layout(page.id).lines()[0]
    store.update_line_text(page.id, line.id, "Corrected page of item a", agent="corrector")
    with pytest.raises(KeyboardInterrupt):       # item a is replaced, then the run dies in item b
        export_project(store, out, formats=["alto", "mets"], progress=_KillAfter(2))
    assert "Corrected" in (out / "a" / "alto" / "0001.xml").read_text()
    assert not (out / MANIFEST).exists() and (out / MARKER).is_file()
    rep = verify_path(out)
    assert not rep.is_valid
    assert any("interrupted" in f.message for f in rep.errors), rep.lines()
    summary = export_project(store, out, formats=["alto", "mets"])
    assert verify_path(out).is_valid and not (out / MARKER).exists()
    assert not summary.errors


def test_stale_staging_is_reported_by_verify_and_swept_by_the_next_export(tmp_path):
    store = _project(tmp_path, items=("a",))
    out = tmp_path / "out"
    export_project(store, out, formats=["alto", "mets"])
    pid = _dead_pid()
    stale_item = out / f".a.{pid}.x1y2.partial"
    stale_bag = tmp_path / f".out.{pid}.z9.bag-partial"
    for d in (stale_item, stale_bag):
        (d / "alto").mkdir(parents=True)
        (d / "alto" / "0001.xml").write_text("half")
    rep = verify_path(out)
    leftovers = [f for f in rep.errors if "leftover staging" in f.message]
    assert {Path(f.subject).name for f in leftovers} == {stale_item.name, stale_bag.name}, rep.lines()
    summary = export_project(store, out, formats=["alto", "mets"])
    assert not stale_item.exists() and not stale_bag.exists()
    assert sorted(Path(p).name for p in summary.swept) == sorted([stale_item.name, stale_bag.name])
    assert verify_path(out).is_valid


# --------------------------------------------------------------------------- full disk


def test_a_full_device_becomes_disk_full_naming_the_file(tmp_path):
    target = tmp_path / "x.bin"
    with pytest.raises(DiskFullError) as err:
        with disk_full_names(target), open("/dev/full", "wb") as fh:   # the kernel answers ENOSPC
            fh.write(b"x" * 65536)
            fh.flush()
    assert err.value.exit_code == ExitCode.DISK_FULL == 11
    assert str(target) in err.value.user_message and "no space left" in err.value.user_message


def _tmpfs(mnt: Path, size: str):
    """Mount a real tmpfs of ``size`` on ``mnt`` (skips where mounting is not allowed: not root)."""
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {res.stderr.decode(errors='replace').strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


@pytest.fixture
def small_fs(tmp_path):
    """A real 1 MiB file system."""
    yield from _tmpfs(tmp_path / "small", "1m")


@pytest.fixture
def fs_8m(tmp_path):
    yield from _tmpfs(tmp_path / "fs8", "8m")


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` up to ``leave`` free bytes."""
    import shutil

    free = shutil.disk_usage(folder).free
    with open(folder / "filler.bin", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_export_onto_a_full_disk_stops_with_one_line_and_exit_11(tmp_path, small_fs):
    store = ProjectStore.create(tmp_path / "proj", name="full", agent="tester")
    item = store.add_item("big", metadata=METADATA)
    noise = [tmp_path / f"n{i}.png" for i in range(3)]
    for p in noise:      # incompressible: ~480 KB each, three do not fit in 1 MiB
        Image.frombytes("L", (800, 600), os.urandom(800 * 600)).save(p, dpi=(300, 300))
    assert not import_paths(store, noise, item).failures
    store.close()
    out = small_fs / "out"
    res = cli("export", str(tmp_path / "proj"), "-o", str(out), "--format", "mets")
    assert res.returncode == ExitCode.DISK_FULL, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and "no space left" in errors[0] and str(small_fs) in errors[0], res.stderr
    assert "Traceback" not in res.stderr
    assert not [p for p in out.rglob("*") if p.name.endswith((".partial", ".part"))]


def test_run_stops_when_an_item_export_finds_the_disk_full(tmp_path, small_fs):
    """``digitizer run``: a full disk while exporting an item stops the run (exit 11, one line), it is not
    counted as one failed item with the next item tried on the same full disk."""
    noise = []
    for i in range(3):      # incompressible masters: their TIFF copies do not fit in 1 MiB
        p = tmp_path / f"n{i}.png"
        Image.frombytes("L", (800, 600), os.urandom(800 * 600)).save(p, dpi=(300, 300))
        noise.append(p)
    out = small_fs / "out"
    res = cli("run", *map(str, noise), "-o", str(out), "--project", str(tmp_path / "proj"), "--engine", "none",
              "--format", "mets", "--workers", "0")
    assert res.returncode == ExitCode.DISK_FULL, (res.returncode, res.stderr)
    errors = [ln for ln in res.stderr.splitlines() if ln.strip() and "no space left" in ln]
    assert len(errors) == 1 and str(small_fs) in errors[0], res.stderr
    assert "Traceback" not in res.stderr


def test_import_onto_a_full_disk_stops_with_exit_11_and_keeps_the_project(tmp_path, small_fs):
    proj = small_fs / "proj"
    assert cli("init", str(proj)).returncode == 0
    scans = [tmp_path / "big.png", tmp_path / "later.png"]
    Image.frombytes("L", (1200, 1000), os.urandom(1200 * 1000)).save(scans[0], dpi=(300, 300))   # > 1 MiB
    _page_image(scans[1], "never reached")
    res = cli("import", str(proj), *map(str, scans), "--item", "x")
    assert res.returncode == ExitCode.DISK_FULL, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and "no space left" in errors[0] and str(proj) in errors[0], res.stderr
    with ProjectStore.open(proj) as s:          # the project is intact: no page, no stray master
        assert s.pages() == [] and not [p for p in (proj / "masters").rglob("*") if p.is_file()]


def test_process_on_a_full_disk_stops_at_once_naming_the_file(tmp_path, fs_8m):
    """The derived image of a skewed, noisy page does not fit: one line, exit 11, no retries."""
    from digitizer.demo import add_noise, skew

    scan = tmp_path / "skewed.png"
    add_noise(skew(render_text_page(["A skewed page"] * 6, width=2400, height=1800, font_size=36, margin=60),
                   4.0)).save(scan, dpi=(300, 300))
    proj = fs_8m / "proj"
    assert cli("init", str(proj)).returncode == 0
    assert cli("import", str(proj), str(scan), "--item", "x").returncode == 0
    assert cli("engine", str(proj), "--page", "1", "--set", "none").returncode == 0
    _fill(fs_8m, 160 << 10)            # the derived PNG of this page is ~300 KB
    res = cli("process", str(proj), "--workers", "0")
    assert res.returncode == ExitCode.DISK_FULL, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "no space left" in lines[0] and "preprocessed.png" in lines[0], res.stderr
    assert "retry" not in res.stderr


def test_atomic_write_onto_full_tmpfs_keeps_the_old_file(small_fs):
    target = small_fs / "keep.txt"
    atomic_write_bytes(target, b"old content")
    with pytest.raises(DiskFullError):
        atomic_write_bytes(target, os.urandom(2 << 20))
    assert target.read_bytes() == b"old content"
    assert [p.name for p in small_fs.iterdir()] == ["keep.txt"]


# --------------------------------------------------------------------------- zips and bags


def test_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path):
    bomb = tmp_path / "bag.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bag/bagit.txt", "BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
        zf.writestr("bag/data/zeros.bin", b"\0" * (64 << 20))
    assert bomb.stat().st_size < 200_000
    tmp_before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("digitizer-verify-*"))
    rep = verify_path(bomb)
    assert not rep.is_valid
    assert any("zip bomb" in f.message for f in rep.errors), rep.lines()
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("digitizer-verify-*")) == tmp_before


def test_bag_check_names_the_missing_and_the_extra_file(tmp_path):
    store = _project(tmp_path, items=("a",))
    bag = tmp_path / "bag"
    export_project(store, bag, formats=["alto", "mets", "bag"])
    assert verify_path(bag).is_valid
    stale = tmp_path / f".bag.{_dead_pid()}.q1.bag-partial"
    stale.mkdir()
    assert any("leftover staging" in f.message for f in verify_path(bag).errors)
    stale.rmdir()
    (bag / "data" / "a" / "alto" / "0001.xml").unlink()
    (bag / "data" / "a" / "stray.txt").write_text("not in the manifest")
    rep = verify_path(bag)
    subjects = {f.subject: f.message for f in rep.errors}
    assert subjects.get("data/a/alto/0001.xml") == "missing", rep.lines()
    assert subjects.get("data/a/stray.txt", "").startswith("extra"), rep.lines()


# --------------------------------------------------------------------------- items, modes, IIIF


def test_item_ids_are_idempotent_after_sanitising(tmp_path):
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).returncode == 0
    for n in (1, 2):
        res = cli("import", str(proj), str(_page_image(tmp_path / f"p{n}.png", f"page {n}")), "--item", "Box 1")
        assert res.returncode == 0, res.stderr
    with ProjectStore.open(proj) as s:
        items = s.items()
        assert [i.identifier for i in items] == ["Box_1"] and len(items[0].pages) == 2
        for bad in (".", ".."):
            with pytest.raises(Exception) as err:
                item_for(s, bad)
            assert "no usable character" in str(err.value)
    res = cli("import", str(proj), str(tmp_path / "p1.png"), "--item", "..")
    assert res.returncode == ExitCode.PROJECT and "no usable character" in res.stderr


def test_exported_files_and_masters_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        store = _project(tmp_path, items=("a",))
        out = tmp_path / "out"
        export_project(store, out, formats=["alto", "mets"])
    finally:
        os.umask(old)
    files = [p for p in list(out.rglob("*")) + list((tmp_path / "proj" / "masters").rglob("*"))]
    assert files
    for p in files:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o755 if p.is_dir() else 0o644), (p, oct(mode))


def test_an_item_exported_with_iiif_verifies_on_its_own(tmp_path):
    store = _project(tmp_path, items=("a",))
    out = tmp_path / "out"
    export_project(store, out, formats=["alto", "mets", "iiif"])
    assert list((out / "a" / "iiif").rglob("*.jpg"))
    rep = verify_path(out / "a")
    assert rep.is_valid, rep.lines()[:10]
    tile = sorted((out / "a" / "iiif").rglob("*.jpg"))[0]
    tile.write_bytes(tile.read_bytes()[:-1] + b"\0")
    rep = verify_path(out / "a")
    assert [f.subject for f in rep.errors] == [tile.relative_to(out / "a").as_posix()]


# --------------------------------------------------------------------------- hostile input


def test_zero_page_pdf_is_named_as_such(tmp_path):
    import pypdfium2 as pdfium

    empty = tmp_path / "empty.pdf"
    pdfium.PdfDocument.new().save(str(empty))
    store = ProjectStore.create(tmp_path / "proj", name="x", agent="tester")
    rep = import_paths(store, [empty], store.add_item("x"))
    assert rep.failures == [(str(empty), "PDF has no pages")]


def test_newline_in_a_file_name_keeps_the_message_on_one_line(tmp_path):
    bad = tmp_path / "scan\nwith newline.png"
    bad.write_bytes(b"not an image at all")
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).returncode == 0
    res = cli("import", str(proj), str(bad), str(_page_image(tmp_path / "good.png", "good page")))
    assert res.returncode == ExitCode.INPUT
    lines = [ln for ln in res.stderr.splitlines() if "newline" in ln]
    assert len(lines) == 1 and "scan\\nwith newline.png: not an image" in lines[0], res.stderr
    assert not any(ln.startswith("with newline") for ln in res.stderr.splitlines()), res.stderr


def test_large_scan_gives_no_decompression_bomb_warning(tmp_path):
    """Import and process (engine "none": the image path only) a 90 MP scan, over Pillow's 89 MP
    warning limit and far under our own: stderr stays clean (it leaked from `process`)."""
    big = tmp_path / "big.png"
    Image.new("1", (9500, 9500), 1).save(big, dpi=(600, 600))
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).returncode == 0
    res = cli("import", str(proj), str(big), "--item", "big")
    assert res.returncode == 0, res.stderr
    assert cli("engine", str(proj), "--page", "1", "--set", "none").returncode == 0
    proc = cli("process", str(proj), "--workers", "0")
    assert proc.returncode == 0, proc.stderr
    for out in (res.stderr, proc.stderr):
        assert "DecompressionBomb" not in out and "Warning" not in out, out


def _tiff_with_bad_second_frame(path: Path) -> None:
    frames = [_page_image(path.with_name(f"f{i}.png"), f"frame {i}") for i in range(3)]
    imgs = [Image.open(f) for f in frames]
    imgs[0].save(path, save_all=True, append_images=imgs[1:], compression="tiff_deflate", dpi=(300, 300))
    tiff = Image.open(path)
    tiff.seek(1)
    offset, length = tiff.tag_v2[273][0], tiff.tag_v2[279][0]
    data = bytearray(path.read_bytes())
    data[offset + 2:offset + length] = os.urandom(length - 2)   # frame 2's deflate stream is garbage
    path.write_bytes(bytes(data))


def test_one_bad_tiff_frame_costs_only_that_frame(tmp_path):
    tif = tmp_path / "three.tif"
    _tiff_with_bad_second_frame(tif)
    store = ProjectStore.create(tmp_path / "proj", name="x", agent="tester")
    rep = import_paths(store, [tif], store.add_item("x"))
    assert not rep.failures
    assert [p.source_page for p in rep.added] == [0, 2]
    skipped = [w for w in rep.warnings if "skipped" in w]
    assert len(skipped) == 1 and "frame 2 of 3" in skipped[0], rep.warnings


def test_pdf_page_is_rendered_at_its_image_resolution(tmp_path):
    pdf = tmp_path / "scan72.pdf"
    Image.new("L", (612, 792), 255).save(pdf, resolution=72)         # a letter page scanned at 72 dpi
    store = ProjectStore.create(tmp_path / "proj", name="x", agent="tester")
    rep = import_paths(store, [pdf], store.add_item("x"), pdf_dpi=300)
    (page,) = rep.added
    assert (page.width, page.height, page.dpi) == (612, 792, 72.0)
    hi = tmp_path / "scan600.pdf"
    Image.new("L", (1700, 2200), 255).save(hi, resolution=200)
    (page,) = import_paths(store, [hi], store.add_item("y"), pdf_dpi=150).added
    assert page.dpi == 150.0 and page.width == round(1700 * 150 / 200)         # capped at pdf_dpi
