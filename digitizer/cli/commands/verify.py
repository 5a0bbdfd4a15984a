"""``digitizer verify PATH``: fixity of a BagIt bag (folder or .zip), a METS package, an export folder
or a project (recorded there as a PREMIS fixity-check event).  Exit 9 when anything changed, is
missing or is extra."""

from __future__ import annotations

import sys

from ...errors import ExitCode


def register(sub) -> None:
    p = sub.add_parser("verify", help="check checksums of a bag, METS package, export folder or project")
    p.add_argument("path", metavar="PATH", nargs="?")
    p.add_argument("--access", metavar="OUT", help="leak check of the access package OUT against --project "
                                                   "(exit 13 when restricted material is found)")
    p.add_argument("--project", metavar="P", help="with --access: the project holding the restrictions")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-record", action="store_true", help="do not record the check in a project's event log")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...export.verify import verify_path

    if args.access or not args.path:
        from .restrict import verify_access

        return verify_access(args)

    report = verify_path(args.path, record=not args.no_record)
    print_report(report, args)
    return 0 if report.is_valid else ExitCode.VERIFY_FAILED


def print_report(report, args, failed: str = "FAILED") -> None:
    """The report as JSON, or its lines (errors on stderr) and a last OK/``failed`` line."""
    if args.json:
        print(report.to_json())
    else:
        for line in report.lines():
            if line.startswith("ERROR"):
                print(line, file=sys.stderr)
            elif not args.quiet:
                print(line)
        if not args.quiet:
            print(f"{'OK' if report.is_valid else failed}: {report.title} ({len(report.errors)} error(s))")
