"""CLI side of the leak check (``digitizer verify --access OUT --project P``), kept here so the verify
command needs a two-line hook only."""

from __future__ import annotations

import sys

from ..errors import ExitCode
from .rules import RestrictionError


def verify_access(args) -> int:
    from ..store import ProjectStore
    from .leak import check_access_package

    if not args.access or not args.project:
        raise RestrictionError("verify needs PATH, or --access OUT with --project P")
    with ProjectStore.open(args.project) as store:
        report = check_access_package(store, args.access)
    if args.json:
        print(report.to_json())
    else:
        for line in report.lines():
            if line.startswith("ERROR"):
                print(line, file=sys.stderr)
            elif not args.quiet:
                print(line)
        print(f"{'OK' if report.is_valid else 'LEAK'}: {report.title} ({len(report.errors)} error(s))",
              file=sys.stdout if report.is_valid else sys.stderr)
    return 0 if report.is_valid else ExitCode.ACCESS_LEAK
