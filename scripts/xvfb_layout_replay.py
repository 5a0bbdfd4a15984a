#!/usr/bin/env python3
"""Replay issue 15's new GUI features on a real X server as a person uses them, then read the store.

Layout edit mode, dragging a line corner and a region with the mouse, region types (key and context
menu), reading-order numbers, Alt+Down across regions, Ctrl+Z, drawing a line and recognising it
(Ctrl+Alt+L), line-image zoom (Ctrl+Alt++) and the Models dialog (Ctrl+Alt+M), with real ``xdotool``
keys and pointer events under Xvfb + openbox, on a project made from tests/data: the typewritten
page processed with Tesseract and the will processed with kraken.  The pointer is aimed from the
screenshot (where the viewer shows the page), never by asking the window.  After every step the
project store is read (layout versions, events, line versions) and checked, for the page shown and
for the other page.

    .venv/bin/python scripts/xvfb_layout_replay.py [--out DIR] [--display :59]

Screenshots go to OUT (default: a new temporary folder).  Exit status 0 when every check held, 1 with
one line per failed check, 2 when Xvfb, openbox or xdotool is missing.
"""

from __future__ import annotations

import argparse
import configparser
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import xvfb_screen as scr  # noqa: E402
from xvfb_replay import TOOLS, Session  # noqa: E402

from PIL import Image  # noqa: E402

from digitizer.batch.process import process_pages  # noqa: E402
from digitizer.ingest import import_paths  # noqa: E402
from digitizer.layout_edit import region_types  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402

from _data_helpers import HANDWRITTEN_PAGE, TYPED_PAGE  # noqa: E402

DISPLAY = ":59"


def make_project(root: Path) -> tuple[int, int]:
    """The typewritten page (Tesseract, printed-modern) and the will (kraken, manuscript): their page ids."""
    with ProjectStore.create(root) as store:
        typed = store.add_item("typed", title="Typed page", profile="printed-modern")
        import_paths(store, [TYPED_PAGE], typed)
        will = store.add_item("will", title="Will", profile="manuscript")
        import_paths(store, [HANDWRITTEN_PAGE], will)
        rep = process_pages(store)
        assert len(rep.done) == 2, rep.failed
        p1, p2 = (p.id for p in store.pages())
        return p1, p2


class Store:
    """What the project store holds now (a fresh connection each time, as another process would)."""

    def __init__(self, project: Path) -> None:
        self.project = project

    def layout(self, pid: int):
        with ProjectStore.open(self.project) as store:
            return store.load_layout(pid)

    def versions(self, pid: int) -> list[int]:
        with ProjectStore.open(self.project) as store:
            return store.layout_versions(pid)

    def ops(self, pid: int) -> list[tuple[str, str]]:
        """(operation, agent) of the page's layout corrections, oldest first."""
        with ProjectStore.open(self.project) as store:
            return [(e.parameters.get("operation", ""), e.agent) for e in store.events(page_id=pid)
                    if e.tool == "digitizer.correction"]

    def history(self, pid: int, lid: str) -> list[str]:
        with ProjectStore.open(self.project) as store:
            return [v.source for v in store.line_history(pid, lid)]

    def states(self, pid: int) -> dict[str, str]:
        with ProjectStore.open(self.project) as store:
            return {k: v.state for k, v in store.line_states(pid).items()}


def box_screen(m: scr.PageMap, bbox) -> tuple[int, int, int, int]:
    (x0, y0), (x1, y1) = m(bbox.x0, bbox.y0), m(bbox.x1, bbox.y1)
    return int(x0), int(y0), int(x1) + 1, int(y1) + 1


def empty_point(block, m: scr.PageMap) -> tuple[float, float]:
    """A point of region ``block`` that no line covers, as far from its lines and edges as can be (master)."""
    best, where = -1.0, (block.bbox.x0, block.bbox.y0)
    b = block.bbox
    for x in range(b.x0 + 4, b.x1 - 3, 8):
        for y in range(b.y0 + 4, b.y1 - 3, 8):
            d = min(x - b.x0, b.x1 - x, y - b.y0, b.y1 - y)
            for ln in block.lines:
                lb = ln.bbox
                dx = max(lb.x0 - x, 0, x - lb.x1)
                dy = max(lb.y0 - y, 0, y - lb.y1)
                d = min(d, max(dx, dy))
            if d > best:
                best, where = d, (x, y)
    if best * m.scale < 6:
        raise ValueError(f"region {block.id} has no free spot of 6 screen pixels")
    return where


def doc_shot(s: Session, img, name: str) -> None:
    """With ``--docs DIR``: the whole screen as DIR/NAME.png, in 256 colours (as the other images of docs/img)."""
    docs = getattr(s, "docs", None)
    if docs is not None:
        img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            docs / f"{name}.png", optimize=True)


def replay(s: Session, st: Store, p1: int, p2: int) -> None:
    operator = "xvfb-replay"
    typed0 = st.layout(p1)
    img = s.grab()
    m = scr.page_map(img, typed0.width, typed0.height)
    status_bar = (0, 1000 - 40, 1600, 1000)
    s.shot("L01-open")

    # 1. Ctrl+Shift+E: edit mode, the orange indicator in the status bar; nothing stored
    s.key("ctrl+shift+e", wait=1.2)
    img = s.shot_img("L02-edit-mode")
    s.check("Ctrl+Shift+E shows the EDIT LAYOUT indicator", scr.count(img, scr.MODE_LABEL, status_bar) > 200,
            scr.count(img, scr.MODE_LABEL, status_bar))
    s.check("entering edit mode stores nothing", st.versions(p1) == [1] and st.versions(p2) == [1])

    # 2. click line b3_l1 on the page: it is selected (orange outline around it), nothing stored
    line = typed0.find_line("b3_l1")
    s.click(*m((line.bbox.x0 + line.bbox.x1) / 2, (line.bbox.y0 + line.bbox.y1) / 2))
    img = s.shot_img("L03-line-selected")
    x0, y0, x1, y1 = box_screen(m, line.bbox)
    s.check("a click selects the line (outline drawn on it)",
            scr.count(img, scr.ORANGE, (x0 - 4, y0 - 4, x1 + 4, y1 + 4), tol=20) > 40)
    s.check("a click stores nothing", st.versions(p1) == [1])

    # 3. drag its bottom-right corner handle 30,20 screen pixels: one new version, the box grew
    corner = m(line.bbox.x1, line.bbox.y1)
    s.drag(corner, (corner[0] + 30, corner[1] + 20))
    lay = st.layout(p1)
    got = lay.find_line("b3_l1").bbox
    want_x1, want_y1 = m.to_master(corner[0] + 30, corner[1] + 20)
    near = abs(got.x1 - want_x1) <= 2 / m.scale and abs(got.y1 - want_y1) <= 2 / m.scale
    s.check("dragging the corner resizes the line (one version, 'resize line' by the operator)",
            near and (got.x0, got.y0) == (line.bbox.x0, line.bbox.y0) and st.versions(p1) == [1, 2]
            and st.ops(p1) == [("resize line", operator)], (got, (want_x1, want_y1), st.versions(p1), st.ops(p1)))
    s.check("the will is untouched", st.versions(p2) == [1])
    s.shot("L04-corner-dragged")

    # 4. drag region b5 by a spot where none of its lines is: the region and its lines move
    b5 = lay.blocks[4]
    mx, my = empty_point(b5, m)
    start = m(mx, my)
    s.click(*start)                                   # select the region
    s.drag(start, (start[0] - 20, start[1] + 12))
    lay = st.layout(p1)
    moved = lay.blocks[4]
    dx, dy = moved.bbox.x0 - b5.bbox.x0, moved.bbox.y0 - b5.bbox.y0
    same = [ln.bbox.y0 - dy for ln in moved.lines] == [ln.bbox.y0 for ln in b5.lines]
    s.check("dragging a region moves it with its lines", dx < 0 < dy and same and st.versions(p1) == [1, 2, 3]
            and st.ops(p1)[-1] == ("move region", operator), (dx, dy, same, st.versions(p1), st.ops(p1)))
    s.shot("L05-region-dragged")

    # 5. right-click a line of region b3: the type menu; click "heading" in it
    line = lay.find_line("b3_l1")
    before = s.grab()
    s.click(*m((line.bbox.x0 + line.bbox.x1) / 2, (line.bbox.y0 + line.bbox.y1) / 2), button=3)
    after = s.shot_img("L06-type-menu")
    doc_shot(s, after, "layout-edit")
    menu = scr.changed_box(before, after)
    where = scr.find_word(after, menu, "heading") if menu else None
    s.check("a right click opens the region type menu", where is not None, menu)
    if where is not None:
        s.click(*where, wait=1.2)
    lay = st.layout(p1)
    s.check("the menu's 'heading' makes b3 a heading (one version)", lay.blocks[2].type == "heading"
            and st.ops(p1)[-1] == ("region type", operator) and len(st.versions(p1)) == 4,
            (lay.blocks[2].type, st.ops(p1)[-1:]))

    # 6. Ctrl+Shift+T: the next type for the selected region
    types = region_types()
    s.key("ctrl+shift+t", wait=1.2)
    lay = st.layout(p1)
    want = types[(types.index("heading") + 1) % len(types)]
    s.check(f"Ctrl+Shift+T gives b3 the next type ({want})", lay.blocks[2].type == want, lay.blocks[2].type)
    s.shot("L07-next-type")

    # 7. Esc leaves the mode
    s.key("Escape")
    img = s.shot_img("L08-left-edit-mode")
    s.check("Esc leaves the edit mode (no indicator)", scr.count(img, scr.MODE_LABEL, status_bar) < 20,
            scr.count(img, scr.MODE_LABEL, status_bar))

    # 8. F10 shows the reading-order numbers and types, F10 again hides them
    viewer = m.viewer
    before = s.grab()
    s.key("F10")
    shown = s.shot_img("L09-order-numbers")
    s.key("F10")
    hidden = s.grab()
    s.check("F10 shows the reading order on the page", scr.differs(before, shown, viewer) > 500,
            scr.differs(before, shown, viewer))
    s.check("F10 again hides it", scr.differs(before, hidden, viewer) < 50, scr.differs(before, hidden, viewer))
    s.check("F10 stores nothing", len(st.versions(p1)) == 5, st.versions(p1))

    # 9. click line b4_l1 on the page (the editor goes to it), Alt+Down twice: into region b5, below its first line
    line = lay.find_line("b4_l1")
    s.click(*m((line.bbox.x0 + line.bbox.x1) / 2, (line.bbox.y0 + line.bbox.y1) / 2))
    n = len(st.versions(p1))
    s.key("alt+Down", wait=1.2)
    lay = st.layout(p1)
    s.check("Alt+Down moves the region's only line to the top of the next region",
            [ln.id for ln in lay.blocks[3].lines] == [] and [ln.id for ln in lay.blocks[4].lines][:2] == ["b4_l1", "b5_l1"]
            and st.ops(p1)[-1] == ("reading order", operator), ([ln.id for ln in lay.blocks[4].lines][:3], st.ops(p1)[-1:]))
    s.key("alt+Down", wait=1.2)
    lay = st.layout(p1)
    s.check("Alt+Down again moves it below b5_l1", [ln.id for ln in lay.blocks[4].lines][:2] == ["b5_l1", "b4_l1"]
            and len(st.versions(p1)) == n + 2, ([ln.id for ln in lay.blocks[4].lines][:3], st.versions(p1)))
    s.shot("L10-alt-down")

    # 10. Ctrl+Z: the previous version comes back as a new version
    s.key("ctrl+z", wait=1.5)
    lay = st.layout(p1)
    s.check("Ctrl+Z undoes the last move", [ln.id for ln in lay.blocks[4].lines][:2] == ["b4_l1", "b5_l1"]
            and len(st.versions(p1)) == n + 3 and st.ops(p1)[-1][0] == "undo reading order",
            ([ln.id for ln in lay.blocks[4].lines][:3], st.ops(p1)[-1:]))
    s.check("the will is still untouched", st.versions(p2) == [1])
    s.shot("L11-undo")
    will(s, st, p1, p2)


def wait_for(cond, timeout: float = 240.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(1.0)
    return False


def settings_zoom(s: Session) -> str:
    ini = configparser.ConfigParser()
    ini.read(s.out / "settings.ini")
    return ini.get("view", "line_image_zoom", fallback="")


def will(s: Session, st: Store, p1: int, p2: int) -> None:
    """The will (kraken): open it from the tree, delete a line, draw it again, Ctrl+Alt+L; line-image zoom;
    the Models dialog."""
    operator = "xvfb-replay"
    typed_versions = st.versions(p1)
    will0 = st.layout(p2)
    tree = (0, 60, 290, 500)
    img = s.grab()
    found = scr.words(img, tree)
    rows = sorted((c for t, c in found if t == "processed"), key=lambda c: c[1])   # page rows: typed, will
    row = rows[-1] if len(rows) == 2 else None
    s.check("the will's page is in the Project tree", row is not None, found)
    if row is None:
        return
    s.click(*row, wait=3.0)
    s.key("ctrl+0", wait=1.5)                          # View > Fit page: the whole will
    img = s.shot_img("W01-will-shown")
    try:
        m = scr.page_map(img, will0.width, will0.height)
    except ValueError as exc:
        s.check("a click on the will's page shows it", False, exc)
        return
    s.check("a click on the will's page shows it (the page fits the viewer)", True)

    # delete the sixth line (clicked on the page), then draw it again
    gone = will0.lines()[6]                            # "de mon père." (a short line)
    b = gone.bbox
    s.click(*m((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2))
    s.key("ctrl+shift+d", wait=1.5)
    lay = st.layout(p2)
    s.check("Ctrl+Shift+D deletes the clicked line of the will", lay.find_line(gone.id) is None
            and len(lay.lines()) == len(will0.lines()) - 1 and st.ops(p2)[-1:] == [("delete line", operator)],
            (len(lay.lines()), st.ops(p2)[-1:]))
    s.key("ctrl+shift+l", wait=1.0)
    img = s.shot_img("W02-draw-mode")
    status_bar = (0, 1000 - 40, 1600, 1000)
    s.check("Ctrl+Shift+L shows the DRAW LINE indicator", scr.count(img, scr.MODE_LABEL, status_bar) > 200)
    s.drag(m(b.x0 - 6, b.y0 - 6), m(b.x1 + 6, b.y1 + 6), wait=2.0)
    lay = st.layout(p2)
    new = [ln for ln in lay.lines() if ln.id not in {x.id for x in will0.lines()}]
    ok = len(new) == 1 and abs(new[0].bbox.x0 - (b.x0 - 6)) <= 3 / m.scale and abs(new[0].bbox.y1 - (b.y1 + 6)) <= 3 / m.scale
    s.check("dragging in draw mode adds the line where it was drawn, empty", ok and new[0].text == ""
            and st.ops(p2)[-1] == ("add line", operator), (new, b, st.ops(p2)[-1:]))
    if not new:
        return
    drawn = new[0].id
    img = s.shot_img("W03-line-drawn")
    s.check("drawing ends the draw mode", scr.count(img, scr.MODE_LABEL, status_bar) < 20)

    # Ctrl+Alt+L: kraken reads the drawn line in a worker
    s.key("ctrl+alt+l", wait=1.0)
    read = wait_for(lambda: st.layout(p2).find_line(drawn).text != "")
    line = st.layout(p2).find_line(drawn)
    s.check("Ctrl+Alt+L recognises the drawn line (a machine version from 'recognise')",
            read and st.history(p2, drawn) == ["layout", "recognise"] and st.states(p2).get(drawn, "machine") == "machine",
            (line.text, st.history(p2, drawn)))
    s.settle(1.5)
    img = s.shot_img("W04-line-recognised")
    header = [t for t, _ in scr.words(img, (1270, 62, 1600, 100))]
    shown = [w for w in line.text.split() if len(w) > 2 and w in header]
    s.check("the Transcription dock shows the recognised text", bool(shown), (header, line.text))
    doc_shot(s, img, "recognise-line")
    s.check("the typed page is untouched meanwhile", st.versions(p1) == typed_versions, st.versions(p1))
    s.key("ctrl+z", wait=1.5)
    s.check("Ctrl+Z brings back the drawn, empty line", st.layout(p2).find_line(drawn).text == ""
            and st.history(p2, drawn) == ["layout", "recognise", "undo"], st.history(p2, drawn))

    # line images larger / back to 100 %
    dock = (1270, 520, 1600, 660)
    s.key("ctrl+alt+plus", wait=2.5)
    img = s.shot_img("W05-line-images-larger")
    bar = scr.count(img, scr.ORANGE, (812, 95, 826, 815), tol=40)      # the current row's orange edge
    s.check("the line being typed stays in view (Ctrl+Alt++)", bar > 150, bar)
    s.check("Ctrl+Alt++ makes the line images larger (125 %, kept in the settings)",
            settings_zoom(s) == "1.250" and any(t.startswith("125") for t, _ in scr.words(img, dock)),
            (settings_zoom(s), scr.words(img, dock)))
    s.key("ctrl+alt+0", wait=2.5)
    s.check("Ctrl+Alt+0 puts them back at 100 %", settings_zoom(s) == "1.000", settings_zoom(s))

    # the Models dialog
    s.key("ctrl+alt+m", wait=3.0)
    wins = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Models"], env=s.env,
                          capture_output=True, text=True).stdout.split()
    img = s.shot_img("W06-models-dialog")
    s.check("Ctrl+Alt+M opens the Models dialog", bool(wins), wins)
    s.key("Escape", wait=1.5)
    wins = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Models"], env=s.env,
                          capture_output=True, text=True).stdout.split()
    s.check("Esc closes it", not wins, wins)
    s.check("the stores of both pages are as left", st.versions(p1) == typed_versions, st.versions(p1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="folder for screenshots (default: a temporary folder)")
    ap.add_argument("--display", default=DISPLAY, help=f"X display for Xvfb (default {DISPLAY})")
    ap.add_argument("--docs", type=Path, help="also write the screenshots used by docs/gui.md here (e.g. docs/img)")
    ap.add_argument("--template", type=Path, help="copy this project instead of making one (a folder this script made)")
    args = ap.parse_args()
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(f"xvfb_layout_replay: missing {', '.join(missing)} (apt-get install xvfb openbox xdotool)",
              file=sys.stderr)
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="xvfb-layout-"))
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="xvfb-layout-project-"))
    project = work / "proj"
    if args.template:
        shutil.copytree(args.template, project)
        with ProjectStore.open(project) as store:
            p1, p2 = (p.id for p in store.pages())
    else:
        p1, p2 = make_project(project)
    s = Session(project, out, args.display, prefs="operator=xvfb-replay\ntheme=light\n")   # the profiles' thresholds
    s.docs = args.docs  # type: ignore[attr-defined]
    try:
        s.start()
        replay(s, Store(project), p1, p2)
    finally:
        s.stop()
        shutil.rmtree(work, ignore_errors=True)
    steps = s.checks
    print(f"{steps - len(s.failures)}/{steps} checks as expected; screenshots: {out}")
    for line in s.failures:
        print(f"xvfb_layout_replay: {line}", file=sys.stderr)
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
