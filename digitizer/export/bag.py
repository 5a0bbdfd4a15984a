"""BagIt bags (RFC 8493) with the ``bagit`` library: SHA-256 + SHA-512 manifests, bag-info, optional zip."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..errors import ExportInvalidError
from ..fsutil import fsync_dir

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


def safe_extract(zip_path: Path, dest: Path) -> Path:
    """Extract a zipped bag, refusing absolute paths and ``..`` (path traversal); returns the bag folder."""
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise ExportInvalidError(f"{zip_path}: unsafe path in zip: {name!r}")
        zf.extractall(dest)
    tops = [p for p in dest.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 and not (dest / "bagit.txt").exists() else dest
