"""``digitizer scan``: capture from a SANE scanner into a project item.

    digitizer scan --list
    digitizer scan PROJECT --item box1 [--device test:0] [--source ADF --batch] [--count N]
                   [--mode Color|Gray|Lineart] [--resolution 300] [--depth 8] [--area X0 Y0 X1 Y1]
                   [--option name=value ...] [--preview OUT.png] [--insert-at N] [--replace-page SEQ] [--no-qc]
"""

from __future__ import annotations

import sys

from ...errors import ExitCode, ProjectError


def register(sub) -> None:
    p = sub.add_parser("scan", help="scan pages from a SANE scanner (flatbed or ADF) into an item")
    p.add_argument("project", nargs="?", metavar="PROJECT", help="project folder")
    p.add_argument("--list", action="store_true", help="list scanners and exit")
    p.add_argument("--item", help="item identifier (created if missing)")
    p.add_argument("--profile", default=None, help="profile of a new item (default printed-modern)")
    p.add_argument("--device", help="SANE device name (default: profile [capture] device, else the first found)")
    p.add_argument("--source", help="Flatbed, ADF, or the backend's source name")
    p.add_argument("--mode", choices=("Color", "Gray", "Lineart"))
    p.add_argument("--resolution", type=int, help="ppi")
    p.add_argument("--depth", type=int, choices=(1, 8, 16))
    p.add_argument("--area", type=float, nargs=4, metavar=("TL_X", "TL_Y", "BR_X", "BR_Y"), help="scan area in mm")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE", help="other SANE option")
    p.add_argument("--count", type=int, default=None, help="pages to scan (default 1; with --batch: until empty)")
    p.add_argument("--batch", action="store_true", help="continuous scan until the feeder is empty")
    p.add_argument("--preview", metavar="PNG", help="write a low-resolution preview scan and exit")
    p.add_argument("--insert-at", type=int, metavar="SEQ", help="insert the pages at this position")
    p.add_argument("--replace-page", type=int, metavar="SEQ", help="rescan: replace this page (old master kept)")
    p.add_argument("--no-qc", action="store_true", help="skip capture QC")
    p.set_defaults(func=run)


def _value(text: str):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _settings(args, profile):
    from ...capture.settings import capture_settings

    cs = capture_settings(profile)
    s = cs.scan
    for key in ("source", "mode", "resolution", "depth"):
        if getattr(args, key) is not None:
            setattr(s, key, getattr(args, key))
    if args.area:
        s.area = list(args.area)
    for opt in args.option:
        name, _, val = opt.partition("=")
        if not val:
            raise ProjectError(f"--option {opt!r}: expected NAME=VALUE")
        s.options[name] = _value(val)
    return s.validate("command line"), args.device or cs.device


def run(args) -> int:
    from ...capture import sane_scanner as sc

    if args.list:
        for d in sc.list_devices():
            print(f"{d.name}\t{d.vendor} {d.model} ({d.type})")
        return 0
    if not args.project:
        raise ProjectError("scan: PROJECT is required (or use --list)")
    from ...profiles import load_profile
    from ..common import close_progress, make_progress, open_store
    from .import_cmd import get_or_create_item

    with open_store(args.project) as store:
        item = get_or_create_item(store, args.item, profile=args.profile or "printed-modern")
        profile = load_profile(item.profile)
        settings, device = _settings(args, profile)
        if args.preview:
            with sc.Scanner(device) as scanner:
                scanner.apply(settings)
                scanner.preview().save(args.preview)
            print(f"preview written to {args.preview}", file=sys.stderr)
            return 0
        if args.replace_page:
            return _rescan(store, item, settings, device, args.replace_page)
        from ...capture.qc import settings_for_item

        qc = None if args.no_qc else settings_for_item(item)
        count = args.count if args.count is not None else (None if args.batch else 1)
        progress = make_progress(args)
        try:
            res = sc.capture(store, item, settings, device=device, count=count, qc=qc, insert_at=args.insert_at,
                             progress=progress)
        finally:
            close_progress(progress)
        for page, q in zip(res.pages, res.qc or [None] * len(res.pages)):
            flags = "" if q is None or q.ok else "  QC: " + ", ".join(c.message for c in q.failed) + " - rescan?"
            print(f"{item.identifier} p{page.seq}: {page.master.path} {page.width}x{page.height} "
                  f"{page.dpi:g} ppi{flags}")
        print(f"scanned {len(res.pages)} page(s) from {res.device.name}", file=sys.stderr)
    return 0


def _rescan(store, item, settings, device, seq: int) -> int:
    from ...capture import sane_scanner as sc
    from ...capture.structure import replace_master

    page = next((p for p in store.pages(item.id) if p.seq == seq), None)
    if page is None:
        raise ProjectError(f"item {item.identifier} has no page {seq}")
    with sc.Scanner(device) as scanner:
        scanner.apply(settings)
        sp = scanner.scan()
        tmp_item = item
        data = sc.encode_master(sp.image, sp.dpi)
        rel = store.unique_path(f"masters/{tmp_item.identifier}/rescan_p{seq:04d}.tif")
        with store.transaction():
            ref = store.write_file(rel, data, role="master", mime="image/tiff")
            new = replace_master(store, page.id, ref, width=sp.image.width, height=sp.image.height, dpi=sp.dpi,
                                 dpi_source="metadata", source_path=f"sane:{scanner.info.name}", reason="rescan",
                                 extra={"device": scanner.info.__dict__, "settings": sp.settings})
    print(f"{item.identifier} p{seq}: rescanned into {new.master.path} (old master {page.master.path} kept)")
    return ExitCode.OK
