"""ALTO/METS/text/checksum exports, checked with the real XSDs, by content, by parse-back and with
``sha256sum``; the ALTO input is a real tesseract layout of a rendered page."""

from __future__ import annotations

import hashlib
import random
import subprocess
from pathlib import Path

import pytest
from _export_helpers import PARAGRAPHS, htr_like_layout, recognized_page, render_page
from lxml import etree

from digitizer.errors import ExportInvalidError
from digitizer.export import (
    MetsPage,
    alto_bytes,
    build_alto,
    build_mets,
    ensure_valid,
    mets_bytes,
    mets_file,
    page_text,
    parse_xml,
    schema,
    validate,
    verify_sha256_manifest,
    write_sha256_manifest,
)
from digitizer.export.alto import char_confidence_string
from digitizer.export.validate import KINDS
from digitizer.fsutil import atomic_write_bytes
from digitizer.model import BBox, Line, PageLayout, TextBlock, Word

A = "{http://www.loc.gov/standards/alto/ns-v4#}"
M = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}href"
MODS = "http://www.loc.gov/mods/v3"


@pytest.fixture(scope="module")
def recognized():
    return recognized_page()


@pytest.fixture(scope="module")
def alto_doc(recognized):
    _, layout, _ = recognized
    data = alto_bytes(layout, image_filename="images/0001.tif", file_id="p0001", language="en")
    return data, etree.fromstring(data)


def _strings(root):
    return list(root.iter(f"{A}String"))


# --------------------------------------------------------------------------- validation basics


def test_all_schema_kinds_compile_offline():
    for kind in KINDS:
        assert isinstance(schema(kind), etree.XMLSchema)
    with pytest.raises(ValueError, match="unknown schema kind"):
        schema("alto-3.1")


def test_validate_reports_errors_with_line_numbers():
    bad = b'<?xml version="1.0"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">\n<Bogus/>\n</alto>'
    report = validate(bad, "alto", subject="x.xml")
    assert not report.is_valid
    assert report.errors[0].message.startswith("line 3:") and report.errors[0].subject == "x.xml"
    broken = validate(b"<alto><unclosed></alto>", "alto", subject="y.xml")
    assert not broken.is_valid and "cannot read XML" in broken.errors[0].message


def test_parse_xml_does_not_resolve_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    doc = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
           f'<r>&xxe;</r>').encode()
    leaky = etree.fromstring(doc, etree.XMLParser(resolve_entities=True, load_dtd=True))
    assert leaky.text == "TOP-SECRET-VALUE"                       # the payload is real ...
    tree = parse_xml(doc)                                         # ... and parse_xml does not resolve it
    assert b"TOP-SECRET-VALUE" not in etree.tostring(tree)
    assert "TOP-SECRET-VALUE" not in "".join(tree.getroot().itertext())
    path = tmp_path / "doc.xml"
    path.write_bytes(doc)
    assert b"TOP-SECRET-VALUE" not in etree.tostring(parse_xml(path))


# --------------------------------------------------------------------------- ALTO


def test_alto_from_tesseract_is_valid_for_44_43_and_42(alto_doc):
    data, root = alto_doc
    for kind in ("alto", "alto-4.3", "alto-4.2"):
        report = validate(data, kind)
        assert report.is_valid, report.lines()
    assert root.find(f"{A}Description/{A}MeasurementUnit").text == "pixel"
    assert root.find(f"{A}Description/{A}sourceImageInformation/{A}fileName").text == "images/0001.tif"
    for tag in ("SP", "HYP", "String", "Processing"):
        assert root.find(f".//{A}{tag}") is not None, tag
    assert all(s.get("WC") for s in _strings(root))


def test_alto_processing_rendered_from_steps(alto_doc, recognized):
    _, layout, _ = recognized
    _, root = alto_doc
    procs = root.findall(f"{A}Description/{A}Processing")
    assert len(procs) == len(layout.steps) + 1                   # + the export itself
    ocr = procs[0]
    assert ocr.find(f"{A}processingSoftware/{A}softwareName").text == "tesseract"
    assert ocr.find(f"{A}processingSoftware/{A}softwareVersion").text == layout.steps[0].tool_version
    assert ocr.find(f"{A}processingStepDescription").text == "ocr"
    settings = ocr.find(f"{A}processingStepSettings").text.splitlines()
    assert "languages=eng,deu" in settings and "psm=3" in settings
    assert ocr.find(f"{A}processingDateTime").text == layout.steps[0].timestamp


def test_alto_content_round_trips_and_ids_are_unique(alto_doc, recognized):
    page, layout, _ = recognized
    _, root = alto_doc
    ids = [el.get("ID") for el in root.iter() if el.get("ID")]
    assert len(ids) == len(set(ids)) and all(i.startswith("p0001_") for i in ids)
    # independent reader: String CONTENT + HYP per line gives back the printed lines
    got = []
    for tl in root.iter(f"{A}TextLine"):
        words = [s.get("CONTENT") for s in tl.iter(f"{A}String")]
        hyp = tl.find(f"{A}HYP")
        got.append(" ".join(words) + (hyp.get("CONTENT") if hyp is not None else ""))
    assert got == [ln.text for ln in layout.lines()]
    blocks = root.findall(f".//{A}TextBlock")
    assert [len(b.findall(f"{A}TextLine")) for b in blocks] == [len(p) for p in PARAGRAPHS]
    assert all(b.get("LANG") == "en" for b in blocks)
    pc = float(root.find(f".//{A}Page").get("PC"))
    assert pc == pytest.approx(layout.mean_confidence(), abs=1e-4)


def test_alto_coordinates_are_integers_inside_the_page_and_match_words(alto_doc, recognized):
    page, layout, _ = recognized
    _, root = alto_doc
    pg = root.find(f".//{A}Page")
    assert (int(pg.get("WIDTH")), int(pg.get("HEIGHT"))) == page.image.size
    for el in root.iter(f"{A}TextBlock", f"{A}TextLine", f"{A}String", f"{A}HYP"):
        x, y, w, h = (int(el.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))   # int() fails on floats
        assert x >= 0 and y >= 0 and x + w <= page.image.width and y + h <= page.image.height
    by_id = {s.get("ID"): s for s in _strings(root)}
    for w in layout.words():
        s = by_id[f"p0001_{w.id}"]
        assert (int(s.get("HPOS")), int(s.get("VPOS")), int(s.get("HEIGHT"))) == (w.bbox.x0, w.bbox.y0, w.bbox.height)
        assert float(s.get("WC")) == pytest.approx(w.confidence, abs=5e-5)


def test_alto_hyphenation_has_hyp_and_subs_content(alto_doc):
    _, root = alto_doc
    hyps = root.findall(f".//{A}HYP")
    assert [h.get("CONTENT") for h in hyps] == ["-"]
    line = hyps[0].getparent()
    part1 = line.findall(f"{A}String")[-1]
    part2 = line.getnext().find(f"{A}String")
    assert (part1.get("CONTENT"), part2.get("CONTENT")) == ("digiti", "zation")
    assert (part1.get("SUBS_TYPE"), part2.get("SUBS_TYPE")) == ("HypPart1", "HypPart2")
    assert part1.get("SUBS_CONTENT") == part2.get("SUBS_CONTENT") == "digitization"
    # the HYP box continues the shortened String box
    assert int(hyps[0].get("HPOS")) == int(part1.get("HPOS")) + int(part1.get("WIDTH"))


def test_alto_htr_layout_with_baselines_polygons_and_char_confidences():
    layout = htr_like_layout()
    data = alto_bytes(layout, image_filename="x.tif", file_id="7x")
    assert validate(data, "alto-4.2").is_valid and validate(data, "alto").is_valid
    root = etree.fromstring(data)
    lines = root.findall(f".//{A}TextLine")
    assert lines[0].get("BASELINE") == "100,150 500,151 900,152"
    assert lines[0].find(f"{A}Shape/{A}Polygon").get("POINTS") == "100,100 900,102 900,160 100,158"
    assert root.find(f".//{A}TextBlock/{A}Shape/{A}Polygon") is not None
    assert root.find(f".//{A}TextBlock").get("LANG") == "de"
    # line 1 has text but no words: Strings split proportionally along the line box
    s = lines[0].findall(f"{A}String")
    assert [x.get("CONTENT") for x in s] == ["Kaiser", "Wilhelm"]
    x0, w0, x1, w1 = (int(s[0].get("HPOS")), int(s[0].get("WIDTH")), int(s[1].get("HPOS")), int(s[1].get("WIDTH")))
    assert x0 == 100 and x1 + w1 == 900 and x0 + w0 < x1                 # ordered, inside, gap for the SP
    assert w1 / w0 == pytest.approx(7 / 6, rel=0.02)                    # proportional to length
    assert all(x.get("WC") == "0.8000" for x in s)
    # CC: 0 = sure, 9 = unsure; the hyphen's digit leaves with the hyphen
    ge = lines[1].find(f"{A}String")
    assert (ge.get("CONTENT"), ge.get("CC")) == ("Ge", "05")
    assert char_confidence_string([1.0, 0.0, 0.5]) == "095"
    assert lines[2].find(f"{A}String").get("SUBS_CONTENT") == "Geschichte"


def test_alto_other_units_and_versions():
    layout = htr_like_layout()
    root = build_alto(layout, image_filename="x.tif", measurement_unit="mm10", dpi=254).getroot()
    assert root.find(f".//{A}Page").get("WIDTH") == "1000"               # 254 dpi: 1 px = 0.1 mm
    root = build_alto(layout, image_filename="x.tif", measurement_unit="inch1200", dpi=300).getroot()
    assert root.find(f".//{A}Page").get("WIDTH") == "4000"
    data = alto_bytes(layout, image_filename="x.tif", version="4.2")
    assert b"alto-4-2.xsd" in data and validate(data, "alto-4.2").is_valid
    with pytest.raises(ValueError):
        build_alto(layout, image_filename="x.tif", measurement_unit="mm10")


def _written_or_raised(tree, tmp_path: Path) -> Path:
    target = tmp_path / "out.xml"
    with pytest.raises(ExportInvalidError) as exc:
        atomic_write_bytes(target, ensure_valid(tree, "alto", subject="page 1"))
    assert not target.exists() and not list(tmp_path.iterdir())       # nothing on disk, not even a temp file
    assert exc.value.message.startswith("page 1: not valid alto: line ")
    assert exc.value.errors
    return target


def test_invalid_alto_never_becomes_a_file(tmp_path):
    layout = htr_like_layout()
    tree = build_alto(layout, image_filename="x.tif")
    tree.getroot().find(f".//{A}String").set("HPOS", "-5")             # XSD allows it; content check not
    _written_or_raised(tree, tmp_path)
    tree = build_alto(layout, image_filename="x.tif")
    tree.getroot().find(f".//{A}TextLine").set("ID", "1 bad id")       # not an NCName
    _written_or_raised(tree, tmp_path)
    tree = build_alto(layout, image_filename="x.tif")
    strings = tree.getroot().findall(f".//{A}String")
    strings[1].set("ID", strings[0].get("ID"))                         # duplicate ID
    _written_or_raised(tree, tmp_path)
    tree = build_alto(layout, image_filename="x.tif")
    tree.getroot().find(f".//{A}String").set("CC", "0")                # CC shorter than CONTENT
    _written_or_raised(tree, tmp_path)


def test_alto_skips_empty_lines_and_makes_ids_safe():
    words = [Word("a", BBox(0, 0, 5, 5), 0.5, id="9-ü")]
    layout = PageLayout(width=10, height=10, blocks=[TextBlock(id="", bbox=BBox(0, 0, 10, 10), lines=[
        Line(id="", bbox=BBox(0, 0, 10, 5), text="a", words=words),
        Line(id="", bbox=BBox(0, 5, 10, 10), text="   ")])])
    root = etree.fromstring(alto_bytes(layout, image_filename="y.png", file_id="1 item"))
    assert len(root.findall(f".//{A}TextLine")) == 1
    assert root.find(f".//{A}String").get("ID") == "_1_item_9-_"


# --------------------------------------------------------------------------- text


def test_page_text_blocks_lines_and_hyphens(recognized):
    page, layout, _ = recognized
    text = page_text(layout)
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert text.count("\n\n") == len(PARAGRAPHS) - 1
    assert "digiti-\nzation" in text
    assert page_text(htr_like_layout()) == "Kaiser Wilhelm\nGe-\nschichte\n"
    assert page_text(PageLayout(width=1, height=1)) == ""


# --------------------------------------------------------------------------- METS


def _item_files(root: Path, n: int = 3) -> list[MetsPage]:
    """Three pages on disk (master TIFF, ALTO, text) as an export would lay them out."""
    pages = []
    layout = htr_like_layout()
    for i in range(1, n + 1):
        img = render_page([[f"Seite {i}"]], width=400, margin=40).image
        (root / "images").mkdir(exist_ok=True)
        img.save(root / "images" / f"{i:04d}.tif")
        (root / "alto").mkdir(exist_ok=True)
        (root / "alto" / f"{i:04d}.xml").write_bytes(alto_bytes(layout, image_filename=f"images/{i:04d}.tif",
                                                                file_id=f"p{i}"))
        (root / "text").mkdir(exist_ok=True)
        (root / "text" / f"{i:04d}.txt").write_text(page_text(layout), encoding="utf-8")
        files = [mets_file(root / "images" / f"{i:04d}.tif", mets_dir=root, id=f"IMG_{i}", group="MASTER",
                           created="2026-11-23T12:00:00Z"),
                 mets_file(root / "alto" / f"{i:04d}.xml", mets_dir=root, id=f"ALTO_{i}", group="ALTO"),
                 mets_file(root / "text" / f"{i:04d}.txt", mets_dir=root, id=f"TXT_{i}", group="TEXT")]
        pages.append(MetsPage(order=i, label=f"{i}r", id=f"PHYS_{i}", files=files))
    return pages


def test_mets_three_pages_valid_ordered_with_matching_checksums(tmp_path):
    pages = _item_files(tmp_path)
    shuffled = pages[:]
    random.Random(3).shuffle(shuffled)
    data = mets_bytes(obj_id="item-1", label="Testakte", pages=shuffled, created="2026-11-23T12:00:00Z",
                      operator="Erika Mustermann")
    (tmp_path / "mets.xml").write_bytes(data)
    assert validate(tmp_path / "mets.xml", "mets").is_valid
    root = etree.fromstring(data)
    agents = root.findall(f"{M}metsHdr/{M}agent")
    assert [(a.get("TYPE"), a.find(f"{M}name").text) for a in agents] == [
        ("OTHER", "digitizer 0.1.0"), ("INDIVIDUAL", "Erika Mustermann")]
    assert [g.get("USE") for g in root.iter(f"{M}fileGrp")] == ["MASTER", "ALTO", "TEXT"]
    divs = root.findall(f"{M}structMap[@TYPE='PHYSICAL']/{M}div[@TYPE='physSequence']/{M}div")
    assert [d.get("ORDER") for d in divs] == ["1", "2", "3"]
    assert [d.get("ORDERLABEL") for d in divs] == ["1r", "2r", "3r"]
    assert [[f.get("FILEID") for f in d] for d in divs] == [[f"IMG_{i}", f"ALTO_{i}", f"TXT_{i}"] for i in (1, 2, 3)]
    files = list(root.iter(f"{M}file"))
    assert len(files) == 9
    for f in files:                                              # checksums, sizes, hrefs match the files
        path = tmp_path / f.find(f"{M}FLocat").get(XLINK)
        assert f.get("CHECKSUMTYPE") == "SHA-256"
        assert f.get("CHECKSUM") == hashlib.sha256(path.read_bytes()).hexdigest()
        assert int(f.get("SIZE")) == path.stat().st_size
    master = root.find(f".//{M}fileGrp[@USE='MASTER']/{M}file")
    assert master.get("MIMETYPE") == "image/tiff" and master.get("CREATED") == "2026-11-23T12:00:00Z"


def _mods_dmd(title_tag: str = "title") -> etree._Element:
    dmd = etree.Element(f"{M}dmdSec", ID="DMD1")
    wrap = etree.SubElement(dmd, f"{M}mdWrap", MDTYPE="MODS")
    mods = etree.SubElement(etree.SubElement(wrap, f"{M}xmlData"), f"{{{MODS}}}mods", version="3.8")
    etree.SubElement(etree.SubElement(mods, f"{{{MODS}}}titleInfo"), f"{{{MODS}}}{title_tag}").text = "Testakte"
    return dmd


def test_mets_with_embedded_mods_is_checked_by_the_wrapper_schema(tmp_path):
    pages = _item_files(tmp_path, 1)
    amd = etree.Element(f"{M}amdSec", ID="AMD1")
    data = mets_bytes(obj_id="item-1", label="Testakte", pages=pages, created="2026-11-23T12:00:00Z",
                      dmd_secs=[_mods_dmd()], amd_secs=[amd], validate_kind="mets+mods+premis")
    root = etree.fromstring(data)
    seq = root.find(f".//{M}div[@TYPE='physSequence']")
    assert (seq.get("DMDID"), seq.get("ADMID")) == ("DMD1", "AMD1")
    assert root.find(f".//{{{MODS}}}title").text == "Testakte"
    bad = dict(obj_id="item-1", label="x", pages=pages, created="2026-11-23T12:00:00Z", dmd_secs=[_mods_dmd("titel")])
    assert mets_bytes(**bad)                                      # plain METS: xmlData is lax
    with pytest.raises(ExportInvalidError, match="titel"):
        mets_bytes(**bad, validate_kind="mets+mods+premis")


def test_mets_rejects_bad_ids_and_wrong_sections(tmp_path):
    pages = _item_files(tmp_path, 1)
    pages[0].files[0].id = "1-not-an-ncname"
    with pytest.raises(ExportInvalidError, match="not valid mets"):
        mets_bytes(obj_id="i", label="i", pages=pages, created="2026-11-23T12:00:00Z")
    with pytest.raises(ValueError, match="dmdSec"):
        build_mets(obj_id="i", label="i", pages=[], created="2026-11-23T12:00:00Z",
                   dmd_secs=[etree.Element(f"{M}amdSec", ID="A")])


def test_mets_extra_files_and_logical_map(tmp_path):
    pages = _item_files(tmp_path, 2)
    (tmp_path / "item.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    pdf = mets_file(tmp_path / "item.pdf", mets_dir=tmp_path, id="PDF_ALL", group="PDF")
    logical = etree.Element(f"{M}structMap", TYPE="LOGICAL")
    etree.SubElement(logical, f"{M}div", TYPE="monograph", ID="LOG_1")
    root = etree.fromstring(mets_bytes(obj_id="i", label="i", pages=pages, created="2026-11-23T12:00:00Z",
                                       extra_files=[pdf], logical=logical))
    assert [g.get("USE") for g in root.iter(f"{M}fileGrp")] == ["MASTER", "ALTO", "TEXT", "PDF"]
    assert root.find(f".//{M}div[@TYPE='physSequence']/{M}fptr").get("FILEID") == "PDF_ALL"
    assert [s.get("TYPE") for s in root.findall(f"{M}structMap")] == ["PHYSICAL", "LOGICAL"]
    assert logical.getparent() is None                            # caller's element not moved


# --------------------------------------------------------------------------- checksums


def test_sha256_manifest_verified_by_sha256sum_and_by_us(tmp_path):
    root = tmp_path / "out"
    (root / "item 1" / "alto").mkdir(parents=True)
    files = [root / "item 1" / "alto" / "0001.xml", root / "item 1" / "mets.xml", root / "b.txt"]
    for i, f in enumerate(files):
        f.write_bytes(f"content {i} ü\n".encode())
    manifest = root / "manifest-sha256.txt"
    write_sha256_manifest(root, files, manifest)
    lines = manifest.read_text(encoding="utf-8").splitlines()
    assert [ln.split("  ", 1)[1] for ln in lines] == ["b.txt", "item 1/alto/0001.xml", "item 1/mets.xml"]
    ok = subprocess.run(["sha256sum", "--strict", "-c", manifest.name], cwd=root, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert verify_sha256_manifest(manifest).is_valid

    files[0].write_bytes(b"changed\n")
    files[2].unlink()
    bad = subprocess.run(["sha256sum", "-c", manifest.name], cwd=root, capture_output=True, text=True)
    assert bad.returncode != 0
    report = verify_sha256_manifest(manifest)
    assert not report.is_valid
    assert sorted((f.subject, f.message.split()[0]) for f in report.errors) == [
        ("b.txt", "missing"), ("item 1/alto/0001.xml", "changed")]
    with pytest.raises(ValueError, match="not inside"):
        write_sha256_manifest(root, [tmp_path / "elsewhere.txt"], manifest)
