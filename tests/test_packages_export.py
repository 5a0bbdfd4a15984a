"""Full packages from real scans: METS/MODS/PREMIS, IIIF manifest, PDF/A, BagIt, fixity, safety."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit
import pytest
from lxml import etree

from _iiif_helpers import broken_manifests, presentation3_errors
from _packages_helpers import KANT_GT, METADATA, gt_layout, make_project
from digitizer.cli.main import main as cli
from digitizer.errors import CancelledError, ExitCode
from digitizer.export.iiif import manifest_errors
from digitizer.export.pdf import extract_text, pdfa_findings
from digitizer.export.tiff import pixels_identical
from digitizer.export.validate import METS_NS, MODS_NS, PREMIS_NS, parse_xml, validation_errors
from digitizer.export.verify import verify_path
from digitizer.pipeline.export import export_project
from digitizer.progress import CancelToken, NullProgress

FORMATS = ["alto", "text", "mets", "tiff", "iiif", "pdf"]
BASE = "http://127.0.0.1:8765"
NS = {"mets": METS_NS, "mods": MODS_NS, "premis": PREMIS_NS, "xlink": "http://www.w3.org/1999/xlink"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("pkg")
    store = make_project(root)
    summary = export_project(store, root / "out", formats=FORMATS, base_url=BASE)
    yield store, summary, root
    store.close()


def test_export_summary_and_layout(exported):
    _, summary, root = exported
    assert summary.errors == []
    item = summary.items[0]
    assert item.pages == 2 and item.pages_without_text == []
    names = {p.relative_to(item.path).as_posix() for p in item.path.rglob("*") if p.is_file()}
    for expected in ("mets.xml", "manifest.json", "pdf/kant-1784.pdf", "alto/0001.xml", "text/0002.txt",
                     "images/0001_INPUT_0017.tif", "thumbs/0001.jpg", "pyramid/0002.tif", "iiif/0001/info.json",
                     "iiif/0001/full/max/0/default.jpg"):
        assert expected in names
    assert not [p for p in (root / "out").iterdir() if p.name.startswith(".")]     # no staging left


def test_masters_are_pixel_identical_to_the_capture(exported):
    store, summary, _ = exported
    for page in store.pages():
        master = next(summary.items[0].path.glob(f"images/{page.seq:04d}_*.tif"))
        assert pixels_identical(store.page_image_path(page), master)


def test_mets_is_valid_with_embedded_mods_and_premis(exported):
    _, summary, _ = exported
    mets = summary.items[0].mets
    assert validation_errors(mets, "mets+mods+premis") == []
    assert validation_errors(mets, "mets") == []                # also with the METS schema alone
    tree = parse_xml(mets)
    mods = tree.find(".//mods:mods", NS)
    assert validation_errors(etree.ElementTree(mods), "mods") == []
    assert mods.findtext("mods:titleInfo/mods:title", namespaces=NS) == METADATA["title"]
    assert mods.find("mods:name/mods:role/mods:roleTerm[@type='code']", NS).text == "aut"
    assert mods.find("mods:language/mods:languageTerm[@authority='iso639-2b']", NS).text == "ger"
    assert [t.text for t in mods.findall("mods:subject/mods:topic", NS)] == ["Enlightenment", "Philosophy"]
    assert mods.find("mods:accessCondition", NS).get(f"{{{NS['xlink']}}}href") == METADATA["rights"]
    assert tree.find(".//mets:dmdSec[@ID='DMD_DC']/mets:mdWrap[@MDTYPE='DC']", NS) is not None
    for premis in tree.iterfind(".//mets:xmlData/premis:*", NS):
        kind = "premis"
        assert validation_errors(etree.ElementTree(premis), kind) == [], etree.QName(premis).localname
    groups = [g.get("USE") for g in tree.iterfind(".//mets:fileGrp", NS)]
    assert {"MASTER", "ACCESS", "ALTO", "TEXT", "PDF", "IIIF", "THUMBS"} <= set(groups)
    assert all(f.get("CHECKSUMTYPE") == "SHA-256" and len(f.get("CHECKSUM")) == 64
               for f in tree.iterfind(".//mets:file", NS))
    ids = [el.get("ID") for el in tree.iter() if isinstance(el.tag, str) and el.get("ID")]
    assert len(ids) == len(set(ids))


def test_premis_events_and_agents_come_from_the_event_log(exported):
    store, summary, _ = exported
    tree = parse_xml(summary.items[0].mets)
    types = [e.text for e in tree.iterfind(".//premis:eventType", NS)]
    assert types.count("ingestion") == 2 and types.count("text recognition") == 2
    assert types.count("transcription correction") == 2      # 2 edits per page folded into 1 event each
    details = " ".join(e.text for e in tree.iterfind(".//premis:eventDetail", NS))
    assert "tesseract 5.3.0" in details and "model deu" in details and '"psm": 3' in details
    assert "by corrector" in details
    agents = {a.findtext("premis:agentName", namespaces=NS): a.findtext("premis:agentType", namespaces=NS)
              for a in tree.iterfind(".//premis:agent", NS)}
    assert agents["tesseract"] == "software" and agents["corrector"] == "person" and agents["tester"] == "person"
    tech = tree.find(".//mets:techMD[@ID='TECH_0001']/mets:mdWrap/mets:xmlData", NS)
    assert tech.findtext(".//premis:messageDigest", namespaces=NS) == \
        tree.find(".//mets:file[@ID='IMG_0001']", NS).get("CHECKSUM")
    sig = {p.findtext("premis:significantPropertiesType", namespaces=NS):
           p.findtext("premis:significantPropertiesValue", namespaces=NS)
           for p in tech.iterfind("premis:significantProperties", NS)}
    assert sig["imageWidth"] == "1457" and sig["bitsPerSample"] == "8" and sig["iccProfile"] == "embedded"
    page_div = tree.find(".//mets:div[@ID='PHYS_0001']", NS)
    linked = {tree.find(f".//mets:digiprovMD[@ID='{i}']//premis:eventType", NS).text
              for i in page_div.get("ADMID").split()}
    assert {"ingestion", "text recognition", "transcription correction"} <= linked


def test_logical_structmap_from_sections(exported):
    _, summary, _ = exported
    tree = parse_xml(summary.items[0].mets)
    logical = tree.find(".//mets:structMap[@TYPE='LOGICAL']", NS)
    assert [d.get("LABEL") for d in logical.iterfind("mets:div/mets:div", NS)] == ["Beginning", "Continuation"]
    links = {(s.get(f"{{{NS['xlink']}}}from"), s.get(f"{{{NS['xlink']}}}to"))
             for s in tree.iterfind(".//mets:smLink", NS)}
    assert ("LOG_1", "PHYS_0001") in links and ("LOG_2", "PHYS_0002") in links


def test_iiif_manifest_is_valid_and_complete(exported):
    _, summary, _ = exported
    man = json.loads(summary.items[0].manifest.read_text())
    assert manifest_errors(man) == []
    assert man["id"] == f"{BASE}/kant-1784/manifest.json" and man["rights"] == METADATA["rights"]
    assert man["label"] == {"none": [METADATA["title"]]}
    canvas = man["items"][0]
    assert (canvas["width"], canvas["height"]) == (1457, 2083)
    body = canvas["items"][0]["items"][0]["body"]
    assert body["service"][0] == {"id": f"{BASE}/kant-1784/iiif/0001", "type": "ImageService3", "profile": "level0"}
    annos = canvas["annotations"][0]["items"]
    gt = gt_layout(KANT_GT[0]).lines()
    assert [a["body"]["value"] for a in annos] == [ln.text for ln in gt]
    assert all(a["motivation"] == "supplementing" and "#xywh=" in a["target"] for a in annos)
    x, y, w, h = map(int, annos[0]["target"].split("#xywh=")[1].split(","))
    assert (x, y, x + w, y + h) == (gt[0].bbox.x0, gt[0].bbox.y0, gt[0].bbox.x1, gt[0].bbox.y1)
    assert canvas["seeAlso"][0]["id"].endswith("/alto/0001.xml")
    assert man["rendering"][0]["format"] == "application/pdf"
    assert [r["label"]["none"][0] for r in man["structures"]] == ["Beginning", "Continuation"]
    info = json.loads((summary.items[0].path / "iiif/0001/info.json").read_text())
    assert info["id"] == body["service"][0]["id"]


def test_manifest_passes_the_presentation3_schema(exported):
    _, summary, _ = exported
    good = json.loads(summary.items[0].manifest.read_text(encoding="utf-8"))
    assert presentation3_errors(good) == []
    for name, broken in broken_manifests(good).items():                   # the check catches each fault
        assert presentation3_errors(broken), name


def test_pdf_is_pdfa_shaped_and_text_is_in_reading_order(exported):
    _, summary, _ = exported
    pdf = summary.items[0].pdf
    assert pdfa_findings(pdf).is_valid
    pages = extract_text(pdf)
    assert len(pages) == 2
    for text, gt in zip(pages, KANT_GT):
        # pdfium joins a hyphenated line end as U+FFFE and a drop cap with its line, so compare the
        # character sequence without whitespace: it is the transcription, in reading order
        got = "".join(text.replace("\ufffe", "-").split())
        want = "".join("".join(ln.text.split()) for ln in gt_layout(gt).lines())
        assert got == want
    first_lines = pages[0].splitlines()[:3]
    assert first_lines == [ln.text for ln in gt_layout(KANT_GT[0]).lines()[:3]]


def test_verify_export_and_flipped_byte(exported, tmp_path):
    _, summary, root = exported
    copy = tmp_path / "out"
    shutil.copytree(root / "out", copy)
    assert verify_path(copy).is_valid
    master = next((copy / "kant-1784" / "images").glob("0002_*.tif"))
    data = bytearray(master.read_bytes())
    data[len(data) // 3] ^= 0x01                                         # same size, one bit
    master.write_bytes(bytes(data))
    rep = verify_path(copy / "kant-1784")
    assert not rep.is_valid and any("changed" in f.message and f.subject.endswith(master.name) for f in rep.errors)
    (copy / "kant-1784" / "alto" / "0001.xml").unlink()
    (copy / "kant-1784" / "stray.txt").write_text("x")
    msgs = {(f.message.split(" ")[0], Path(f.subject).name) for f in verify_path(copy).errors}
    assert ("missing", "0001.xml") in msgs and ("extra", "stray.txt") in msgs and ("changed", master.name) in msgs
    assert cli(["-q", "verify", str(copy)]) == ExitCode.VERIFY_FAILED


def test_bag_zip_round_trip_and_bit_flip(tmp_path, capsys):
    store = make_project(tmp_path, with_text=True)
    proj = str(store.root)
    store.close()
    out = tmp_path / "bag"
    assert cli(["-q", "export", proj, "-o", str(out), "--format", "alto,mets,tiff,text", "--zip"]) == 0
    bag = bagit.Bag(str(out))
    bag.validate(fast=False)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    for key in ("Source-Organization", "External-Identifier", "Bagging-Date", "Payload-Oxum"):
        assert bag.info.get(key)
    assert bag.info["External-Identifier"] == "kant-1784"
    assert (out / "data" / "kant-1784" / "mets.xml").is_file()
    assert cli(["-q", "verify", str(out)]) == 0 and cli(["-q", "verify", str(out) + ".zip"]) == 0
    master = next((out / "data" / "kant-1784" / "images").glob("0001_*.tif"))
    data = bytearray(master.read_bytes())
    data[-100] ^= 0x80
    master.write_bytes(bytes(data))
    capsys.readouterr()
    assert cli(["verify", str(out)]) == ExitCode.VERIFY_FAILED
    assert "changed" in capsys.readouterr().err
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(out)).validate(fast=False)


def test_verify_project_records_a_fixity_event_and_catches_a_flip(tmp_path):
    store = make_project(tmp_path, with_text=False)
    assert verify_path(store.root).is_valid
    master = store.abspath(store.pages()[0].master.path)
    data = bytearray(master.read_bytes())
    data[5000] ^= 0x10
    master.write_bytes(bytes(data))
    rep = verify_path(store.root)
    assert [f.subject for f in rep.errors] == [store.pages()[0].master.path]
    events = store.events(action="fixity-check")
    assert [e.outcome for e in events] == ["success", "failure"]
    assert events[-1].parameters["changed"] == 1 and events[-1].tool == "digitizer.verify"
    store.close()


class _Boom(NullProgress):
    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.done == 2:
            raise KeyboardInterrupt


def test_interrupted_export_leaves_no_half_package(tmp_path):
    store = make_project(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        export_project(store, out, formats=["alto", "mets", "tiff"], progress=_Boom())
    # no half item; only the marker that makes `verify` call the folder an interrupted export
    assert [p.name for p in out.iterdir()] == [".export-in-progress"]
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        export_project(store, tmp_path / "bag", formats=["mets"], bag=True, cancel=token)
    assert not (tmp_path / "bag").exists() and not list(tmp_path.glob(".bag*"))
    store.close()


def test_package_names_are_safe(tmp_path):
    store = make_project(tmp_path, with_text=False, metadata={})
    item = store.items()[0]
    store.conn.execute("UPDATE items SET identifier = ? WHERE id = ?", ("../évil name", item.id))
    summary = export_project(store, tmp_path / "out", formats=["mets", "tiff"])
    assert summary.items[0].path == tmp_path / "out" / "evil_name"
    assert all(p.resolve().is_relative_to((tmp_path / "out").resolve()) for p in (tmp_path / "out").rglob("*"))
    assert not (tmp_path / "évil name").exists()
    store.close()
