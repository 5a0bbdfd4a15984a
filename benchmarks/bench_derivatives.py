"""Access derivatives of a 600-dpi A4 page: digitizer vs the ``vips`` command line itself, plus the
total export time of the demo collection with every package format.

    .venv/bin/python benchmarks/bench_derivatives.py [--repeat 3] [--no-demo] [--json OUT]

The page is a real scan (corpus/dev Kant p. 17) enlarged to 4962 x 7014 RGB and stored as an
uncompressed TIFF (~104 MB), the size of an A4 master at 600 dpi.  Both sides write the same
files from the same TIFF:

* digitizer: ``make_derivatives`` (pyramidal JPEG TIFF with 256-px tiles, IIIF level-0 tiles with
  512-px tiles + info.json with sizes, one JPEG per listed size, full/max JPEG, thumbnail);
* vips CLI:  ``vips tiffsave --tile --pyramid``, ``vips dzsave --layout iiif3``, ``vips jpegsave``,
  and one ``vipsthumbnail`` per listed size + thumbnail, run one after the other.

Times are the minimum of ``--repeat`` runs (shared, noisy machine).  Goal: ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SRC = REPO / "tests" / "data" / "ocrd-assets-kant" / "INPUT_0017.tif"      # the dev corpus page, kept in tests/data
A4_600 = (4962, 7014)


def make_master(path: Path) -> Path:
    import pyvips

    img = pyvips.Image.new_from_file(str(SRC))
    img = img.resize(A4_600[0] / img.width, vscale=A4_600[1] / img.height)
    img.tiffsave(str(path), compression="none", xres=600 / 25.4, yres=600 / 25.4)
    return path


def ours(master: Path, out: Path) -> float:
    from digitizer.export.iiif import DerivativeOptions, make_derivatives

    t = time.perf_counter()
    make_derivatives(master, out, 1, service_id="http://localhost:8000/x/iiif/0001", opts=DerivativeOptions())
    return time.perf_counter() - t


def cli(master: Path, out: Path) -> float:
    from digitizer.export.iiif import DerivativeOptions, listed_sizes

    opts = DerivativeOptions()
    sizes = listed_sizes(*A4_600, opts)
    (out / "pyramid").mkdir(parents=True)
    (out / "sizes").mkdir()
    cmds = [["vips", "tiffsave", str(master), str(out / "pyramid/0001.tif"), "--tile", "--pyramid",
             "--compression", "jpeg", "--Q", "85", "--tile-width", "256", "--tile-height", "256"],
            ["vips", "dzsave", str(master), str(out / "0001"), "--layout", "iiif3", "--tile-size", "512",
             "--overlap", "0", "--suffix", ".jpg[Q=85]", "--id", "http://localhost:8000/x/iiif"],
            ["vips", "jpegsave", str(master), str(out / "max.jpg"), "--Q", "85", "--optimize-coding"],
            ["vipsthumbnail", str(master), "-s", "200", "-o", str(out / "thumb.jpg[Q=85]")]]
    cmds += [["vipsthumbnail", str(master), "-s", f"{w}x{h}!", "-o", str(out / f"sizes/{w}.jpg[Q=85]")]
             for w, h in sizes]
    t = time.perf_counter()
    for c in cmds:
        subprocess.run(c, check=True, capture_output=True)
    return time.perf_counter() - t


def demo_export(work: Path) -> dict:
    """Build the demo project (generate + `digitizer run`, not timed), then time one full export."""
    from digitizer.pipeline.export import export_project
    from digitizer.store import ProjectStore

    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    subprocess.run([sys.executable, "-m", "digitizer.demo", str(work / "demo")], check=True, cwd=REPO, env=env,
                   capture_output=True)
    subprocess.run([sys.executable, "-c", "import sys; from digitizer.cli.main import main; sys.exit(main())",
                    "-q", "run", str(work / "demo/letters"),
                    str(work / "demo/report"), "-o", str(work / "run-out"), "--profile", "printed-modern",
                    "--lang", "eng"], check=True, cwd=REPO, env=env, capture_output=True)
    with ProjectStore.open(work / "run-out/_project") as store:
        pages = len(store.pages())
        t = time.perf_counter()
        summary = export_project(store, work / "full", formats=["alto", "text", "mets", "tiff", "iiif", "pdf"],
                                 bag=True)
        dt = time.perf_counter() - t
    size = sum(p.stat().st_size for p in (work / "full").rglob("*") if p.is_file())
    return {"items": len(summary.items), "pages": pages, "seconds": round(dt, 2), "errors": summary.errors,
            "seconds_per_page": round(dt / max(pages, 1), 2), "bag_mb": round(size / 1e6, 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-deriv-") as tmp:
        tmp = Path(tmp)
        master = make_master(tmp / "a4_600.tif")
        t_ours, t_cli = [], []
        for i in range(a.repeat):
            for fn, acc in ((cli, t_cli), (ours, t_ours)):
                out = tmp / f"{fn.__name__}{i}"
                acc.append(fn(master, out))
                shutil.rmtree(out)
        res = {"master": f"{A4_600[0]}x{A4_600[1]} RGB, {master.stat().st_size / 1e6:.0f} MB uncompressed TIFF",
               "digitizer_s": round(min(t_ours), 2), "vips_cli_s": round(min(t_cli), 2),
               "ratio": round(min(t_ours) / min(t_cli), 2), "runs_digitizer": [round(x, 2) for x in t_ours],
               "runs_vips_cli": [round(x, 2) for x in t_cli]}
        if not a.no_demo:
            res["demo_export"] = demo_export(tmp)
    print(json.dumps(res, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
