"""HTR benchmark: CER of a model on the handwritten dev wills (GT lines and end to end), per source
of the built training set, blla seconds per page, and training throughput.

Run:  .venv/bin/python benchmarks/bench_htr.py --corpus DEV_DIR [--model NAME] [--lines DATA_DIR]
      .venv/bin/python benchmarks/bench_htr.py --quick             (1 page of tests/data, ~1-2 min)

``--corpus`` is the dev corpus folder (its ``testaments-de-poilus/`` pages: image + ALTO GT);
default ``$DIGITIZER_CORPUS``, else ``tests/data``.  ``--lines`` is a line set built by
``scripts/htr/build_dataset.py``: its validation / test / heldout lines are scored per source.

* CER "GT lines": every GT TextLine cut along its GT polygon (the engine's own ``crop_line``) and
  recognised: recognition only.
* CER "end to end": our blla segmentation + recognition, lines paired to GT lines by position
  (box overlap), plus the page-level CER of the reading-order text; reported with the
  main-text filter (the default: facing page, margins, stamps dropped) and without it, from the
  same segmentation.  ``--seg-cache DIR`` keeps blla's layouts between runs.
* ``--baseline MODEL``: MODEL is scored on the same pages and this model's CER minus MODEL's is
  reported with a 95 % interval (``digitizer.htr.evaluate.paired_difference``), over GT lines
  for recognition and over pages end to end (8 pages: a wide interval).  A difference whose
  interval straddles 0 is not a reason to ship a new model.
* Scores: raw, and normalised (``htr``: the training normalisation, NFKC, case and punctuation
  folded; ``digitizer.htr.evaluate.HTR``).
Timings on a shared 2-core machine are noisy: they are wall-clock with torch threads = 1.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _corpus import TEST_DATA, add_corpus_argument, require_corpus  # noqa: E402

WILLS = "testaments-de-poilus"


def _norms():
    from digitizer.htr.evaluate import HTR, RAW

    return [RAW, HTR]


def _totals(res) -> dict:
    out = {}
    for n in res.norms:
        t, ro = res.totals[n], res.reading_order[n]
        out[n] = {"cer": round(t.cer, 4), "wer": round(t.wer, 4), "lines": t.lines,
                  "page_reading_order_cer": round(ro.cer, 4)}
    return out


def _per_page(res, norm: str) -> dict:
    return {p.key: round(p.totals.cer, 4) for p in res.pages if p.norm == norm}


def gt_layout(xml: Path):
    from digitizer.htr.xmlread import read_xml
    from digitizer.model import BBox, Line, PageLayout, TextBlock

    page = read_xml(xml)
    lines = [Line(id=f"gt{i}", bbox=BBox(*ln.bbox), polygon=ln.polygon, baseline=ln.baseline)
             for i, ln in enumerate(page.lines) if ln.bbox]
    refs = [ln.text for ln in page.lines if ln.bbox]
    box = BBox.union_all([ln.bbox for ln in lines])
    return page, refs, PageLayout(page.width, page.height, [TextBlock("b1", box, lines)])


def _open_grey(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("L")


def _open_colour(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("RGB")


def bench_gt_lines(model, pages: list[Path]) -> dict:
    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken.engine import KrakenEngine
    from digitizer.htr.evaluate import PageInput, evaluate

    eng, opts = KrakenEngine(), RecognitionOptions(model=model, extra={"threads": 1, **DECODE})
    inputs, per_line = [], []
    for xml in pages:
        page, refs, layout = gt_layout(xml)
        im = _open_grey(page.image_path())
        t = time.perf_counter()
        hyps = [ln.text for ln in eng.recognize(im, layout, opts)]
        per_line.append((time.perf_counter() - t) / max(1, len(hyps)))
        boxes = [tuple(map(float, (ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1))) for ln in layout.lines()]
        inputs.append(PageInput(xml.stem, refs, hyps, category="handwritten", ref_boxes=boxes, hyp_boxes=boxes))
    res = evaluate(inputs, _norms())
    return {"rec_s_per_line_median": round(statistics.median(per_line), 4), "totals": _totals(res),
            "per_page": _per_page(res, "raw"), "result": res}


def segment_cached(eng, im, xml: Path, cache: Path | None, seg_height: int):
    """blla layout of a page with every line (main-text filter off), from ``cache`` when there."""
    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken._exec import bf16_fast
    from digitizer.model import layout_from_dict, to_dict

    key = hashlib.sha256(im.tobytes()).hexdigest()[:16]
    prec = "-bf16" if bf16_fast() else ""           # the engine's default precision on this CPU
    f = cache / f"{xml.stem}-{key}-h{seg_height}{prec}.json" if cache else None
    if f is not None and f.is_file():
        return layout_from_dict(json.loads(f.read_text(encoding="utf-8"))), None
    t = time.perf_counter()
    layout = eng.segment(im, RecognitionOptions(extra={"threads": 1, "main_text_only": False,
                                                       "seg_height": seg_height}))
    seconds = time.perf_counter() - t
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(to_dict(layout)), encoding="utf-8")
    return layout, seconds


def bench_e2e(model, pages: list[Path], cache: Path | None, seg_height: int) -> dict:
    import copy

    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken.engine import KrakenEngine
    from digitizer.engines.kraken.maintext import keep_main_text
    from digitizer.htr.evaluate import PageInput, evaluate, read_lines_boxes

    eng, opts = KrakenEngine(), RecognitionOptions(model=model, extra={"threads": 1, **DECODE})
    seg_times, found, kept = [], [], []
    inputs: dict[str, list] = {"main_text": [], "all_lines": []}
    for xml in pages:
        im = _open_colour(xml.with_suffix(".jpg"))    # as the manuscript profile (grayscale = false)
        layout, seconds = segment_cached(eng, im, xml, cache, seg_height)
        if seconds is not None:
            seg_times.append(seconds)
        by_id = {ln.id: ln for ln in eng.recognize(im, layout, opts)}
        main = copy.deepcopy(layout)
        keep_main_text(main, image=im)
        refs, rboxes = read_lines_boxes(xml)
        found.append(len(by_id))
        kept.append(len(main.lines()))
        for name, lay in (("main_text", main), ("all_lines", layout)):
            lines = [by_id[ln.id] for ln in lay.lines()]
            inputs[name].append(PageInput(xml.stem, refs, [ln.text for ln in lines], category="handwritten",
                                          ref_boxes=rboxes, hyp_boxes=[(ln.bbox.x0, ln.bbox.y0, ln.bbox.x1,
                                                                        ln.bbox.y1) for ln in lines]))
        print(f"  {xml.stem}: {found[-1]} lines found, {kept[-1]} main text", file=sys.stderr, flush=True)
    out: dict = {"seg_height": seg_height, "gt_lines": sum(len(p.ref_lines) for p in inputs["main_text"]),
                 "lines_found": sum(found),
                 "lines_main_text": sum(kept)}
    if seg_times:
        out["seg_s_per_page_median"] = round(statistics.median(seg_times), 2)
    for name, inp in inputs.items():
        res = evaluate(inp, _norms())
        out[name] = {"totals": _totals(res), "per_page": _per_page(res, "raw")}
        if name == "main_text":
            out["result"] = res
    return out


def versus(units: list, by: str, baseline: str) -> dict:
    """This model's CER minus the baseline's on the same units (``by``: "line" = GT lines, "page";
    ``units`` from ``digitizer.htr.evaluate.paired_units``), with its 95 % interval
    (``paired_difference``: is the difference more than chance?)."""
    from digitizer.htr.evaluate import paired_difference

    return {"baseline": baseline, "unit": by, **_rounded(paired_difference(units))}


def _rounded(diff) -> dict:
    """A ``Difference`` as JSON, its rates to 4 decimals."""
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in diff.to_dict().items()}


def bench_sources(model, data: Path, per_source: int, base=None, pooled: list | None = None) -> dict:
    """CER per source and split (validation / test / heldout) of the built line set; with ``base``,
    this model minus it per source, the line units of the splits never used in training or model
    choice (test, heldout) appended to ``pooled``."""
    from digitizer.htr.datasets import LineSample
    from digitizer.htr.evaluate import PageInput, evaluate, paired_units
    from digitizer.htr.project_data import recognize_samples

    groups: dict[str, list[LineSample]] = {}
    with open(data / "split.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["split"] == "train":
                continue
            key = f"{row['source_page'].split(':', 1)[0]}/{row['split']}"
            png = data / "lines" / f"{row['id']}.png"
            text = png.with_name(f"{row['id']}.gt.txt").read_text(encoding="utf-8").strip()
            groups.setdefault(key, []).append(LineSample(png, text, row["source_page"], id=row["id"]))
    out = {}
    for key, samples in sorted(groups.items()):
        samples = samples[:: max(1, len(samples) // per_source)][:per_source]
        def score(m, samples=samples, key=key):         # every line its own page: paired line by line
            hyps = recognize_samples(samples, m, options=dict(DECODE))
            return evaluate([PageInput(s.id or key, [s.text], [h]) for s, h in zip(samples, hyps)], _norms())

        res = score(model)
        out[key] = _totals(res)
        print(f"  {key}: CER {res.totals['raw'].cer:.2%} on {len(samples)} lines", file=sys.stderr, flush=True)
        if base is not None:
            units = paired_units(score(base), res, "line")
            out[key]["vs_baseline"] = versus(units, "line", base.name)
            if pooled is not None and not key.endswith("/validation"):
                pooled.extend(units)
    return out


def _hand_pages(data: Path, hand: str) -> dict[str, list]:
    """Held-out lines of one hand, by page (in page order)."""
    from digitizer.htr.datasets import LineSample

    pages: dict[str, list] = {}
    with open(data / "split.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["hand"] == hand and row["split"] == "heldout":
                png = data / "lines" / f"{row['id']}.png"
                text = png.with_name(f"{row['id']}.gt.txt").read_text(encoding="utf-8").strip()
                pages.setdefault(row["source_page"], []).append(LineSample(png, text, row["source_page"], id=row["id"]))
    return dict(sorted(pages.items()))


def bench_finetune(model, data: Path, hand: str, counts: list[int], epochs: int | None) -> dict:
    """Fine-tune on the first k corrected pages of a new hand; CER on the page after the last k.

    By default the recipe is ``digitizer retrain``'s (its defaults: lr 0.002, batch 8, at most 50
    epochs, early stopping after 5 without gain on every 7th line); ``epochs`` = a fixed number
    of epochs at lr 0.001, batch 4 instead.  The fine-tuned model decodes with the base model's
    language model, as a registered fine-tuned model does, so base and new model are scored alike."""
    import shutil
    import tempfile

    from digitizer.engines.kraken.charlm import lm_path_for
    from digitizer.htr.project_data import _train_val, compare_counts, line_errors, micro_cer
    from digitizer.htr.train import train

    pages = list(_hand_pages(data, hand).values())
    if len(pages) < max(counts) + 1:
        return {"error": f"hand {hand} has {len(pages)} held-out pages, {max(counts) + 1} needed"}
    test = pages[max(counts)]
    lm = lm_path_for(model.path)
    recipe = (dict(max_epochs=epochs, min_epochs=epochs, patience=epochs, batch_size=4, lr=0.001) if epochs
              else dict(max_epochs=50, patience=5, batch_size=8, lr=0.002))
    base = line_errors(test, model.path)
    out = {"hand": hand, "test_lines": len(test), "recipe": recipe,
           "decoder": f"base model's language model {lm.name}" if DECODE["lm"] and lm.is_file() else "greedy",
           "base_cer": micro_cer(base)}
    for k in counts:
        lines = [s for p in pages[:k] for s in p]
        tr, val = _train_val(lines, 0.15)
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["DIGITIZER_MODELS_DIR"] = str(Path(tmp) / "models")
            res = train(tr, val, output_name=f"ft{k}", base_model=model.path, threads=1, device="cpu",
                        checkpoint_dir=Path(tmp) / "ck", register=False, **recipe)
            if lm.is_file():
                shutil.copyfile(lm, lm_path_for(res.model_path))
            new = line_errors(test, res.model_path)
            diff = compare_counts(base, new)
            out[f"{k}_pages"] = {"train_lines": len(tr), "val_lines": len(val), "epochs": res.epochs,
                                 "best_epoch": res.best_epoch, "cer": micro_cer(new), "vs_base": _rounded(diff)}
        print(f"  fine-tuned on {k} pages ({len(tr)} lines, {res.epochs} epochs): {out[f'{k}_pages']['cer']:.2%} "
              f"(base {out['base_cer']:.2%}; {diff.describe()})", file=sys.stderr, flush=True)
    return out


def bench_train(data: Path, n: int) -> dict:
    import tempfile

    from digitizer.htr.datasets import load_folder
    from digitizer.htr.train import train

    tr, va = load_folder(data)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DIGITIZER_MODELS_DIR"] = str(Path(tmp) / "models")
        res = train(tr[:n], va[:8], output_name="bench", max_epochs=1, threads=1, device="cpu", batch_size=4,
                    checkpoint_dir=Path(tmp) / "ck", register=False)
    return {"lines": n, "batch_size": 4, "lines_per_s": res.lines_per_s}


# the engine's decoding options: lm (the model's character language model when it has one; --no-lm:
# greedy), lm_alpha, lm_beta, lm_beam (--lm-*: other weights than the tuned ones)
DECODE: dict = {"lm": True}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_argument(ap, default=TEST_DATA)
    ap.add_argument("--model", default="poilus-fr-v1", help="registry name or model file")
    ap.add_argument("--quick", action="store_true", help="one page, few lines per source, no training run")
    ap.add_argument("--no-e2e", action="store_true", help="skip blla segmentation (end-to-end CER)")
    ap.add_argument("--no-gt-lines", action="store_true", help="skip recognition of the dev pages' GT lines")
    ap.add_argument("--seg-cache", type=Path, help="keep/reuse blla layouts here (seconds only for fresh ones)")
    ap.add_argument("--seg-height", type=int, default=None,
                    help="blla input height (default: the engine's, digitizer.engines.kraken.engine.SEG_HEIGHT)")
    ap.add_argument("--lines", type=Path, help="a line set from scripts/htr/build_dataset.py: CER per source")
    ap.add_argument("--per-source", type=int, default=150, help="lines scored per source and split (0: skip)")
    ap.add_argument("--train-sample", type=int, default=0, help="lines of --lines for a 1-epoch throughput run")
    ap.add_argument("--finetune", metavar="HAND", help="with --lines: fine-tune on 2 and 5 pages of this held-out "
                                                       "hand, score the next page (e.g. lettre-boudreau-tessier)")
    ap.add_argument("--finetune-epochs", type=int,
                    help="fine-tune for exactly this many epochs (lr 0.001, batch 4) instead of retrain's recipe")
    ap.add_argument("--no-lm", action="store_true", help="greedy decoding even where the model has a language model")
    ap.add_argument("--lm-beam", type=int, help="beam width instead of the language model's tuned one")
    ap.add_argument("--lm-alpha", type=float, help="LM weight instead of the tuned one")
    ap.add_argument("--lm-beta", type=float, help="per-character bonus instead of the tuned one")
    ap.add_argument("--baseline", metavar="MODEL", help="also score MODEL on the dev pages and report this model "
                    "minus it with a 95 %% interval (per GT line; end to end per page)")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "htr")
    args = ap.parse_args()
    DECODE["lm"] = not args.no_lm
    DECODE.update({k: v for k, v in (("lm_beam", args.lm_beam), ("lm_alpha", args.lm_alpha),
                                     ("lm_beta", args.lm_beta)) if v is not None})
    corpus = require_corpus(args.corpus, [WILLS])
    if args.seg_height is None:
        from digitizer.engines.kraken.engine import SEG_HEIGHT

        args.seg_height = SEG_HEIGHT
    from digitizer.htr import registry
    from digitizer.htr.evaluate import paired_difference, paired_units
    from digitizer.htr.report import write_report

    info = registry.resolve(args.model)
    pages = sorted((corpus / WILLS).glob("*.xml"))[: 1 if args.quick else None]
    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken.engine import KrakenEngine

    decoder = KrakenEngine().language_model(RecognitionOptions(model=info, extra=dict(DECODE)))[1]
    out: dict = {"model": info.name, "model_sha256": info.sha256, "model_val_cer": info.cer, "decoder": decoder,
                 "corpus": str(corpus), "dev_pages": [p.stem for p in pages]}
    t = time.perf_counter()
    base = registry.resolve(args.baseline) if args.baseline else None
    pooled: list = []
    if not args.no_gt_lines:
        gl = bench_gt_lines(info, pages)
        res = gl.pop("result")
        write_report(res, args.out / "gt-lines", title=f"{info.name} on {len(pages)} dev pages (GT lines)")
        if base is not None:
            units = paired_units(bench_gt_lines(base, pages)["result"], res, "line")
            gl["vs_baseline"] = versus(units, "line", base.name)
            pooled.extend(units)
        out["gt_lines"] = gl
        print(f"GT lines: {gl['totals']}  rec {gl['rec_s_per_line_median']:.3f} s/line "
              f"({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    if not args.no_e2e:
        out["end_to_end"] = e2e = bench_e2e(info, pages, args.seg_cache, args.seg_height)
        res = e2e.pop("result")
        if base is not None:
            e2e["vs_baseline"] = versus(paired_units(bench_e2e(base, pages, args.seg_cache, args.seg_height)["result"],
                                                     res, "page"), "page", base.name)
        print(f"end to end: {out['end_to_end']['main_text']['totals']}", file=sys.stderr, flush=True)
    if args.lines:
        if args.per_source:
            out["per_source"] = bench_sources(info, args.lines, 10 if args.quick else args.per_source, base, pooled)
        if args.finetune:
            counts = [1] if args.quick else [2, 5]
            out["finetune"] = bench_finetune(info, args.lines, args.finetune, counts,
                                             1 if args.quick else args.finetune_epochs)
        if args.train_sample and not args.quick:
            out["train_throughput"] = bench_train(args.lines, args.train_sample)
    if base is not None and pooled:
        # every line neither model was trained on or chosen by: the dev GT lines and the test and
        # held-out lines of the line set (not the validation wills that picked the checkpoint)
        diff = paired_difference(pooled)
        out["vs_baseline_pooled"] = {"baseline": base.name, "unit": "line", **_rounded(diff)}
        print(f"pooled unseen lines, minus {base.name}: {diff.describe()}", file=sys.stderr, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_htr.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str),
                                             encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
