#!/usr/bin/env python3
"""Pack what a training run on a lent GPU machine needs into ``.gpu-kit/`` (git-ignored).

    python scripts/htr/gpu_kit.py DATA_DIR [--kit .gpu-kit] [--mix REGEX] [--height 48] [--quality 75]

The lent machine (see docs/htr.md "On a lent GPU") reaches nothing outside itself, has its own
Python 3.12 with a CUDA torch, lightning, numpy, scipy, scikit-image, Pillow, lxml, but not
kraken, and receives only the working tree plus named ``carry`` paths, 64 MiB in all with the
repository (about 28 MiB).  So the kit holds:

* ``data.tar.gz``: the training lines of ``DATA_DIR`` (``scripts/htr/build_dataset.py``) whose source
  matches ``--mix`` and the validation lines, scaled to the recognition model's input height
  (``--height``: what the network sees; nothing is lost for a 48-pixel model) and stored as
  lossy WebP (``--quality``), with their ``.gt.txt`` and a ``split.tsv`` that holds only them, in
  one tar file (``data/...``; 16,000 small files would each take a disk block);
* ``wheels/``: kraken and the few packages it imports that the machine lacks, for CPython 3.12,
  at the versions of ``requirements-lock.txt`` (``pip download``, from the package index, here).

It prints the kit's size and refuses one that would not travel.  ``scripts/train-gpu.sh`` uses
the kit when the machine has no ``.venv``.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
# What `digitizer train` imports that the lent machine's image lacks (found by tracing the
# modules a training run loads here, against the machine's package list in the device notes).
WHEELS = ("kraken", "coremltools", "cattrs", "iso639-lang", "shapely", "platformdirs", "rich")
PIP_PLATFORM = ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp",
                "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
                "--platform", "manylinux2014_x86_64", "--platform", "manylinux1_x86_64"]
TREE_LIMIT = 64 * 2**20          # what travels to the machine, the repository included


def pinned(names: tuple[str, ...], lock: Path) -> list[str]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    missing = [n for n in names if n not in pins]
    if missing:
        raise SystemExit(f"{lock}: no pinned version of {', '.join(missing)}")
    return [f"{n}=={pins[n]}" for n in names]


def pack_lines(data: Path, out: Path, mix: str, height: int, quality: int) -> tuple[int, int]:
    with open(data / "split.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    keep = [r for r in rows if r["split"] == "validation"
            or (r["split"] == "train" and (mix == "all" or re.match(rf"^({mix}):", r["source_page"])))]
    (out / "lines").mkdir(parents=True)
    for r in keep:
        src = data / "lines" / f"{r['id']}.png"
        with Image.open(src) as im:
            im = im.convert("L")
            w = max(1, round(im.width * height / im.height))
            im.resize((w, height), Image.LANCZOS).save(out / "lines" / f"{r['id']}.webp", quality=quality)
        shutil.copyfile(data / "lines" / f"{r['id']}.gt.txt", out / "lines" / f"{r['id']}.gt.txt")
    with open(out / "split.tsv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), delimiter="\t")
        w.writeheader()
        w.writerows(keep)
    return sum(r["split"] == "train" for r in keep), sum(r["split"] == "validation" for r in keep)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="a line set from scripts/htr/build_dataset.py")
    ap.add_argument("--kit", type=Path, default=ROOT / ".gpu-kit", help="output folder (replaced)")
    ap.add_argument("--mix", default="poilus|mss19|mss20|bronod|repertoires|mariages",
                    help="sources whose training lines are packed (regex over the source prefix; 'all': every one)")
    ap.add_argument("--height", type=int, default=48, help="line height in pixels (the model's input height)")
    ap.add_argument("--quality", type=int, default=75, help="WebP quality")
    ap.add_argument("--no-wheels", action="store_true", help="pack the lines only")
    args = ap.parse_args(argv)
    if args.kit.exists():
        shutil.rmtree(args.kit)
    n_train, n_val = pack_lines(args.data, args.kit / "data", args.mix, args.height, args.quality)
    with tarfile.open(args.kit / "data.tar.gz", "w:gz") as tar:     # gzip: the 16,000 tar headers
        tar.add(args.kit / "data", arcname="data")
    shutil.rmtree(args.kit / "data")
    if not args.no_wheels:
        (args.kit / "wheels").mkdir()
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *PIP_PLATFORM,
                        "-d", str(args.kit / "wheels"), *pinned(WHEELS, ROOT / "requirements-lock.txt")], check=True)
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    repo = sum((ROOT / p).stat().st_size for p in tracked.decode().split("\0") if p and (ROOT / p).is_file())
    kit = size(args.kit)
    data = (args.kit / "data.tar.gz").stat().st_size
    print(f"{args.kit}: {n_train} training + {n_val} validation lines ({data / 2**20:.1f} MiB), "
          f"wheels {(kit - data) / 2**20:.1f} MiB; with the repository "
          f"{(kit + repo) / 2**20:.1f} of {TREE_LIMIT / 2**20:.0f} MiB")
    if kit + repo > TREE_LIMIT:
        print(f"{args.kit}: too large to travel; lower --quality or narrow --mix", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
