"""How to call tesseract: bare CLI vs our executor vs pytesseract (vs tesserocr, optional).

    .venv/bin/python benchmarks/bench_ocr_backend.py [--repeat 2] [--pages 7] [--tesserocr-path DIR]

Runs every backend on the printed/typed pages of the dev corpus (``--corpus DIR``) in the same run
(min of ``--repeat`` runs, OMP_THREAD_LIMIT=1) and prints seconds per page and the ratio to the
bare ``tesseract`` CLI on the same file.  ``--tesserocr-path`` adds tesserocr from a folder made
with ``pip install --target DIR tesserocr`` (it bundles its own libtesseract, so its version may
differ from the OS tesseract; it is not a project dependency).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from _corpus import add_corpus_argument, require_corpus  # noqa: E402
from digitizer.engines.base import RecognitionOptions  # noqa: E402
from digitizer.engines.tesseract import _exec  # noqa: E402
from digitizer.engines.tesseract.engine import TesseractEngine  # noqa: E402

PAGES = [("tapuscorpus/22_c266f_default.jpg", "fra"), ("tapuscorpus/34_94ac2_default.jpg", "fra"),
         ("tapuscorpus/9200519_ark__12148_btv1b52503505h.jpeg", "fra"), ("tapuscorpus/bljd_DSN390_00002.jpg", "fra"),
         ("tapuscorpus/3_eac6a_default.jpg", "fra"), ("ocrd-assets-kant/INPUT_0017.tif", "frk"),
         ("ocrd-assets-kant/INPUT_0020.tif", "frk")]


_APIS: dict = {}


def _tessdata_dir() -> str:
    """The OS tesseract's tessdata folder, as ``tesseract --list-langs`` names it."""
    import subprocess

    first = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.splitlines()[0]
    return first.split('"')[1]


def _tesserocr_api(mod, lang: str):
    """One tesserocr API per language, created once (model loading is not timed)."""
    if lang not in _APIS:
        _APIS[lang] = mod.PyTessBaseAPI(path=_tessdata_dir(), lang=lang)
    return _APIS[lang]


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def backends(path: Path, lang: str, tesserocr_mod) -> dict:
    image = Image.open(path)
    image.load()
    engine = TesseractEngine()
    out = {
        "cli": lambda: subprocess.run(["tesseract", str(path), "stdout", "-l", lang, "tsv"], check=True,
                                      capture_output=True),
        "engine(PIL)": lambda: engine.process(image, RecognitionOptions(languages=[lang])),
        "exec(path)": lambda: _exec.run_tsv(images=[path], langs=[lang]),
    }
    try:
        import pytesseract
        out["pytesseract"] = lambda: pytesseract.image_to_data(image, lang=lang)
    except ImportError:
        pass
    if tesserocr_mod is not None:
        api = _tesserocr_api(tesserocr_mod, lang)

        def run_tesserocr():
            api.SetImage(image)
            return api.GetTSVText(0)
        out["tesserocr"] = run_tesserocr
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--pages", type=int, default=len(PAGES))
    ap.add_argument("--tesserocr-path", type=Path)
    add_corpus_argument(ap)
    args = ap.parse_args()
    corpus = require_corpus(args.corpus, [rel for rel, _ in PAGES[:args.pages]])
    api = None
    if args.tesserocr_path:
        sys.path.insert(0, str(args.tesserocr_path))
        import tesserocr
        print(f"tesserocr {tesserocr.__version__} with {tesserocr.tesseract_version().splitlines()[0]}")
        api = tesserocr
    print(f"OS tesseract {_exec.version()}, OMP_THREAD_LIMIT={os.environ['OMP_THREAD_LIMIT']}, min of {args.repeat}")
    totals: dict[str, float] = {}
    for rel, lang in PAGES[:args.pages]:
        path = corpus / rel
        times = {name: timed(fn, args.repeat) for name, fn in backends(path, lang, api).items()}
        for name, t in times.items():
            totals[name] = totals.get(name, 0.0) + t
        cells = "  ".join(f"{n} {t:5.2f}s ({t / times['cli']:.2f}x)" for n, t in times.items())
        print(f"{path.name[:28]:28s} {cells}")
    print("TOTAL" + " " * 24 + "  ".join(f"{n} {t:5.2f}s ({t / totals['cli']:.2f}x)" for n, t in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
