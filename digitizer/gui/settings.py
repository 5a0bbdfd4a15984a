"""Per-user GUI settings in QSettings: operator, defaults, theme, recent projects, last positions."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from ..store import default_agent

MAX_RECENT = 10
THEMES = ("system", "light", "dark")


class Settings:
    """Typed access to QSettings.  ``path`` gives an INI file (tests); default: the user's settings."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        if path is not None:
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self._qs = QSettings("digitizer", "digitizer")

    def _get(self, key: str, default: Any) -> Any:
        value = self._qs.value(key, default)
        return default if value is None else value

    def sync(self) -> None:
        self._qs.sync()

    # ---------------------------------------------------------------- preferences
    @property
    def operator(self) -> str:
        return str(self._get("prefs/operator", "")) or default_agent()

    @operator.setter
    def operator(self, value: str) -> None:
        self._qs.setValue("prefs/operator", value.strip())

    @property
    def default_profile(self) -> str:
        return str(self._get("prefs/default_profile", "printed-modern"))

    @default_profile.setter
    def default_profile(self, value: str) -> None:
        self._qs.setValue("prefs/default_profile", value)

    @property
    def languages(self) -> list[str]:
        """Recognition languages overriding the profile's (empty: use the profile)."""
        raw = str(self._get("prefs/languages", ""))
        return [x for x in raw.replace(",", "+").split("+") if x.strip()]

    @languages.setter
    def languages(self, value: list[str]) -> None:
        self._qs.setValue("prefs/languages", "+".join(v.strip() for v in value if v.strip()))

    @property
    def threshold(self) -> float | None:
        """Low-confidence threshold overriding the profile's (None: use the profile)."""
        raw = self._get("prefs/threshold", "")
        try:
            return float(raw) if raw != "" else None
        except (TypeError, ValueError):
            return None

    @threshold.setter
    def threshold(self, value: float | None) -> None:
        self._qs.setValue("prefs/threshold", "" if value is None else f"{float(value):.3f}")

    @property
    def theme(self) -> str:
        value = str(self._get("prefs/theme", "system"))
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._qs.setValue("prefs/theme", value if value in THEMES else "system")

    @property
    def line_image_zoom(self) -> float:
        """Size of the editor's line images, as a factor of their one scale (1.0: 100 %)."""
        try:
            return float(self._get("view/line_image_zoom", 1.0))
        except (TypeError, ValueError):
            return 1.0

    @line_image_zoom.setter
    def line_image_zoom(self, value: float) -> None:
        self._qs.setValue("view/line_image_zoom", f"{float(value):.3f}")

    # ---------------------------------------------------------------- recent projects and positions
    @property
    def recent_projects(self) -> list[str]:
        raw = self._get("recent/projects", "[]")
        try:
            items = json.loads(raw) if isinstance(raw, str) else list(raw)
        except ValueError:
            items = []
        return [p for p in items if isinstance(p, str)]

    def add_recent(self, path: str | os.PathLike) -> None:
        p = str(Path(path).resolve())
        items = [p, *[x for x in self.recent_projects if x != p]][:MAX_RECENT]
        self._qs.setValue("recent/projects", json.dumps(items))

    @staticmethod
    def _pos_key(project: str | os.PathLike) -> str:
        import hashlib

        return "positions/" + hashlib.sha1(str(Path(project).resolve()).encode()).hexdigest()[:16]

    def last_position(self, project: str | os.PathLike) -> dict[str, Any] | None:
        raw = self._get(self._pos_key(project), "")
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set_last_position(self, project: str | os.PathLike, page_id: int, line_id: str | None,
                          zoom: float | None = None) -> None:
        self._qs.setValue(self._pos_key(project), json.dumps({"page_id": page_id, "line_id": line_id, "zoom": zoom}))

    # ---------------------------------------------------------------- window geometry
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self._qs.value("window/geometry"), self._qs.value("window/state")

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
