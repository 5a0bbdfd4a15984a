"""Stored text that XML cannot carry never crashes an export, and typed spacing survives it: a real
project exported with the CLI into schema-validated ALTO, PAGE, METS and plain text."""

from __future__ import annotations

import json
import subprocess

import pytest
from lxml import etree

from _batch_helpers import digitizer_cmd, make_project
from digitizer import workflow
from digitizer.errors import ExitCode
from digitizer.model import BBox, Line, PageLayout, ProcessingStep, TextBlock, Word
from digitizer.store import ProjectStore

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
EXACT = " vor\u00a0und nach  "               # leading, trailing, doubled spaces and a no-break space


def _layout() -> PageLayout:
    lines = []
    for i, text in enumerate(["Page one of the batch", "dritte\u00a0Zeile hier"]):
        box = BBox(40, 70 + 110 * i, 700, 110 + 110 * i)
        words = [Word(w, BBox(40 + 150 * k, box.y0, 180 + 150 * k, box.y1), 0.8) for k, w in enumerate(text.split(" "))]
        lines.append(Line(id=f"b1_l{i + 1}", bbox=box, text=text, confidence=0.8, words=words))
    lines.append(Line(id="b1_l3", bbox=BBox(40, 300, 700, 340), text="x", confidence=0.8))
    return PageLayout(width=800, height=400, blocks=[TextBlock(id="b1", bbox=BBox(40, 70, 700, 340), lines=lines)])


def test_export_survives_stored_control_characters_and_keeps_spacing_exactly(tmp_path):
    store = make_project(tmp_path / "p", 1)
    page = store.pages()[0]
    layout = _layout()
    layout.blocks[0].lines[0].text = "Page\x0bone of the batch"        # an engine's output is not refused
    store.save_layout(page.id, layout, ProcessingStep(action="recognize", tool="tesseract", tool_version="5"))
    workflow.set_text(store, page.id, "b1_l3", EXACT)
    # data from before the input checks: a form feed in a metadata field, a NUL in an event's detail
    meta = {**store.items()[0].metadata, "title": "Ledger\x0c 1848", "note": "bad\x01note"}
    store.conn.execute("UPDATE items SET metadata = ?", (json.dumps(meta),))
    store.record(ProcessingStep(action="correct", tool="digitizer", detail="pasted \x00 from a PDF"), page_id=page.id)
    store.close()

    out = tmp_path / "out"
    res = subprocess.run(digitizer_cmd("-q", "export", str(tmp_path / "p"), "-o", str(out),
                                       "--format", "alto,page,text,mets"), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    pkg = out / "box1"
    alto = etree.parse(str(pkg / "alto" / "0001.xml"))
    lines = [[s.get("CONTENT") for s in tl.iter(f"{ALTO}String")] for tl in alto.iter(f"{ALTO}TextLine")]
    assert lines[0] == ["Page\ufffdone", "of", "the", "batch"]
    assert lines[1] == ["dritte\u00a0Zeile", "hier"]                   # the no-break space stays in its word
    assert lines[2] == ["vor\u00a0und", "nach"]
    page_xml = etree.parse(str(pkg / "page" / "0001.xml"))
    ns = {"pc": page_xml.getroot().nsmap[None]}
    line_texts = [tl.findtext("pc:TextEquiv/pc:Unicode", namespaces=ns)
                  for tl in page_xml.iterfind(".//pc:TextLine", ns)]
    assert line_texts == ["Page\ufffdone of the batch", "dritte\u00a0Zeile hier", EXACT]
    text = (pkg / "text" / "0001.txt").read_text(encoding="utf-8")
    assert text == f"Page\ufffdone of the batch\ndritte\u00a0Zeile hier\n{EXACT}\n"
    mets = (pkg / "mets.xml").read_text(encoding="utf-8")
    assert "Ledger\ufffd 1848" in mets and "pasted \ufffd from a PDF" in mets


def test_metadata_with_xml_illegal_characters_is_refused_naming_the_field(tmp_path, capsys):
    from digitizer.cli.main import main
    from digitizer.metadata import MetadataError, validate_metadata

    for bad, field in (({"title": "Ledger\x0b 1848"}, "title"), ({"subjects": ["ok", "bad\x1f"]}, r"subjects\[1\]"),
                       ({"names": [{"name": "Kant\x00", "role": "aut"}]}, r"names\[0\]\.name")):
        with pytest.raises(MetadataError, match=f"^{field}: character U\\+00"):
            validate_metadata({"title": "T", **bad})
    store = make_project(tmp_path / "p", 1)
    store.close()
    assert main(["metadata", str(tmp_path / "p"), "set", "box1", "title=Ledger\x0c1848"]) == ExitCode.INPUT
    assert "title: character U+000C (form feed) at position 7 is not allowed" in capsys.readouterr().err
    with ProjectStore.open(tmp_path / "p") as store:
        assert "\x0c" not in json.dumps(store.get_item("box1").metadata)
