"""``digitizer status PROJECT [--json]``: pages by status and the progress of the latest batch job."""

from __future__ import annotations

import json

from ..common import add_project_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("status", help="batch progress: pages done/failed/remaining, pages per minute, ETA")
    add_project_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="show the latest N jobs (default 1)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...batch.runner import format_eta
    from ...batch.status import project_status

    with open_store(args.project) as store:
        st = project_status(store, jobs=max(1, args.jobs))
    if args.json:
        print(json.dumps(st, indent=2, ensure_ascii=False))
        return 0
    pages = st["pages"]
    print(f"{st['project']}: {pages['total']} page(s): "
          + ", ".join(f"{n} {k}" for k, n in sorted(pages.items()) if k != "total"))
    for job in st["jobs"]:
        p = job["pages"]
        print(f"job {job['job']} ({job['kind']}, {job['executor']}): {job['state']}; {p['done']} done, "
              f"{p['failed']} failed, {p['remaining']} remaining of {p['total']}; "
              f"{job['pages_per_minute']:.1f} pages/min; ETA {format_eta(job['eta_seconds'])}")
    for f in st["failed"]:
        print(f"  page {f['page']}: {f['error']} ({f['attempts']} attempt(s))")
    return 0
