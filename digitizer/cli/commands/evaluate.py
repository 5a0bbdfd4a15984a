"""``digitizer evaluate``: CER/WER of recognised text against ground truth (PAGE, ALTO or text lines)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ...errors import DigitizerError, InputFileError


def register(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="CER/WER of recognised text against ground truth",
                       description="Compare hypotheses (our ALTO/PAGE/txt) with ground truth (PAGE, ALTO v2-v4 or "
                                   ".gt.txt lines). Files are paired by name (page key), or by position when the "
                                   "names differ and the counts match. Lines are paired by position (box "
                                   "overlap) when both sides are XML, else by aligning the line sequences; "
                                   "a page-level CER of the reading-order text is reported too. Always reports "
                                   "raw scores plus the normalisation chosen.")
    p.add_argument("--gt", nargs="+", required=True, metavar="GT", help="ground-truth files")
    p.add_argument("--hyp", nargs="+", required=True, metavar="HYP", help="recognised files")
    p.add_argument("--baseline", nargs="+", metavar="HYP",
                   help="other recognised files of the same pages (another model or engine): report --hyp's CER "
                        "minus theirs with a 95%% interval, per GT line and per page")
    p.add_argument("--normalize", choices=["nfc", "nfd", "nfkc", "nfkd", "htr"],
                   help="Unicode normal form; 'htr' = the HTR training normalisation (docs/htr.md) + NFKC, "
                        "case and punctuation folded")
    p.add_argument("--casefold", action="store_true", help="ignore case")
    p.add_argument("--no-punct", action="store_true", help="ignore punctuation")
    p.add_argument("--historical", action="store_true", help="ſ->s, combining e above -> umlaut")
    p.add_argument("--category", action="append", default=[], metavar="PATTERN=NAME",
                   help="category of pages whose GT path contains PATTERN (repeatable); default: GT folder name")
    p.add_argument("--report", metavar="DIR", help="write report.md, report.json and PNG charts here")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=run)


def _pair(gts: list[Path], hyps: list[Path]) -> list[tuple[Path, Path]]:
    from ...htr.evaluate import page_key

    hmap = {page_key(h): h for h in hyps}
    pairs = [(g, hmap[page_key(g)]) for g in gts if page_key(g) in hmap]
    if len(pairs) == len(gts):
        return pairs
    if len(gts) == len(hyps):
        return list(zip(gts, hyps))
    missing = [str(g) for g in gts if page_key(g) not in hmap]
    raise DigitizerError(f"no hypothesis for {len(missing)} ground-truth file(s), e.g. {missing[0]}",
                         hint="name hypotheses like their GT (same stem) or give both lists in the same order")


def _category(path: Path, rules: list[str]) -> str:
    for r in rules:
        pat, _, name = r.partition("=")
        if pat and pat in str(path):
            return name or pat
    return path.parent.name


def run(args: argparse.Namespace) -> int:
    from ...htr.evaluate import (RAW, PageInput, compare, evaluate, normalization_from_options, page_key,
                                 read_lines_boxes)
    from ...htr.report import write_report

    gts, hyps = [Path(g) for g in args.gt], [Path(h) for h in args.hyp]
    base = [Path(b) for b in args.baseline or []]
    for f in gts + hyps + base:
        if not f.is_file():
            raise InputFileError(f, "file not found")

    def inputs(files: list[Path]) -> list[PageInput]:
        pages = []
        for g, h in _pair(gts, files):
            (rl, rb), (hl, hb) = read_lines_boxes(g), read_lines_boxes(h)
            pages.append(PageInput(page_key(g), rl, hl, item=g.parent.name, category=_category(g, args.category),
                                   ref_boxes=rb, hyp_boxes=hb))
        return pages

    norms = [RAW]
    extra = normalization_from_options(args.normalize, args.casefold, args.no_punct, args.historical)
    if extra.name != "raw":
        norms.append(extra)
    res = evaluate(inputs(hyps), norms)
    versus, base_res = {}, None
    if base:
        base_res = evaluate(inputs(base), norms)
        versus = {n: compare(base_res, res, n) for n in res.norms}
    if args.report:
        files = write_report(res, args.report)
        if not args.json:
            print(f"report: {files['markdown']}")
    if args.json:
        out = res.to_dict()
        if versus:
            out["vs_baseline"] = {n: {u: d.to_dict() for u, d in v.items()} for n, v in versus.items()}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for n in res.norms:
        t = res.totals[n]
        ro = res.reading_order[n]
        print(f"{n:>24}: CER {t.cer:.2%}  WER {t.wer:.2%}  ({t.char_errors}/{t.ref_chars} chars, {t.lines} lines); "
              f"page text in reading order: CER {ro.cer:.2%}  WER {ro.wer:.2%}")
        if base_res is not None:
            print(f"{'':>24}  minus the baseline (CER {base_res.totals[n].cer:.2%}): "
                  + "; ".join(d.describe(unit, per_unit=True) for unit, d in versus[n].items()))
    return 0


