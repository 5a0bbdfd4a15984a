"""What paging costs the GUI thread (not a test): ``python benchmarks/bench_paging.py [--pages N]``.

Four 300-dpi A4 pages with a 40-line, 280-word layout each (saved, not recognised); the window opens
them in turn ``--pages`` times (as Ctrl+PgDown does), and each time measures ``open_page`` and the
event-loop pass right after it (Qt's layout and repaint of what changed), the window's handlers
(``--where``'s list, wall time) and the garbage collector's pauses.  Warm: the first round is not
counted (images decoded, crops cut).  No job runs, so the numbers are the application's own cost,
apart from the machine's noise (run it niced, twice).
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_gui as B  # noqa: E402


def make_pages(tmp: Path, n: int = 4) -> list[tuple[Path, list]]:
    from PIL import Image, ImageDraw, ImageFont

    out = []
    font = ImageFont.truetype(B.FONT, 42)
    for i in range(n):
        path = tmp / f"page{i}.png"
        img = Image.new("L", (2480, 3508), 255)
        draw = ImageDraw.Draw(img)
        lines = []
        for k in range(40):
            text = " ".join(B.WORDS[(i + k + j) % len(B.WORDS)] for j in range(7))
            draw.text((200, 150 + k * 80), text, font=font, fill=0)
            lines.append((text, draw.textbbox((200, 150 + k * 80), text, font=font)))
        img.save(path, dpi=(300, 300))
        out.append((path, lines))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40, help="pages opened (measured)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-paging-"))
    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
    try:
        return run(tmp, args.pages)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, n: int) -> int:
    from digitizer.gui.app import make_app
    from digitizer.gui.main_window import MainWindow
    from digitizer.gui.settings import Settings
    from digitizer.ingest import import_paths
    from digitizer.store import ProjectStore

    app = make_app()
    B.time_handlers()
    store = ProjectStore.create(tmp / "proj")
    item = store.add_item("batch", profile="printed-modern")
    files = make_pages(tmp)
    pages = import_paths(store, [p for p, _ in files], item).added
    for pg, (_p, lines) in zip(pages, files):
        store.save_layout(pg.id, B.layout_for(lines, pg.width, pg.height))
    ids = [pg.id for pg in pages]
    store.close()
    win = MainWindow(Settings(tmp / "settings.ini"))
    win.resize(1500, 950)
    win.show()
    win.open_project(str(tmp / "proj"))
    B.wait(app, lambda: win._thumb_worker is None and win._image_worker is None)

    def settle() -> None:
        t = time.perf_counter()
        while time.perf_counter() - t < 0.4:
            app.processEvents()
            time.sleep(0.002)

    def one(i: int) -> tuple[float, float]:
        t0 = time.perf_counter()
        win.open_page(ids[i % len(ids)])
        t1 = time.perf_counter()
        app.processEvents()
        return (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000

    for i in range(len(ids) * 2):
        one(i)
        settle()
    B.HANDLERS.reset()
    pauses: list[tuple[int, float]] = []
    t_gc = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            t_gc[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], (time.perf_counter() - t_gc[0]) * 1000))

    gc.callbacks.append(on_gc)
    res = []
    for i in range(n):
        res.append(one(i))
        settle()
    gc.callbacks.remove(on_gc)
    win.close()
    op, ev = [a for a, _ in res], [b for _, b in res]
    tot = sorted(a + b for a, b in res)
    print(f"{n} pages opened (40 lines, 280 words each), Qt platform {app.platformName()}")
    print(f"open_page: median {statistics.median(op):.1f} ms, max {max(op):.1f} ms")
    print(f"event-loop pass after it (layout, repaint): median {statistics.median(ev):.1f} ms, max {max(ev):.1f} ms")
    print(f"together: median {statistics.median(tot):.1f} ms, p90 {tot[int(len(tot) * 0.9)]:.1f} ms, "
          f"max {tot[-1]:.1f} ms")
    print(f"garbage collections: {len(pauses)}, {sum(ms for _, ms in pauses):.1f} ms in all; over 5 ms: "
          + (", ".join(f"gen{g} {ms:.0f} ms" for g, ms in pauses if ms > 5) or "none"))
    print("handlers (wall time, GUI thread; nested calls counted in their callers too):")
    print(B.HANDLERS.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
