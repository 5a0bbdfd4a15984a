"""Scanner capture through SANE (python-sane): list devices, set options, preview, scan, ADF batches.

Each captured page becomes a lossless TIFF master (with its resolution tag) in the current item;
the capture event carries device, effective settings, time and operator.

Platforms: SANE runs on Linux (and the BSDs).  Windows (TWAIN/WIA) and macOS (ICA) are not
supported yet: :func:`require_sane` raises :class:`MissingDependencyError` saying so, and the
hot folder is the way in there (scan with the vendor software into a watched folder).

SANE is process-global (``sane_init`` reads ``SANE_CONFIG_DIR`` once), so all calls go through
one lock.  ``scripts/sane-test-config.sh`` makes a config dir enabling SANE's ``test`` backend.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from .. import __version__
from ..errors import DigitizerError, InputFileError, MissingDependencyError
from ..model import Item, Page, ProcessingStep, utcnow
from ..progress import CancelToken, NullProgress, ProgressSink
from .settings import ScanSettings

_LOCK = threading.RLock()
_STATE: dict[str, Any] = {"initialised": False, "version": None}
ADF_WORDS = ("adf", "feeder", "automatic document")


class ScannerError(DigitizerError):
    """A SANE device refused an option or failed while scanning."""

    exit_code = 5


@dataclass
class DeviceInfo:
    name: str
    vendor: str
    model: str
    type: str


@dataclass
class ScannedPage:
    image: Image.Image
    dpi: float
    settings: dict[str, Any]
    started: str
    index: int = 0


@dataclass
class CaptureResult:
    pages: list[Page] = field(default_factory=list)
    qc: list[Any] = field(default_factory=list)
    device: DeviceInfo | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def require_sane() -> Any:
    """Import python-sane and initialise SANE once; clear error when unavailable."""
    hint = ("direct scanning needs SANE; on Windows (TWAIN/WIA) and macOS (ICA) it is not supported yet: "
            "scan with the scanner's own software into a folder and use 'digitizer hotfolder'")
    if sys.platform in ("win32", "darwin"):
        raise MissingDependencyError(f"scanning through SANE is not available on {sys.platform}", hint=hint)
    try:
        import sane
    except ImportError as exc:
        raise MissingDependencyError(f"python-sane is not installed or libsane is missing ({exc})",
                                     hint="apt install libsane-dev sane-utils; pip install python-sane") from exc
    with _LOCK:
        if not _STATE["initialised"]:
            _STATE["version"] = sane.init()
            _STATE["initialised"] = True
    return sane


def sane_version() -> str:
    require_sane()
    v = _STATE["version"]
    return f"{v[1]}.{v[2]}.{v[3]}" if v else ""


def list_devices() -> list[DeviceInfo]:
    sane = require_sane()
    with _LOCK:
        return [DeviceInfo(*map(str, d)) for d in sane.get_devices(False)]


def _py_name(name: str) -> str:
    return name.replace("-", "_")


class Scanner:
    """One open SANE device; use as a context manager."""

    def __init__(self, name: str | None = None):
        sane = require_sane()
        devices = list_devices()
        if name is None:
            if not devices:
                raise ScannerError("no scanner found", hint="check 'scanimage -L' and the SANE backend config")
            name = devices[0].name
        self.info = next((d for d in devices if d.name == name), DeviceInfo(name, "", "", ""))
        with _LOCK:
            try:
                self.dev = sane.open(name)
            except Exception as exc:
                raise ScannerError(f"cannot open scanner {name!r}: {exc}",
                                   hint="list devices with 'digitizer scan --list'") from exc

    def __enter__(self) -> "Scanner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with _LOCK:
            self.dev.close()

    # ------------------------------------------------------------------ options

    def has(self, option: str) -> bool:
        return _py_name(option) in self.dev.opt

    def constraint(self, option: str) -> Any:
        opt = self.dev.opt.get(_py_name(option))
        return None if opt is None else opt.constraint

    def options(self) -> dict[str, Any]:
        """Current values of the common options (what the capture event records)."""
        out: dict[str, Any] = {}
        for name in ("source", "mode", "resolution", "depth", "tl_x", "tl_y", "br_x", "br_y"):
            if self.has(name):
                try:
                    out[name] = getattr(self.dev, name)
                except Exception:  # noqa: BLE001 - inactive options cannot be read
                    continue
        return out

    def _set(self, name: str, value: Any) -> None:
        py = _py_name(name)
        if py not in self.dev.opt:
            raise ScannerError(f"{self.info.name}: scanner has no option {name!r}")
        cons = self.dev.opt[py].constraint
        if isinstance(cons, list) and value not in cons:
            raise ScannerError(f"{self.info.name}: {name} = {value!r} is not one of {cons}")
        if isinstance(cons, tuple) and not cons[0] <= value <= cons[1]:
            raise ScannerError(f"{self.info.name}: {name} = {value!r} is outside {cons[0]}..{cons[1]}")
        with _LOCK:
            try:
                setattr(self.dev, py, value)
            except Exception as exc:
                raise ScannerError(f"{self.info.name}: cannot set {name} = {value!r}: {exc}") from exc

    def apply(self, s: ScanSettings) -> dict[str, Any]:
        """Set ``s`` on the device; returns the effective option values."""
        if s.source is not None:
            self._set("source", self._match_source(s.source))
        self._set_mode(s)
        self._set("resolution", s.resolution)
        if s.depth is not None and s.mode != "Lineart":
            self._set("depth", s.depth)
        if s.area is not None:
            for name, value in zip(("tl_x", "tl_y", "br_x", "br_y"), s.area):
                self._set(name, float(value))
        for name, value in s.options.items():
            self._set(name, value)
        return self.options()

    def _match_source(self, wanted: str) -> str:
        sources = self.constraint("source") or []
        if wanted in sources:
            return wanted
        if wanted.lower() in ("adf", "feeder"):
            match = [x for x in sources if any(w in x.lower() for w in ADF_WORDS)]
            if match:
                return match[0]
        if wanted.lower() == "flatbed":
            match = [x for x in sources if "flatbed" in x.lower()]
            if match:
                return match[0]
        raise ScannerError(f"{self.info.name}: source {wanted!r} is not one of {sources}")

    def _set_mode(self, s: ScanSettings) -> None:
        modes = self.constraint("mode") or []
        if s.mode in modes:
            self._set("mode", s.mode)
            return
        alias = {"Lineart": ("Lineart", "Binary", "Black & White"), "Gray": ("Gray", "Grayscale", "Grey"),
                 "Color": ("Color", "Colour", "RGB")}[s.mode]
        match = [m for m in modes if m in alias]
        if match:
            self._set("mode", match[0])
        elif s.mode == "Lineart" and "Gray" in modes and 1 in (self.constraint("depth") or []):
            self._set("mode", "Gray")      # backends without Lineart: grey at 1 bit is the same thing
            self._set("depth", 1)
        else:
            raise ScannerError(f"{self.info.name}: mode {s.mode!r} is not supported (modes: {modes})")

    # ------------------------------------------------------------------ scanning

    def _read(self) -> Image.Image:
        params = self.dev.get_parameters()
        depth = params[3]
        if depth == 16:
            arr = self.dev.arr_snap()
            return _image_from_16bit(arr)
        img = self.dev.snap()
        return img.convert("1") if depth == 1 else img

    def scan(self) -> ScannedPage:
        """One page from the current source."""
        started = utcnow()
        with _LOCK:
            try:
                self.dev.start()
                img = self._read()
            except Exception as exc:
                raise ScannerError(f"{self.info.name}: scan failed: {exc}") from exc
        return ScannedPage(img, float(self.options().get("resolution", 0)), self.options(), started)

    def preview(self, resolution: int = 75) -> Image.Image:
        """A quick low-resolution scan of the whole area (settings are restored afterwards)."""
        old = self.dev.resolution
        lo = self.constraint("resolution")
        res = max(resolution, lo[0]) if isinstance(lo, tuple) else resolution
        self._set("resolution", res)
        try:
            return self.scan().image
        finally:
            self._set("resolution", old)

    def batch(self, max_pages: int | None = None, cancel: CancelToken | None = None) -> Iterator[ScannedPage]:
        """Pages until the feeder is empty (or ``max_pages``); on a flatbed, ``max_pages`` scans."""
        n = 0
        while max_pages is None or n < max_pages:
            if cancel:
                cancel.check()
            started = utcnow()
            with _LOCK:
                try:
                    self.dev.start()
                except Exception as exc:
                    if n and self.is_adf():      # "Document feeder out of documents"
                        return
                    raise ScannerError(f"{self.info.name}: scan failed: {exc}") from exc
                img = self._read()
            n += 1
            yield ScannedPage(img, float(self.options().get("resolution", 0)), self.options(), started, n - 1)

    def is_adf(self) -> bool:
        src = self.options().get("source")
        return bool(src) and any(w in str(src).lower() for w in ADF_WORDS)


def _image_from_16bit(arr: np.ndarray) -> Image.Image:
    """A 16-bit grey array -> ``I;16`` image; 16-bit RGB is kept as an RGB uint16 array wrapper."""
    if arr.shape[2] == 1:
        return Image.fromarray(np.ascontiguousarray(arr[..., 0]).astype("<u2"))
    img = Image.new("RGB", (arr.shape[1], arr.shape[0]))
    img.info["rgb16"] = np.ascontiguousarray(arr)
    return img


def encode_master(img: Image.Image, dpi: float) -> bytes:
    """Lossless TIFF bytes with the resolution tag (Deflate; Group 4 for 1-bit; 16-bit kept)."""
    if "rgb16" in img.info:
        import tifffile

        buf = io.BytesIO()
        tifffile.imwrite(buf, img.info["rgb16"], photometric="rgb", compression="zlib",
                         resolution=(dpi, dpi), resolutionunit="INCH")
        return buf.getvalue()
    buf = io.BytesIO()
    comp = "group4" if img.mode == "1" else "tiff_adobe_deflate"
    img.save(buf, format="TIFF", compression=comp, dpi=(dpi, dpi))
    return buf.getvalue()


def store_scanned_page(store: Any, item: Item, sp: ScannedPage, device: DeviceInfo, *, name: str,
                       seq: int | None = None, batch: dict[str, Any] | None = None,
                       tool: str = "digitizer.capture.sane") -> Page:
    """Write ``sp`` as a master of ``item`` and add its page, with one ``capture`` event."""
    from ..fsutil import safe_name

    data = encode_master(sp.image, sp.dpi)
    rel = store.unique_path(f"masters/{item.identifier}/{safe_name(name)}.tif")
    params = {"device": asdict(device), "settings": sp.settings, "dpi": sp.dpi, "started": sp.started,
              "sane_version": sane_version(), "mode": sp.image.mode,
              "width": sp.image.width, "height": sp.image.height} | (batch or {})
    step = ProcessingStep(action="capture", tool=tool, tool_version=__version__, parameters=params,
                          agent=store.agent)
    path = store.abspath(rel)
    try:
        with store.transaction():
            ref = store.write_file(rel, data, role="master", mime="image/tiff")
            return store.add_page(item.id, ref, width=sp.image.width, height=sp.image.height, dpi=sp.dpi,
                                  dpi_source="metadata", source_path=f"sane:{device.name}", seq=seq, step=step)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def capture(store: Any, item: Item, settings: ScanSettings, *, device: str | None = None, count: int | None = 1,
            qc: Any = None, insert_at: int | None = None, progress: ProgressSink | None = None,
            cancel: CancelToken | None = None) -> CaptureResult:
    """Scan ``count`` pages (``None``: until the ADF is empty) into ``item``.

    ``qc``: a :class:`~digitizer.capture.qc.QCSettings` to check each page as it arrives (results
    are stored; a failed check never stops the batch).  ``insert_at``: put the pages at this
    position (1-based) instead of at the end.
    """
    from . import qc as qcmod

    settings.validate()
    progress = progress or NullProgress()
    res = CaptureResult()
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with Scanner(device) as sc:
        res.device = sc.info
        res.settings = sc.apply(settings)
        progress.start(count, f"scan into {item.identifier}")
        previous = _previous_hashes(store, item, insert_at) if qc is not None else None
        batch_id = f"scan-{stamp}"
        for sp in sc.batch(count, cancel):
            seq = None if insert_at is None else insert_at + sp.index
            page = store_scanned_page(store, item, sp, sc.info, name=f"{batch_id}_{sp.index + 1:04d}", seq=seq,
                                      batch={"batch": batch_id, "batch_index": sp.index})
            res.pages.append(page)
            if qc is not None:
                result = qcmod.check_image(_qc_array(sp.image), sp.dpi, qc, previous=previous, page_id=page.id,
                                           seq=page.seq)
                qcmod.save_page_qc(store, result)
                previous = (result.dhash, result.phash)
                res.qc.append(result)
            progress.advance(1)
        progress.finish()
    if not res.pages:
        raise InputFileError(f"sane:{res.device.name if res.device else device}", "the scanner returned no pages")
    return res


def capture_into(store: Any, identifier: str | None, settings: ScanSettings, *, profile: str = "printed-modern",
                 device: str | None = None, count: int | None = 1, progress: ProgressSink | None = None,
                 cancel: CancelToken | None = None) -> CaptureResult:
    """:func:`capture` into the item ``identifier`` names, created with ``profile`` when missing (QC
    settings from the item's profile).  A scan into a new item that stores no page leaves no item behind."""
    from ..items import discard_empty_item, find_item, new_item
    from .qc import settings_for_item

    item = find_item(store, identifier) if identifier else None
    created = item is None
    item = item or new_item(store, identifier, profile=profile)
    try:
        return capture(store, item, settings, device=device, count=count, qc=settings_for_item(item),
                       progress=progress, cancel=cancel)
    except BaseException:
        if created and not store.pages(item.id):
            discard_empty_item(store, item.id)
        raise


def _previous_hashes(store: Any, item: Item, insert_at: int | None) -> tuple[int, int] | None:
    from .qc import hashes_of

    before = [p for p in store.pages(item.id) if insert_at is None or p.seq < insert_at]
    return hashes_of(store, before[-1]) if before else None


def _qc_array(img: Image.Image) -> np.ndarray:
    if "rgb16" in img.info:
        return (img.info["rgb16"] >> 8).astype(np.uint8)
    if img.mode == "I;16":
        return (np.asarray(img, dtype=np.uint16) >> 8).astype(np.uint8)
    return np.asarray(img.convert("L") if img.mode == "1" else img)
