"""HTR benchmark: kraken segmentation s/page, recognition s/line, training lines/s, CER on the 8
handwritten dev pages (never seen in training, other writers).

Run:  .venv/bin/python benchmarks/bench_htr.py --model poilus-fr-v1
      .venv/bin/python benchmarks/bench_htr.py --model poilus-fr-v1 --no-e2e   (skip blla, ~1 min)

* CER "GT lines": every ground-truth TextLine is cut out along its GT polygon exactly like the
  training lines (mask, level, <= 120 px, 16 grey levels) and recognised through
  ``KrakenEngine.recognize``; scored per line against the GT text, micro-averaged.  This measures
  recognition only.
* CER "end to end": our blla segmentation + recognition, page text lines paired to GT lines by
  order/alignment (``digitizer.htr.evaluate``); includes segmentation errors and untranscribed
  stamps/notes that the GT leaves out.
* Training throughput: the registered model's measured ``lines_per_s`` (from its training run),
  plus a short 1-epoch run on ``--train-sample`` lines of the train split measured here.
Timings on a shared 2-core machine are noisy: they are wall-clock with torch threads = 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
SHARED = Path(os.environ.get("DIGITIZER_SHARED", HERE.parent.parent / "shared"))
DEV = SHARED / "corpus" / "dev" / "testaments-de-poilus"
TRAIN = SHARED / "corpus" / "train-htr"


def gt_layout(xml: Path):
    from digitizer.htr.xmlread import read_xml
    from digitizer.model import BBox, Line, PageLayout, TextBlock

    page = read_xml(xml)
    lines = [Line(id=f"gt{i}", bbox=BBox(*ln.bbox), polygon=ln.polygon, baseline=ln.baseline)
             for i, ln in enumerate(page.lines) if ln.bbox]
    refs = [ln.text for ln in page.lines if ln.bbox]
    box = BBox.union_all([ln.bbox for ln in lines])
    return page, refs, PageLayout(page.width, page.height, [TextBlock("b1", box, lines)])


def bench_gt_lines(model: str, pages: list[Path]) -> dict:
    from PIL import Image

    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken.engine import KrakenEngine
    from digitizer.htr.evaluate import PageInput, evaluate

    eng, opts = KrakenEngine(), RecognitionOptions(model=model, extra={"threads": 1})
    inputs, per_line, examples = [], [], []
    for xml in pages:
        page, refs, layout = gt_layout(xml)
        with Image.open(page.image_path()) as im:
            im.load()
            t = time.perf_counter()
            hyps = [ln.text for ln in eng.recognize(im, layout, opts)]
            per_line.append((time.perf_counter() - t) / max(1, len(hyps)))
        inputs.append(PageInput(xml.stem, refs, hyps, item=xml.stem.rsplit("-", 1)[0], category="handwritten"))
        examples += list(zip(refs, hyps))[:2]
    from digitizer.htr.evaluate import Normalization, score_page

    res = evaluate(inputs, [Normalization("raw"), Normalization("NFC+casefold+nopunct", "NFC", True, True)])
    # per GT line: refs and hyps are paired one to one (same count by construction)
    assert all(len(score_page(p.ref_lines, p.hyp_lines)) == len([r for r in p.ref_lines if r.strip()])
               for p in inputs)
    return {"rec_s_per_line_median": statistics.median(per_line), "lines": res.totals["raw"].lines,
            "cer": res.totals["raw"].cer, "wer": res.totals["raw"].wer,
            "cer_nfc_casefold_nopunct": res.totals["NFC+casefold+nopunct"].cer,
            "per_page": {p.key: round(p.totals.cer, 4) for p in res.pages if p.norm == "raw"},
            "examples": examples[:6], "result": res}


def bench_e2e(model: str, pages: list[Path]) -> dict:
    from PIL import Image

    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken.engine import KrakenEngine
    from digitizer.htr.evaluate import PageInput, evaluate, read_lines

    eng, opts = KrakenEngine(), RecognitionOptions(model=model, extra={"threads": 1})
    seg_times, inputs, nlines = [], [], []
    for xml in pages:
        with Image.open(xml.with_suffix(".jpg")) as im:
            im.load()
            t = time.perf_counter()
            layout = eng.segment(im, opts)
            seg_times.append(time.perf_counter() - t)
            by_id = {ln.id: ln for ln in eng.recognize(im, layout, opts)}
        nlines.append(len(by_id))
        hyps = [by_id[ln.id].text for ln in layout.lines()]
        inputs.append(PageInput(xml.stem, read_lines(xml), hyps, category="handwritten"))
        print(f"  {xml.stem}: segmented in {seg_times[-1]:.1f} s, {nlines[-1]} lines", file=sys.stderr, flush=True)
    res = evaluate(inputs)
    return {"seg_s_per_page_median": statistics.median(seg_times), "seg_s_per_page_min": min(seg_times),
            "seg_lines_found": nlines, "cer": res.totals["raw"].cer, "wer": res.totals["raw"].wer,
            "per_page": {p.key: round(p.totals.cer, 4) for p in res.pages}}


def bench_train(n: int) -> dict:
    from digitizer.htr.datasets import load_folder
    from digitizer.htr.train import train

    tr, va = load_folder(TRAIN)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DIGITIZER_MODELS_DIR"] = str(Path(tmp) / "models")
        res = train(tr[:n], va[:20], output_name="bench", max_epochs=1, threads=1, device="cpu",
                    checkpoint_dir=Path(tmp) / "ck", register=False)
    return {"lines": n, "batch_size": 8, "lines_per_s": res.lines_per_s, "epoch_s": res.history[0]["epoch_train_s"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="poilus-fr-v1")
    ap.add_argument("--no-e2e", action="store_true", help="skip blla segmentation (end-to-end CER)")
    ap.add_argument("--train-sample", type=int, default=96, help="lines for the throughput run (0: skip)")
    ap.add_argument("--out", default=str(HERE / "out" / "htr"))
    args = ap.parse_args()
    from digitizer.htr import registry
    from digitizer.htr.report import write_report

    info = registry.resolve(args.model)
    pages = sorted(DEV.glob("*.xml"))
    out: dict = {"model": info.name, "model_sha256": info.sha256, "model_val_cer": info.cer,
                 "model_training": info.training, "dev_pages": len(pages)}
    t = time.perf_counter()
    gl = bench_gt_lines(info.path, pages)
    write_report(gl.pop("result"), Path(args.out) / "gt-lines", title=f"{info.name} on 8 dev pages (GT lines)")
    out["gt_lines"] = gl
    print(f"GT lines: CER {gl['cer']:.2%}  WER {gl['wer']:.2%}  rec {gl['rec_s_per_line_median']:.3f} s/line "
          f"({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    if not args.no_e2e:
        out["end_to_end"] = bench_e2e(info.path, pages)
        e = out["end_to_end"]
        print(f"end to end: CER {e['cer']:.2%}  seg {e['seg_s_per_page_median']:.1f} s/page", file=sys.stderr)
    if args.train_sample:
        out["train_throughput"] = bench_train(args.train_sample)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "bench_htr.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str),
                                                   encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "model_training"}, ensure_ascii=False, indent=2,
                     default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
