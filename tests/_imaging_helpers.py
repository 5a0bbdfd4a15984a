"""Fixture writers for image-input tests: hand-built headers, ICC profiles, damaged files."""

from __future__ import annotations

import itertools
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png_header_only(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims ``width`` x ``height`` grey pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
    path.write_bytes(data + png_chunk(b"IEND", b""))
    return path


def write_truncated(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """Copy the first ``fraction`` of ``src`` to ``dst``."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def noise_rgb(width: int, height: int, seed: int = 0) -> Image.Image:
    """Random RGB pixels (so compressed files are not trivially small)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")


def write_pdf(path: Path, sizes_px: list[tuple[int, int]], resolution: float) -> Path:
    """A PDF with one page per size; a page is ``w/resolution`` x ``h/resolution`` inches."""
    pages = [Image.new("RGB", size, (255, 255, 255)) for size in sizes_px]
    for page in pages:  # a black bar so rendering has something to draw
        page.paste((0, 0, 0), (0, 0, page.width // 2, page.height // 4))
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=resolution)
    return path


def add_jp2_capture_resolution(path: Path, dpi: float) -> Path:
    """Insert a ``res``/``resc`` box (capture resolution) into the ``jp2h`` box of a JP2 file."""
    per_metre = round(dpi / 0.0254)
    resc = struct.pack(">HHHHbb", per_metre, 1, per_metre, 1, 0, 0)
    res_box = _box(b"res ", _box(b"resc", resc))
    data, out, pos = path.read_bytes(), b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        length = length or len(data) - pos
        box = data[pos : pos + length]
        if kind == b"jp2h":
            box = _box(b"jp2h", box[8:] + res_box)
        out += box
        pos += length
    path.write_bytes(out)
    return path


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


# --------------------------------------------------------------------------- CMYK ICC profile

#: Lab colours of the ink corners in the profile below (press-like, not the naive formula).
CMYK_CORNER_LAB = {
    (0, 0, 0, 0): (100.0, 0.0, 0.0),
    (1, 0, 0, 0): (55.0, -37.0, -50.0),  # cyan
    (0, 1, 0, 0): (48.0, 74.0, -3.0),  # magenta
    (0, 0, 1, 0): (89.0, -5.0, 93.0),  # yellow
    (1, 1, 0, 0): (24.0, 22.0, -46.0),  # blue
    (0, 1, 1, 0): (47.0, 68.0, 48.0),  # red
    (1, 0, 1, 0): (50.0, -65.0, 27.0),  # green
    (1, 1, 1, 0): (20.0, 0.0, 0.0),
}


def _corner_lab(c: int, m: int, y: int, k: int) -> tuple[float, float, float]:
    if k:
        return (16.0, 0.0, 0.0) if not (c or m or y) else (10.0, 0.0, 0.0)
    return CMYK_CORNER_LAB[(c, m, y, k)]


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _lut16_cmyk_to_lab() -> bytes:
    """An ``mft2`` (lut16) tag: 4 inputs, 3 outputs, a 2-point grid, identity curves."""
    head = b"mft2" + b"\0" * 4 + struct.pack(">BBBB", 4, 3, 2, 0)
    matrix = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    curves_in = struct.pack(">HH", 2, 2) + struct.pack(">HH", 0, 65535) * 4
    grid = b""
    for c, m, y, k in itertools.product((0, 1), repeat=4):  # first channel varies slowest
        lab_l, lab_a, lab_b = _corner_lab(c, m, y, k)
        grid += struct.pack(">HHH", round(lab_l * 0xFF00 / 100),
                            round((lab_a + 128) * 256), round((lab_b + 128) * 256))
    curves_out = struct.pack(">HH", 0, 65535) * 3
    return head + matrix + curves_in + grid + curves_out


def _text_desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67)


def cmyk_icc_profile() -> bytes:
    """A small but valid ICC v2 output profile (CMYK -> Lab) built from CMYK_CORNER_LAB."""
    tags = [
        (b"desc", _text_desc("digitizer test CMYK")),
        (b"cprt", b"text" + b"\0" * 4 + b"public domain\0"),
        (b"wtpt", b"XYZ " + b"\0" * 4 + _s15(0.9642) + _s15(1.0) + _s15(0.8249)),
        (b"A2B0", _lut16_cmyk_to_lab()),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += struct.pack(">4sII", sig, offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"prtr"
              + b"CMYK" + b"Lab " + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp"
              + b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0)
              + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 4 + b"\0" * 44)
    assert len(header) == 128
    return header + table + body
