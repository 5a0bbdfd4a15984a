"""Main text only: the facing page, marginal notes and stamps leave the layout; reading order stays.

Plus the layering rule of the kraken engine: it takes model files (or resolved registry entries),
it never imports the HTR registry itself.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from digitizer.engines.base import RecognitionOptions
from digitizer.engines.kraken.engine import model_ref
from digitizer.engines.kraken.maintext import ink_colours, keep_main_text, main_text_ids
from digitizer.errors import EngineError
from digitizer.model import BBox, Line, PageLayout, TextBlock


def _line(lid: str, x0: int, y0: int, x1: int, y1: int) -> Line:
    return Line(id=lid, bbox=BBox(x0, y0, x1, y1))


def _will_spread() -> PageLayout:
    """A double-page scan: the will on the right (x 1100-2000), the facing page's edge on the left,
    an archivist's note in the right page's left margin and a round stamp inside the column."""
    main = [_line(f"m{i}", 1100 + (i % 3) * 20, 300 + 80 * i, 1950 - (i % 2) * 150, 360 + 80 * i) for i in range(12)]
    main.insert(6, _line("stamp", 1500, 700, 1650, 900))                  # tall and short: a stamp
    facing = [_line(f"f{i}", 80, 320 + 90 * i, 820, 380 + 90 * i) for i in range(5)]
    margin = [_line("note", 960, 420, 1080, 470)]                      # beside the column, not in it
    blocks = [TextBlock("b1", BBox(80, 300, 1080, 900), facing + margin),
              TextBlock("b2", BBox(1100, 300, 1950, 1300), main)]
    return PageLayout(2100, 1500, blocks)


def test_main_text_keeps_the_column_and_drops_facing_page_margin_and_stamp():
    layout = _will_spread()
    order = [ln.id for ln in layout.lines() if ln.id.startswith("m")]
    keep = main_text_ids(layout.lines())
    assert keep == set(order)
    dropped = keep_main_text(layout)
    assert dropped == 7                                   # 5 facing-page lines, 1 note, 1 stamp
    assert [ln.id for ln in layout.lines()] == order      # reading order unchanged
    text_blocks = [b for b in layout.blocks if b.lines]
    assert len(text_blocks) == 1 and text_blocks[0].bbox.x0 >= 1100
    # what went stays as typed regions without lines, after the main text (issue 15)
    kept = {b.type: b.bbox for b in layout.blocks if not b.lines}
    assert layout.blocks[0] is text_blocks[0] and sorted(kept) == ["marginalia", "other", "stamp"]
    assert kept["stamp"] == BBox(1500, 700, 1650, 900) and kept["marginalia"] == BBox(960, 420, 1080, 470)
    assert kept["other"] == BBox(80, 320, 820, 740)                      # the facing page
    assert layout.text.count("\n") == 11                                  # only the 12 main lines have text


def test_main_text_filter_can_drop_without_regions():
    layout = _will_spread()
    assert keep_main_text(layout, keep_regions=False) == 7
    assert all(b.lines for b in layout.blocks) and len(layout.blocks) == 1


def test_single_column_page_keeps_every_line():
    lines = [_line(f"l{i}", 100 + 10 * (i % 4), 100 + 60 * i, 1400 - 40 * (i % 5), 150 + 60 * i) for i in range(15)]
    lines.append(_line("short-last", 100, 1100, 500, 1150))   # a short last line of a paragraph
    assert main_text_ids(lines) == {ln.id for ln in lines}


BROWN, VIOLET, PAPER = (70, 45, 30), (120, 50, 160), (236, 226, 205)


def _inked_page(colours: list[tuple[int, int, int]]):
    """A 1400 x (100 + 70 n) page of one column: line i is a row of pen strokes in ``colours[i]``."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (1400, 100 + 70 * len(colours)), PAPER)
    draw, lines = ImageDraw.Draw(im), []
    for i, colour in enumerate(colours):
        y = 80 + 70 * i
        x1 = 1300 - 60 * (i % 3)
        for x in range(120, x1, 37):                                # letters: short thick strokes
            draw.line([(x, y + 30), (x + 14, y + 6)], fill=colour, width=5)
            draw.line([(x + 14, y + 6), (x + 22, y + 30)], fill=colour, width=4)
        lines.append(Line(id=f"l{i}", bbox=BBox(100, y, x1 + 20, y + 40)))
    return im, PageLayout(im.width, im.height, [TextBlock("b", BBox(100, 80, 1320, 80 + 70 * len(colours)), lines)])


def test_ink_colour_rule_drops_lines_in_another_ink_as_stamps():
    """Brown handwriting with two lines of a violet stamp under it: the stamp lines go (as stamp
    regions); the same page in grey keeps them (no colour to tell)."""
    im, layout = _inked_page([BROWN] * 10 + [VIOLET] * 2)
    ink = ink_colours(im, layout.lines())
    assert abs(ink["l0"][0] - ink["l11"][0]) > 30                      # a* differs: red-blue vs brown
    grey_layout = PageLayout(layout.width, layout.height, [TextBlock("b", layout.blocks[0].bbox,
                                                                      list(layout.lines()))])
    assert keep_main_text(layout, image=im) == 2
    assert [ln.id for ln in layout.lines()] == [f"l{i}" for i in range(10)]
    assert [b.type for b in layout.blocks if not b.lines] == ["stamp", "stamp"]
    assert keep_main_text(grey_layout, image=im.convert("L")) == 0
    assert ink_colours(im.convert("L"), layout.lines()) == {}


def test_ink_colour_rule_drops_a_stamp_line_with_a_signature_written_across_it():
    """A court's violet stamp with a judge's brown signature across its line: the line's ink median
    is the pen's (the signature is darker), but a third of its written pixels are violet, so it
    goes as a stamp.  A brown line with a few violet specks stays."""
    from PIL import ImageDraw

    im, layout = _inked_page([BROWN] * 10 + [VIOLET] * 2)
    draw = ImageDraw.Draw(im)
    y = 80 + 70 * 10                                                  # line l10: sign across the stamp
    for x in range(130, 800, 22):
        draw.line([(x, y + 36), (x + 20, y + 2)], fill=BROWN, width=7)
    y = 80 + 70 * 3                                                   # line l3: three violet specks
    for x in (300, 700, 1100):
        draw.ellipse([x, y + 10, x + 6, y + 16], fill=VIOLET)
    ink = ink_colours(im, layout.lines())
    assert abs(ink["l10"][0] - ink["l0"][0]) < 30 and abs(ink["l10"][1] - ink["l0"][1]) < 30   # median: the pen
    assert keep_main_text(layout, image=im) == 2
    assert [ln.id for ln in layout.lines()] == [f"l{i}" for i in range(10)]


def test_stamp_share_rule_never_undoes_what_the_ink_median_rule_dropped():
    """A short back page: four lines of the will, two of the court's stamp and two stamp lines with
    the judge's signature across.  The stamp lines go; the signed ones would take the lines in
    another ink past half the page's ink, so they stay (no one main ink for them), but that does
    not bring the plain stamp lines back."""
    from PIL import ImageDraw

    im, layout = _inked_page([BROWN] * 4 + [VIOLET] * 4)
    draw = ImageDraw.Draw(im)
    for i in (6, 7):
        y = 80 + 70 * i
        for x in range(130, 800, 22):
            draw.line([(x, y + 36), (x + 20, y + 2)], fill=BROWN, width=7)
    assert keep_main_text(layout, image=im) == 2
    assert [ln.id for ln in layout.lines()] == ["l0", "l1", "l2", "l3", "l6", "l7"]


def test_ink_colour_rule_keeps_a_page_written_in_violet_and_a_page_of_two_inks():
    """A will written in violet copying-pencil keeps its lines (the main ink is the page's own; a
    brown note on it goes), and a page where two inks hold as much ink each keeps every line (no
    one main ink).  A minority ink always goes: a postscript in another ink becomes a stamp region."""
    im, layout = _inked_page([VIOLET] * 9 + [BROWN])
    assert keep_main_text(layout, image=im) == 1 and [ln.id for ln in layout.lines()] == [f"l{i}" for i in range(9)]
    im, layout = _inked_page([VIOLET] * 9)
    assert keep_main_text(layout, image=im) == 0
    im, layout = _inked_page([BROWN, VIOLET] * 3)            # the same line widths in each ink
    assert keep_main_text(layout, image=im) == 0 and len(layout.lines()) == 6


PENCIL = (88, 86, 84)        # graphite: grey, a little off the brown pen, far under the stamp threshold


def _strokes(draw, x0: int, x1: int, y: int, colour: tuple[int, int, int]) -> None:
    for x in range(x0 + 20, x1 - 20, 37):
        draw.line([(x, y + 30), (x + 14, y + 6)], fill=colour, width=5)
        draw.line([(x + 14, y + 6), (x + 22, y + 30)], fill=colour, width=4)


def test_short_notes_in_another_ink_above_or_below_the_body_go_as_marginalia():
    """Rule 5: the archive's pencilled number above the will and the registry's pencilled date
    below it go (as marginalia regions); the will's own short lines stay: its date above the body
    and the signature below it (the pen's ink), and a short pencilled word inside the body."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (1400, 1300), PAPER)
    draw = ImageDraw.Draw(im)
    spec = [("number", 1000, 1250, 80, PENCIL), ("date", 800, 1250, 160, BROWN)]
    spec += [(f"l{i}", 100, 1300 - 60 * (i % 3), 240 + 70 * i, BROWN) for i in range(5)]
    spec += [("word", 100, 400, 240 + 70 * 5, PENCIL)]
    spec += [(f"l{i}", 100, 1300 - 60 * (i % 3), 240 + 70 * i, BROWN) for i in range(6, 11)]
    spec += [("signature", 800, 1200, 1080, BROWN), ("registry", 100, 500, 1180, PENCIL)]
    lines = []
    for lid, x0, x1, y, colour in spec:
        _strokes(draw, x0, x1, y, colour)
        lines.append(Line(id=lid, bbox=BBox(x0, y, x1, y + 40)))
    layout = PageLayout(im.width, im.height, [TextBlock("b", BBox(100, 80, 1300, 1220), lines)])
    ink = ink_colours(im, lines)
    a0, b0 = ink["l0"].a, ink["l0"].b
    off = ((ink["number"].a - a0) ** 2 + (ink["number"].b - b0) ** 2) ** 0.5
    assert 4 < off < 30                                   # rule 4 (stamps) leaves it to rule 5
    assert main_text_ids(lines) == {ln.id for ln in lines}   # no ink given: shapes only, all kept
    order = [ln.id for ln in lines if ln.id not in ("number", "registry")]
    assert keep_main_text(layout, image=im) == 2
    assert [ln.id for ln in layout.lines()] == order       # reading order unchanged
    notes = sorted((b.bbox.y0, b.type) for b in layout.blocks if not b.lines)
    assert notes == [(80, "marginalia"), (1180, "marginalia")]
    grey = PageLayout(im.width, im.height, [TextBlock("b", BBox(100, 80, 1300, 1220), list(lines))])
    assert keep_main_text(grey, image=im.convert("L")) == 0   # no colour: nothing to tell
    kept = PageLayout(im.width, im.height, [TextBlock("b", BBox(100, 80, 1300, 1220), list(lines))])
    assert keep_main_text(kept, image=im, notes=False) == 0   # the profile's notes_outside = false
    assert main_text_ids(lines, ink, notes=False) == {ln.id for ln in lines}
    assert main_text_ids(lines, ink) == set(order)


def test_engine_takes_files_not_registry_names(tmp_path):
    with pytest.raises(EngineError, match="not found"):
        model_ref("poilus-fr-v1")                          # a name: the caller resolves it first
    f = tmp_path / "m.safetensors"
    f.write_bytes(b"x")
    ref = model_ref(str(f))
    assert ref.path == str(f.resolve()) and ref.name == "m"
    from digitizer.htr import registry

    opts = registry.resolve_options("kraken", RecognitionOptions(model="poilus-fr-v1"))
    assert model_ref(opts.model).path.endswith("poilus-fr-v1.safetensors") and len(model_ref(opts.model).sha256) == 64
    # unknown names and other engines pass through untouched (the engine reports them)
    assert registry.resolve_options("kraken", RecognitionOptions(model="no-such")).model == "no-such"
    assert registry.resolve_options("tesseract", RecognitionOptions(model="deu")).model == "deu"


def test_kraken_engine_does_not_import_the_htr_registry():
    code = ("import sys, digitizer.engines.kraken.engine as e; e.KrakenEngine().info; "
            "print([m for m in sys.modules if m.startswith('digitizer.htr')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
