"""BagIt bags (RFC 8493) with the ``bagit`` library: SHA-256 + SHA-512 manifests, bag-info, optional zip."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from ..errors import ExportInvalidError
from ..fsutil import disk_full_names, fsync_dir, printable

CHECKSUMS = ("sha256", "sha512")


def make_bag(folder: Path, info: dict[str, str]) -> Path:
    """Turn ``folder`` into a bag in place (its content moves under ``data/``) and validate it.

    ``info`` goes to ``bag-info.txt`` (Source-Organization, External-Identifier, ...); bagit adds
    Bagging-Date, Payload-Oxum and Bag-Software-Agent.
    """
    import bagit

    bag = bagit.make_bag(str(folder), bag_info={k: v for k, v in info.items() if v}, processes=1,
                         checksums=list(CHECKSUMS))
    try:
        bag.validate(processes=1)
    except bagit.BagError as exc:
        raise ExportInvalidError(f"{folder}: the new bag does not validate: {exc}") from None
    return folder


def zip_bag(folder: Path, target: Path) -> Path:
    """``target`` (.zip) holding the bag under one top folder named like the target, written atomically."""
    top = target.stem
    tmp = target.with_name(f".{target.name}.part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    rel = path.relative_to(folder).as_posix()
                    # already-compressed payload is stored, text is deflated
                    kind = zipfile.ZIP_STORED if path.suffix.lower() in (".jpg", ".tif", ".pdf", ".zip") \
                        else zipfile.ZIP_DEFLATED
                    zf.write(path, f"{top}/{rel}", compress_type=kind)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return target


#: An entry that expands more than this many times (and to more than MIN_BOMB bytes) is refused:
#: deflate cannot exceed ~1030x, text reaches 20-50x, our images are stored (1x).
MAX_RATIO = 200
MIN_BOMB = 1 << 20
#: Space kept free on the extraction device.
RESERVE = 64 << 20


def check_zip_bounds(zf: zipfile.ZipFile, zip_path: Path, dest: Path) -> None:
    """Refuse a zip whose declared sizes do not fit the free space of ``dest`` or that expands like
    a zip bomb (extraction stops at the declared size, so the declared sizes bound the real ones)."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > MIN_BOMB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExportInvalidError(f"{printable(zip_path)}: entry {printable(info.filename)!r} expands "
                                     f"{info.file_size // max(info.compress_size, 1)}x (looks like a zip bomb); "
                                     "not unpacked")
    free = shutil.disk_usage(dest).free
    if total + RESERVE > free:
        raise ExportInvalidError(f"{printable(zip_path)}: unpacking needs {total / 2**20:.0f} MiB, only "
                                 f"{free / 2**20:.0f} MiB free in {dest}; not unpacked")


def safe_extract(zip_path: Path, dest: Path) -> Path:
    """Extract a zipped bag, refusing absolute paths and ``..`` (path traversal), zip bombs and
    zips larger than the free space (:func:`check_zip_bounds`); returns the bag folder."""
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise ExportInvalidError(f"{zip_path}: unsafe path in zip: {name!r}")
        check_zip_bounds(zf, zip_path, dest)
        with disk_full_names(dest):
            zf.extractall(dest)
    tops = [p for p in dest.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 and not (dest / "bagit.txt").exists() else dest
