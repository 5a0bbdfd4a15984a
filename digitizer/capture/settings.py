"""The ``[capture]`` table of a profile: scanner defaults, hot-folder and camera settings.

Example::

    [capture]
    device = "epson2:libusb:001:004"   # SANE device name (optional)
    source = "Flatbed"                 # or "Automatic Document Feeder" / "ADF" (backend names vary)
    mode = "Color"                     # Color | Gray | Lineart
    resolution = 400                   # ppi
    depth = 8                          # 1, 8 or 16 (optional: backend default)
    area = [0, 0, 210, 297]            # tl_x, tl_y, br_x, br_y in mm (optional: whole glass)
    options = { brightness = 0 }       # other SANE options by name (optional)
    hotfolder_settle = 2.0             # seconds a file must stay unchanged before import
    hotfolder_order = "name"           # name | arrival
    camera_dpi = 300                   # resolution recorded for camera captures after crop
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import ProfileError

MODES = ("Color", "Gray", "Lineart")
ORDERS = ("name", "arrival")


@dataclass
class ScanSettings:
    """What to ask a SANE device for.  ``None`` keeps the backend's default."""

    source: str | None = None
    mode: str = "Color"
    resolution: int = 300
    depth: int | None = None
    area: list[float] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def validate(self, where: str = "scan settings") -> "ScanSettings":
        if self.mode not in MODES:
            raise ProfileError(f"{where}: mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if isinstance(self.resolution, bool) or not isinstance(self.resolution, int) or not 25 <= self.resolution <= 9600:
            raise ProfileError(f"{where}: resolution must be a whole number of ppi (25..9600), not {self.resolution!r}")
        if self.depth is not None and self.depth not in (1, 8, 16):
            raise ProfileError(f"{where}: depth must be 1, 8 or 16, not {self.depth!r}")
        if self.area is not None:
            ok = (isinstance(self.area, (list, tuple)) and len(self.area) == 4
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in self.area))
            if not ok or self.area[2] <= self.area[0] or self.area[3] <= self.area[1]:
                raise ProfileError(f"{where}: area must be [tl_x, tl_y, br_x, br_y] in mm with br > tl, "
                                   f"not {self.area!r}")
            self.area = [float(v) for v in self.area]
        if not isinstance(self.options, dict):
            raise ProfileError(f"{where}: options must be a table")
        return self


@dataclass
class CaptureSettings:
    device: str | None = None
    scan: ScanSettings = field(default_factory=ScanSettings)
    hotfolder_settle: float = 2.0
    hotfolder_order: str = "name"
    camera_dpi: float = 300.0


_SCAN_KEYS = {f.name for f in fields(ScanSettings)}
_OTHER_KEYS = {"device", "hotfolder_settle", "hotfolder_order", "camera_dpi"}


def parse_capture(data: dict[str, Any], *, source: str = "[capture]") -> CaptureSettings:
    """Validate a ``[capture]`` table; errors name ``source`` (file + section) and the key."""
    out = CaptureSettings()
    for key in data:
        if key not in _SCAN_KEYS | _OTHER_KEYS:
            raise ProfileError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(_SCAN_KEYS | _OTHER_KEYS))})")
    for key in _SCAN_KEYS & set(data):
        setattr(out.scan, key, data[key])
    out.scan.validate(source)
    if "device" in data:
        if not isinstance(data["device"], str):
            raise ProfileError(f"{source}: device must be a string, not {data['device']!r}")
        out.device = data["device"]
    for key in ("hotfolder_settle", "camera_dpi"):
        if key in data:
            v = data[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise ProfileError(f"{source}: {key} must be a positive number, not {v!r}")
            setattr(out, key, float(v))
    if "hotfolder_order" in data:
        if data["hotfolder_order"] not in ORDERS:
            raise ProfileError(f"{source}: hotfolder_order must be one of {', '.join(ORDERS)}, "
                               f"not {data['hotfolder_order']!r}")
        out.hotfolder_order = data["hotfolder_order"]
    return out


def capture_settings(profile: Any) -> CaptureSettings:
    where = f"{getattr(profile, 'path', '') or getattr(profile, 'name', 'profile')}: [capture]"
    return parse_capture(profile.section("capture"), source=where)
