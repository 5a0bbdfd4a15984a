"""Our ALTO and PAGE as the field's readers see them (issue 14, part 2).

One item, a printed page through Tesseract and a page overridden to kraken (shipped model), both
exported; then kraken's own reader (``kraken.lib.xml.XMLPage``, what eScriptorium imports with)
must read every line with its text, and OCR-D's page validator (strict text consistency, coords,
baselines) must report no error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from shapely.geometry import LineString, Polygon

from digitizer.demo import LETTERS, render_text_page
from digitizer.export.page import page_bytes
from digitizer.export.validate import validate
from digitizer.model import BBox, Line, PageLayout, TextBlock, Word
from digitizer.store import ProjectStore

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
PAGE = "{http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15}"


def cli(*args):
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=900)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``(export folder, {seq: layout})`` of a Tesseract page (1) and a kraken page (2)."""
    tmp = tmp_path_factory.mktemp("interop")
    src = tmp / "scans"
    src.mkdir()
    for n, lines in ((1, LETTERS[0][:5]), (2, LETTERS[1][:3])):
        render_text_page(lines, width=1600, height=700, font_size=40, margin=80).save(src / f"p{n}.png",
                                                                                       dpi=(300, 300))
    proj, out = tmp / "proj", tmp / "out"
    assert cli("init", str(proj)).returncode == 0
    assert cli("import", str(proj), str(src), "--item", "mixed").returncode == 0
    with ProjectStore.open(proj) as s:
        pages = s.pages()
    res = cli("engine", str(proj), "--page", str(pages[1].id), "--set", "kraken", "--model", "poilus-fr-v1")
    assert res.returncode == 0, res.stderr
    res = cli("process", str(proj), "--workers", "0")
    assert res.returncode == 0, res.stderr
    res = cli("export", str(proj), "-o", str(out), "--format", "alto,page,text,mets")
    assert res.returncode == 0, res.stderr
    with ProjectStore.open(proj) as s:
        layouts = {p.seq: s.load_layout(p.id) for p in s.pages()}
    assert all(ln.baseline is None for ln in layouts[1].lines())          # Tesseract gives none
    assert all(ln.baseline and ln.polygon for ln in layouts[2].lines())   # kraken does
    return out / "mixed", layouts


def _xml_page(path: Path):
    from digitizer.engines.kraken.tvcompat import ensure_torchvision

    ensure_torchvision()
    from kraken.lib.xml import XMLPage

    return XMLPage(path)


def _texts(layout: PageLayout) -> list[str]:
    return [ln.text for ln in layout.lines() if ln.text.strip()]


@pytest.mark.parametrize("fmt", ["alto", "page"])
@pytest.mark.parametrize("seq", [1, 2])
def test_kraken_reads_every_line_with_its_text(exported, fmt, seq):
    folder, layouts = exported
    doc = _xml_page(folder / fmt / f"{seq:04d}.xml")
    lines = list(doc.lines.values())
    expected = _texts(layouts[seq])
    assert len(expected) >= 3
    got = [ln.text for ln in lines if ln.text]
    if fmt == "alto":      # ALTO has no runs of spaces: Strings are joined by one space
        expected = [" ".join(t.split()) for t in expected]
    assert got == expected
    assert all(ln.baseline and len(ln.baseline) >= 2 and ln.boundary and len(ln.boundary) >= 3 for ln in lines)
    # the image reference resolves from the file's folder
    assert Path(doc.imagename).is_file(), doc.imagename


@pytest.mark.parametrize("seq", [1, 2])
def test_page_geometry_is_consistent(exported, seq):
    """What OCR-D's validator checks with ``--page-textequiv-consistency strict --check-coords
    --check-baseline`` (ocrd_validators/page_validator.py), computed here with shapely as it does:
    polygons of at least 4 points, valid, non-negative; each inside its parent (OCR-D allows 1.5 px
    of slack, we allow none); the baseline inside its line; region text = its lines joined by a
    newline, line text = its words joined by a space.  (ocrd itself is not a test dependency: see
    docs/interop.md; the test below runs it where it is installed.)"""
    folder, _ = exported
    root = etree.parse(str(folder / "page" / f"{seq:04d}.xml")).getroot()
    assert validate(root.getroottree(), "page").is_valid

    def poly(el):
        pts = [tuple(int(v) for v in p.split(",")) for p in el.find(f"{PAGE}Coords").get("points").split()]
        shape = Polygon(pts)
        assert len(pts) >= 4 and shape.is_valid and shape.area > 0 and min(min(p) for p in pts) >= 0, pts
        return shape

    lines = 0
    for region in root.iter(f"{PAGE}TextRegion"):
        rpoly = poly(region)
        texts = [tl.find(f"{PAGE}TextEquiv/{PAGE}Unicode").text or "" for tl in region.findall(f"{PAGE}TextLine")]
        assert region.find(f"{PAGE}TextEquiv/{PAGE}Unicode").text == "\n".join(texts)
        for tl in region.findall(f"{PAGE}TextLine"):
            lines += 1
            lpoly = poly(tl)
            assert rpoly.contains(lpoly), tl.get("id")
            bl = [tuple(int(v) for v in p.split(",")) for p in tl.find(f"{PAGE}Baseline").get("points").split()]
            assert lpoly.contains(LineString(bl)), tl.get("id")
            words = tl.findall(f"{PAGE}Word")
            for w in words:
                assert lpoly.contains(poly(w)), w.get("id")
            if words:
                joined = " ".join(w.find(f"{PAGE}TextEquiv/{PAGE}Unicode").text for w in words)
                assert joined == tl.find(f"{PAGE}TextEquiv/{PAGE}Unicode").text
    assert lines >= 3


def test_alto_strings_lie_inside_their_line(exported):
    folder, _ = exported
    for seq in (1, 2):
        root = etree.parse(str(folder / "alto" / f"{seq:04d}.xml")).getroot()
        for tl in root.iter(f"{ALTO}TextLine"):
            x, y = int(tl.get("HPOS")), int(tl.get("VPOS"))
            x1, y1 = x + int(tl.get("WIDTH")), y + int(tl.get("HEIGHT"))
            assert tl.get("BASELINE") and tl.find(f"{ALTO}Shape/{ALTO}Polygon") is not None
            for s in tl.findall(f"{ALTO}String"):
                sx, sy = int(s.get("HPOS")), int(s.get("VPOS"))
                assert x <= sx and y <= sy and sx + int(s.get("WIDTH")) <= x1 and sy + int(s.get("HEIGHT")) <= y1


def test_degenerate_and_stray_geometry_is_repaired():
    """A two-point polygon, a self-intersecting one, a word outside its line: all exported valid."""
    bow = [(10, 10), (200, 60), (200, 10), (10, 60)]             # self-intersecting "bow tie"
    lines = [Line(id="a", bbox=BBox(10, 10, 200, 60), text="one two", polygon=[(10, 10), (200, 10)],
                  words=[Word("one", BBox(10, 10, 90, 60)), Word("two", BBox(100, 5, 260, 70))]),
             Line(id="b", bbox=BBox(10, 70, 200, 120), text="three", polygon=bow, baseline=[(0, 500), (900, 500)])]
    layout = PageLayout(width=300, height=200, blocks=[TextBlock(id="r", bbox=BBox(10, 10, 100, 50), lines=lines)])
    root = etree.fromstring(page_bytes(layout, image_filename="x.png"))
    tls = list(root.iter(f"{PAGE}TextLine"))
    region = Polygon([tuple(map(int, p.split(","))) for p in
                      root.find(f".//{PAGE}TextRegion/{PAGE}Coords").get("points").split()])
    for tl in tls:
        pts = [tuple(map(int, p.split(","))) for p in tl.find(f"{PAGE}Coords").get("points").split()]
        shape = Polygon(pts)
        assert len(pts) >= 4 and shape.is_valid and shape.area > 0 and region.contains(shape)
        bl = [tuple(map(int, p.split(","))) for p in tl.find(f"{PAGE}Baseline").get("points").split()]
        assert shape.contains(LineString(bl))
        for w in tl.findall(f"{PAGE}Word"):
            wp = Polygon([tuple(map(int, p.split(","))) for p in w.find(f"{PAGE}Coords").get("points").split()])
            assert shape.contains(wp)


def _ocrd() -> str | None:
    """OCR-D's CLI: ``$DIGITIZER_OCRD`` (e.g. a separate venv), else ``ocrd`` on the PATH."""
    exe = os.environ.get("DIGITIZER_OCRD", "")
    return exe if exe and Path(exe).is_file() else shutil.which("ocrd")


@pytest.mark.skipif(_ocrd() is None, reason="OCR-D's validator (PyPI 'ocrd', a test dependency) is not installed")
@pytest.mark.parametrize("seq", [1, 2])
def test_ocrd_page_validator_reports_no_error(exported, seq):
    folder, _ = exported
    res = subprocess.run([_ocrd(), "validate", "page", "--page-textequiv-consistency", "strict", "--check-coords",
                          "--check-baseline", str(folder / "page" / f"{seq:04d}.xml")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "<error>" not in res.stdout.lower() and 'valid="false"' not in res.stdout.lower(), res.stdout
