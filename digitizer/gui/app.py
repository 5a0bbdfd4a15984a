"""``digitizer-gui`` / ``digitizer gui [PROJECT]``: start the workstation."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

from ..errors import DigitizerError, MissingDependencyError


def has_display() -> bool:
    """True when Qt can show a window (X11/Wayland, or a platform chosen explicitly)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _excepthook(exc_type: type, exc: BaseException, tb: Any) -> None:
    """The GUI's error boundary for exceptions escaping a slot: a message, not a crash."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    text = exc.user_message if isinstance(exc, DigitizerError) else f"{exc_type.__name__}: {exc}"
    traceback.print_exception(exc_type, exc, tb)
    app = QApplication.instance()
    if app is not None and app.platformName() not in ("offscreen", "minimal"):
        QMessageBox.critical(app.activeWindow(), "digitizer", text)


def make_app(argv: list[str] | None = None) -> Any:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .main_window import ICON

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("digitizer")
    app.setOrganizationName("digitizer")
    app.setDesktopFileName("digitizer")
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))
    return app


def run(project: str | None = None, *, settings_path: str | None = None) -> int:
    """Open the main window (on ``project`` if given) and run the event loop."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if not has_display():
        raise DigitizerError("no display: the GUI needs X11 or Wayland",
                             hint="run it on a desktop, under xvfb-run, or use the CLI commands")
    try:
        import PySide6  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("PySide6 is not installed", hint="pip install 'digitizer[gui]'") from exc
    app = make_app()
    from .main_window import MainWindow
    from .preferences import apply_theme
    from .settings import Settings

    settings = Settings(settings_path)
    apply_theme(settings.theme)
    sys.excepthook = _excepthook
    win = MainWindow(settings)
    win.show()
    if project:
        try:
            win.open_project(project)
        except DigitizerError as exc:
            win.show_error(exc.user_message)
    elif settings.recent_projects and os.path.isdir(settings.recent_projects[0]):
        try:
            win.open_project(settings.recent_projects[0])
        except DigitizerError as exc:
            win.show_error(exc.user_message)
    return int(app.exec())


def main(argv: list[str] | None = None) -> int:
    """Console entry point ``digitizer-gui [PROJECT]``."""
    argv = sys.argv[1:] if argv is None else argv
    project = argv[0] if argv and not argv[0].startswith("-") else None
    try:
        return run(project)
    except DigitizerError as exc:
        print(f"digitizer-gui: error: {exc.user_message}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
