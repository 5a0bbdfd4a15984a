"""Fixtures for the package tests: a project with real scans and their ground-truth layouts.

The layouts come from the corpus' PAGE ground truth (real line boxes and text), stored through
the real store API as a recognition result plus one human correction, so the export sees the
same event log a processed project has.  No OCR runs here (that is tested elsewhere).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from _batch_helpers import make_project as make_generic_project
from digitizer.model import BBox, Line, PageLayout, ProcessingStep, TextBlock
from digitizer.store import ProjectStore

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"
if not DEV.is_dir():
    DEV = Path("/work/shared/corpus/dev")
KANT = [DEV / "ocrd-assets-kant" / "INPUT_0017.tif", DEV / "ocrd-assets-kant" / "INPUT_0020.tif"]
KANT_GT = [DEV / "ocrd-assets-kant" / "PAGE_0017_PAGE.xml", DEV / "ocrd-assets-kant" / "PAGE_0020_PAGE.xml"]
POILUS = DEV / "testaments-de-poilus" / "TestamentsDePoilus_will_AD78_0002-0.jpg"

METADATA = {
    "title": "Beantwortung der Frage: Was ist Aufklärung?",
    "names": [{"name": "Kant, Immanuel", "role": "aut"},
              {"name": "Berlinische Monatsschrift", "type": "corporate", "role": "pbl"}],
    "date_issued": "1784-12",
    "languages": ["ger"],
    "subjects": ["Enlightenment", "Philosophy"],
    "extent": "2 pages",
    "rights": "http://creativecommons.org/licenses/by-sa/4.0/",
    "rights_holder": "OCR-D / Deutsches Textarchiv",
    "sections": [{"label": "Beginning", "type": "article", "start": 1, "end": 1},
                 {"label": "Continuation", "type": "article", "start": 2, "end": 2}],
}


def gt_layout(xml: Path) -> PageLayout:
    """One block per PAGE TextRegion, lines with their GT text and the boxes of their Coords."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(xml), parser).getroot()
    ns = {"p": root.nsmap[None]}
    page = root.find("p:Page", ns)
    width, height = int(page.get("imageWidth")), int(page.get("imageHeight"))
    blocks = []
    for region in page.iter(f"{{{ns['p']}}}TextRegion"):
        lines = []
        for tl in region.findall("p:TextLine", ns):
            text = "".join(tl.xpath("./p:TextEquiv/p:Unicode/text()", namespaces=ns)).strip()
            pts = [tuple(float(v) for v in xy.split(",")) for xy in tl.find("p:Coords", ns).get("points").split()]
            if text and pts:
                lines.append(Line(id="", bbox=BBox.from_points(pts).clip(width, height), text=text, confidence=0.9))
        if lines:
            blocks.append(TextBlock(id="", bbox=BBox.union_all([ln.bbox for ln in lines]), lines=lines))
    return PageLayout(width=width, height=height, blocks=blocks)


def make_project(root: Path, *, with_text: bool = True, metadata: dict | None = None) -> ProjectStore:
    """A project with one item (the two Kant pages), GT text as recognition + one correction."""
    store = make_generic_project(root / "proj", files=KANT, item="kant-1784", title="Kant 1784", name="packages-test",
                                 agent="tester", metadata=metadata if metadata is not None else METADATA)
    item = store.get_item("kant-1784")
    if with_text:
        for page, gt in zip(store.pages(item.id), KANT_GT):
            layout = gt_layout(gt)
            step = ProcessingStep(action="recognize", tool="tesseract", tool_version="5.3.0", model="deu",
                                  parameters={"psm": 3, "oem": 1}, agent="tester")
            store.save_layout(page.id, layout, step)
            first = store.load_layout(page.id).lines()[0]
            store.update_line_text(page.id, first.id, first.text + " ", agent="corrector")
            store.update_line_text(page.id, first.id, first.text, agent="corrector")
    return store
