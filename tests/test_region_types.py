"""Region types (issue 15): main text, heading, marginalia, page number, stamp ... in the model,
written to PAGE 2019 and ALTO 4 (XSD-valid) and read back the same, plus the Transkribus
``structure`` custom and eScriptorium/SegmOnto ALTO labels of files made elsewhere."""

from __future__ import annotations

import pytest
from lxml import etree

from digitizer.export.alto import alto_bytes
from digitizer.export.page import page_bytes
from digitizer.export.regiontypes import from_alto, from_page, page_custom
from digitizer.export.validate import validation_errors
from digitizer.interop import read_transcription
from digitizer.model import BLOCK_TYPES, BBox, Line, PageLayout, TextBlock

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"


def _typed_layout() -> PageLayout:
    """One region of every type, each with a line, plus a stamp and an image without lines."""
    blocks = []
    for i, t in enumerate(BLOCK_TYPES):
        y = 40 + 60 * i
        line = Line(id=f"l{i}", bbox=BBox(100, y, 700, y + 40), text=f"{t} words {i}")
        blocks.append(TextBlock(id=f"r{i}", bbox=BBox(90, y - 5, 710, y + 45), lines=[line], type=t))
    blocks.insert(3, TextBlock(id="stamp0", bbox=BBox(800, 100, 950, 250), type="stamp"))
    blocks.append(TextBlock(id="img0", bbox=BBox(800, 400, 950, 500), type="image"))
    blocks.append(TextBlock(id="note0", bbox=BBox(10, 100, 80, 300), type="marginalia"))   # kept by the filter
    return PageLayout(1000, 700, blocks)


def _types(layout: PageLayout) -> list[tuple[str, int]]:
    return [(b.type, len(b.lines)) for b in layout.blocks]


def test_every_type_survives_page_export_and_import(tmp_path):
    layout = _typed_layout()
    data = page_bytes(layout, image_filename="p.png")           # validated against the PAGE XSD
    root = etree.fromstring(data)
    regions = {el.get("id"): el for el in root.iter() if el.get("id") in {b.id for b in layout.blocks}}
    assert regions["r0"].get("type") == "paragraph" and regions["r0"].get("custom") is None
    assert regions["r3"].get("type") == "page-number"
    assert regions["r4"].get("type") == "other" and regions["r4"].get("custom") == "structure {type:stamp;}"
    assert etree.QName(regions["stamp0"]).localname == "GraphicRegion" and regions["stamp0"].get("type") == "stamp"
    assert etree.QName(regions["img0"]).localname == "ImageRegion"
    path = tmp_path / "p.xml"
    path.write_bytes(data)
    back = read_transcription(path).layout
    assert _types(back) == _types(layout)                       # types, reading order and line-less regions
    assert [ln.text for ln in back.lines()] == [ln.text for ln in layout.lines()]


@pytest.mark.parametrize("version", ["4.2", "4.4"])
def test_every_type_survives_alto_export_and_import(tmp_path, version):
    layout = _typed_layout()
    data = alto_bytes(layout, image_filename="p.png", version=version)   # validated against the ALTO XSD
    root = etree.fromstring(data)
    tags = {t.get("ID"): t.get("LABEL") for t in root.iter(f"{{{ALTO_NS}}}OtherTag")}
    blocks = {b.get("ID"): b for b in root.iter(f"{{{ALTO_NS}}}TextBlock")}
    assert blocks["r0"].get("TAGREFS") is None                  # main text: no tag
    assert tags[blocks["r4"].get("TAGREFS")] == "StampZone"
    assert tags[blocks["r3"].get("TAGREFS")] == "NumberingZone"
    assert tags[blocks["stamp0"].get("TAGREFS")] == "StampZone" and len(blocks["stamp0"]) == 0
    assert sorted(tags.values()) == sorted({"TitleZone", "MarginTextZone", "NumberingZone", "StampZone",
                                            "CustomZone:caption", "TableZone", "GraphicZone", "CustomZone"})
    path = tmp_path / "p.xml"
    path.write_bytes(data)
    back = read_transcription(path).layout
    assert _types(back) == _types(layout)


def test_transkribus_structure_custom_and_page_types_are_read():
    assert from_page("TextRegion", "paragraph", "readingOrder {index:2;} structure {type:marginalia;}") == "marginalia"
    assert from_page("TextRegion", "other", "structure {type:stamp;}") == "stamp"
    assert from_page("TextRegion", "heading", "") == "heading"
    assert from_page("TextRegion", None, "") == "text"
    assert from_page("TextRegion", "footnote", "") == "text"
    assert from_page("TextRegion", "other", "structure {type:signature-mark;}") == "other"
    assert from_page("GraphicRegion", "stamp", "") == "stamp"
    # an unknown Transkribus structure on an 'other' region is written back unchanged; ours replace old ones
    assert page_custom("other", "readingOrder {index:1;} structure {type:signature-mark;}") == \
        "readingOrder {index:1;} structure {type:signature-mark;}"
    assert page_custom("stamp", "readingOrder {index:1;} structure {type:paragraph;}") == \
        "readingOrder {index:1;} structure {type:stamp;}"
    assert page_custom("text", "structure {type:heading;}") == ""


def test_transkribus_file_gives_typed_regions(tmp_path):
    """A PAGE 2013 file as Transkribus writes it: types only in @custom, a region without lines."""
    ns = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15"
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="{ns}"><Metadata><Creator>Transkribus</Creator></Metadata>
<Page imageFilename="a.jpg" imageWidth="1000" imageHeight="800">
 <ReadingOrder><OrderedGroup id="ro1"><RegionRefIndexed index="0" regionRef="r_num"/>
  <RegionRefIndexed index="1" regionRef="r_main"/><RegionRefIndexed index="2" regionRef="r_stamp"/>
  <RegionRefIndexed index="3" regionRef="r_note"/></OrderedGroup></ReadingOrder>
 <TextRegion id="r_main" custom="readingOrder {{index:1;}}">
  <Coords points="100,100 900,100 900,300 100,300"/>
  <TextLine id="l1" custom="readingOrder {{index:0;}}"><Coords points="100,100 900,100 900,150 100,150"/>
   <TextEquiv><Unicode>Main text</Unicode></TextEquiv></TextLine></TextRegion>
 <TextRegion id="r_note" custom="readingOrder {{index:3;}} structure {{type:marginalia;}}">
  <Coords points="10,100 90,100 90,300 10,300"/>
  <TextLine id="l2"><Coords points="10,100 90,100 90,150 10,150"/><TextEquiv><Unicode>note</Unicode></TextEquiv>
  </TextLine></TextRegion>
 <TextRegion id="r_num" type="page-number" custom="readingOrder {{index:0;}} structure {{type:page-number;}}">
  <Coords points="480,20 520,20 520,60 480,60"/>
  <TextLine id="l3"><Coords points="480,20 520,20 520,60 480,60"/><TextEquiv><Unicode>12</Unicode></TextEquiv>
  </TextLine></TextRegion>
 <TextRegion id="r_stamp" custom="readingOrder {{index:2;}} structure {{type:stamp;}}">
  <Coords points="600,500 800,500 800,700 600,700"/></TextRegion>
</Page></PcGts>"""
    path = tmp_path / "t.xml"
    path.write_text(xml, encoding="utf-8")
    layout = read_transcription(path).layout
    assert _types(layout) == [("page-number", 1), ("text", 1), ("stamp", 0), ("marginalia", 1)]
    out = etree.fromstring(page_bytes(layout, image_filename="a.jpg"))       # and it exports valid PAGE 2019
    assert [etree.QName(el).localname for el in out.iter() if etree.QName(el).localname.endswith("Region")] == \
        ["TextRegion", "TextRegion", "GraphicRegion", "TextRegion"]


def test_escriptorium_segmonto_labels_are_read():
    assert from_alto(None) == "text"
    assert from_alto("MainZone:column#1") == "text"
    assert from_alto("MarginTextZone") == "marginalia"
    assert from_alto("NumberingZone") == "page-number"
    assert from_alto("StampZone") == "stamp"
    assert from_alto("CustomZone:caption") == "caption"
    assert from_alto("Main") == "text" and from_alto("Title") == "heading" and from_alto("Commentary") == "marginalia"
    assert from_alto("DamageZone") == "other"


def test_exports_stay_valid_for_a_typed_layout():
    layout = _typed_layout()
    assert validation_errors(page_bytes(layout, image_filename="p.png"), "page") == []
    assert validation_errors(alto_bytes(layout, image_filename="p.png"), "alto-4.4") == []
