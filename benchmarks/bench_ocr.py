"""digitizer vs bare `tesseract` on the printed and typed pages of ../shared/corpus/dev.

    .venv/bin/python benchmarks/bench_ocr.py [--quick] [--degraded] [--json OUT]

Both run in the same process loop on the same image files with the same languages:
* bare:      `tesseract IMAGE - -l LANG tsv` (OMP_THREAD_LIMIT=1, like digitizer)
* digitizer: the real page task (load → preprocess from the profile → Tesseract engine → map
             back to master coordinates), i.e. what `digitizer process` runs per page.
Scoring is per ground-truth line: the hypothesis for a GT line is every recognised word whose
centre lies inside that line's box (from the GT ALTO/PAGE), in x order; CER = edits / GT chars,
summed over lines. "norm" = NFKC + ſ→s + combining small e → umlaut + whitespace collapsed.
`--degraded` adds each page rotated by 4° with scanner noise (skewed/noisy cases).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from lxml import etree  # noqa: E402
from PIL import Image  # noqa: E402

from digitizer.engines.base import RecognitionOptions  # noqa: E402
from digitizer.htr.evaluate import distance as lev  # noqa: E402
from digitizer.pipeline.page import PageTask, run_page_task  # noqa: E402
from digitizer.profiles import load_profile  # noqa: E402

DEV = Path(os.environ.get("DIGITIZER_SHARED", REPO.parent / "shared")) / "corpus" / "dev"
PAGES = [  # image, GT xml, profile
    ("ocrd-assets-kant/INPUT_0017.tif", "ocrd-assets-kant/PAGE_0017_PAGE.xml", "printed-historical"),
    ("ocrd-assets-kant/INPUT_0020.tif", "ocrd-assets-kant/PAGE_0020_PAGE.xml", "printed-historical"),
    ("tapuscorpus/22_c266f_default.jpg", "tapuscorpus/22_c266f_default.xml", "typescript"),
    ("tapuscorpus/34_94ac2_default.jpg", "tapuscorpus/34_94ac2_default.xml", "typescript"),
    ("tapuscorpus/3_eac6a_default.jpg", "tapuscorpus/3_eac6a_default.xml", "typescript"),
    ("tapuscorpus/9200519_ark__12148_btv1b52503505h.jpeg", "tapuscorpus/9200519_ark__12148_btv1b52503505h.xml",
     "typescript"),
    ("tapuscorpus/bljd_DSN390_00002.jpg", "tapuscorpus/bljd_DSN390_00002.xml", "typescript"),
]


@dataclass
class GtLine:
    text: str
    box: tuple[int, int, int, int]


def _parse(path: Path):
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def read_gt(path: Path) -> list[GtLine]:
    doc = _parse(path)
    root = doc.getroot()
    ns = root.nsmap.get(None, "")
    out = []
    if "PAGE" in ns or root.tag.endswith("PcGts"):
        for tl in root.iter(f"{{{ns}}}TextLine"):
            pts = tl.find(f"{{{ns}}}Coords").get("points")
            xy = [tuple(map(int, p.split(","))) for p in pts.split()]
            uni = tl.find(f"{{{ns}}}TextEquiv/{{{ns}}}Unicode")
            xs, ys = [p[0] for p in xy], [p[1] for p in xy]
            out.append(GtLine(uni.text or "" if uni is not None else "", (min(xs), min(ys), max(xs), max(ys))))
    else:
        for tl in root.iter(f"{{{ns}}}TextLine"):
            text = " ".join(s.get("CONTENT", "") for s in tl.iter(f"{{{ns}}}String"))
            x, y = int(float(tl.get("HPOS"))), int(float(tl.get("VPOS")))
            w, h = int(float(tl.get("WIDTH"))), int(float(tl.get("HEIGHT")))
            out.append(GtLine(text, (x, y, x + w, y + h)))
    return [ln for ln in out if ln.text.strip()]


def normalise(s: str) -> str:
    s = unicodedata.normalize("NFD", s)
    for base in "aou":
        s = s.replace(base + "\u0364", base + "\u0308")
    s = unicodedata.normalize("NFKC", s).replace("ſ", "s")
    return " ".join(s.split())


def score(gt: list[GtLine], words: list[tuple[str, tuple[int, int, int, int]]],
          to_gt=lambda x, y: (x, y)) -> tuple[float, float]:
    """``to_gt`` maps a word centre into the GT's coordinate frame (for rotated copies)."""
    edits_raw = edits_norm = chars_raw = chars_norm = 0
    centres = [(t, to_gt((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)) for t, b in words]
    for line in gt:
        x0, y0, x1, y1 = line.box
        hyp = [(c[0], t) for t, c in centres if x0 <= c[0] <= x1 and y0 <= c[1] <= y1]
        hyp_text = " ".join(t for _, t in sorted(hyp))
        ref = " ".join(line.text.split())
        edits_raw += lev(ref, " ".join(hyp_text.split()))
        chars_raw += len(ref)
        edits_norm += lev(normalise(ref), normalise(hyp_text))
        chars_norm += len(normalise(ref))
    return edits_raw / max(chars_raw, 1), edits_norm / max(chars_norm, 1)


def bare_tesseract(image: Path, langs: str) -> tuple[float, list]:
    t0 = time.perf_counter()
    res = subprocess.run(["tesseract", str(image), "-", "-l", langs, "tsv"], capture_output=True, text=True,
                         check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    dt = time.perf_counter() - t0
    words = []
    for row in res.stdout.splitlines()[1:]:
        f = row.split("\t")
        if len(f) == 12 and f[0] == "5" and f[11].strip():
            x, y, w, h = map(int, f[6:10])
            words.append((f[11], (x, y, x + w, y + h)))
    return dt, words


def digitizer_page(image: Path, profile_name: str, tmp: Path) -> tuple[float, list, dict]:
    prof = load_profile(profile_name)
    with Image.open(image) as im:
        width, height = im.size
        dpi = im.info.get("dpi", (None,))[0]
    rec = prof.recognition
    task = PageTask(project_root=str(tmp), page_id=0, image_path=str(image), frame=0, width=width, height=height,
                    dpi=float(dpi) if dpi else None, preprocess=dict(prof.preprocess), engine=rec.engine,
                    recognition=RecognitionOptions(languages=rec.languages, extra=dict(rec.options)),
                    derived_rel="pre.png")
    t0 = time.perf_counter()
    res = run_page_task(task)
    dt = time.perf_counter() - t0
    if not res.ok:
        raise RuntimeError(f"{image}: {res.error}")
    words = [(w.text, (w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1)) for w in res.layout.words()]
    return dt, words, res.timings


def degrade(src: Path, dst: Path, angle: float = 4.0):
    """Rotate by ``angle`` (about the centre, same canvas) and add noise; returns the map from the
    degraded image's coordinates back to the original's (where the GT boxes are)."""
    im = Image.open(src).convert("L")
    w, h = im.size
    rot = im.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    a = np.asarray(rot, dtype=np.int16)
    rng = np.random.default_rng(3)
    a = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    Image.fromarray(a).save(dst, dpi=im.info.get("dpi", (300, 300)))
    th = np.deg2rad(angle)
    cx, cy = w / 2, h / 2

    def back(x, y):   # inverse of PIL's counter-clockwise rotation (y down)
        dx, dy = x - cx, y - cy
        return cx + dx * np.cos(th) - dy * np.sin(th), cy + dx * np.sin(th) + dy * np.cos(th)

    return back


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 pages only")
    ap.add_argument("--degraded", action="store_true", help="also rotated + noisy copies")
    ap.add_argument("--json", help="write results here")
    args = ap.parse_args()
    pages = PAGES[1:4] if args.quick else PAGES
    rows = []
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        for rel, gt_rel, prof in pages:
            img, gt = DEV / rel, read_gt(DEV / gt_rel)
            cases = [("orig", img, lambda x, y: (x, y))]
            if args.degraded:
                dimg = tmp / (img.stem + "_rot4_noise.png")
                cases.append(("rot4+noise", dimg, degrade(img, dimg)))
            langs = "+".join(load_profile(prof).recognition.languages)
            for variant, path, to_gt in cases:
                t_bare, w_bare = bare_tesseract(path, langs)
                t_dig, w_dig, tim = digitizer_page(path, prof, tmp)
                rows.append({"page": Path(rel).name, "variant": variant, "langs": langs, "lines": len(gt),
                             "t_bare": t_bare, "t_dig": t_dig, "ratio": t_dig / t_bare,
                             "cer_bare": score(gt, w_bare, to_gt), "cer_dig": score(gt, w_dig, to_gt),
                             "timings": tim})
                r = rows[-1]
                print(f"{r['page'][:34]:<34} {variant:<10} {langs:<8} {r['lines']:3d} lines  "
                      f"bare {t_bare:5.2f}s  digitizer {t_dig:5.2f}s  ratio {r['ratio']:.2f}  "
                      f"CER raw bare {r['cer_bare'][0]:6.2%} dig {r['cer_dig'][0]:6.2%}  "
                      f"norm bare {r['cer_bare'][1]:6.2%} dig {r['cer_dig'][1]:6.2%}", flush=True)
    print()
    for variant in sorted({r["variant"] for r in rows}):
        sel = [r for r in rows if r["variant"] == variant]
        tb, td = sum(r["t_bare"] for r in sel), sum(r["t_dig"] for r in sel)
        mean = lambda k, i, sel=sel: sum(r[k][i] for r in sel) / len(sel)  # noqa: E731
        print(f"TOTAL {variant:<10} pages {len(sel)}  bare {tb:6.1f}s  digitizer {td:6.1f}s  ratio {td / tb:.3f}  "
              f"mean CER raw bare {mean('cer_bare', 0):.2%} dig {mean('cer_dig', 0):.2%}  "
              f"norm bare {mean('cer_bare', 1):.2%} dig {mean('cer_dig', 1):.2%}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
