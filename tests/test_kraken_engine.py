"""kraken engine: torchvision shim, real blla segmentation on a real page, errors, PAGE/ALTO export."""

from __future__ import annotations

import pytest
from lxml import etree
from PIL import Image

from _htr_helpers import synthetic_page, tiny_samples, train_tiny
from digitizer.engines.base import RecognitionOptions
from digitizer.engines.kraken.engine import KrakenEngine
from digitizer.engines.kraken.tvcompat import ensure_torchvision
from digitizer.engines.registry import get_engine
from digitizer.errors import EngineError
from digitizer.export.alto import alto_bytes
from digitizer.export.page import PAGE_NS, page_bytes
from digitizer.export.validate import validation_errors

NS = {"p": PAGE_NS}
POILUS = "testaments-de-poilus/TestamentsDePoilus_will_AN_0154-0.jpg"


def test_torchvision_shim_is_idempotent():
    first = ensure_torchvision()
    assert ensure_torchvision() is first
    import torchvision.transforms.v2 as t2   # the part kraken needs

    assert hasattr(t2, "Compose")


def test_registry_maps_kraken_engine():
    eng = get_engine("kraken")
    assert isinstance(eng, KrakenEngine)
    assert eng.info().version.startswith("7.")


def test_process_without_model_says_how_to_get_one():
    img = Image.new("L", (200, 100), 255)
    with pytest.raises(EngineError) as exc:
        KrakenEngine().process(img, RecognitionOptions(model=None))
    assert "digitizer models import" in exc.value.user_message and "digitizer train" in exc.value.user_message
    with pytest.raises(EngineError, match="not found"):
        KrakenEngine().process(img, RecognitionOptions(model="no-such-model"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("tiny"))


def test_recognised_page_exports_valid_page_and_alto(tiny):
    page, layout = synthetic_page(tiny_samples(6, 7, "e"))
    eng = KrakenEngine()
    opts = RecognitionOptions(model=tiny.model_path)
    by_id = {ln.id: ln for ln in eng.recognize(page, layout, opts)}
    layout.blocks[0].lines = [by_id[ln.id] for ln in layout.blocks[0].lines]
    layout.steps.append(eng.recognition_step(opts))
    assert layout.steps[-1].model_sha256 and layout.steps[-1].model == "tiny-test"
    data = page_bytes(layout, image_filename="synthetic.png")
    tree = etree.fromstring(data)
    assert validation_errors(tree.getroottree(), "page") == []
    tl = tree.findall(".//p:TextLine", NS)
    assert len(tl) == 6
    assert all(t.find("p:Baseline", NS) is not None and t.find("p:Coords", NS) is not None for t in tl)
    confs = [float(e.get("conf")) for e in tree.findall(".//p:TextLine/p:TextEquiv", NS)]
    assert confs and all(0 <= c <= 1 for c in confs)
    ro = tree.findall(".//p:ReadingOrder/p:OrderedGroup/p:RegionRefIndexed", NS)
    assert [r.get("regionRef") for r in ro] == [r.get("id") for r in tree.findall(".//p:TextRegion", NS)]
    if any(ln.text for ln in layout.lines()):
        assert tree.findall(".//p:Word/p:TextEquiv/p:Unicode", NS)
    alto = alto_bytes(layout, image_filename="synthetic.png")
    assert b"BASELINE" in alto and b"Polygon" in alto


@pytest.mark.slow
def test_blla_segmentation_of_real_handwritten_page(test_data, tiny):
    """Real kraken blla on a real will page (about 20 s idle, over a minute on a busy machine)."""
    img = Image.open(test_data / POILUS)
    img.load()
    eng = KrakenEngine()
    layout = eng.segment(img, RecognitionOptions(extra={"threads": 1}))
    lines = layout.lines()
    assert len(lines) > 10          # the GT has 20 text lines
    w, h = img.size
    for ln in lines:
        assert ln.polygon and len(ln.polygon) >= 3 and ln.baseline and len(ln.baseline) >= 2
        for x, y in ln.polygon + ln.baseline:
            assert 0 <= x <= w and 0 <= y <= h
        assert 0 <= ln.bbox.x0 < ln.bbox.x1 <= w and 0 <= ln.bbox.y0 < ln.bbox.y1 <= h
    # reading order: mostly top to bottom within the main block
    ys = [ln.bbox.y0 for ln in max(layout.blocks, key=lambda b: len(b.lines)).lines]
    assert sum(b >= a for a, b in zip(ys, ys[1:])) >= 0.8 * (len(ys) - 1)
    assert layout.steps[0].model == "blla.mlmodel" and len(layout.steps[0].model_sha256) == 64
    assert layout.steps[0].parameters["ink_colour_rule"] is True          # a colour scan
    assert layout.steps[0].parameters["ink_stamp_share"] == 0.25 and layout.steps[0].parameters["ink_delta"] == 30
    assert {k: layout.steps[0].parameters[k] for k in ("notes_outside", "note_ink_near", "note_short",
                                                        "note_outside")} == {
        "notes_outside": True, "note_ink_near": 4.0, "note_short": 0.35, "note_outside": 0.5}
    # a profile's notes_outside = false keeps the short notes outside the body as lines, and says so
    keep_notes = eng.segment(img, RecognitionOptions(extra={"threads": 1, "notes_outside": False}))
    assert keep_notes.steps[0].parameters["notes_outside"] is False
    assert "note_ink_near" not in keep_notes.steps[0].parameters
    assert {ln.id for ln in lines} <= {ln.id for ln in keep_notes.lines()}
    # recognition (tiny model: the text is nonsense, the path is real) + valid exports
    by_id = {ln.id: ln for ln in eng.recognize(img, layout, RecognitionOptions(model=tiny.model_path))}
    for b in layout.blocks:
        b.lines = [by_id[ln.id] for ln in b.lines]
    assert validation_errors(etree.fromstring(page_bytes(layout, image_filename=POILUS)).getroottree(), "page") == []
    assert b"BASELINE" in alto_bytes(layout, image_filename=POILUS)


def test_blla_in_bfloat16_finds_the_same_lines_as_float32(test_data):
    """blla under bfloat16 autocast (the default where the CPU has native bf16 units: ~2x faster per
    page) finds the same lines, within a few pixels; the step records the precision used.  On a
    CPU without bf16 units the option falls back to float32 and says so."""
    from digitizer.engines.kraken._exec import bf16_fast
    from digitizer.htr.evaluate import iou

    img = Image.open(test_data / POILUS).convert("L")
    eng = KrakenEngine()
    ref = eng.segment(img, RecognitionOptions(extra={"threads": 1, "seg_bf16": False, "main_text_only": False}))
    fast = eng.segment(img, RecognitionOptions(extra={"threads": 1, "main_text_only": False}))
    assert ref.steps[0].parameters["precision"] == "fp32"
    assert fast.steps[0].parameters["precision"] == ("bf16" if bf16_fast() else "fp32")
    boxes = [(ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1) for ln in fast.lines()]
    ref_boxes = [(ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1) for ln in ref.lines()]
    assert abs(len(boxes) - len(ref_boxes)) <= 1
    matched = [max(iou(r, b) for b in boxes) for r in ref_boxes]
    assert sum(m >= 0.8 for m in matched) >= len(ref_boxes) - 1, matched


def test_main_text_drops_the_courts_violet_stamp_and_keeps_every_transcribed_line(test_data):
    """The will AN_0154 carries the Paris court's violet stamp ("Signé par Nous Juge pour Monsieur
    le Président du Tribunal Civil de la Seine") under the signature; the ground truth does not
    transcribe it.  On the colour scan the ink rule takes its lines out as stamp regions; on the
    grey image (no colour to look at) they stay.  Every transcribed line keeps its segmented line.
    The short notes in pencil around the will (rule 5) go as marginalia, never a transcribed line."""
    import copy

    from digitizer.engines.kraken.maintext import ink_colours, keep_main_text
    from digitizer.htr.evaluate import pair_by_overlap, read_lines_boxes

    img = Image.open(test_data / POILUS).convert("RGB")
    refs, ref_boxes = read_lines_boxes((test_data / POILUS).with_suffix(".xml"))
    full = KrakenEngine().segment(img, RecognitionOptions(extra={"threads": 1, "main_text_only": False}))

    def kept_and_stamps(image):
        lay = copy.deepcopy(full)
        keep_main_text(lay, image=image)
        return (lay.lines(), [b.bbox for b in lay.blocks if b.type == "stamp"],
                [b.bbox for b in lay.blocks if b.type == "marginalia"])

    colour_lines, colour_stamps, colour_notes = kept_and_stamps(img)
    grey_lines, _, _ = kept_and_stamps(img.convert("L"))
    for lines in (colour_lines, grey_lines):
        boxes = [(ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1) for ln in lines]
        paired = {r for r, h in pair_by_overlap(ref_boxes, boxes) if r >= 0 and h >= 0}
        assert paired == set(range(len(refs)))
    gone = {ln.id for ln in grey_lines} - {ln.id for ln in colour_lines}
    assert len(gone) >= 2 and {ln.id for ln in colour_lines} < {ln.id for ln in grey_lines}
    ink = ink_colours(img, full.lines())
    by_id = {ln.id: ln for ln in full.lines()}
    notes = {lid for lid in gone if by_id[lid].bbox in colour_notes}
    assert len(gone - notes) >= 2                            # the stamp's lines
    for lid in gone - notes:                                 # violet: red and blue over green (a* > 0, b* < 0)
        a, b, _, written = ink[lid]
        violet = float(((written[:, 0] > 15) & (written[:, 1] < -10)).mean())
        assert (a > 15 and b < -10) or violet > 0.25, (lid, a, b, violet)   # the stamp, or a signature across it
    h = img.height                                           # the stamp sits under the signature
    assert colour_stamps and all(box.y0 > 0.6 * h for box in colour_stamps)
