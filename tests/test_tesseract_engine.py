"""The Tesseract engine with the real tesseract binary on a rendered page of known text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _export_helpers import LANGS, PARAGRAPHS, cer, recognized_page, render_page

from digitizer.engines.base import RECOGNIZE, SEGMENT, WORD_CONFIDENCES, RecognitionOptions
from digitizer.engines.registry import get_engine
from digitizer.engines.tesseract import TesseractEngine, _exec
from digitizer.errors import CancelledError, EngineError, MissingDependencyError
from digitizer.model import PageLayout, TextBlock
from digitizer.progress import CancelToken


@pytest.fixture(scope="module")
def recognized():
    return recognized_page()


def test_registry_gives_tesseract_engine_with_info():
    eng = get_engine("tesseract")
    assert isinstance(eng, TesseractEngine)
    info = eng.info()
    assert info.name == "tesseract"
    assert int(info.version.split(".")[0]) >= 4
    assert {"eng", "deu"} <= set(info.languages)
    assert {SEGMENT, RECOGNIZE, WORD_CONFIDENCES} <= eng.capabilities


def test_process_recognises_known_text(recognized):
    page, layout, _ = recognized
    assert cer(page.text, layout.text) < 0.02, layout.text
    assert "Zürich" in layout.text or "café" in layout.text    # a diacritic survives with eng+deu


def test_blocks_lines_words_follow_the_printed_structure(recognized):
    page, layout, _ = recognized
    assert len(layout.blocks) == len(PARAGRAPHS)                 # one block per paragraph
    assert [len(b.lines) for b in layout.blocks] == [len(p) for p in PARAGRAPHS]
    assert len(layout.words()) == len(page.text.split())
    tops = [ln.bbox.y0 for ln in layout.lines()]
    assert tops == sorted(tops)                                  # reading order top to bottom
    ids = [x.id for b in layout.blocks for x in [b, *b.lines, *[w for ln in b.lines for w in ln.words]]]
    assert all(ids) and len(ids) == len(set(ids))
    for ln in layout.lines():
        assert ln.text == " ".join(w.text for w in ln.words)
        assert all(w.text.strip() for w in ln.words)


def test_word_boxes_fall_on_ink_and_confidences_are_probabilities(recognized):
    page, layout, _ = recognized
    ink = np.asarray(page.image) < 128
    for ln in layout.lines():
        assert ln.confidence == pytest.approx(np.mean([w.confidence for w in ln.words]))
        for w in ln.words:
            b = w.bbox
            assert 0 <= b.x0 < b.x1 <= page.image.width and 0 <= b.y0 < b.y1 <= page.image.height
            assert ink[b.y0:b.y1, b.x0:b.x1].mean() > 0.05, w
            assert 0.0 <= w.confidence <= 1.0
            assert ln.bbox.union(b) == ln.bbox                   # words inside their line
    blank = ink[:150, :].mean()                                  # the top margin has no text
    assert blank == 0.0
    assert 0.8 < layout.mean_confidence() <= 1.0


def test_hyphenated_line_is_marked(recognized):
    _, layout, _ = recognized
    flagged = [ln for ln in layout.lines() if ln.hyphenated]
    assert [ln.words[-1].text for ln in flagged] == ["digiti-"]
    assert flagged[0] is not layout.blocks[0].lines[-1]


def test_processing_step_records_tool_version_and_parameters(recognized):
    page, layout, _ = recognized
    step = layout.steps[-1]
    assert (step.action, step.tool) == ("ocr", "tesseract")
    assert step.tool_version == _exec.version()
    assert step.parameters["languages"] == LANGS
    assert step.parameters["dpi"] == page.dpi and step.parameters["psm"] == 3


def test_missing_language_names_the_apt_package():
    img = render_page([["x"]], width=300, margin=20).image
    with pytest.raises(MissingDependencyError) as exc:
        get_engine("tesseract").process(img, RecognitionOptions(languages=["eng", "chi_sim"]))
    assert "chi_sim" in exc.value.user_message
    assert "sudo apt install tesseract-ocr-chi-sim" in exc.value.user_message


def test_missing_tesseract_binary_gives_install_hint(tmp_path):
    img = render_page([["x"]], width=300, margin=20).image
    opts = RecognitionOptions(languages=["eng"], extra={"cmd": str(tmp_path / "no-such-tesseract")})
    with pytest.raises(MissingDependencyError) as exc:
        get_engine("tesseract").process(img, opts)
    assert "apt install tesseract-ocr" in exc.value.user_message


def test_timeout_kills_tesseract_and_raises_engine_error():
    page = render_page()
    with pytest.raises(EngineError, match="timed out"):
        _exec.run_tsv(images=[page.image], langs=["eng"], timeout=0.05)


def test_cancelled_token_stops_before_running():
    token = CancelToken()
    token.cancel()
    img = render_page([["x"]], width=300, margin=20).image
    with pytest.raises(CancelledError):
        get_engine("tesseract").process(img, RecognitionOptions(languages=["eng"]), cancel=token)


def test_recognize_refills_a_given_layout(recognized):
    page, layout, _ = recognized
    blank = PageLayout(width=layout.width, height=layout.height, blocks=[
        TextBlock(id=b.id, bbox=b.bbox, lines=[dataclasses.replace(ln, text="", words=[], confidence=None,
                                                                   hyphenated=False) for ln in b.lines])
        for b in layout.blocks])
    eng = get_engine("tesseract")
    opts = RecognitionOptions(languages=LANGS, extra={"dpi": page.dpi})
    lines = list(eng.recognize(page.image, blank, opts))
    assert [ln.id for ln in lines] == [ln.id for ln in layout.lines()]
    by_id = {ln.id: ln for ln in lines}
    text = "\n\n".join("\n".join(by_id[ln.id].text for ln in b.lines) for b in layout.blocks)
    assert cer(page.text, text) < 0.02, text
    assert [ln.hyphenated for ln in lines] == [ln.hyphenated for ln in layout.lines()]
    for ln in lines:                                             # words mapped back to page coordinates
        for w in ln.words:
            assert abs(w.bbox.y0 - ln.bbox.y0) < ln.bbox.height and w.bbox.x1 <= page.image.width


def test_parse_tsv_skips_list_headers_and_keeps_rows():
    text = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
            "Page 0 : /tmp/a.tif\n"
            "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t96.5\tWort\n"
            "4\t1\t1\t1\t1\t0\t10\t20\t30\t40\t-1\t\n")
    rows = _exec.parse_tsv(text)
    assert [(r.level, r.text, r.conf) for r in rows] == [(5, "Wort", 96.5), (4, "", -1.0)]
