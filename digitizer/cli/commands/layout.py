"""``digitizer layout PROJECT --page N [--item I] [--json]``: the CLI twin of the layout edit mode.

Without an action it lists the page's regions (id, type, box) and their lines (reading-order
number, id, box, text).  ``--page N`` is a page id, or the page's number in ``--item I``.

On a region (``--region ID``): ``--type T`` (one of the model's region types), ``--move DX,DY``,
``--bbox X0,Y0,X1,Y1``, ``--polygon "x,y x,y x,y ..."``, ``--order +1/-1`` (the region with its lines
one place later/earlier in the reading order).  On a line (``--line ID``): ``--move DX,DY``,
``--bbox``, ``--polygon``, ``--baseline "x,y x,y ..."``, ``--to-block B --index K`` (reading order
across regions, K 0-based) or ``--order +1/-1`` (one step down/up in the page's reading order,
crossing region boundaries).  On either: ``--insert-point polygon|baseline X,Y`` (on the nearest
edge or baseline segment, as a double-click in the GUI) and ``--remove-point polygon|baseline K``
(0-based; refused below 3 outline / 2 baseline points).  A negative ``--move`` is written
``--move=-5,3``.  Each change is saved through :func:`digitizer.correction.commit_layout`
as a new layout version with an event naming ``--operator``; a change that changes nothing saves
nothing.  A refused change is one line and exit code 2 (10 on a reviewed or approved page).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ..common import add_project_arg
from .lines import add_page_args

REGION_ACTIONS = ("type", "move", "bbox", "polygon", "order", "insert_point", "remove_point")
LINE_ACTIONS = ("move", "bbox", "polygon", "baseline", "to_block", "order", "insert_point", "remove_point")


def register(sub: Any) -> None:
    p = sub.add_parser("layout", help="list or edit a page's regions, lines, region types and reading order")
    add_project_arg(p)
    add_page_args(p)
    who = p.add_mutually_exclusive_group()
    who.add_argument("--region", metavar="ID", help="the region (block) to edit")
    who.add_argument("--line", metavar="ID", help="the line to edit")
    p.add_argument("--type", metavar="T", help="region type (text, heading, marginalia, ...)")
    p.add_argument("--move", metavar="DX,DY", help="move by DX,DY pixels (with everything inside)")
    p.add_argument("--bbox", metavar="X0,Y0,X1,Y1", help="new box (a line's words, polygon and baseline follow)")
    p.add_argument("--polygon", metavar='"x,y x,y x,y ..."', help="new outline (at least 3 points)")
    p.add_argument("--baseline", metavar='"x,y x,y ..."', help="a line's new baseline (at least 2 points)")
    p.add_argument("--to-block", metavar="B", help="move the line into region B (reading order) ...")
    p.add_argument("--index", type=int, default=0, metavar="K", help="... at position K (0-based; default 0)")
    p.add_argument("--order", type=int, metavar="DELTA", help="move the line DELTA steps in the reading order "
                   "(negative: up), across regions; with --region: the region with its lines")
    p.add_argument("--insert-point", nargs=2, metavar=("SHAPE", "X,Y"), help="add a point to the outline "
                   "(polygon) or baseline, on its nearest edge or segment")
    p.add_argument("--remove-point", nargs=2, metavar=("SHAPE", "K"), help="remove point K (0-based) of the "
                   "outline (polygon) or baseline")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--operator", metavar="NAME", help="who does it (recorded in the history; default: login name)")
    p.set_defaults(func=run)


def _numbers(text: str, n: int, what: str) -> tuple[float, ...]:
    from ...layout_edit import LayoutEditError

    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError:
        vals = ()
    if len(vals) != n:
        raise LayoutEditError(f"{what} needs {n} comma-separated numbers, not {text!r}")
    return vals


def _points(text: str, what: str) -> list[tuple[float, float]]:
    out = []
    for tok in text.split():
        x, y = _numbers(tok, 2, what)
        out.append((x, y))
    return out


def _bbox(text: str) -> Any:
    from ...layout_edit import LayoutEditError
    from ...model import BBox

    x0, y0, x1, y1 = (int(round(v)) for v in _numbers(text, 4, "--bbox"))
    if x1 < x0 or y1 < y0:
        raise LayoutEditError(f"--bbox {text!r}: X1,Y1 must be right of and below X0,Y0")
    return BBox(x0, y0, x1, y1)


def listing(store: Any, pid: int) -> dict[str, Any]:
    """The page's regions and lines in reading order (what ``--json`` prints)."""
    from ...layout_edit import reading_order

    layout = store.load_layout(pid)
    if layout is None:
        return {"page": pid, "version": None, "regions": []}
    order = dict(reading_order(layout))
    regions = [{"id": b.id, "type": b.type, "bbox": [b.bbox.x0, b.bbox.y0, b.bbox.x1, b.bbox.y1],
                "polygon": b.polygon, "lines": [
                    {"id": ln.id, "order": order[ln.id], "bbox": [ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1],
                     "polygon": ln.polygon, "baseline": ln.baseline, "text": ln.text} for ln in b.lines]}
               for b in layout.blocks]
    return {"page": pid, "version": store.layout_versions(pid)[-1], "width": layout.width, "height": layout.height,
            "regions": regions}


def _plain(data: dict[str, Any]) -> list[str]:
    rows = [f"page {data['page']}, layout version {data['version']}"]
    for r in data["regions"]:
        rows.append(f"region {r['id']}\t{r['type']}\t{','.join(str(v) for v in r['bbox'])}\t{len(r['lines'])} line(s)")
        rows.extend(f"  {ln['order']:>3}  {ln['id']}\t{','.join(str(v) for v in ln['bbox'])}\t"
                    f"{json.dumps(ln['text'], ensure_ascii=False)}" for ln in r["lines"])
    return rows


def _operation(args: Any) -> tuple[str, Any, dict[str, Any]]:
    """``(action, op(layout), event parameters)`` for the change the arguments ask for."""
    from ... import layout_edit as E

    if args.region:
        given = [a for a in REGION_ACTIONS if getattr(args, a) is not None]
        if len(given) != 1 or args.baseline or args.to_block:
            raise E.LayoutEditError("--region needs exactly one of --type, --move, --bbox, --polygon, --order, "
                                    "--insert-point, --remove-point")
        rid = args.region
        if args.order is not None:
            delta = args.order
            return ("region order", lambda lay: E.move_region_in_order(lay, rid, delta),
                    {"region": rid, "delta": delta})
        if args.insert_point or args.remove_point:
            return _point_operation(args, "region", rid)
        if args.type is not None:
            return "region type", lambda lay: E.set_region_type(lay, rid, args.type), {"region": rid, "type": args.type}
        if args.move is not None:
            dx, dy = (int(round(v)) for v in _numbers(args.move, 2, "--move"))
            return "move region", lambda lay: E.move_region(lay, rid, dx, dy), {"region": rid, "dx": dx, "dy": dy}
        if args.bbox is not None:
            box = _bbox(args.bbox)
            return "resize region", lambda lay: E.resize_region(lay, rid, box), {"region": rid, "bbox": args.bbox}
        pts = _points(args.polygon, "--polygon")
        return "region polygon", lambda lay: E.set_region_polygon(lay, rid, pts), {"region": rid, "points": len(pts)}
    given = [a for a in LINE_ACTIONS if getattr(args, a) is not None]
    if len(given) != 1 or args.type is not None:
        raise E.LayoutEditError("--line needs exactly one of --move, --bbox, --polygon, --baseline, --to-block, --order, "
                                "--insert-point, --remove-point")
    lid = args.line
    if args.insert_point or args.remove_point:
        return _point_operation(args, "line", lid)
    if args.move is not None:
        dx, dy = (int(round(v)) for v in _numbers(args.move, 2, "--move"))
        return "move line", lambda lay: E.move_line(lay, lid, dx, dy), {"line": lid, "dx": dx, "dy": dy}
    if args.bbox is not None:
        box = _bbox(args.bbox)
        return "resize line", lambda lay: E.resize_line(lay, lid, box), {"line": lid, "bbox": args.bbox}
    if args.polygon is not None:
        pts = _points(args.polygon, "--polygon")
        return "line polygon", lambda lay: E.set_line_polygon(lay, lid, pts), {"line": lid, "points": len(pts)}
    if args.baseline is not None:
        pts = _points(args.baseline, "--baseline")
        return "baseline", lambda lay: E.set_baseline(lay, lid, pts), {"line": lid, "points": len(pts)}
    if args.to_block is not None:
        blk, k = args.to_block, args.index
        return ("reading order", lambda lay: E.move_line_to(lay, lid, blk, k),
                {"line": lid, "block": blk, "index": k})
    delta = args.order
    return "reading order", lambda lay: E.move_line_in_order(lay, lid, delta), {"line": lid, "delta": delta}


def _point_operation(args: Any, target: str, ident: str) -> tuple[str, Any, dict[str, Any]]:
    from ... import layout_edit as E

    shape, value = args.insert_point or args.remove_point
    if shape not in E.SHAPES:
        raise E.LayoutEditError(f"the shape is 'polygon' or 'baseline', not {shape!r}")
    if args.insert_point:
        x, y = _numbers(value, 2, "--insert-point")
        return ("insert point", lambda lay: E.insert_point(lay, target, ident, shape, (x, y)),
                {target: ident, "shape": shape, "point": [x, y]})
    try:
        k = int(value)
    except ValueError:
        raise E.LayoutEditError(f"--remove-point needs a point number (0-based), not {value!r}") from None
    return ("remove point", lambda lay: E.remove_point(lay, target, ident, shape, k),
            {target: ident, "shape": shape, "index": k})


def run(args: Any) -> int:
    from ...correction import commit_layout
    from ...errors import ProjectError
    from ...store import ProjectStore
    from ..common import open_store
    from .lines import page_id

    open_store(args.project).close()            # one-line error when it is not a project
    with ProjectStore.open(args.project, agent=args.operator) as store:
        pid = page_id(store, args.page, args.item)
        if not (args.region or args.line):
            data = listing(store, pid)
            if args.json:
                print(json.dumps(data, ensure_ascii=False, indent=1))
            elif not args.quiet:
                print("\n".join(_plain(data)))
            return 0
        action, op, params = _operation(args)
        layout = store.load_layout(pid)
        if layout is None:
            raise ProjectError(f"page {pid} has no layout yet (process it first)")
        if op(layout) is None:
            what, version = f"{action}: nothing to change, nothing saved", store.layout_versions(pid)[-1]
        else:
            commit_layout(store, pid, layout, action, **params)
            version = store.layout_versions(pid)[-1]
            what = f"{action}: saved as layout version {version}"
        if args.json:
            print(json.dumps({"page": pid, "result": what, "version": version, **params}, ensure_ascii=False))
        elif not args.quiet:
            print(f"page {pid}: {what}")
    sys.stdout.flush()
    return 0
