"""Layout geometry, region types and reading order (digitizer.layout_edit, no Qt), and their round trip
through commit_layout on a page processed with the real tesseract (a new layout version + event)."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from digitizer import layout_edit as E
from digitizer.correction import commit_layout
from digitizer.errors import DigitizerError
from digitizer.model import BBox, BlockType, Line, PageLayout, TextBlock, Word, layout_from_dict, to_dict

from _layout_helpers import copy_typed, typed_project  # noqa: F401


def _line(lid: str, y: int, texts: list[str], *, polygon: bool = True) -> Line:
    words, x = [], 100
    for i, t in enumerate(texts, 1):
        words.append(Word(text=t, bbox=BBox(x, y, x + 20 * len(t), y + 30), confidence=0.9, id=f"{lid}_w{i}"))
        x += 20 * len(t) + 10
    box = BBox(100, y, x, y + 30)
    return Line(id=lid, bbox=box, text=" ".join(texts), words=words, baseline=[(100.0, y + 25.0), (float(x), y + 25.0)],
                polygon=box.as_polygon() if polygon else None)


def _layout() -> PageLayout:
    b1 = TextBlock(id="b1", bbox=BBox(100, 100, 400, 200), lines=[_line("b1_l1", 100, ["one", "two"]),
                                                                   _line("b1_l2", 150, ["three"])])
    b2 = TextBlock(id="b2", bbox=BBox(100, 300, 400, 330), lines=[_line("b2_l1", 300, ["four"], polygon=False)],
                   polygon=[(90.0, 290.0), (410.0, 290.0), (410.0, 340.0), (90.0, 340.0)])
    b3 = TextBlock(id="b3", bbox=BBox(500, 500, 700, 600), lines=[_line("b3_l1", 500, ["five"]),
                                                                   _line("b3_l2", 550, ["six"])], type="marginalia")
    return PageLayout(width=1000, height=800, blocks=[b1, b2, b3])


def _ids(lay: PageLayout) -> list[list[str]]:
    return [[ln.id for ln in b.lines] for b in lay.blocks]


def test_move_region_moves_everything_in_it():
    lay = _layout()
    E.move_region(lay, "b2", 15, -20)
    b2 = lay.blocks[1]
    assert b2.bbox == BBox(115, 280, 415, 310)
    assert b2.polygon[0] == (105.0, 270.0)
    ln = b2.lines[0]
    assert ln.bbox == BBox(115, 280, 205, 310) and ln.words[0].bbox == BBox(115, 280, 195, 310)
    assert ln.baseline == [(115.0, 305.0), (205.0, 305.0)]
    assert lay.blocks[0].bbox == BBox(100, 100, 400, 200)             # the other regions did not move
    assert E.move_region(lay, "b2", 0, 0) is None
    with pytest.raises(E.LayoutEditError, match="outside the page"):
        E.move_region(lay, "b2", 0, 600)
    assert b2.bbox == BBox(115, 280, 415, 310)                         # a refused move changes nothing


def test_resize_region_scales_its_polygon_not_its_lines():
    lay = _layout()
    E.resize_region(lay, "b1", BBox(50, 80, 450, 220))
    b1 = lay.blocks[0]
    assert b1.bbox == BBox(50, 80, 450, 220) and b1.polygon == BBox(50, 80, 450, 220).as_polygon()
    assert b1.lines[0].bbox == BBox(100, 100, 240, 130)
    E.resize_region(lay, "b2", BBox(100, 300, 420, 330))   # polygon 90..410 x 290..340 on box 100..400 x 300..330
    assert lay.blocks[1].polygon[0] == (100 + (90 - 100) * 320 / 300, 300 + (290 - 300) * 30 / 30)
    assert E.resize_region(lay, "b1", BBox(50, 80, 450, 220)) is None
    for bad in (BBox(0, 0, 1001, 10), BBox(10, 10, 10, 50)):
        with pytest.raises(E.LayoutEditError):
            E.resize_region(lay, "b1", bad)


def test_move_and_resize_line_carry_words_polygon_baseline():
    lay = _layout()
    E.move_line(lay, "b1_l2", 300, 400)
    ln = lay.find_line("b1_l2")
    assert ln.bbox == BBox(400, 550, 510, 580) and ln.words[0].bbox == BBox(400, 550, 500, 580)
    assert ln.polygon[0] == (400, 550) and ln.baseline[0] == (400.0, 575.0)
    assert lay.blocks[0].bbox == BBox(100, 100, 510, 580)              # the region took the line in
    lay = _layout()
    E.resize_line(lay, "b1_l1", BBox(100, 100, 380, 160))             # twice as wide and as high
    ln = lay.find_line("b1_l1")
    assert [w.bbox for w in ln.words] == [BBox(100, 100, 220, 160), BBox(240, 100, 360, 160)]
    assert ln.baseline == [(100.0, 150.0), (380.0, 150.0)] and ln.polygon[2] == (380.0, 160.0)
    E.resize_line(lay, "b1_l1", BBox(100, 100, 200, 160))             # narrower: words clipped to it
    assert all(ln.bbox.x0 <= w.bbox.x0 <= w.bbox.x1 <= ln.bbox.x1 for w in ln.words)
    with pytest.raises(E.LayoutEditError, match="no line 'nope'"):
        E.resize_line(lay, "nope", BBox(0, 0, 10, 10))
    with pytest.raises(E.LayoutEditError, match="outside the page"):
        E.move_line(lay, "b1_l1", -200, 0)


def test_polygons_and_baselines_are_validated_and_boxes_follow():
    lay = _layout()
    E.set_line_polygon(lay, "b1_l1", [(90, 95), (260, 92.5), (262, 140), (88, 138)])
    ln = lay.find_line("b1_l1")
    assert ln.bbox == BBox(88, 92, 262, 140) and len(ln.polygon) == 4
    E.set_region_polygon(lay, "b3", [(480, 480), (720, 480), (720, 620), (600, 650), (480, 620)])
    assert lay.blocks[2].bbox == BBox(480, 480, 720, 650)
    E.set_baseline(lay, "b2_l1", [(210, 326), (100, 325)])
    assert lay.find_line("b2_l1").baseline == [(100.0, 325.0), (210.0, 326.0)]    # left to right
    with pytest.raises(E.LayoutEditError, match="at least 3 points, got 2"):
        E.set_line_polygon(lay, "b1_l1", [(1, 1), (5, 5)])
    with pytest.raises(E.LayoutEditError, match="at least 2 points, got 1"):
        E.set_baseline(lay, "b1_l1", [(1, 1)])
    with pytest.raises(E.LayoutEditError, match=r"point \(1200,5\) is outside the page \(1000 x 800 px\)"):
        E.set_region_polygon(lay, "b1", [(0, 0), (1200, 5), (5, 5)])
    assert lay.blocks[0].polygon is None                                    # unchanged after the refusal
    assert E.set_baseline(lay, "b2_l1", [(100, 325), (210, 326)]) is None   # the same points: nothing to save


def test_region_type_from_the_model_vocabulary():
    lay = _layout()
    assert E.region_types() == typing.get_args(BlockType)
    E.set_region_type(lay, "b1", "heading")
    assert lay.blocks[0].type == "heading"
    assert E.set_region_type(lay, "b1", "heading") is None
    with pytest.raises(E.LayoutEditError, match="unknown region type 'poem'") as exc:
        E.set_region_type(lay, "b1", "poem")
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, DigitizerError)
    assert "marginalia" in str(exc.value)


def test_reading_order_crosses_block_boundaries():
    lay = _layout()
    assert E.reading_order(lay) == [("b1_l1", 1), ("b1_l2", 2), ("b2_l1", 3), ("b3_l1", 4), ("b3_l2", 5)]
    E.move_line_in_order(lay, "b1_l2", 1)                    # last of b1 + Down -> first of b2
    assert _ids(lay) == [["b1_l1"], ["b1_l2", "b2_l1"], ["b3_l1", "b3_l2"]]
    assert lay.blocks[1].bbox.union(lay.find_line("b1_l2").bbox) == lay.blocks[1].bbox
    E.move_line_in_order(lay, "b1_l2", -1)                   # first of b2 + Up -> last of b1
    assert _ids(lay) == [["b1_l1", "b1_l2"], ["b2_l1"], ["b3_l1", "b3_l2"]]
    E.move_line_in_order(lay, "b2_l1", 1)                    # the only line of b2 leaves it; b2 stays, empty
    assert _ids(lay) == [["b1_l1", "b1_l2"], [], ["b2_l1", "b3_l1", "b3_l2"]]
    E.move_line_in_order(lay, "b2_l1", -1)                   # ... and comes back into the empty region
    assert _ids(lay) == [["b1_l1", "b1_l2"], ["b2_l1"], ["b3_l1", "b3_l2"]]
    E.move_line_in_order(lay, "b1_l1", 3)                    # three steps: b1_l2, into b2, past b2_l1
    assert [i for i, _ in E.reading_order(lay)] == ["b1_l2", "b2_l1", "b1_l1", "b3_l1", "b3_l2"]
    before = to_dict(lay)
    assert E.move_line_in_order(lay, "b3_l2", 1) is None     # the last line of the page cannot go down
    assert E.move_line_in_order(lay, "b1_l2", -1) is None
    assert E.move_line_in_order(lay, "b1_l2", 0) is None
    assert to_dict(lay) == before
    E.move_line_to(lay, "b3_l2", "b1", 0)
    assert _ids(lay)[0] == ["b3_l2", "b1_l2"]
    assert E.move_line_to(lay, "b3_l2", "b1", 0) is None
    assert E.move_line_to(lay, "b3_l2", "b2", 99) is not None and _ids(lay)[1][-1] == "b3_l2"
    with pytest.raises(E.LayoutEditError, match="no region 'b9'"):
        E.move_line_to(lay, "b3_l2", "b9", 0)


def test_edits_round_trip_through_commit_layout(typed_project, tmp_path):
    from digitizer.store import ProjectStore

    root = copy_typed(typed_project, tmp_path)
    with ProjectStore.open(root, agent="Lena Layout") as store:
        pid = store.pages()[0].id
        first = store.load_layout(pid)
        assert len(first.blocks) > 2 and store.layout_versions(pid) == [1]
        block, line = first.blocks[2], first.blocks[2].lines[0]
        lay = layout_from_dict(to_dict(first))
        E.set_region_type(lay, block.id, "heading")
        E.move_line(lay, line.id, 5, 7)
        commit_layout(store, pid, lay, "layout edit", region=block.id, line=line.id)
        assert store.layout_versions(pid) == [1, 2]
        now = store.load_layout(pid)
        assert now.blocks[2].type == "heading" and now.find_line(line.id).bbox == BBox(
            line.bbox.x0 + 5, line.bbox.y0 + 7, line.bbox.x1 + 5, line.bbox.y1 + 7)
        assert store.load_layout(pid, 1).find_line(line.id).bbox == line.bbox       # the previous version is kept
        assert to_dict(store.load_layout(pid, 1)) == to_dict(first)
        ev = [e for e in store.events(page_id=pid) if e.tool == "digitizer.correction"][-1]
        assert (ev.agent, ev.parameters["operation"], ev.parameters["layout_version"]) == ("Lena Layout", "layout edit", 2)
        # reading order across blocks, then "undo" = the previous version saved again
        lay = store.load_layout(pid)
        last = lay.blocks[2].lines[-1].id
        E.move_line_in_order(lay, last, 1)
        commit_layout(store, pid, lay, "reading order", line=last)
        assert store.load_layout(pid).blocks[3].lines[0].id == last
        commit_layout(store, pid, store.load_layout(pid, 2), "undo reading order")
        assert store.layout_versions(pid) == [1, 2, 3, 4]
        assert to_dict(store.load_layout(pid)) == to_dict(store.load_layout(pid, 2))
        # geometry edits change no text: no line versions besides the engine's
        assert all([v.source for v in store.line_history(pid, ln.id)] == ["engine"] for ln in now.lines())


def _cli(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120)


def test_cli_layout_lists_and_edits_a_real_page(typed_project, tmp_path):
    import json
    from digitizer.store import ProjectStore

    root = copy_typed(typed_project, tmp_path)
    p = str(root)
    res = _cli("layout", p, "--page", "1", "--item", "typed", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    regions = data["regions"]
    assert data["version"] == 1 and len(regions) > 3 and all(r["type"] == "text" for r in regions)
    assert [ln["order"] for r in regions for ln in r["lines"]] == list(range(1, sum(len(r["lines"]) for r in regions) + 1))
    plain = _cli("layout", p, "--page", "1").stdout
    assert f"region {regions[0]['id']}\ttext\t" in plain and f"    1  {regions[0]['lines'][0]['id']}\t" in plain
    r3, r4 = regions[2], regions[3]
    line = r3["lines"][0]
    x0, y0, x1, y1 = line["bbox"]
    steps = [
        ("--region", r3["id"], "--type", "marginalia"),
        ("--region", r4["id"], "--move", "10,-5"),
        ("--line", line["id"], "--bbox", f"{x0},{y0},{x1 + 40},{y1 + 10}"),
        ("--line", line["id"], "--polygon", f"{x0},{y0} {x1},{y0 - 3} {x1},{y1} {x0},{y1 + 2}"),
        ("--line", line["id"], "--baseline", f"{x0},{y1 - 8} {x1},{y1 - 6}"),
        ("--line", line["id"], "--order", "1"),                          # last of its region -> top of the next
        ("--line", line["id"], "--to-block", r3["id"], "--index", "0"),  # and back
    ]
    for n, step in enumerate(steps, 2):
        res = _cli("layout", p, "--page", "1", *step, "--operator", "Lena Layout")
        assert res.returncode == 0 and f"saved as layout version {n}" in res.stdout, (step, res.stdout, res.stderr)
    with ProjectStore.open(root) as store:
        pid = store.pages()[0].id
        assert store.layout_versions(pid) == list(range(1, len(steps) + 2))
        lay = store.load_layout(pid)
        b3, b4 = lay.blocks[2], lay.blocks[3]
        assert b3.type == "marginalia" and b3.lines[0].id == line["id"]
        assert b4.bbox.x0 == r4["bbox"][0] + 10 and b4.bbox.y0 == r4["bbox"][1] - 5
        ln = b3.lines[0]
        assert ln.bbox == BBox(x0, y0 - 3, x1, y1 + 2) and len(ln.polygon) == 4
        assert ln.baseline == [(x0, y1 - 8), (x1, y1 - 6)]
        after_order = store.load_layout(pid, 7)
        assert after_order.blocks[3].lines[0].id == line["id"] and not after_order.blocks[2].lines
        ev = [e for e in store.events(page_id=pid) if e.tool == "digitizer.correction"]
        assert [e.parameters["operation"] for e in ev] == ["region type", "move region", "resize line", "line polygon",
                                                          "baseline", "reading order", "reading order"]
        assert {e.agent for e in ev} == {"Lena Layout"}
    # refusals: one line, exit code 2, nothing saved; a no-op saves nothing either
    for step, msg in ((("--region", r3["id"], "--type", "poem"), "unknown region type 'poem'"),
                      (("--line", line["id"], "--polygon", "1,1 2,2"), "needs at least 3 points, got 2"),
                      (("--line", line["id"], "--move", "0,99999"), "outside the page"),
                      (("--line", "nope", "--order", "1"), "no line 'nope'"),
                      (("--region", r3["id"], "--move", "1,1", "--type", "text"), "exactly one of")):
        res = _cli("layout", p, "--page", "1", *step)
        assert res.returncode == 2 and msg in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    res = _cli("layout", p, "--page", "1", "--line", regions[0]["lines"][0]["id"], "--order", "-1")
    assert res.returncode == 0 and "nothing to change, nothing saved" in res.stdout
    with ProjectStore.open(root) as store:
        assert len(store.layout_versions(store.pages()[0].id)) == len(steps) + 1
