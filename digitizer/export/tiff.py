"""Preservation masters: lossless baseline TIFF with the capture's exact pixels.

* pixels, bit depth (1, 8, 16), bands and alpha are kept; :func:`pixels_identical` proves it by
  decoding both files;
* compression ``none`` (default), ``lzw`` or ``deflate`` (both with the horizontal predictor);
* the ICC profile is kept, or assigned (libvips' sRGB for colour, a Gray gamma 2.2 profile built
  here for grey) and the assignment is reported in :class:`MasterInfo`;
* X/YResolution with unit inch when the page's resolution is known;
* ImageDescription and XMP via libvips, then Artist, Copyright, DateTime and Software are added
  to IFD0 by :func:`set_ascii_tags` (libvips writes none of those).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import InputFileError
from ..fsutil import fsync_dir, sha256_file

COMPRESSIONS = ("none", "lzw", "deflate")
TAG_ARTIST, TAG_COPYRIGHT, TAG_DATETIME, TAG_SOFTWARE = 315, 33432, 306, 305


@dataclass
class MasterTags:
    """Descriptive tags of a master; empty strings are left out."""

    description: str = ""
    artist: str = ""
    copyright: str = ""
    datetime: str = ""        # ISO 8601; written as TIFF "YYYY:MM:DD HH:MM:SS"
    software: str = ""
    xmp: bytes = b""


@dataclass
class MasterInfo:
    path: Path
    sha256: str
    size: int
    width: int
    height: int
    bands: int
    bits: int
    compression: str
    icc: str                  # embedded | assigned-srgb | assigned-gray | none
    dpi: float | None


def gray_icc_profile(gamma: float = 2.2) -> bytes:
    """A minimal ICC v2 monitor profile: GRAY data, XYZ PCS, D50 white, ``kTRC`` = gamma."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def text_desc(s: str) -> bytes:
        a = s.encode("ascii") + b"\0"
        return b"desc" + b"\0" * 4 + struct.pack(">I", len(a)) + a + b"\0" * 8 + b"\0" * 3 + b"\0" * 67

    tags = [(b"desc", text_desc(f"Gray gamma {gamma:g}")),
            (b"wtpt", b"XYZ " + b"\0" * 4 + s15(0.9642) + s15(1.0) + s15(0.8249)),
            (b"kTRC", b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"),
            (b"cprt", b"text" + b"\0" * 4 + b"No copyright, use freely\0")]
    table, body, offset = b"", b"", 128 + 4 + 12 * len(tags)
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    now = datetime.now()
    header = (struct.pack(">I", size) + b"\0" * 4 + bytes([2, 0x10, 0, 0]) + b"mntrGRAYXYZ "
              + struct.pack(">6H", now.year, now.month, now.day, now.hour, now.minute, now.second)
              + b"acsp" + b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + b"\0" * 8 + b"\0" * 4
              + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def _tiff_datetime(iso: str) -> str:
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return dt.strftime("%Y:%m:%d %H:%M:%S")


def load_image(path: str | os.PathLike):
    """The image with pyvips (sequential access), or :class:`InputFileError`."""
    import pyvips

    try:
        return pyvips.Image.new_from_file(str(path), access="sequential")
    except pyvips.Error as exc:
        raise InputFileError(path, f"cannot decode image: {str(exc).splitlines()[0]}") from None


def _bits(img) -> int:
    if img.get_typeof("bits-per-sample") and img.get("bits-per-sample") == 1:
        return 1
    return {"uchar": 8, "char": 8, "ushort": 16, "short": 16, "uint": 32, "int": 32, "float": 32,
            "double": 64}.get(img.format, 8)


def _with_icc(img):
    """``(image, how)``: the image carrying an ICC profile, kept or assigned."""
    import pyvips

    if img.get_typeof("icc-profile-data"):
        return img, "embedded"
    img = img.copy()
    if img.bands >= 3:
        img.set_type(pyvips.GValue.blob_type, "icc-profile-data", pyvips.Operation.call("profile_load", "srgb"))
        return img, "assigned-srgb"
    img.set_type(pyvips.GValue.blob_type, "icc-profile-data", gray_icc_profile())
    return img, "assigned-gray"


def write_master(src: str | os.PathLike, dst: str | os.PathLike, *, dpi: float | None = None,
                 compression: str = "none", tags: MasterTags | None = None) -> MasterInfo:
    """Write ``src`` as a lossless TIFF master at ``dst`` (atomically) and describe it."""
    import pyvips

    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}")
    tags = tags or MasterTags()
    dst = Path(dst)
    img = load_image(src)
    bits = _bits(img)
    img, icc = _with_icc(img)
    if tags.description:
        img.set_type(pyvips.GValue.gstr_type, "image-description", tags.description)
    if tags.xmp:
        img.set_type(pyvips.GValue.blob_type, "xmp-data", tags.xmp)
    opts: dict = {"compression": compression, "strip": False}
    if compression != "none":
        opts["predictor"] = "horizontal" if bits != 1 else "none"
    if bits == 1:
        opts["bitdepth"] = 1
    if dpi:
        opts.update(xres=dpi / 25.4, yres=dpi / 25.4, resunit="inch")
    tmp = dst.with_name(f".{dst.name}.part")
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        img.tiffsave(str(tmp), **opts)
        extra = {TAG_ARTIST: tags.artist, TAG_COPYRIGHT: tags.copyright,
                 TAG_DATETIME: _tiff_datetime(tags.datetime) if tags.datetime else "", TAG_SOFTWARE: tags.software}
        set_ascii_tags(tmp, {k: v for k, v in extra.items() if v})
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dst)
        fsync_dir(dst.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return MasterInfo(path=dst, sha256=sha256_file(dst), size=dst.stat().st_size, width=img.width,
                      height=img.height, bands=img.bands, bits=bits, compression=compression, icc=icc, dpi=dpi)


def set_ascii_tags(path: str | os.PathLike, values: dict[int, str]) -> None:
    """Add or replace ASCII tags in IFD0 of a classic TIFF, in place.

    A new IFD0 (old entries + these, sorted by tag) is appended at the end of the file and the
    header points to it; strip/tile offsets are absolute, so the image data stays where it is.
    Non-ASCII characters become ``?`` (TIFF ASCII is 7-bit).
    """
    if not values:
        return
    with open(path, "rb+") as fh:
        head = fh.read(8)
        bo = {b"II": "<", b"MM": ">"}.get(head[:2])
        if bo is None or struct.unpack(bo + "H", head[2:4])[0] != 42:
            raise ValueError(f"{path}: not a classic TIFF")
        ifd = struct.unpack(bo + "I", head[4:8])[0]
        fh.seek(ifd)
        (count,) = struct.unpack(bo + "H", fh.read(2))
        entries = {}
        for _ in range(count):
            raw = fh.read(12)
            entries[struct.unpack(bo + "H", raw[:2])[0]] = raw
        next_ifd = fh.read(4)
        fh.seek(0, os.SEEK_END)
        end = fh.tell() + (fh.tell() % 2)
        blobs = b""
        new_count = len(set(entries) | set(values))
        data_at = end + 2 + 12 * new_count + 4
        for tag, text in sorted(values.items()):
            data = text.encode("ascii", "replace") + b"\0"
            if len(data) <= 4:
                entries[tag] = struct.pack(bo + "HHI", tag, 2, len(data)) + data.ljust(4, b"\0")
            else:
                entries[tag] = struct.pack(bo + "HHII", tag, 2, len(data), data_at + len(blobs))
                blobs += data + (b"\0" if len(data) % 2 else b"")
        if data_at + len(blobs) >= 2**32:
            raise ValueError(f"{path}: too large for a classic TIFF")
        ifd_bytes = struct.pack(bo + "H", new_count) + b"".join(entries[t] for t in sorted(entries)) + next_ifd
        fh.write(b"\0" * (end - fh.tell()))
        fh.write(ifd_bytes + blobs)
        fh.seek(4)
        fh.write(struct.pack(bo + "I", end))


def decoded(path: str | os.PathLike):
    """``(width, height, bands, format, pixel bytes)`` of an image file, decoded by libvips."""
    import pyvips

    img = pyvips.Image.new_from_file(str(path), access="sequential")
    return img.width, img.height, img.bands, img.format, img.write_to_memory()


def pixels_identical(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when both files decode to the same size, bands, sample format and pixel values."""
    return decoded(a) == decoded(b)


def read_tags(path: str | os.PathLike) -> dict[str, object]:
    """IFD0 tags of a TIFF by name (with tifffile) - for tests and ``digitizer info``."""
    import tifffile

    with tifffile.TiffFile(str(path)) as tf:
        return {t.name: t.value for t in tf.pages[0].tags.values()}
