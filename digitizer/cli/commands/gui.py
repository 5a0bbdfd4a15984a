"""``digitizer gui [PROJECT]``: open the desktop workstation (needs a display)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the desktop workstation (optionally on a project)")
    p.add_argument("project", metavar="PROJECT", nargs="?", help="project folder to open")
    p.add_argument("--settings", metavar="INI", help="use this settings file instead of the user's (testing, kiosks)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...gui.app import run as run_gui

    return run_gui(args.project, settings_path=args.settings)
