"""Recognise a newly drawn line (issue 15): a line added over a printed / handwritten line of a real
page is read by the page's engine and model (real tesseract, real kraken model) and saved as a
machine line with history; a person's text is never replaced."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from _batch_helpers import make_project
from _data_helpers import HANDWRITTEN_PAGE, TYPED_PAGE
from digitizer import workflow
from digitizer.cli.main import main
from digitizer.correction import add_line, commit_layout
from digitizer.errors import WorkflowRefusedError
from digitizer.fsutil import sha256_file
from digitizer.htr.evaluate import cer
from digitizer.interop import read_transcription
from digitizer.model import FileRef, Transform
from digitizer.pipeline.line import recognise_line


def _project(tmp_path, image, profile):
    """A project whose page has the ground truth's lines as its recognised layout."""
    store = make_project(tmp_path / "p", files=[image], profile=profile)
    page = store.pages(store.get_item("box1").id)[0]
    store.save_layout(page.id, read_transcription(image.with_suffix(".xml")).layout)
    return store, page.id


def _draw_over(store, pid, index):
    """Add a line (as a person draws it) over line ``index`` of the page; returns (new id, GT line)."""
    layout = store.load_layout(pid)
    target = layout.lines()[index]
    line = add_line(layout, target.bbox)
    commit_layout(store, pid, layout, "add line", bbox=[*target.bbox.as_polygon()[0], *target.bbox.as_polygon()[2]])
    return line.id, target


def _words_found(ref: str, hyp: str) -> float:
    ref_words, hyp_words = ref.split(), hyp.split()
    return sum(1 for w in ref_words if w in hyp_words) / len(ref_words)


def test_tesseract_reads_a_drawn_line_on_the_preprocessed_image(tmp_path):
    store, pid = _project(tmp_path, TYPED_PAGE, "typescript")
    # the page was recognised on a derivative cropped by (100, 50): the line must be cut from it there
    page = store.get_page(pid)
    derived = tmp_path / "p" / "derivatives" / "crop.png"
    derived.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(store.abspath(page.master.path)) as im:
        im.convert("L").crop((100, 50, page.width, page.height)).save(derived)
    store.set_derived(pid, "preprocessed", FileRef("derivatives/crop.png", sha256_file(derived), derived.stat().st_size,
                                                     "image/png", "derivative"), Transform(c=-100, f=-50))
    lid, gt = _draw_over(store, pid, 5)
    assert workflow.line_states(store, pid)[lid] == "edited"          # drawn, no text yet

    res = recognise_line(store, pid, lid, operator="ana")
    line = store.load_layout(pid).find_line(lid)
    assert res.engine == "tesseract" and line.text == res.text
    assert _words_found(gt.text, line.text) >= 0.75, (gt.text, line.text)   # GT: "voudrais avoir mille bouches ..."
    assert cer(gt.text, line.text) < 0.15
    assert line.words and all(gt.bbox.x0 - 20 <= w.bbox.x0 <= w.bbox.x1 <= gt.bbox.x1 + 20 and
                              gt.bbox.y0 - 20 <= w.bbox.y0 for w in line.words)     # master coordinates
    assert line.confidence is not None and 0.5 < line.confidence <= 1.0
    assert line.bbox == gt.bbox                                        # the drawn geometry is kept
    hist = workflow.line_history(store, pid, lid)
    assert [v.source for v in hist] == ["layout", "recognise"] and hist[-1].agent == "ana"
    assert workflow.line_states(store, pid)[lid] == "machine"
    ocr = store.events(page_id=pid, action="ocr")[-1]
    assert ocr.tool == "tesseract" and ocr.parameters["line"] == lid
    assert ocr.parameters["languages"] == ["fra"]


def test_a_persons_text_is_not_replaced_and_the_cli_twin(tmp_path, capsys):
    store, pid = _project(tmp_path, TYPED_PAGE, "typescript")
    lid, gt = _draw_over(store, pid, 2)
    first = store.load_layout(pid).lines()[0].id
    workflow.set_text(store, pid, first, "typed by a person")
    with pytest.raises(WorkflowRefusedError, match="a person's text is there"):
        recognise_line(store, pid, first)
    assert store.load_layout(pid).find_line(first).text == "typed by a person"
    tagged = store.load_layout(pid).lines()[1].id                      # a machine line a person tagged
    workflow.tag(store, pid, tagged, "unclear", 0, 2)
    with pytest.raises(WorkflowRefusedError, match="a person tagged its text"):
        recognise_line(store, pid, tagged)
    root = str(store.root)
    store.close()

    assert main(["lines", root, "--page", str(pid), "--line", first, "--recognise"]) == 10
    assert "a person's text is there" in capsys.readouterr().err
    assert main(["lines", root, "--page", str(pid), "--line", lid, "--recognise", "--operator", "ben"]) == 0
    out = capsys.readouterr().out
    assert f"line {lid}: recognised by tesseract" in out and "(machine)" in out
    assert main(["lines", root, "--page", str(pid), "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["lines"]}
    assert rows[lid]["state"] == "machine" and rows[lid]["source"] == "recognise" and rows[lid]["agent"] == "ben"
    assert _words_found(gt.text, rows[lid]["text"]) >= 0.6, (gt.text, rows[lid]["text"])
    assert rows[first]["text"] == "typed by a person"


def test_kraken_reads_a_drawn_line_with_the_pages_model(tmp_path):
    store, pid = _project(tmp_path, HANDWRITTEN_PAGE, "manuscript")
    lid, gt = _draw_over(store, pid, 5)             # GT: "pendant sa vie de mes droits dans la succession"
    res = recognise_line(store, pid, lid)
    assert res.engine == "kraken" and res.model == "manuscript-fr-v7"
    line = store.load_layout(pid).find_line(lid)
    assert line.text == res.text and line.words
    assert line.words[0].char_confidences                              # kraken gives per-character confidences
    assert cer(gt.text, line.text) < 0.5, (gt.text, line.text)       # the model's documented CER is ~40 %
    assert _words_found(gt.text, line.text) >= 0.25
    htr = store.events(page_id=pid, action="htr")[-1]
    assert htr.model == "manuscript-fr-v7" and htr.model_sha256 and htr.parameters["line"] == lid
    assert workflow.line_states(store, pid)[lid] == "machine"
    assert store.get_page(pid).status == "processed"
