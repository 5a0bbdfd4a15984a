"""End to end with the real tesseract: `digitizer run` on generated pages → valid ALTO/METS,
checksums, CER < 2 %, ALTO coordinates on the text of the master image, bad input, re-runs."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from digitizer.demo import make_demo
from digitizer.htr.evaluate import cer as text_cer

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
METS = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"


def cer(ref: str, hyp: str) -> float:
    """The project's CER over text with all whitespace runs made one space."""
    return text_cer(" ".join(ref.split()), " ".join(hyp.split()))


def digitizer(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    demo = make_demo(base / "demo")
    out = base / "out"
    res = digitizer("run", str(demo / "letters"), str(demo / "report"), "-o", str(out), "--lang", "eng")
    return demo, out, res


def test_run_exits_zero_and_writes_documented_layout(demo_run):
    demo, out, res = demo_run
    assert res.returncode == 0, res.stderr
    for item, n in (("letters", 3), ("report", 2)):
        assert (out / item / "mets.xml").is_file()
        assert len(list((out / item / "alto").glob("*.xml"))) == n
        assert len(list((out / item / "text").glob("*.txt"))) == n
        assert len(list((out / item / "images").iterdir())) == n
    assert (out / "_project" / "project.sqlite").is_file()
    assert not [p for p in out.rglob("*.partial")], "staging folders left behind"


def test_every_export_validates_against_official_schemas(demo_run):
    from digitizer.export.validate import validate

    _, out, _ = demo_run
    for alto in out.rglob("alto/*.xml"):
        rep = validate(etree.parse(str(alto)), "alto")
        assert rep.is_valid, (alto, rep.lines())
    for mets in out.glob("*/mets.xml"):
        rep = validate(etree.parse(str(mets)), "mets+mods+premis")
        assert rep.is_valid, (mets, rep.lines())


def test_checksum_manifest_passes_sha256sum(demo_run):
    _, out, _ = demo_run
    res = subprocess.run(["sha256sum", "-c", "--strict", "manifest-sha256.txt"], cwd=out, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    listed = {line.split("  ", 1)[1] for line in (out / "manifest-sha256.txt").read_text().splitlines()}
    assert "letters/mets.xml" in listed and "report/alto/0002.xml" in listed
    assert not any(p.startswith("_project") for p in listed)


def test_mets_lists_pages_in_natural_order_with_checksums(demo_run):
    _, out, _ = demo_run
    mets = etree.parse(str(out / "letters" / "mets.xml"))
    hrefs = [f.get(f"{XLINK}href") for f in mets.iter(f"{METS}FLocat")]
    images = [h for h in hrefs if h.startswith("images/")]
    assert [Path(h).name.split("_", 1)[1] for h in images] == ["page1.tif", "page2.jpg", "page10.png"]
    for f in mets.iter(f"{METS}file"):
        href = f.find(f"{METS}FLocat").get(f"{XLINK}href")
        assert f.get("CHECKSUMTYPE") == "SHA-256"
        import hashlib
        assert hashlib.sha256((out / "letters" / href).read_bytes()).hexdigest() == f.get("CHECKSUM")
    divs = [d for d in mets.iter(f"{METS}div") if d.get("TYPE") == "page"]
    assert [d.get("ORDER") for d in divs] == ["1", "2", "3"]


def test_recognised_text_cer_below_two_percent(demo_run):
    demo, out, _ = demo_run
    gt = demo / "ground-truth"
    pairs = [("letters/text/0001.txt", "letters-page1"), ("letters/text/0002.txt", "letters-page2"),
             ("letters/text/0003.txt", "letters-page10"), ("report/text/0001.txt", "report-p1"),
             ("report/text/0002.txt", "report-p2")]
    for hyp, ref in pairs:
        c = cer((gt / f"{ref}.gt.txt").read_text(), (out / hyp).read_text())
        assert c < 0.02, f"{hyp}: CER {c:.3%}"


def test_alto_coordinates_fall_on_text_of_the_master_image(demo_run):
    """The skewed JPEG is deskewed before OCR; ALTO must still point at the master's pixels."""
    _, out, _ = demo_run
    alto = etree.parse(str(out / "letters" / "alto" / "0002.xml"))
    fname = alto.find(f".//{ALTO}fileName").text
    img = np.asarray(Image.open(out / "letters" / "alto" / fname).convert("L"))
    page = alto.find(f".//{ALTO}Page")
    assert (int(page.get("WIDTH")), int(page.get("HEIGHT"))) == (img.shape[1], img.shape[0])
    ink_in, area = 0, 0
    for s in alto.iter(f"{ALTO}String"):
        x, y, w, h = (int(float(s.get(k))) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
        box = img[y:y + h, x:x + w]
        ink_in += int((box < 128).sum())
        area += box.size
    assert area > 0
    density_in = ink_in / area
    density_page = float((img < 128).mean())
    assert density_in > 4 * density_page, (density_in, density_page)


def test_rerun_is_idempotent(demo_run, tmp_path):
    demo, out, _ = demo_run
    res = digitizer("run", str(demo / "letters"), str(demo / "report"), "-o", str(out), "--lang", "eng")
    assert res.returncode == 0, res.stderr
    assert "already imported" in res.stderr
    info = json.loads(digitizer("info", str(out / "_project"), "--json").stdout)
    assert sum(it["pages"] for it in info["items"]) == 5
    from digitizer.store import ProjectStore

    with ProjectStore.open(out / "_project") as store:
        for page in store.pages():
            assert len(store.events(page_id=page.id, action="recognize")) == 1, page
            assert len(store.events(page_id=page.id, action="import")) == 1, page
    assert sha256sum_ok(out)


def sha256sum_ok(out: Path) -> bool:
    return subprocess.run(["sha256sum", "-c", "--quiet", "manifest-sha256.txt"], cwd=out).returncode == 0


def tiny_png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_bad_inputs_one_line_each_batch_continues(tmp_path):
    demo = make_demo(tmp_path / "demo")
    src = tmp_path / "mixed"
    src.mkdir()
    shutil.copy(demo / "letters" / "page1.tif", src / "a-good.tif")
    (src / "b-empty.png").write_bytes(b"")
    data = (demo / "letters" / "page2.jpg").read_bytes()
    (src / "c-truncated.jpg").write_bytes(data[: len(data) // 3])
    (src / "d-notes.png").write_text("these are my notes, not an image\n" * 20)
    (tmp_path / "loose").mkdir()
    Image.new("L", (50, 50), 255).save(tmp_path / "loose" / "e-anim.gif")   # given explicitly below
    (src / "f-bomb.png").write_bytes(tiny_png_header(100000, 100000))
    out = tmp_path / "out"
    res = digitizer("-q", "run", str(src), str(tmp_path / "loose" / "e-anim.gif"), "-o", str(out), "--lang", "eng")
    assert res.returncode == 3, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    for name in ("b-empty.png", "c-truncated.jpg", "d-notes.png", "e-anim.gif", "f-bomb.png"):
        hits = [ln for ln in lines if name in ln]
        assert len(hits) == 1, (name, lines)
    assert (out / "mixed" / "mets.xml").is_file()
    assert len(list((out / "mixed" / "alto").glob("*.xml"))) == 1
    info = json.loads(digitizer("info", str(out / "_project"), "--json").stdout)
    assert len(info["failures"]) == 5
    assert info["items"][0]["pages"] == 1


def test_unreadable_path_and_missing_file(tmp_path):
    out = tmp_path / "out"
    res = digitizer("-q", "run", str(tmp_path / "does-not-exist.tif"), "-o", str(out))
    assert res.returncode == 3
    assert "does-not-exist.tif" in res.stderr


def test_bad_profile_is_one_clear_line(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[recognition]\nengine = "nope"\n')
    res = digitizer("run", str(tmp_path), "-o", str(tmp_path / "o"), "--profile", str(bad))
    assert res.returncode == 8
    assert res.stderr.strip().count("\n") == 0 and "engine" in res.stderr and str(bad) in res.stderr
