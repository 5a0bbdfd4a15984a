"""Safe image input: identify, probe, load and normalise scans and PDF pages.

Formats are identified from magic bytes, never from the file name.  Every problem a
user can cause (empty, truncated, not an image, unsupported format, decompression
bomb, unreadable) becomes one :class:`ImageInputError` -- an
:class:`~digitizer.errors.InputFileError` with a one-line ``reason`` and a
machine-readable ``kind``.  Pixel limits are checked from the header before any
pixel data is decoded.  Input files are only ever opened for reading.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import stat
import struct
import threading
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import (
    Image,
    ImageCms,
    ImageFile,
    Jpeg2KImagePlugin,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
)

from digitizer.errors import InputFileError, MissingDependencyError
from digitizer.fsutil import printable

SUPPORTED_FORMATS: dict[str, str] = {
    "TIFF": "image/tiff",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "JPEG2000": "image/jp2",
    "PDF": "application/pdf",
}
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".tif", ".tiff", ".jpg", ".jpeg", ".png", ".jp2", ".j2k", ".jpx", ".pdf"}
)
DEFAULT_MAX_PIXELS = 500_000_000
# Our own limit (DEFAULT_MAX_PIXELS, checked from headers before decoding) is in charge, so Pillow's
# DecompressionBombWarning (at 89 MP, far below it) is noise on stderr for every large scan.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
#: Resolution values outside this range are treated as absent.
PLAUSIBLE_DPI = (10.0, 20_000.0)
#: Writers put 72 dpi in by default ("no real resolution"); a scan never has it.
PLACEHOLDER_DPI = 72.0

_LABELS = {"TIFF": "TIFF", "JPEG": "JPEG", "PNG": "PNG", "JPEG2000": "JPEG 2000", "PDF": "PDF"}
_SUPPORTED_LIST = ", ".join(_LABELS.values())
_HEAD_BYTES = 4096
_PLUGINS: dict[str, type[ImageFile.ImageFile]] = {
    "TIFF": TiffImagePlugin.TiffImageFile,
    "JPEG": JpegImagePlugin.JpegImageFile,
    "PNG": PngImagePlugin.PngImageFile,
    "JPEG2000": Jpeg2KImagePlugin.Jpeg2KImageFile,
}
# What Pillow and its codecs raise on damaged data.
_DATA_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, TypeError,
    KeyError, zlib.error,
)
_PDFIUM_LOCK = threading.RLock()  # PDFium must never be called from two threads at once


class ImageInputError(InputFileError):
    """An input file cannot be used.

    ``kind`` is one of ``empty``, ``unreadable``, ``not-image``, ``unsupported``,
    ``too-large``, ``corrupt``.
    """

    KINDS = frozenset({"empty", "unreadable", "not-image", "unsupported", "too-large", "corrupt"})

    def __init__(self, path: object, reason: str, *, kind: str, hint: str | None = None):
        if kind not in self.KINDS:
            raise ValueError(f"unknown ImageInputError kind {kind!r}")
        super().__init__(path, reason, hint=hint)
        self.kind = kind


@dataclass
class ImageInfo:
    """What :func:`probe` found out about a file (size and metadata of frame 0)."""

    path: str
    format: str
    mime: str
    frames: int
    width: int
    height: int
    dpi: float | None
    mode: str
    bits_per_sample: int
    has_alpha: bool
    icc_profile: bytes | None = field(repr=False)
    orientation: int = 1  # EXIF/TIFF Orientation (1 = upright); reported, never applied
    #: frames of a multi-frame file that cannot be decoded (index -> reason); the others are usable
    bad_frames: dict[int, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- identify


def _sniff_bytes(head: bytes) -> str | None:
    """Name the format in ``head`` from its magic bytes, or None."""
    if head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "TIFF"
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:12] == b"\0\0\0\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51":
        return "JPEG2000"
    if b"%PDF-" in head[:1024]:
        return "PDF"
    return _sniff_other(head)


def _sniff_other(head: bytes) -> str | None:
    """Recognise common image formats that we do not accept."""
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\0\0\0\0":
        return "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIF"
    if head[:4] == b"8BPS":
        return "PSD"
    if head[:2] == b"\xff\x0a" or head[:12] == b"\0\0\0\x0cJXL \r\n\x87\n":
        return "JPEG XL"
    return None


def sniff_format(path: str | os.PathLike[str]) -> str | None:
    """Format of ``path`` from its magic bytes: TIFF/JPEG/PNG/JPEG2000/PDF/GIF/BMP/WEBP/... or None.

    Raises OSError when the file cannot be read.
    """
    with open(path, "rb") as fh:
        return _sniff_bytes(fh.read(_HEAD_BYTES))


def _looks_like(head: bytes) -> str:
    """A short description of non-image content, for the error message."""
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if head[:2] == b"\x1f\x8b":
        return "gzip-compressed data"
    if head[:4] == b"\x7fELF" or head[:2] == b"MZ":
        return "a program"
    if head.startswith(b"%!PS"):
        return "PostScript"
    text = _as_text(head)
    if text is None:
        return "unrecognised binary data"
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")):
        return "HTML"
    if start.startswith("<?xml") or start.startswith("<"):
        return "XML"
    return "text"


def _as_text(head: bytes) -> str | None:
    """``head`` decoded as text if it is (almost) all printable, else None."""
    if b"\0" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end
            text = head.decode("latin-1")
        else:
            text = head[: exc.start].decode("utf-8")
    if not text:
        return None
    printable = sum(ch.isprintable() or ch in "\t\r\n\f" for ch in text)
    return text if printable >= 0.95 * len(text) else None


def _pillow_format(path: Path) -> str | None:
    """Let Pillow try to name an exotic format (PPM, ICO, ...) from its header."""
    try:
        with Image.open(path) as im:
            return im.format
    except (*_DATA_ERRORS, Image.DecompressionBombError):
        return None


# --------------------------------------------------------------------------- file checks


def _fail(path: object, reason: str, kind: str, hint: str | None = None) -> ImageInputError:
    return ImageInputError(printable(path), reason, kind=kind, hint=hint)


def _check_file(path: Path) -> None:
    """Raise ImageInputError unless ``path`` is a readable, non-empty regular file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            target = os.readlink(path)
            raise _fail(path, f"broken symbolic link (target {target} does not exist)",
                        "unreadable") from None
        raise _fail(path, "file not found", "unreadable") from None
    except PermissionError:
        raise _fail(path, "permission denied", "unreadable") from None
    except OSError as exc:
        raise _fail(path, f"cannot access file ({exc.strerror or exc})", "unreadable") from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(path, "is a directory, not a file", "unreadable")
    if not stat.S_ISREG(st.st_mode):
        raise _fail(path, "not a regular file", "unreadable")
    if st.st_size == 0:
        raise _fail(path, "empty file (0 bytes)", "empty")


def _read_head(path: Path) -> bytes:
    _check_file(path)
    try:
        with open(path, "rb") as fh:
            return fh.read(_HEAD_BYTES)
    except PermissionError:
        raise _fail(path, "permission denied", "unreadable") from None
    except OSError as exc:
        raise _fail(path, f"cannot read file ({exc.strerror or exc})", "unreadable") from None


def _identify(path: Path) -> tuple[str, bytes]:
    """Supported format name and first bytes of ``path``, or raise ImageInputError."""
    head = _read_head(path)
    fmt = _sniff_bytes(head)
    if fmt in SUPPORTED_FORMATS:
        return fmt, head
    if fmt is None and _as_text(head) is None:
        fmt = _pillow_format(path)
    if fmt is None:
        raise _fail(path, f"not an image or PDF (looks like {_looks_like(head)})", "not-image")
    raise _fail(path, f"unsupported image format {fmt} (supported: {_SUPPORTED_LIST})",
                "unsupported", hint="convert it to TIFF or PNG first")


# --------------------------------------------------------------------------- limits


class _PillowLimit:
    """Raise Pillow's global MAX_IMAGE_PIXELS while our own (header) check is in charge.

    Pillow warns above 89 MP and refuses above 179 MP when decoding some TIFFs; our
    limit is checked before decoding, so Pillow's must not be lower while we decode.
    Reference-counted so concurrent loads restore the original value only once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved: int | None = None

    @contextlib.contextmanager
    def at_least(self, max_pixels: int | None) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = Image.MAX_IMAGE_PIXELS
            self._users += 1
            current = Image.MAX_IMAGE_PIXELS
            if current is not None and (max_pixels is None or max_pixels > current):
                Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    Image.MAX_IMAGE_PIXELS = self._saved


_PILLOW_LIMIT = _PillowLimit()


def _frame_note(frame: int, frames: int, word: str = "frame") -> str:
    return f" ({word} {frame + 1} of {frames})" if frames > 1 else ""


def _check_pixels(path: Path, size: tuple[int, int], max_pixels: int | None, note: str) -> None:
    """Refuse zero-sized or over-limit frames, from header values only."""
    w, h = size
    if w <= 0 or h <= 0:
        raise _fail(path, f"corrupt image header: size {w} x {h} px{note}", "corrupt")
    if max_pixels is not None and w * h > max_pixels:
        raise _too_large(path, size, max_pixels, note)


def _too_large(path: Path, size: tuple[int, int], limit: int, note: str) -> ImageInputError:
    w, h = size
    return _fail(
        path,
        f"image too large: {w} x {h} px = {w * h / 1e6:,.1f} megapixels{note}, limit is "
        f"{limit / 1e6:,.1f} megapixels (possible decompression bomb)",
        "too-large",
    )


# --------------------------------------------------------------------------- raster files


def _data_error(path: Path, fmt: str, exc: BaseException, note: str = "") -> ImageInputError:
    detail = (str(exc).splitlines() or [""])[0][:160] or type(exc).__name__
    low = detail.lower()
    if "unknown pixel mode" in low or "not supported" in low or "unsupported" in low:
        return _fail(path, f"unsupported {_LABELS[fmt]} variant{note}: {detail}", "unsupported")
    return _fail(path, f"truncated or corrupt {_LABELS[fmt]} data{note}: {detail}", "corrupt")


def _open_raster(path: Path, fmt: str) -> ImageFile.ImageFile:
    """Open with the plugin for ``fmt`` directly: parses the header only, no pixel data."""
    try:
        return _PLUGINS[fmt](path)
    except _DATA_ERRORS as exc:
        raise _data_error(path, fmt, exc) from exc


def _count_frames(path: Path, im: ImageFile.ImageFile, fmt: str) -> int:
    try:
        return int(getattr(im, "n_frames", 1))
    except _DATA_ERRORS as exc:
        raise _data_error(path, fmt, exc, " (in the list of frames)") from exc


def _seek(path: Path, im: ImageFile.ImageFile, fmt: str, frame: int, frames: int) -> None:
    try:
        if frames > 1 or frame:
            im.seek(frame)
    except _DATA_ERRORS as exc:
        raise _data_error(path, fmt, exc, _frame_note(frame, frames)) from exc


def _decode(path: Path, im: ImageFile.ImageFile, fmt: str, note: str, max_pixels: int | None) -> None:
    """Decode the current frame fully so truncation and corruption surface here."""
    try:
        with _PILLOW_LIMIT.at_least(max_pixels):
            im.load()
    except Image.DecompressionBombError as exc:  # someone lowered Pillow's limit meanwhile
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise _too_large(path, im.size, limit, note) from exc
    except _DATA_ERRORS as exc:
        raise _data_error(path, fmt, exc, note) from exc


def _dpi_of(im: Image.Image) -> float | None:
    """Resolution from metadata (Pillow's reading of X/YResolution, JFIF, EXIF, pHYs, resc)."""
    dpi = im.info.get("dpi")
    if isinstance(dpi, tuple):
        dpi = dpi[0] or (dpi[1] if len(dpi) > 1 else None)
    try:
        value = float(dpi) if dpi is not None else None
    except (TypeError, ValueError):
        return None
    if value is None or value != value:  # NaN
        return None
    lo, hi = PLAUSIBLE_DPI
    if not lo <= value <= hi or abs(value - PLACEHOLDER_DPI) < 0.05:
        return None
    return round(value, 2)


def _bits_per_sample(im: Image.Image, fmt: str, head: bytes) -> int:
    if fmt == "TIFF":
        bps = getattr(im, "tag_v2", {}).get(TiffImagePlugin.BITSPERSAMPLE)
        if isinstance(bps, tuple):
            bps = bps[0] if bps else None
        if isinstance(bps, int) and bps > 0:
            return bps
    if fmt == "PNG" and len(head) > 24 and head[12:16] == b"IHDR":
        return head[24]
    if fmt == "JPEG" and isinstance(getattr(im, "bits", None), int):
        return int(im.bits)  # type: ignore[attr-defined]
    mode = im.mode
    if mode == "1":
        return 1
    if mode.startswith("I;16"):
        return 16
    return 32 if mode in ("I", "F") else 8


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except _DATA_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _raster_info(path: Path, fmt: str, im: ImageFile.ImageFile, frames: int, head: bytes) -> ImageInfo:
    icc = im.info.get("icc_profile")
    return ImageInfo(
        path=str(path), format=fmt, mime=SUPPORTED_FORMATS[fmt], frames=frames,
        width=im.size[0], height=im.size[1], dpi=_dpi_of(im), mode=im.mode,
        bits_per_sample=_bits_per_sample(im, fmt, head), has_alpha=_has_alpha(im),
        icc_profile=bytes(icc) if icc else None, orientation=_orientation(im),
    )


def _probe_raster(path: Path, fmt: str, head: bytes, max_pixels: int | None, decode: bool) -> ImageInfo:
    with _open_raster(path, fmt) as im:
        _check_pixels(path, im.size, max_pixels, "")
        info = _raster_info(path, fmt, im, 1, head)
        frames = _count_frames(path, im, fmt)
        info.frames = frames
        for i in range(1, frames):  # every frame's size, before decoding anything
            _seek(path, im, fmt, i, frames)
            _check_pixels(path, im.size, max_pixels, _frame_note(i, frames))
        for i in range(frames if decode else 0):
            try:
                _seek(path, im, fmt, i, frames)
                _decode(path, im, fmt, _frame_note(i, frames), max_pixels)
            except ImageInputError as exc:
                if frames == 1 or exc.kind != "corrupt":
                    raise
                info.bad_frames[i] = exc.reason
        if info.bad_frames and len(info.bad_frames) == frames:
            raise _fail(path, info.bad_frames[0], "corrupt")
    return info


def _raster_frames(
    path: Path, fmt: str, frames_wanted: Iterable[int] | None, normalize: bool, max_pixels: int | None
) -> Iterator[tuple[int, Image.Image, float | None]]:
    """Decode the wanted frames (all when None) of a raster file, one at a time."""
    with _open_raster(path, fmt) as im:
        frames = _count_frames(path, im, fmt)
        for i in range(frames) if frames_wanted is None else frames_wanted:
            if not 0 <= i < frames:
                raise IndexError(f"{path}: frame {i} out of range (the file has {frames})")
            note = _frame_note(i, frames)
            _seek(path, im, fmt, i, frames)
            _check_pixels(path, im.size, max_pixels, note)
            dpi = _dpi_of(im)
            _decode(path, im, fmt, note, max_pixels)
            frame = im.copy()  # detached from the file
            yield i, (normalize_image(frame) if normalize else frame), dpi


# --------------------------------------------------------------------------- PDF


def _pdfium() -> Any:
    try:
        import pypdfium2
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise MissingDependencyError("PDF input needs pypdfium2",
                                     hint="pip install pypdfium2") from exc
    return pypdfium2


@contextlib.contextmanager
def _open_pdf(path: Path) -> Iterator[tuple[Any, int]]:
    """Open a PDF read-only; yield the document and its page count."""
    pdfium = _pdfium()
    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(str(path))
            count = len(doc)
        except pdfium.PdfiumError as exc:
            msg = str(exc)
            if _declares_no_pages(path):
                raise _fail(path, "PDF has no pages", "corrupt") from exc
            if "password" in msg.lower():
                raise _fail(path, "PDF is password-protected", "unsupported",
                            hint="remove the password first") from exc
            raise _fail(path, f"truncated or corrupt PDF: {msg}", "corrupt") from exc
    try:
        if count == 0:
            raise _fail(path, "PDF has no pages", "corrupt")
        yield doc, count
    finally:
        with _PDFIUM_LOCK:
            doc.close()


_NO_PAGES = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+0\b|/Count\s+0\b[^>]*?/Type\s*/Pages\b")


def _declares_no_pages(path: Path) -> bool:
    """Whether the PDF's page tree says it has no pages (PDFium then refuses to load it)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(4 << 20)
    except OSError:
        return False
    return bool(_NO_PAGES.search(data)) and not re.search(rb"/Type\s*/Page\b(?!s)", data)


def _pdf_scale(dpi: float) -> float:
    """Points -> pixels; a hair under dpi/72 so float noise cannot add a pixel (render uses ceil)."""
    return dpi / 72 * (1 - 1e-9)


def _pdf_page_pixels(doc: Any, index: int, dpi: float) -> tuple[int, int]:
    with _PDFIUM_LOCK:
        page = doc[index]
        try:
            w_pt, h_pt = page.get_size()
        finally:
            page.close()
    scale = _pdf_scale(dpi)  # the same arithmetic as PdfPage.render, so sizes agree exactly
    return max(1, math.ceil(w_pt * scale)), max(1, math.ceil(h_pt * scale))


def _render_pdf_page(
    path: Path, doc: Any, index: int, count: int, dpi: float, max_pixels: int | None
) -> Image.Image:
    """Render one page as 8-bit RGB on white, after checking its size against the limit."""
    note = _frame_note(index, count, "page")
    _check_pixels(path, _pdf_page_pixels(doc, index, dpi), max_pixels, note)
    pdfium = _pdfium()
    with _PDFIUM_LOCK:
        try:
            page = doc[index]
            try:
                bitmap = page.render(scale=_pdf_scale(dpi), fill_color=(255, 255, 255, 255))
                try:
                    return bitmap.to_pil().convert("RGB")  # convert copies out of PDFium memory
                finally:
                    bitmap.close()
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise _fail(path, f"corrupt PDF page{note}: {exc}", "corrupt") from exc


#: Embedded images below this resolution (a thumbnail, a logo) do not lower the render resolution.
MIN_PDF_DPI = 50.0


def _embedded_dpi(doc: Any, index: int) -> float | None:
    """The highest resolution of the raster images drawn on page ``index`` (pixels per inch as
    placed), None for a page without images (vector text)."""
    pdfium = _pdfium()
    best = None
    with _PDFIUM_LOCK:
        page = doc[index]
        try:
            for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                px_w, px_h = obj.get_px_size()
                left, bottom, right, top = obj.get_bounds()
                if right - left <= 0 or top - bottom <= 0:
                    continue
                dpi = max(px_w / ((right - left) / 72), px_h / ((top - bottom) / 72))
                best = dpi if best is None else max(best, dpi)
        except pdfium.PdfiumError:
            return None
        finally:
            page.close()
    return best


def pdf_render_dpi(doc: Any, index: int, cap: float) -> float:
    """Render resolution of a PDF page: its embedded image's resolution, at most ``cap`` (a 72-dpi
    scan is not upscaled to 300 dpi); ``cap`` for pages without images."""
    dpi = _embedded_dpi(doc, index)
    if dpi is None or dpi < MIN_PDF_DPI:
        return float(cap)
    return float(min(cap, round(dpi)))


def _probe_pdf(path: Path, pdf_dpi: float, max_pixels: int | None, decode: bool) -> ImageInfo:
    with _open_pdf(path) as (doc, count):
        dpis = [pdf_render_dpi(doc, i, pdf_dpi) for i in range(count)]
        sizes = [_pdf_page_pixels(doc, i, dpi) for i, dpi in enumerate(dpis)]
        for i, size in enumerate(sizes):
            _check_pixels(path, size, max_pixels, _frame_note(i, count, "page"))
        for i in range(count if decode else 0):
            _render_pdf_page(path, doc, i, count, 18.0, max_pixels)  # cheap render: parses every page
    return ImageInfo(
        path=str(path), format="PDF", mime=SUPPORTED_FORMATS["PDF"], frames=count,
        width=sizes[0][0], height=sizes[0][1], dpi=dpis[0], mode="RGB",
        bits_per_sample=8, has_alpha=False, icc_profile=None,
    )


def _pdf_frames(
    path: Path, frames_wanted: Iterable[int] | None, pdf_dpi: float, max_pixels: int | None
) -> Iterator[tuple[int, Image.Image, float | None]]:
    with _open_pdf(path) as (doc, count):
        for i in range(count) if frames_wanted is None else frames_wanted:
            if not 0 <= i < count:
                raise IndexError(f"{path}: page {i} out of range (the PDF has {count})")
            dpi = pdf_render_dpi(doc, i, pdf_dpi)
            yield i, _render_pdf_page(path, doc, i, count, dpi, max_pixels), dpi


# --------------------------------------------------------------------------- public API


def probe(
    path: str | os.PathLike[str],
    *,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    pdf_dpi: float = 300,
    decode: bool = True,
) -> ImageInfo:
    """Identify ``path`` and check it can be used; raise ImageInputError with the reason if not.

    With ``decode=True`` every frame (PDF: every page) is decoded, so truncated and
    corrupt data are caught; sizes are checked against ``max_pixels`` before that.
    """
    p = Path(path)
    fmt, head = _identify(p)
    if fmt == "PDF":
        return _probe_pdf(p, pdf_dpi, max_pixels, decode)
    return _probe_raster(p, fmt, head, max_pixels, decode)


def iter_frames(
    path: str | os.PathLike[str],
    *,
    pdf_dpi: float = 300,
    normalize: bool = True,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> Iterator[tuple[int, Image.Image, float | None]]:
    """Yield ``(index, image, dpi)`` for every frame or PDF page, decoding one at a time."""
    yield from _frames(Path(path), None, pdf_dpi=pdf_dpi, normalize=normalize, max_pixels=max_pixels)


def load_frame(
    path: str | os.PathLike[str],
    frame: int = 0,
    *,
    pdf_dpi: float = 300,
    normalize: bool = True,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> tuple[Image.Image, float | None]:
    """Decode one frame (PDF: render one page at ``pdf_dpi``); return it with its dpi.

    ``normalize=True`` gives 8-bit ``L`` or ``RGB`` (see :func:`normalize_image`);
    ``normalize=False`` gives the frame as decoded.  Raises IndexError for a frame
    number the file does not have.
    """
    frames = _frames(Path(path), [frame], pdf_dpi=pdf_dpi, normalize=normalize, max_pixels=max_pixels)
    with contextlib.closing(frames):
        _, image, dpi = next(frames)
    return image, dpi


def _frames(
    p: Path, wanted: Iterable[int] | None, *, pdf_dpi: float, normalize: bool, max_pixels: int | None
) -> Iterator[tuple[int, Image.Image, float | None]]:
    fmt, _ = _identify(p)
    if fmt == "PDF":
        return _pdf_frames(p, wanted, pdf_dpi, max_pixels)
    return _raster_frames(p, fmt, wanted, normalize, max_pixels)


# --------------------------------------------------------------------------- normalisation


def normalize_image(im: Image.Image) -> Image.Image:
    """Convert any decoded frame to 8-bit ``L`` or ``RGB``.

    16/32-bit grey is scaled (not clipped) to 8 bits; CMYK goes through its embedded
    ICC profile when it has a usable one; alpha is composited onto white; 1-bit
    becomes ``L``; palettes become ``L`` (grey palette) or ``RGB``.
    """
    mode = im.mode
    if mode in ("L", "RGB") and "transparency" not in im.info:
        out = im
    elif mode == "1":
        out = im.convert("L")
    elif mode.startswith("I;16") or mode in ("I", "F"):
        out = _scale_to_8bit(im)
    elif mode == "CMYK":
        out = _cmyk_to_rgb(im)
    elif mode == "P" and "transparency" not in im.info:
        out = im.convert("L") if _grey_palette(im) else im.convert("RGB")
    elif mode == "LAB":
        out = _lab_to_rgb(im)
    elif _has_alpha(im):
        out = _flatten_alpha(im)
    else:  # RGBX, YCbCr, HSV, ...
        out = im.convert("RGB")
    return out if out.mode in ("L", "RGB") else out.convert("RGB")


def _scale_to_8bit(im: Image.Image, rows: int = 1024) -> Image.Image:
    """Scale 16-bit (and 32-bit int/float) grey linearly onto 0..255, in row chunks."""
    a = np.asarray(im)
    out = np.empty(a.shape, dtype=np.uint8)
    lo, hi, integer16 = _value_range(im.mode, a)
    for y in range(0, a.shape[0], rows):
        chunk = a[y : y + rows]
        if integer16:
            out[y : y + rows] = (chunk.astype(np.uint32) + 128) // 257
        else:
            span = (hi - lo) or 1.0
            scaled = (chunk.astype(np.float64) - lo) * (255.0 / span)
            out[y : y + rows] = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return Image.fromarray(out, "L")


def _value_range(mode: str, a: np.ndarray) -> tuple[float, float, bool]:
    """(low, high, is_16bit_range) that maps onto 0..255 for ``mode``."""
    if mode.startswith("I;16"):
        return 0.0, 65535.0, True
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if mode == "I" and lo >= 0 and hi <= 65535:
        return 0.0, 65535.0, True  # 16-bit data that Pillow widened to 32 bits
    if mode == "F" and lo >= 0 and hi <= 1.0:
        return 0.0, 1.0, False
    return lo, hi, False  # unknown range: stretch what is there


def _cmyk_to_rgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    out: Image.Image | None = None
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out = ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            out = None  # unusable profile: fall back to the plain formula
    if out is None:
        out = im.convert("RGB")
    out.info.pop("icc_profile", None)  # the CMYK profile does not describe RGB pixels
    return out


def _lab_to_rgb(im: Image.Image) -> Image.Image:
    lab, srgb = ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB")
    transform = ImageCms.buildTransform(lab, srgb, "LAB", "RGB")
    return ImageCms.applyTransform(im, transform) or im.convert("RGB")


def _grey_palette(im: Image.Image) -> bool:
    pal = im.getpalette() or []
    return all(pal[i] == pal[i + 1] == pal[i + 2] for i in range(0, len(pal) - 2, 3))


def _flatten_alpha(im: Image.Image) -> Image.Image:
    """Composite onto a white background, keeping grey images grey."""
    grey = im.mode in ("LA", "La") or (im.mode == "L" and "transparency" in im.info)
    with_alpha = im.convert("LA" if grey else "RGBA")
    base = Image.new("L" if grey else "RGB", im.size, 255 if grey else (255, 255, 255))
    base.paste(with_alpha.convert(base.mode), (0, 0), with_alpha.getchannel("A"))
    return base


# --------------------------------------------------------------------------- folders


def natural_key(s: str) -> tuple[Any, ...]:
    """Sort key: "p2" before "p10", case-insensitive, ties broken by the exact string."""
    parts = re.split(r"(\d+)", s)
    key: list[Any] = [int(t) if i % 2 else t.casefold() for i, t in enumerate(parts)]
    return (*key, s)


def _path_key(rel: Path) -> tuple[tuple[Any, ...], ...]:
    return tuple(natural_key(part) for part in rel.parts)


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _walk(folder: Path, recursive: bool) -> list[Path]:
    """Non-hidden files under ``folder``, sorted naturally by relative path."""
    found: list[Path] = []
    if recursive:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(Path(root, f) for f in files)
    else:
        found = [p for p in folder.iterdir() if not p.is_dir()]
    found = [p for p in found if not _hidden(p.relative_to(folder))]
    return sorted(found, key=lambda p: _path_key(p.relative_to(folder)))


def expand_inputs(
    paths: Iterable[str | os.PathLike[str]], *, recursive: bool = True
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Turn files and folders into an ordered file list, plus the folder entries skipped.

    Files named explicitly are kept as given (probe will judge them).  Folders are
    expanded in natural order, keeping only IMAGE_EXTENSIONS; hidden entries are
    ignored; other files come back as ``(path, "skipped: not an image or PDF")``.
    A file reached twice is listed once.
    """
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.absolute()
        if key not in seen:
            seen.add(key)
            files.append(p)

    for given in paths:
        p = Path(given)
        if not p.is_dir():
            add(p)
            continue
        for f in _walk(p, recursive):
            if f.suffix.lower() in IMAGE_EXTENSIONS:
                add(f)
            else:
                skipped.append((f, "skipped: not an image or PDF"))
    return files, skipped
