"""``digitizer qa SUBCOMMAND PROJECT ...``: quality targets, seeded samples, the QA queue, reports,
gold pages, double keying and adjudication, versioned guidelines (see ``docs/quality.md``).

Every subcommand takes ``--operator NAME`` (default: $DIGITIZER_OPERATOR or the login name), which
is recorded in every event it writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ...errors import DigitizerError
from ..common import add_project_arg


def register(sub: Any) -> None:
    p = sub.add_parser("qa", help="quality assurance: targets, samples, checks, reports, gold, double keying")
    qsub = p.add_subparsers(dest="qa_command", metavar="SUBCOMMAND", required=True)
    for name, helptext, extra in _SUBCOMMANDS:
        sp = qsub.add_parser(name, help=helptext)
        add_project_arg(sp)
        sp.add_argument("--operator", metavar="NAME", help="who does this (recorded in every event)")
        extra(sp)
        sp.set_defaults(func=globals()[f"_run_{name}"])


def _open(args: Any) -> Any:
    from ...store import ProjectStore

    return ProjectStore.open(args.project, agent=args.operator)


def _item(store: Any, key: str | None) -> Any:
    if key is None:
        return None
    return store.get_item(int(key)) if key.isdigit() and store.find_item(key) is None else store.get_item(key)


# ---------------------------------------------------------------------------------------------- target

def _args_target(p: Any) -> None:
    p.add_argument("--item", metavar="ID", help="set the target of this item (default: the project's)")
    p.add_argument("--accuracy", type=float, help="target character accuracy, e.g. 0.995")
    p.add_argument("--confidence", type=float, help="confidence level, e.g. 0.95")
    p.add_argument("--unit", choices=["line", "page"], help="sampling unit")
    p.add_argument("--strata", help="comma-separated: item,engine,person,confidence,page_type")
    p.add_argument("--min-per-stratum", type=int, help="smallest number of units checked per stratum")


def _run_target(args: Any) -> int:
    from ...qa.targets import set_target, target_for

    with _open(args) as store:
        item = _item(store, args.item)
        changes = {"target": args.accuracy, "confidence": args.confidence, "unit": args.unit,
                   "strata": args.strata.split(",") if args.strata else None, "min_per_stratum": args.min_per_stratum}
        q = set_target(store, item, changes) if any(v is not None for v in changes.values()) else \
            target_for(store, item)
    print(f"target {q.target:.2%} at {q.confidence:.0%} confidence; unit {q.unit}; strata {','.join(q.strata)}; "
          f"at least {q.min_per_stratum} per stratum ({q.source}{'' if q.declared else ', not declared'})")
    return 0


# ---------------------------------------------------------------------------------------------- sample

def _args_sample(p: Any) -> None:
    p.add_argument("--item", metavar="ID", help="sample this item only")
    p.add_argument("--seed", type=int, required=True, help="random seed (the same seed draws the same sample)")
    p.add_argument("--size", default="auto", help="'auto' (from target and confidence) or a number of units")


def _run_sample(args: Any) -> int:
    from ...qa.sampling import draw

    with _open(args) as store:
        res = draw(store, seed=args.seed, size=args.size, item=_item(store, args.item))
    need = f" (auto: {res.needed_chars} characters needed)" if res.needed_chars else ""
    print(f"sample {res.sample_id}: {res.units} unit(s), {res.lines} line(s) from seed {res.seed}{need}")
    for h, n in res.allocation.items():
        print(f"  {h}: {n} of {res.population[h]}")
    return 0


# ---------------------------------------------------------------------------------------------- queue/check

def _args_queue(p: Any) -> None:
    p.add_argument("--all", action="store_true", help="also checked entries")


def _run_queue(args: Any) -> int:
    from ...qa.queue import entries

    with _open(args) as store:
        rows = entries(store, operator=store.agent, pending_only=not args.all)
    for e in rows:
        print(f"{e.id}\tpage {e.page_id}\t{e.line_id}\t{e.status}\t{e.text}")
    print(f"{sum(1 for e in rows if e.status == 'pending')} entr(y/ies) to check", file=sys.stderr)
    return 0


def _args_check(p: Any) -> None:
    p.add_argument("--unit", type=int, required=True, metavar="N", help="queue entry id (see 'qa queue')")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="what the line should read")
    what.add_argument("--ok", action="store_true", help="the line is correct as shown")
    p.add_argument("--no-fix", action="store_true", help="score only; do not correct the line in the project")


def _run_check(args: Any) -> int:
    from ...qa.queue import check

    with _open(args) as store:
        text = args.text
        if args.ok:
            row = store.conn.execute("SELECT hyp FROM qa_units WHERE id = ?", (args.unit,)).fetchone()
            text = row["hyp"] if row else ""
        s = check(store, args.unit, text, fix=not args.no_fix)
    print(f"entry {args.unit}: {s.errors} error(s) in {s.chars} character(s) "
          f"({s.subs} substitution(s), {s.ins} insertion(s), {s.dels} deletion(s))")
    if s.fixed not in ("fixed", "unchanged"):
        print(f"entry {args.unit}: line not corrected in the project: {s.fixed}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------------- report

def _args_report(p: Any) -> None:
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON on stdout")
    fmt.add_argument("--html", metavar="FILE", help="write an HTML report with plots to FILE")


def _run_report(args: Any) -> int:
    from ...qa.html import render_html
    from ...qa.report import build_report

    with _open(args) as store:
        rep = build_report(store)
    if args.json:
        print(rep.to_json())
    elif args.html:
        from ...fsutil import atomic_write_bytes

        atomic_write_bytes(Path(args.html), render_html(rep).encode("utf-8"))
        print(f"report: {args.html}")
    else:
        _print_report(rep)
    return 0


def _print_report(rep: Any) -> None:
    if not rep.groups:
        print("no QA sample drawn yet (digitizer qa sample)")
    for g in rep.groups:
        e = g.estimate
        acc = "n/a" if e.accuracy is None else f"{e.accuracy:.2%} [{e.low:.2%}, {e.high:.2%}]"
        print(f"{g.kind:10} {g.name:30} {acc:28} {g.checked}/{g.sampled} units  {g.decision}")
    if rep.errors_by_type:
        print("errors: " + ", ".join(f"{k} {v}" for k, v in rep.errors_by_type.items()))
    for s in rep.items:
        print(f"gate {s['item']}: " + ("no target declared" if not s["declared"] else
                                       "accepted" if s["accepted"] else f"not accepted - {s['reason']}"))


# ---------------------------------------------------------------------------------------------- gold/keying

def _args_gold(p: Any) -> None:
    p.add_argument("--page", type=int, required=True, help="page id whose current text is known to be correct")
    p.add_argument("--text-file", metavar="FILE", help="the correct text instead, one line per layout line")


def _run_gold(args: Any) -> int:
    from ...qa.gold import add_gold

    lines = None
    if args.text_file:
        try:
            lines = Path(args.text_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise DigitizerError(f"{args.text_file}: cannot read gold text: {exc}") from None
    with _open(args) as store:
        n = add_gold(store, args.page, lines=lines)
    print(f"page {args.page}: {n} gold line(s)")
    return 0


def _args_key(p: Any) -> None:
    p.add_argument("--page", type=int, required=True)
    p.add_argument("--line", help="line id to key (with --text); without it, show the lines to key")
    p.add_argument("--text", help="the keyed text")


def _run_key(args: Any) -> int:
    from ...qa.keying import key_line, keying_view

    with _open(args) as store:
        if args.line is not None and args.text is not None:
            key_line(store, args.page, args.line, args.text, operator=store.agent)
            print(f"page {args.page} line {args.line} keyed by {store.agent}")
        else:
            for line_id, text in keying_view(store, args.page, store.agent):
                print(f"{line_id}\t{text}")
    return 0


def _args_adjudicate(p: Any) -> None:
    p.add_argument("--page", type=int, required=True)
    p.add_argument("--line", help="line to decide (with --choose); without it, list the differences")
    p.add_argument("--choose", metavar="OPERATOR|=TEXT", help="take that keyer's text, or =TEXT of your own")


def _run_adjudicate(args: Any) -> int:
    from ...qa.keying import adjudicate, differences

    with _open(args) as store:
        if args.line is not None and args.choose is not None:
            text = adjudicate(store, args.page, args.line, choice=args.choose)
            print(f"page {args.page} line {args.line}: {text}")
            return 0
        for line_id, texts in differences(store, args.page):
            print(line_id + "".join(f"\t{op}: {t}" for op, t in texts.items()))
    return 0


def _args_guidelines(p: Any) -> None:
    p.add_argument("--add", metavar="FILE.md", help="store FILE.md as the next version")
    p.add_argument("--note", default="", help="what changed (with --add)")
    p.add_argument("--older", action="store_true", help="list lines last keyed under an older version")


def _run_guidelines(args: Any) -> int:
    from ...qa.guidelines import add_version, lines_keyed_before, versions

    with _open(args) as store:
        if args.add:
            g = add_version(store, args.add, note=args.note)
            print(f"guidelines version {g.version} ({g.sha256[:12]})")
        elif args.older:
            for page_id, line_id, v in lines_keyed_before(store):
                print(f"page {page_id}\t{line_id}\tkeyed under {'no version' if v is None else f'v{v}'}")
        else:
            for g in versions(store):
                print(f"v{g.version}\t{g.at}\t{g.agent}\t{g.note}")
    return 0


def _args_route(p: Any) -> None:
    p.add_argument("--p", type=float, default=0.2, metavar="P",
                   help="list lines whose calibrated probability of being wrong is at least P (default 0.2)")


def _run_route(args: Any) -> int:
    from ...qa.calibration import route

    if not 0 <= args.p <= 1:
        raise DigitizerError(f"--p {args.p}: must be between 0 and 1")
    with _open(args) as store:
        rows = route(store, args.p)
    for page_id, line_id, conf, pw in rows:
        print(f"page {page_id}\t{line_id}\tconfidence {conf:.2f}\tP(wrong) {pw:.2f}")
    print(f"{len(rows)} line(s) to review", file=sys.stderr)
    return 0


_SUBCOMMANDS = [
    ("target", "show or set the quality target of the project or an item", _args_target),
    ("sample", "draw a seeded stratified sample into the QA queue", _args_sample),
    ("queue", "list the QA queue (with --operator: your queue)", _args_queue),
    ("check", "record what a queued line should read (scores and fixes it)", _args_check),
    ("report", "estimates with intervals, errors, gate states (--json, --html)", _args_report),
    ("gold", "make a page a gold page", _args_gold),
    ("key", "key a page's lines independently (double keying)", _args_key),
    ("adjudicate", "show keying differences or choose the text", _args_adjudicate),
    ("guidelines", "versioned transcription guidelines", _args_guidelines),
    ("route", "lines to review: calibrated P(wrong) at least p", _args_route),
]
