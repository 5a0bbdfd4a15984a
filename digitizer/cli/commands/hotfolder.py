"""``digitizer hotfolder PROJECT FOLDER --item ID``: import files dropped into a folder, once complete.

Runs until Ctrl+C (or ``--once``: one pass after waiting ``--settle`` seconds, for scripts and
cron; ``--duration S``: stop after S seconds).  Restarting never imports a file twice.
"""

from __future__ import annotations

import sys
import threading
import time

from ...errors import ExitCode, ProjectError
from ..common import add_project_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("hotfolder", help="watch a folder and import complete files into an item")
    add_project_arg(p)
    p.add_argument("folder", metavar="FOLDER", help="folder the scanning software writes into")
    p.add_argument("--item", required=True, help="item identifier (created if missing)")
    p.add_argument("--profile", default="printed-modern", help="profile of a new item")
    p.add_argument("--settle", type=float, help="seconds a file must stay unchanged (default: profile, 2)")
    p.add_argument("--order", choices=("name", "arrival"), help="import order (default: profile, name)")
    p.add_argument("--once", action="store_true", help="one pass (waits --settle seconds to judge completeness)")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--no-qc", action="store_true", help="skip capture QC on imported pages")
    p.set_defaults(func=run)


def _print(ev) -> None:
    pages = f" -> page id(s) {', '.join(map(str, ev.pages))}" if ev.pages else ""
    note = f" ({ev.reason})" if ev.reason else ""
    qc = f"  QC: {', '.join(ev.qc_failed)} - rescan?" if ev.qc_failed else ""
    print(f"{ev.name}: {ev.status}{pages}{note}{qc}", flush=True)


def run(args) -> int:
    from ...capture.hotfolder import HotFolder
    from ...capture.qc import settings_for_item
    from ...capture.settings import capture_settings
    from ...profiles import load_profile
    from .import_cmd import get_or_create_item

    with open_store(args.project) as store:
        item = get_or_create_item(store, args.item, profile=args.profile)
        cs = capture_settings(load_profile(item.profile))
        settle = args.settle if args.settle is not None else cs.hotfolder_settle
        if settle < 0:
            raise ProjectError("--settle must not be negative")
        hf = HotFolder(store, args.folder, item, settle=settle, order=args.order or cs.hotfolder_order,
                       qc=None if args.no_qc else settings_for_item(item))
        if args.once:
            hf.scan()
            time.sleep(settle)
            events = hf.scan()
            for ev in events:
                _print(ev)
            failed = any(e.status == "failed" for e in events)
            return ExitCode.INPUT if failed else 0
        stop = threading.Event()
        if args.duration:
            threading.Timer(args.duration, stop.set).start()
        print(f"watching {hf.folder} -> item {item.identifier} (Ctrl+C to stop)", file=sys.stderr)
        try:
            hf.run(stop, on_event=_print)
        except KeyboardInterrupt:
            stop.set()
        n = sum(1 for e in hf.history if e.status == "imported")
        print(f"imported {n} file(s); {len(hf.pending())} still pending", file=sys.stderr)
    return 0
