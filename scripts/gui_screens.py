#!/usr/bin/env python3
"""Screenshots of the intake, export and status workflows (issue 15) on a real X server (Xvfb), for
``docs/gui.md``: ``.venv/bin/python scripts/gui_screens.py [--out docs/img]``.

Starts Xvfb, makes a project from generated pages through the window's own actions (new project,
new item with a profile, import of a folder, processing with the real Tesseract, a correction, page
done), and grabs the window and each dialog as it is shown.  Needs Xvfb (``scripts/setup.sh``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
DISPLAY = ":58"


def pump(app, seconds: float = 0.3) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def until(app, cond, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there")
        pump(app, 0.05)


def shoot(app, widget, out: Path, name: str) -> None:
    pump(app)
    widget.grab().save(str(out / name))
    print(f"{out / name}")


def run(out: Path, tmp: Path) -> None:
    from _gui_helpers import render_page

    from digitizer.gui.app import make_app
    from digitizer.gui.main_window import MainWindow
    from digitizer.gui.settings import Settings

    app = make_app()
    scans = tmp / "scans"
    scans.mkdir()
    for n, lines in enumerate([["The quick brown fox jumps", "over the lazy dog today"],
                               ["Second page begins here", "with two short lines"]], 1):
        render_page(scans / f"p{n:02d}.png", lines)
    win = MainWindow(Settings(tmp / "settings.ini"))
    win.resize(1400, 880)
    win.show()
    dlg = win._new_project_dialog()
    dlg.path_edit.setText(str(tmp / "archive" / "letters-1911"))
    dlg.name_edit.setText("Letters 1911")
    shoot(app, dlg, out, "intake-new-project.png")
    dlg.accept()
    item_dlg = win._new_item_dialog()
    item_dlg.name_edit.setText("letters")
    item_dlg.title_edit.setText("Letters to the town clerk")
    item_dlg.profile_combo.setCurrentText("printed-modern")
    shoot(app, item_dlg, out, "intake-new-item.png")
    item_dlg.accept()
    win.metadata_dialog.reject()
    win.new_item("wills", "manuscript")
    imp = win._import_dialog()
    imp.add_paths([str(scans)])
    imp.item_combo.setCurrentIndex(imp.item_combo.findText("letters"))
    shoot(app, imp, out, "intake-import.png")
    imp.accept()
    until(app, lambda: not win.queue.busy() and win.page is not None)
    win.process_item()
    until(app, lambda: not win.queue.busy())
    pump(app, 1.5)
    shoot(app, win, out, "status-jobs-and-items.png")
    eng = win._engine_dialog()
    eng.engine_combo.setCurrentIndex(eng.engine_combo.findData("kraken"))
    eng.model_combo.setCurrentText("poilus-fr-v1")
    shoot(app, eng, out, "intake-engine.png")
    eng.reject()
    lid = win.editor.line_ids()[0]
    win.save_line(win.page.id, lid, "The quick brown fox jumped!")
    win.editor.focus_line(lid)
    win.show_history()
    shoot(app, win.history_dialog, out, "history-diff.png")
    win.history_dialog.reject()
    win.page_done()
    exp = win.show_export_dialog()
    for fmt, box in exp.checks.items():
        box.setChecked(fmt in ("alto", "mets", "page", "bag"))
    exp.out.setText(str(tmp / "archive" / "letters-1911-export"))
    shoot(app, exp, out, "export-dialog.png")
    exp.start()
    until(app, lambda: exp.worker is None)
    shoot(app, exp, out, "export-done.png")
    exp.close()
    win.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = ap.parse_args()
    if shutil.which("Xvfb") is None:
        print("Xvfb is not installed (scripts/setup.sh installs it)", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
    tmp = Path(tempfile.mkdtemp(prefix="gui-screens-"))
    try:
        time.sleep(1.0)
        os.environ.update(DISPLAY=DISPLAY, QT_QPA_PLATFORM="xcb", XDG_CACHE_HOME=str(tmp / "cache"),
                          OMP_THREAD_LIMIT="1")
        run(out, tmp)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
