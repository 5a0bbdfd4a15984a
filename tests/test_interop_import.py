"""Import transcriptions made elsewhere (issue 14, part 1): Transkribus (PAGE 2013 + METS zip),
eScriptorium (ALTO 4 zip), ALTO 2, hOCR; then correct and export again without losing anything.

The input documents are written here as those tools write them (namespaces, @custom tags,
reading order, BASELINE/Shape, hOCR title properties) for rendered page images.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from digitizer.demo import render_text_page
from digitizer.htr.xmlread import read_xml
from digitizer.ingest import import_paths
from digitizer.interop import import_transcriptions, read_transcription
from digitizer.pipeline.export import export_project
from digitizer.store import ProjectStore

P2013 = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15"
ALTO4 = "http://www.loc.gov/standards/alto/ns-v4#"
ALTO2 = "http://www.loc.gov/standards/alto/ns-v2#"
W, H = 1200, 500
LINES = {"p1": ["Dear Sir, I write", "to you from Lyon", "with some news."],
         "p2": ["The harvest was", "good this year."]}
META = {"title": "Imported letters", "languages": ["eng"], "rights": "http://rightsstatements.org/vocab/NoC-US/1.0/"}


def cli(*args):
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def _images(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, lines in LINES.items():
        p = folder / f"{name}.png"
        render_text_page(lines, width=W, height=H, font_size=40, margin=60).save(p, dpi=(300, 300))
        out.append(p)
    return out


def _geometry(i: int, scale: float = 1.0) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Polygon and baseline of line ``i`` (0-based) as an HTR tool would give them."""
    y0 = 60 + i * 90
    poly = [(60, y0), (700, y0 + 4), (700, y0 + 60), (60, y0 + 56)]
    base = [(62, y0 + 44), (380, y0 + 46), (698, y0 + 48)]
    return [(round(x * scale), round(y * scale)) for x, y in poly], [(round(x * scale), round(y * scale))
                                                                     for x, y in base]


def _pts(pts) -> str:
    return " ".join(f"{x},{y}" for x, y in pts)


def transkribus_page(name: str, *, scale: float = 1.0) -> bytes:
    """PAGE 2013 as Transkribus exports it: two regions listed in reverse reading order, line
    @custom with readingOrder and textStyle, Baselines, TranskribusMetadata."""
    lines = LINES[name]
    regions = [("r_b", list(range(1, len(lines))), 1), ("r_a", [0], 0)]   # file order != reading order
    body = []
    for rid, idxs, ro in regions:
        tl = []
        for k, i in enumerate(idxs):
            poly, base = _geometry(i, scale)
            tl.append(f'<TextLine id="{rid}_l{k}" custom="readingOrder {{index:{k};}} textStyle {{offset:0; '
                      f'length:4;bold:true;}}"><Coords points="{_pts(poly)}"/><Baseline points="{_pts(base)}"/>'
                      f'<TextEquiv><Unicode>{lines[i]}</Unicode></TextEquiv></TextLine>')
        rpoly = [(40, 40), (round(W * scale) - 40, 40), (round(W * scale) - 40, round(H * scale) - 20),
                 (40, round(H * scale) - 20)]
        body.append(f'<TextRegion id="{rid}" custom="readingOrder {{index:{ro};}} structure {{type:paragraph;}}">'
                    f'<Coords points="{_pts(rpoly)}"/>{"".join(tl)}</TextRegion>')
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<PcGts xmlns="{P2013}"><Metadata><Creator>prov=University of Innsbruck:Transkribus</Creator>'
           f'<Created>2024-01-01T10:00:00.000+01:00</Created><LastChange>2024-01-02T10:00:00.000+01:00'
           f'</LastChange><TranskribusMetadata docId="1" pageId="2" status="GT"/></Metadata>'
           f'<Page imageFilename="{name}.png" imageWidth="{round(W * scale)}" imageHeight="{round(H * scale)}">'
           f'<ReadingOrder><OrderedGroup id="ro1" caption="Regions reading order">'
           f'<RegionRefIndexed index="0" regionRef="r_a"/><RegionRefIndexed index="1" regionRef="r_b"/>'
           f'</OrderedGroup></ReadingOrder>{"".join(body)}</Page></PcGts>')
    return doc.encode("utf-8")


def escriptorium_alto(name: str) -> bytes:
    lines = []
    for i, text in enumerate(LINES[name]):
        poly, base = _geometry(i)
        words = "".join(f'<String CONTENT="{w}" HPOS="{60 + 100 * k}" VPOS="{60 + i * 90}" WIDTH="90" HEIGHT="50"/>'
                        + ('<SP/>' if k < len(text.split()) - 1 else "") for k, w in enumerate(text.split()))
        lines.append(f'<TextLine ID="eSc_line_{i}" BASELINE="{" ".join(f"{x} {y}" for x, y in base)}" HPOS="60" '
                     f'VPOS="{60 + i * 90}" WIDTH="640" HEIGHT="60"><Shape><Polygon POINTS="'
                     f'{" ".join(f"{x} {y}" for x, y in poly)}"/></Shape>{words}</TextLine>')
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><alto xmlns="{ALTO4}"><Description>'
           f'<MeasurementUnit>pixel</MeasurementUnit><sourceImageInformation><fileName>{name}.png</fileName>'
           f'</sourceImageInformation><OCRProcessing ID="OCR_0"><ocrProcessingStep><processingSoftware>'
           f'<softwareName>escriptorium</softwareName></processingSoftware></ocrProcessingStep></OCRProcessing>'
           f'</Description><Layout><Page WIDTH="{W}" HEIGHT="{H}" PHYSICAL_IMG_NR="0" ID="eSc_dummypage_">'
           f'<PrintSpace HPOS="0" VPOS="0" WIDTH="{W}" HEIGHT="{H}"><TextBlock ID="eSc_textblock_1">'
           f'{"".join(lines)}</TextBlock></PrintSpace></Page></Layout></alto>')
    return doc.encode("utf-8")


def _project(tmp: Path) -> tuple[ProjectStore, list[Path]]:
    store = ProjectStore.create(tmp / "proj", name="interop", agent="tester")
    item = store.add_item("letters", title="Letters", metadata=META)
    images = _images(tmp / "scans")
    assert not import_paths(store, images, item).failures
    return store, images


def _exported_lines(xml: Path) -> list[tuple[str, list[tuple[float, float]] | None, list | None]]:
    page = read_xml(xml)
    return [(ln.text, ln.polygon, ln.baseline) for ln in page.lines]


def _expected(name: str) -> list[tuple[str, list, list]]:
    return [(text, [tuple(map(float, p)) for p in _geometry(i)[0]], [tuple(map(float, p)) for p in _geometry(i)[1]])
            for i, text in enumerate(LINES[name])]


def test_transkribus_zip_imports_corrects_and_exports_without_loss(tmp_path):
    store, _ = _project(tmp_path)
    item = store.find_item("letters")
    export = tmp_path / "transkribus.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr("Letters/Doc_1/mets.xml", '<mets xmlns="http://www.loc.gov/METS/"/>')
        for name in LINES:
            zf.writestr(f"Letters/Doc_1/page/{name}.xml", transkribus_page(name))
    rep = import_transcriptions(store, [export], item)
    assert not rep.failures and len(rep.imported) == 2, rep
    p1 = store.pages(item.id)[0]
    layout = store.load_layout(p1.id)
    assert [ln.text for ln in layout.lines()] == LINES["p1"]          # region r_a first: reading order kept
    assert "textStyle {offset:0; length:4;bold:true;}" in layout.lines()[0].custom
    history = store.line_history(p1.id, layout.lines()[0].id)
    assert history[0].source == "import"
    ev = [e for e in store.events(page_id=p1.id) if e.tool == "digitizer.interop"][-1]
    assert ev.parameters["software"] == "prov=University of Innsbruck:Transkribus"
    assert ev.parameters["format"] == "PAGE 2013" and len(ev.parameters["sha256"]) == 64
    # correct one line, export again
    store.update_line_text(p1.id, layout.lines()[1].id, "to you from Lyons", agent="corrector")
    out = tmp_path / "out"
    summary = export_project(store, out, formats=["page", "alto", "mets"])
    assert not summary.errors
    got = _exported_lines(out / "letters" / "page" / "0001.xml")
    want = _expected("p1")
    want[1] = ("to you from Lyons",) + want[1][1:]
    assert got == want
    root = etree.parse(str(out / "letters" / "page" / "0001.xml")).getroot()
    customs = [tl.get("custom") for tl in root.iter("{*}TextLine")]
    assert all(c and "textStyle" in c for c in customs)
    assert [ln.text for ln in read_xml(out / "letters" / "alto" / "0002.xml").lines] == LINES["p2"]


def test_escriptorium_alto_zip_round_trip(tmp_path):
    store, _ = _project(tmp_path)
    item = store.find_item("letters")
    export = tmp_path / "export_doc_alto.zip"
    with zipfile.ZipFile(export, "w") as zf:
        for name in LINES:
            zf.writestr(f"{name}.xml", escriptorium_alto(name))
    rep = import_transcriptions(store, [export], item)
    assert not rep.failures and len(rep.imported) == 2, rep
    ev = [e for e in store.events(page_id=store.pages(item.id)[0].id) if e.tool == "digitizer.interop"][-1]
    assert ev.parameters["software"] == "escriptorium" and ev.parameters["format"] == "ALTO 4"
    out = tmp_path / "out"
    export_project(store, out, formats=["alto", "page", "mets"])
    for seq, name in ((1, "p1"), (2, "p2")):
        assert _exported_lines(out / "letters" / "alto" / f"{seq:04d}.xml") == _expected(name)
        assert _exported_lines(out / "letters" / "page" / f"{seq:04d}.xml") == _expected(name)


def test_scaled_page_alto2_and_hocr(tmp_path):
    store, _ = _project(tmp_path)
    item = store.find_item("letters")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "p1.xml").write_bytes(transkribus_page("p1", scale=2.0))     # made on a 2x larger scan
    alto2 = (f'<alto xmlns="{ALTO2}"><Description><MeasurementUnit>pixel</MeasurementUnit><sourceImageInformation>'
             f'<fileName>C:\\scans\\p2.tif</fileName></sourceImageInformation></Description><Layout>'
             f'<Page WIDTH="{W}" HEIGHT="{H}"><PrintSpace><TextBlock ID="b1">'
             f'<TextLine ID="l1" HPOS="60" VPOS="60" WIDTH="500" HEIGHT="60"><String CONTENT="The" HPOS="60" '
             f'VPOS="60" WIDTH="80" HEIGHT="60"/><SP/><String CONTENT="harvest" HPOS="150" VPOS="60" WIDTH="200" '
             f'HEIGHT="60"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>')
    (folder / "scan-p2.xml").write_text(alto2)
    rep = import_transcriptions(store, [folder], item)
    assert not rep.failures, rep
    assert any("scaled by 0.5" in w for w in rep.warnings), rep.warnings
    p1, p2 = store.pages(item.id)
    assert [ln.polygon for ln in store.load_layout(p1.id).lines()] == [
        [tuple(map(float, p)) for p in _geometry(i)[0]] for i in range(3)]
    assert [ln.text for ln in store.load_layout(p2.id).lines()] == ["The harvest"]
    hocr = (f'<html xmlns="http://www.w3.org/1999/xhtml"><head><meta name="ocr-system" content="tesseract 5.3.0"/>'
            f'</head><body><div class="ocr_page" title="image &quot;p2.png&quot;; bbox 0 0 {W} {H}">'
            f'<div class="ocr_carea" title="bbox 60 60 700 240"><p class="ocr_par">'
            f'<span class="ocr_line" title="bbox 60 60 700 120; baseline 0.003 -12">'
            f'<span class="ocrx_word" title="bbox 60 60 200 120; x_wconf 91">The</span> '
            f'<span class="ocrx_word" title="bbox 220 60 500 120; x_wconf 88">harvest</span> '
            f'<span class="ocrx_word" title="bbox 520 60 600 120; x_wconf 90">was</span></span>'
            f'<span class="ocr_line" title="bbox 60 150 700 210; baseline 0 -10">'
            f'<span class="ocrx_word" title="bbox 60 150 400 210; x_wconf 95">good</span></span>'
            f'</p></div></div></body></html>')
    (tmp_path / "p2.hocr").write_text(hocr)
    tr = read_transcription(tmp_path / "p2.hocr")
    assert (tr.format, tr.image_ref, tr.software) == ("hOCR", "p2.png", "tesseract 5.3.0")
    rep = import_transcriptions(store, [tmp_path / "p2.hocr"], item)
    assert not rep.failures
    lines = store.load_layout(p2.id).lines()
    assert [ln.text for ln in lines] == ["The harvest was", "good"]
    assert lines[0].baseline == [(60.0, 108.0), (700.0, 108.0 + 0.003 * 640)]
    assert [w.confidence for w in lines[0].words] == [0.91, 0.88, 0.90]


def test_cli_import_with_transcriptions_bad_file_one_line_batch_goes_on(tmp_path):
    images = _images(tmp_path / "scans")
    trans = tmp_path / "trans"
    trans.mkdir()
    (trans / "p1.xml").write_bytes(transkribus_page("p1"))
    (trans / "p2.xml").write_text("<PcGts><Page>broken")
    (trans / "p9.xml").write_bytes(escriptorium_alto("p1").replace(b"p1.png", b"p9.png"))
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).returncode == 0
    res = cli("import", str(proj), *map(str, images), "--item", "letters", "--transcriptions", str(trans))
    assert res.returncode == 3, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if str(trans) in ln]
    assert len(errors) == 2, res.stderr
    assert errors[0].startswith(str(trans / "p2.xml")) and "cannot parse XML" in errors[0]
    assert errors[1].startswith(str(trans / "p9.xml")) and "no page of the item matches" in errors[1]
    assert "imported 1 transcription(s); 2 failed" in res.stdout
    with ProjectStore.open(proj) as s:
        p1, p2 = s.pages()
        assert [ln.text for ln in s.load_layout(p1.id).lines()] == LINES["p1"]
        assert s.load_layout(p2.id) is None


@pytest.mark.parametrize("junk", [b"", b"\x00\x01garbage", b"<html><body>no hocr</body></html>"])
def test_unreadable_transcription_is_one_failure(tmp_path, junk):
    store, _ = _project(tmp_path)
    bad = tmp_path / "p1.xml"
    bad.write_bytes(junk)
    rep = import_transcriptions(store, [bad], store.find_item("letters"))
    assert len(rep.failures) == 1 and rep.failures[0][0] == str(bad) and "\n" not in rep.failures[0][1]


def test_our_own_export_imports_back(tmp_path):
    """PAGE 2019 and ALTO 4 as we write them (``../images/0001_NAME.tif``) match their pages again."""
    store, _ = _project(tmp_path)
    item = store.find_item("letters")
    folder = tmp_path / "esc"
    folder.mkdir()
    for name in LINES:
        (folder / f"{name}.xml").write_bytes(escriptorium_alto(name))
    assert not import_transcriptions(store, [folder], item).failures
    out = tmp_path / "out"
    export_project(store, out, formats=["alto", "page", "mets", "tiff"])
    fresh = ProjectStore.create(tmp_path / "proj2", name="again", agent="tester")
    other = fresh.add_item("again", metadata=META)
    assert len(import_paths(fresh, sorted((tmp_path / "scans").glob("*.png")), other).added) == 2
    for fmt in ("page", "alto"):
        rep = import_transcriptions(fresh, [out / "letters" / fmt], other)
        assert not rep.failures and len(rep.imported) == 2, rep
        pages = fresh.pages(other.id)
        assert [[ln.text for ln in fresh.load_layout(p.id).lines()] for p in pages] == [LINES["p1"], LINES["p2"]]
        assert [ln.polygon for ln in fresh.load_layout(pages[0].id).lines()] == [e[1] for e in _expected("p1")]

