"""Points of outlines and baselines (insert on the nearest edge, remove, refused below the minimum) and
the reading order of whole regions: digitizer.layout_edit (no Qt) and its CLI twin on the page processed
with the real tesseract (each change a new layout version and an event)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digitizer import layout_edit as E
from digitizer.model import BBox, Line, PageLayout, TextBlock
from digitizer.store import ProjectStore

from _layout_helpers import copy_typed, typed_project  # noqa: F401


def _layout() -> PageLayout:
    poly = [(100.0, 100.0), (300.0, 100.0), (300.0, 140.0), (100.0, 140.0)]
    l1 = Line(id="l1", bbox=BBox(100, 100, 300, 140), text="a b", polygon=poly,
              baseline=[(100.0, 130.0), (300.0, 132.0)])
    l2 = Line(id="l2", bbox=BBox(100, 200, 300, 240), text="box only")
    return PageLayout(width=1000, height=800, blocks=[
        TextBlock(id="r1", bbox=BBox(100, 100, 300, 140), lines=[l1]),
        TextBlock(id="r2", bbox=BBox(100, 200, 300, 240), lines=[l2]),
        TextBlock(id="r3", bbox=BBox(500, 100, 700, 300), type="marginalia")])


def test_nearest_segment_of_an_outline_and_of_a_baseline():
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    assert E.nearest_segment(square, (5.0, -1.0), closed=True) == (1, 1.0)            # top edge
    assert E.nearest_segment(square, (-2.0, 5.0), closed=True) == (4, 2.0)            # the closing edge
    assert E.nearest_segment([(0.0, 0.0), (10.0, 0.0), (20.0, 5.0)], (15.0, 2.5), closed=False)[0] == 2


def test_insert_and_remove_points():
    lay = _layout()
    line = E.insert_point(lay, "line", "l1", "polygon", (200.0, 95.0))                # above the top edge
    assert line.polygon[:3] == [(100.0, 100.0), (200.0, 95.0), (300.0, 100.0)] and line.bbox == BBox(100, 95, 300, 140)
    assert E.insert_point(lay, "line", "l1", "polygon", (200.0, 95.0)) is None         # already there: no change
    E.insert_point(lay, "line", "l1", "baseline", (200.0, 128.0))
    assert lay.find_line("l1").baseline == [(100.0, 130.0), (200.0, 128.0), (300.0, 132.0)]
    # a line with only a box gets an outline from its corners plus the new point
    E.insert_point(lay, "line", "l2", "polygon", (300.0, 220.0))
    assert lay.find_line("l2").polygon == [(100.0, 200.0), (300.0, 200.0), (300.0, 220.0), (300.0, 240.0),
                                           (100.0, 240.0)]
    E.insert_point(lay, "region", "r3", "polygon", (600.0, 90.0))
    assert lay.blocks[2].polygon[1] == (600.0, 90.0) and lay.blocks[2].bbox == BBox(500, 90, 700, 300)
    # removing: down to the minimum, then refused with one line
    E.remove_point(lay, "line", "l1", "baseline", 1)
    assert lay.find_line("l1").baseline == [(100.0, 130.0), (300.0, 132.0)]
    with pytest.raises(E.LayoutEditError, match="cannot remove a point of the baseline of line l1: it needs at least 2"):
        E.remove_point(lay, "line", "l1", "baseline", 0)
    for _ in range(2):
        E.remove_point(lay, "line", "l1", "polygon", 0)
    assert len(lay.find_line("l1").polygon) == 3
    with pytest.raises(E.LayoutEditError, match="it needs at least 3 points"):
        E.remove_point(lay, "line", "l1", "polygon", 0)
    for args, msg in ((("line", "l1", "polygon", (2000.0, 5.0)), "outside the page"),
                      (("line", "l2", "baseline", (150.0, 230.0)), "no baseline"),
                      (("region", "r1", "baseline", (150.0, 230.0)), "a region has no baseline")):
        with pytest.raises(E.LayoutEditError, match=msg):
            E.insert_point(lay, *args)
    with pytest.raises(E.LayoutEditError, match="has no point 9"):
        E.remove_point(lay, "line", "l1", "polygon", 9)


def test_region_reading_order():
    lay = _layout()
    assert E.move_region_in_order(lay, "r1", 1).id == "r1"
    assert [b.id for b in lay.blocks] == ["r2", "r1", "r3"] and [n for _, n in E.reading_order(lay)] == [1, 2]
    assert [lid for lid, _ in E.reading_order(lay)] == ["l2", "l1"]
    assert E.move_region_in_order(lay, "r3", 1) is None                 # already last: nothing to record
    assert E.move_region_in_order(lay, "r3", -5).id == "r3" and lay.blocks[0].id == "r3"
    with pytest.raises(E.LayoutEditError, match="no region 'nope'"):
        E.move_region_in_order(lay, "nope", 1)


def _cli(*args: str):
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120)


def test_cli_points_and_region_order_on_a_real_page(typed_project, tmp_path):
    root = copy_typed(typed_project, tmp_path)
    p = str(root)
    regions = json.loads(_cli("layout", p, "--page", "1", "--json").stdout)["regions"]
    r2, r3 = regions[1]["id"], regions[2]["id"]
    x0, y0, x1, y1 = regions[2]["lines"][0]["bbox"]
    lid = regions[2]["lines"][0]["id"]
    mid = (x0 + x1) // 2
    steps = [("--line", lid, "--insert-point", "polygon", f"{mid},{y0 - 4}"),     # above the top edge of the box
             ("--line", lid, "--baseline", f"{x0},{y1 - 6} {x1},{y1 - 6}"),
             ("--line", lid, "--insert-point", "baseline", f"{mid},{y1 - 3}"),
             ("--line", lid, "--remove-point", "baseline", "0"),
             ("--line", lid, "--remove-point", "polygon", "1"),
             ("--region", r3, "--order", "-1"),
             ("--region", r3, "--insert-point", "polygon", f"{x0 - 5},{y0 + 1}")]
    for n, step in enumerate(steps, 2):
        res = _cli("layout", p, "--page", "1", *step, "--operator", "Pia Points")
        assert res.returncode == 0 and f"saved as layout version {n}" in res.stdout, (step, res.stdout, res.stderr)
    with ProjectStore.open(root) as store:
        pid = store.pages()[0].id
        lay = store.load_layout(pid)
        after_insert = store.load_layout(pid, 2).find_line(lid)
        ops = [(e.agent, e.parameters["operation"]) for e in store.events(page_id=pid)
               if e.tool == "digitizer.correction"]
    assert after_insert.polygon[1] == (mid, y0 - 4) and after_insert.bbox.y0 == y0 - 4
    line = lay.find_line(lid)
    assert line.polygon == [(x0, y0), (x1, y0), (x1, y1), (x0, y1)] and line.bbox == BBox(x0, y0, x1, y1)
    assert line.baseline == [(mid, y1 - 3), (x1, y1 - 6)]
    assert [b.id for b in lay.blocks][1:3] == [r3, r2] and len(lay.blocks[1].polygon) == 5
    assert ops == [("Pia Points", op) for op in ("insert point", "baseline", "insert point", "remove point",
                                                 "remove point", "region order", "insert point")]
    res = _cli("layout", p, "--page", "1", "--line", lid, "--remove-point", "baseline", "0")
    assert res.returncode == 2 and "needs at least 2 points" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = _cli("layout", p, "--page", "1", "--region", lay.blocks[0].id, "--order", "-1")
    assert res.returncode == 0 and "nothing to change, nothing saved" in res.stdout
    res = _cli("layout", p, "--page", "1", "--line", lid, "--insert-point", "outline", "1,1")
    assert res.returncode == 2 and "'polygon' or 'baseline'" in res.stderr
