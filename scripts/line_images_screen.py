#!/usr/bin/env python3
"""Screenshot of the editor's line images at one scale on a handwritten will (tests/data, with its
ground-truth ALTO polygons imported), for ``docs/gui.md``:
``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/line_images_screen.py [--out docs/img/line-images.png]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def pump(app, seconds: float = 0.3) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def run(out: Path, tmp: Path, zoom: float, window: bool) -> None:
    from _data_helpers import HANDWRITTEN_PAGE

    from digitizer.gui.app import make_app
    from digitizer.gui.main_window import MainWindow
    from digitizer.gui.settings import Settings
    from digitizer.ingest import import_paths
    from digitizer.interop import import_transcriptions
    from digitizer.store import ProjectStore

    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
    root = tmp / "wills"
    store = ProjectStore.create(root, name="wills", agent="screenshot")
    item = store.add_item("wills", title="Testaments de Poilus", profile="manuscript")
    import_paths(store, [HANDWRITTEN_PAGE], item)
    import_transcriptions(store, [HANDWRITTEN_PAGE.with_suffix(".xml")], item)
    store.close()
    app = make_app()
    settings = Settings(tmp / "settings.ini")
    settings.line_image_zoom = zoom
    win = MainWindow(settings)
    win.resize(1600, 1000)
    win.show()
    win.open_project(str(root))
    end = time.perf_counter() + 60
    while not all(win.editor.row(lid).crop.image is not None for lid in win.editor.line_ids()):
        if time.perf_counter() > end:
            raise TimeoutError("no line images")
        pump(app, 0.05)
    win.queue_dock.hide()
    win.browser_dock.hide()
    win.editor.focus_line(win.editor.line_ids()[1])
    pump(app, 0.5)
    shot = tmp / "shot.png"
    (win if window else win.centralWidget()).grab().save(str(shot))
    from PIL import Image

    with Image.open(shot) as im:        # 256 colours: a quarter of the bytes, the letters as sharp
        im.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
            out, optimize=True)
    print(out)
    win.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "line-images.png")
    ap.add_argument("--zoom", type=float, default=1.0)
    ap.add_argument("--window", action="store_true", help="the whole window (default: viewer and editor)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="digitizer-lineimg-") as tmp:
        run(args.out, Path(tmp), args.zoom, args.window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
