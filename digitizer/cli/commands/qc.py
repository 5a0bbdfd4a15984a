"""``digitizer qc PROJECT [--item ID] [--json]``: capture quality report (rescan suggestions).

QC never blocks anything: the exit code is 0 unless ``--strict`` is given (then 3 when a check
failed), so scripts can choose.
"""

from __future__ import annotations

import json
import sys

from ...errors import ExitCode, ProjectError
from ..common import add_project_arg, close_progress, make_progress, open_store


def register(sub) -> None:
    p = sub.add_parser("qc", help="capture quality control: resolution, skew, blur, exposure, blank, duplicates")
    add_project_arg(p)
    p.add_argument("--item", action="append", help="item identifier (repeatable; default: all items)")
    p.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    p.add_argument("--stored", action="store_true", help="report the stored results, do not re-measure")
    p.add_argument("--expected", type=int, help="expected page count (overrides item metadata)")
    p.add_argument("--target-dpi", type=float, help="target resolution (overrides the profile's [qc] target_dpi)")
    p.add_argument("--strict", action="store_true", help="exit with code 3 when any check failed")
    p.set_defaults(func=run)


def _items(store, identifiers):
    if not identifiers:
        return store.items()
    out = []
    for ident in identifiers:
        item = store.find_item(ident)
        if item is None:
            raise ProjectError(f"{store.root}: no item {ident!r}")
        out.append(item)
    return out


def _stored(store, item, settings):
    from ...capture.qc import PageQC, check_page_count, stored_qc

    results = [stored_qc(store, p.id) or PageQC(page_id=p.id, seq=p.seq) for p in item.pages]
    return results, check_page_count(len(item.pages), settings.expected_pages)


def run(args) -> int:
    from ...capture.qc import qc_item, qc_report, results_json, settings_for_item

    out_json, reports = [], []
    with open_store(args.project) as store:
        for item in _items(store, args.item):
            settings = settings_for_item(item, {"expected_pages": args.expected, "target_dpi": args.target_dpi})
            if args.stored:
                results, count = _stored(store, item, settings)
            else:
                progress = make_progress(args)
                try:
                    results, count = qc_item(store, item, settings, progress=progress)
                finally:
                    close_progress(progress)
            out_json.append(results_json(item, results, count))
            reports.append(qc_report(item, results, count))
    if args.json:
        print(json.dumps({"items": out_json, "findings": [json.loads(r.to_json()) for r in reports]},
                         ensure_ascii=False, indent=2))
    else:
        for data, rep in zip(out_json, reports):
            _print_table(data)
            for line in rep.lines():
                print(line)
    flagged = any(r.warnings for r in reports)
    return ExitCode.INPUT if args.strict and flagged else 0


def _print_table(data) -> None:
    from ...capture.qc import CHECKS

    print(f"item {data['item']}")
    print("  seq  label      " + " ".join(f"{c:>10}" for c in CHECKS))
    for p in data["pages"]:
        cells = []
        for c in CHECKS:
            r = p["checks"].get(c)
            cells.append("-" if r is None else {"pass": "ok", "fail": "FAIL", "skip": "skip"}[r["status"]])
        print(f"  {p['seq'] or 0:>3}  {p['label'][:9]:<9}  " + " ".join(f"{x:>10}" for x in cells))
    sys.stdout.flush()
