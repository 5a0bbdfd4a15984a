#!/usr/bin/env python3
"""Replay issue 11's GUI repro steps on a real X server with real key events, then read the store.

pytest-qt sends key events straight to widgets; these bugs passed it.  This script starts Xvfb and
openbox, opens ``digitizer gui`` on a generated three-page project (recognised with the real
Tesseract), types with ``xdotool`` as a person would, takes screenshots and checks the project
store after every step.

    .venv/bin/python scripts/xvfb_replay.py [--out DIR]

Needs Xvfb, openbox and xdotool (``scripts/setup.sh`` installs them).  Screenshots go to OUT
(default: a new temporary folder, printed at the end).  Exit status 0 when every check held, 1 with
one line per failed check, 2 when the tools are missing.
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

from PIL import Image, ImageDraw, ImageFont, ImageGrab

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digitizer.ingest import import_paths  # noqa: E402
from digitizer.batch.process import process_pages  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
PAGES = [["The quick brown fox jumps", "over the lazy dog today", "Archives keep old letters"],
         ["Second page begins here", "with three short lines", "of clear printed text"],
         ["Third page of the batch", "written for the replay", "with real key events"]]
DISPLAY = ":57"
TOOLS = ("Xvfb", "openbox", "xdotool")


def make_project(root: Path) -> list[int]:
    """Three generated pages, recognised with the real Tesseract; returns the page ids."""
    src = root.parent / "src"
    src.mkdir(parents=True, exist_ok=True)
    font = ImageFont.truetype(FONT, 40)
    files = []
    for n, lines in enumerate(PAGES, 1):
        img = Image.new("L", (1240, 700), 255)
        draw = ImageDraw.Draw(img)
        for i, text in enumerate(lines):
            draw.text((90, 90 + i * 76), text, font=font, fill=0)
        img.save(src / f"page{n:02d}.png", dpi=(300, 300))
        files.append(src / f"page{n:02d}.png")
    with ProjectStore.create(root) as store:
        item = store.add_item("letters", title="Letters", profile="printed-modern")
        import_paths(store, files, item)
        rep = process_pages(store)
        assert len(rep.done) == len(PAGES), rep.failed
        return [p.id for p in store.pages()]


class Session:
    """Xvfb + openbox + the workstation; ``key``/``type`` send real X key events, ``click``/``drag`` real
    pointer events (screen pixels), ``shot`` grabs the screen."""

    def __init__(self, project: Path, out: Path, display: str = DISPLAY,
                 prefs: str = "operator=xvfb-replay\nthreshold=0.999\ntheme=light\n") -> None:
        self.project, self.out, self.procs, self.display, self.prefs = project, out, [], display, prefs
        self.env = {**os.environ, "DISPLAY": display, "XDG_CACHE_HOME": str(out / "cache")}
        self.env.pop("QT_QPA_PLATFORM", None)
        self.failures: list[str] = []
        self.checks = 0

    def start(self) -> None:
        self.procs.append(subprocess.Popen(["Xvfb", self.display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                           stderr=subprocess.DEVNULL))
        time.sleep(1.0)
        self.procs.append(subprocess.Popen(["openbox"], env=self.env, stderr=subprocess.DEVNULL))
        ini = self.out / "settings.ini"
        ini.write_text("[prefs]\n" + self.prefs)
        gui = [sys.executable, "-c", "import sys; from digitizer.cli.main import main; sys.exit(main())", "gui",
               str(self.project), "--settings", str(ini)]
        self.procs.append(subprocess.Popen(gui, env={**self.env, "OMP_THREAD_LIMIT": "1"}, cwd=ROOT))
        wid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "digitizer"], env=self.env,
                             capture_output=True, text=True, timeout=120).stdout.split()
        self.window = wid[0]
        # the whole window on the screen, title bar and status bar included (a 1600x1000 window left its
        # status bar below the screen): the frame's extents (left, right, top, bottom) from openbox
        ext = subprocess.run(["xprop", "-id", self.window, "_NET_FRAME_EXTENTS"], env=self.env,
                             capture_output=True, text=True).stdout
        left, right, top, bottom = ([int(v) for v in ext.split("=")[1].split(",")] if "=" in ext else [0, 0, 0, 0])
        subprocess.run(["xdotool", "windowsize", "--sync", self.window, str(1600 - left - right),
                        str(1000 - top - bottom)], env=self.env)
        subprocess.run(["xdotool", "windowmove", self.window, str(left), str(top)], env=self.env)
        subprocess.run(["xdotool", "windowactivate", "--sync", self.window], env=self.env)
        self.settle(4.0)

    def settle(self, seconds: float = 0.8) -> None:
        time.sleep(seconds)

    def key(self, *keys: str, wait: float = 0.8) -> None:
        subprocess.run(["xdotool", "key", "--clearmodifiers", *keys], env=self.env, check=True)
        self.settle(wait)

    def type(self, text: str) -> None:
        subprocess.run(["xdotool", "type", "--delay", "60", text], env=self.env, check=True)
        self.settle()

    def click(self, x: float, y: float, button: int = 1, wait: float = 0.8) -> None:
        """Move the pointer to screen pixel (x, y) and click ``button`` (1 left, 3 right)."""
        subprocess.run(["xdotool", "mousemove", "--sync", str(round(x)), str(round(y))], env=self.env, check=True)
        self.settle(0.2)
        subprocess.run(["xdotool", "click", str(button)], env=self.env, check=True)
        self.settle(wait)

    def drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8, wait: float = 1.2) -> None:
        """Press the left button at ``start``, move in steps to ``end`` and release there (screen pixels)."""
        (x0, y0), (x1, y1) = start, end
        subprocess.run(["xdotool", "mousemove", "--sync", str(round(x0)), str(round(y0))], env=self.env, check=True)
        self.settle(0.2)
        subprocess.run(["xdotool", "mousedown", "1"], env=self.env, check=True)
        for i in range(1, steps + 1):
            x, y = x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps
            subprocess.run(["xdotool", "mousemove", str(round(x)), str(round(y))], env=self.env, check=True)
            time.sleep(0.05)
        self.settle(0.2)
        subprocess.run(["xdotool", "mouseup", "1"], env=self.env, check=True)
        self.settle(wait)

    def grab(self) -> Image.Image:
        return ImageGrab.grab(xdisplay=self.display).convert("RGB")

    def shot(self, name: str) -> Path:
        path = self.out / f"{name}.png"
        self.grab().save(path)
        return path

    def shot_img(self, name: str) -> Image.Image:
        """Grab the screen, save it as ``name`` and return it."""
        img = self.grab()
        img.save(self.out / f"{name}.png")
        return img

    def check(self, what: str, ok: bool, detail: object = "") -> None:
        self.checks += 1
        print(("ok    " if ok else "FAIL  ") + what + (f"  ({detail})" if detail and not ok else ""))
        if not ok:
            self.failures.append(f"{what}: {detail}")

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def stored(project: Path, page_id: int):
    with ProjectStore.open(project) as store:
        return store.get_page(page_id), store.load_layout(page_id)


def replay(s: Session, project: Path, ids: list[int]) -> None:
    p1, p2, p3 = ids
    s.shot("01-open")
    # Ctrl+PgDown / Ctrl+PgUp / Ctrl+Enter move the page shown; Ctrl+Alt+R then reviews only that page
    s.key("ctrl+Next")
    s.key("ctrl+Prior")
    s.key("ctrl+Return")                        # page 1 done -> corrected, page 2 shown
    s.key("ctrl+Return")                        # page 2 done -> corrected, page 3 shown
    s.key("ctrl+Prior")                         # back to page 2
    s.key("ctrl+alt+r", wait=1.5)
    statuses = [stored(project, p)[0].status for p in ids]
    s.check("Ctrl+Alt+R reviews the page shown only", statuses == ["corrected", "reviewed", "processed"], statuses)
    s.shot("02-reviewed-the-page-shown")
    # Ctrl+U goes to the Unicode field and types nothing into the line
    s.key("ctrl+Next")                          # page 3, cursor in its first line
    first = stored(project, p3)[1].lines()[0]
    s.key("End")
    s.key("ctrl+u")
    s.type("U+017F")
    s.key("Return")
    s.shot("03-ctrl-u-inserted")
    s.key("Down", wait=1.5)                     # leaving the line saves it
    text = stored(project, p3)[1].find_line(first.id).text
    s.check("Ctrl+U inserts the character, not its own text", text == first.text + "ſ", repr(text))
    # F3 right after Enter selects the first low-confidence word of the new line; typing replaces it
    second, third = stored(project, p3)[1].lines()[1:3]
    s.key("Return")                             # from line 2 to line 3
    s.key("F3")
    s.type("Xx")
    s.key("Up", wait=1.5)                       # leave line 3: saved
    got = stored(project, p3)[1].find_line(third.id).text
    want = " ".join(["Xx"] + third.text.split()[1:])
    s.check("F3 after Enter goes to the first low-confidence word of the next line", got == want, repr(got))
    # line states: Ctrl+Alt+V verifies line 2 (and goes to line 3), Ctrl+Alt+F flags line 3 with a comment
    s.key("ctrl+alt+v", wait=1.2)
    s.key("ctrl+alt+f", wait=1.2)
    s.type("smudge on the last word")
    s.key("Return", wait=1.5)
    with ProjectStore.open(project) as store:
        states = {lid: (st.state, st.comment) for lid, st in store.line_states(p3).items()}
    want_states = {first.id: ("edited", ""), second.id: ("verified", ""),
                   third.id: ("flagged", "smudge on the last word")}
    s.check("Ctrl+Alt+V / Ctrl+Alt+F set the line states", states == want_states, states)
    s.shot("04-line-states")
    # "Process again?": a bare Enter is No, and the corrections stay
    s.key("ctrl+r", wait=1.5)
    s.shot("05-process-again-defaults-to-no")
    s.key("Return", wait=4.0)
    got = stored(project, p3)[1].find_line(first.id).text
    s.check("Enter on 'Process again?' keeps the corrections", got == first.text + "ſ", repr(got))
    # Ctrl+Z restores the whole engine version of line 3 (words, confidences, boxes)
    s.key("ctrl+z", wait=1.5)
    undone = stored(project, p3)[1].find_line(third.id)
    same = [(w.text, w.confidence, w.bbox) for w in undone.words] == \
        [(w.text, w.confidence, w.bbox) for w in third.words]
    s.check("Ctrl+Z restores the whole line version", same, [(w.text, w.confidence) for w in undone.words])
    s.shot("06-after-undo")
    # another process changes a line: the window notices (data_version polling) and shows the stored text
    cli = [sys.executable, "-c", "import sys; from digitizer.cli.main import main; sys.exit(main())"]
    res = subprocess.run([*cli, "lines", str(project), "--page", str(p3), "--line", second.id, "--set",
                          "changed by the CLI meanwhile"], capture_output=True, text=True, cwd=ROOT)
    s.check("the CLI changes line 2 while the window is open", res.returncode == 0, res.stderr.strip())
    s.settle(3.0)
    s.shot("07-outside-change-reloaded")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="folder for screenshots (default: a temporary folder)")
    args = ap.parse_args()
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(f"xvfb_replay: missing {', '.join(missing)} (apt-get install xvfb openbox xdotool)", file=sys.stderr)
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="xvfb-replay-"))
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="xvfb-project-"))
    project = work / "proj"
    ids = make_project(project)
    s = Session(project, out)
    try:
        s.start()
        replay(s, project, ids)
    finally:
        s.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"screenshots: {out}")
    for line in s.failures:
        print(f"xvfb_replay: {line}", file=sys.stderr)
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
