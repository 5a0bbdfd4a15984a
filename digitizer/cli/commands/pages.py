"""``digitizer pages``: page structure of an item.

    digitizer pages list PROJECT --item ID
    digitizer pages reorder PROJECT --item ID SEQ TO
    digitizer pages insert PROJECT --item ID FILE --at SEQ
    digitizer pages replace PROJECT --item ID SEQ FILE [--reason TEXT]    (old master kept in history)
    digitizer pages split PROJECT --item ID SEQ [--at X] [--overlap PX]   (two derived page images)
    digitizer pages label PROJECT --item ID (--recto-verso [--start-leaf N] [--first-side r|v] | SEQ LABEL)
    digitizer pages history PROJECT --item ID SEQ
"""

from __future__ import annotations

from ...errors import ProjectError
from ..common import add_project_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("pages", help="page structure: list, reorder, insert, replace (rescan), split, label")
    psub = p.add_subparsers(dest="pages_cmd", metavar="ACTION", required=True)

    def action(name: str, help_: str):
        a = psub.add_parser(name, help=help_)
        add_project_arg(a)
        a.add_argument("--item", required=True, help="item identifier")
        return a

    action("list", "list pages with labels and masters").set_defaults(func=_list)
    a = action("reorder", "move page SEQ to position TO")
    a.add_argument("seq", type=int)
    a.add_argument("to", type=int)
    a.set_defaults(func=_reorder)
    a = action("insert", "import a file and insert its pages at --at")
    a.add_argument("file")
    a.add_argument("--at", type=int, required=True)
    a.set_defaults(func=_insert)
    a = action("replace", "replace page SEQ by a rescan FILE (the old master stays in history)")
    a.add_argument("seq", type=int)
    a.add_argument("file")
    a.add_argument("--reason", default="rescan")
    a.set_defaults(func=_replace)
    a = action("split", "split a two-page spread into two pages")
    a.add_argument("seq", type=int)
    a.add_argument("--at", type=float, help="gutter: pixel column, or a fraction of the width (0..1)")
    a.add_argument("--overlap", type=int, default=0, help="pixels kept on both sides of the cut")
    a.set_defaults(func=_split)
    a = action("label", "set page labels")
    a.add_argument("seq", type=int, nargs="?")
    a.add_argument("label", nargs="?")
    a.add_argument("--recto-verso", action="store_true", help="label all pages 1r, 1v, 2r, ...")
    a.add_argument("--start-leaf", type=int, default=1)
    a.add_argument("--first-side", choices=("r", "v"), default="r")
    a.add_argument("--from-seq", type=int, default=1)
    a.set_defaults(func=_label)
    a = action("history", "show the replace/split history of page SEQ")
    a.add_argument("seq", type=int)
    a.set_defaults(func=_history)


def _item_page(store, args, seq: int | None = None):
    item = store.find_item(args.item)
    if item is None:
        raise ProjectError(f"{store.root}: no item {args.item!r}")
    if seq is None:
        return item, None
    page = next((p for p in item.pages if p.seq == seq), None)
    if page is None:
        raise ProjectError(f"item {item.identifier} has no page {seq} (it has {len(item.pages)})")
    return item, page


def _list(args) -> int:
    with open_store(args.project) as store:
        item, _ = _item_page(store, args)
        for p in item.pages:
            img = p.derived.get("image")
            print(f"{p.seq:>4}  {p.label:<8} {p.width}x{p.height} {p.dpi or '?'} ppi  {p.master.path}"
                  + (f"  [image {img.path}]" if img else ""))
    return 0


def _reorder(args) -> int:
    from ...capture.structure import move_page

    with open_store(args.project) as store:
        _, page = _item_page(store, args, args.seq)
        moved = move_page(store, page.id, args.to)
        print(f"page {args.seq} is now page {moved.seq}")
    return 0


def _insert(args) -> int:
    from ...capture.structure import insert_file

    with open_store(args.project) as store:
        item, _ = _item_page(store, args)
        pages = insert_file(store, item, args.file, args.at)
        print(f"inserted {len(pages)} page(s) at {args.at}")
    return 0


def _replace(args) -> int:
    from ...capture.structure import replace_page_from_file

    with open_store(args.project) as store:
        _, page = _item_page(store, args, args.seq)
        new = replace_page_from_file(store, page.id, args.file, reason=args.reason)
        print(f"page {args.seq}: new master {new.master.path}; old master {page.master.path} kept in history")
    return 0


def _split(args) -> int:
    from ...capture.structure import split_spread

    at = args.at
    if at is not None and at >= 1:
        at = int(at)
    with open_store(args.project) as store:
        _, page = _item_page(store, args, args.seq)
        left, right = split_spread(store, page.id, at=at, overlap=args.overlap)
        print(f"page {args.seq} split into pages {left.seq} ({left.width}x{left.height}) and "
              f"{right.seq} ({right.width}x{right.height})")
    return 0


def _label(args) -> int:
    from ...capture.structure import label_recto_verso, set_label

    with open_store(args.project) as store:
        item, _ = _item_page(store, args)
        if args.recto_verso:
            labels = label_recto_verso(store, item, start_leaf=args.start_leaf, first_side=args.first_side,
                                       from_seq=args.from_seq)
            print(" ".join(labels))
            return 0
        if args.seq is None or args.label is None:
            raise ProjectError("pages label: give SEQ LABEL, or --recto-verso")
        _, page = _item_page(store, args, args.seq)
        set_label(store, page.id, args.label)
    return 0


def _history(args) -> int:
    from ...capture.structure import page_history

    with open_store(args.project) as store:
        _, page = _item_page(store, args, args.seq)
        for h in page_history(store, page.id):
            print(f"{h.at}  {h.action:<8} old={h.old_master} new={h.new_master} {h.detail}")
    return 0
