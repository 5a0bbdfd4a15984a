"""Import files and folders into a project item: masters byte-exact, one page per frame.

Bad files give one line (file + reason), are recorded in the project as failures, and the
rest of the batch goes on.  A file whose SHA-256 is already a master is reported as a
duplicate and not imported again.  Each file is imported in one transaction: a crash leaves
either the whole file (master + pages + events) or nothing.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from . import __version__
from .errors import InputFileError
from .fsutil import printable, safe_name, sha256_file
from .model import Item, Page, ProcessingStep
from .progress import CancelToken, NullProgress, ProgressSink
from .store import ProjectStore


@dataclass
class ImportReport:
    added: list[Page] = field(default_factory=list)
    duplicates: list[tuple[str, Page | None]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def merge(self, other: "ImportReport") -> None:
        for name in ("added", "duplicates", "failures", "skipped", "warnings"):
            getattr(self, name).extend(getattr(other, name))


def item_for(store: ProjectStore, identifier: str | None, *, title: str = "",
             profile: str = "printed-modern") -> Item:
    """The item ``identifier`` names, created when missing.  The name is matched after the same
    sanitising the store applies (``Box 1`` and ``Box_1`` are one item, so importing twice into
    ``--item 'Box 1'`` adds to it); a name that sanitises to nothing (``.``, ``..``) is refused."""
    from .errors import ProjectError
    from .profiles import load_profile

    load_profile(profile)   # fail early on a bad profile name
    if not identifier:
        return store.add_item(None, title=title, profile=profile)
    ident = safe_name(identifier, "")
    if not ident:
        raise ProjectError(f"item identifier {printable(identifier)!r} has no usable character",
                           hint="use ASCII letters, digits, '.', '_' or '-'")
    item = store.find_item(identifier) or store.find_item(ident)
    return item if item is not None else store.add_item(identifier, title=title, profile=profile)


def _frame_file_name(stem: str, index: int, ext: str) -> str:
    return f"{safe_name(stem)}_p{index + 1:04d}{ext}"


def _extract_frame(store: ProjectStore, path: Path, item: Item, index: int, fmt: str, pdf_dpi: int):
    """Write a lossless single-page image for frame ``index`` of a multi-page source; returns the
    file, its size and its resolution (a PDF page: the embedded image's, at most ``pdf_dpi``)."""
    import io as _io

    from .imaging.io import load_frame

    img, _dpi = load_frame(path, index, pdf_dpi=pdf_dpi, normalize=(fmt == "PDF"))
    buf = _io.BytesIO()
    if fmt == "PDF" or img.mode not in ("1", "L", "I;16", "RGB", "CMYK", "RGBA", "LA"):
        img = img.convert("RGB") if img.mode not in ("L", "RGB") else img
        img.save(buf, format="PNG", dpi=(_dpi, _dpi) if fmt == "PDF" and _dpi else None)
        ext, mime = ".png", "image/png"
    else:
        kwargs = {"compression": "tiff_adobe_deflate"}
        if _dpi:
            kwargs["dpi"] = (_dpi, _dpi)
        img.save(buf, format="TIFF", **kwargs)
        ext, mime = ".tif", "image/tiff"
    rel = store.unique_path(f"derivatives/{item.identifier}/{_frame_file_name(path.stem, index, ext)}")
    return store.write_file(rel, buf.getvalue(), role="derivative", mime=mime), img.size, _dpi


def import_file(store: ProjectStore, path: Path, item: Item, *, pdf_dpi: int = 300,
                assume_dpi: float | None = None) -> ImportReport:
    """Import one file; never raises for bad input (the report carries the failure)."""
    from .imaging.io import probe

    rep = ImportReport()
    try:
        if path.is_dir():
            raise InputFileError(path, "is a directory")
        sha = sha256_file(path)
        existing = store.find_master(sha)
        if existing is not None:
            rep.duplicates.append((str(path), store.page_for_master(sha)))
            return rep
        info = probe(path, pdf_dpi=pdf_dpi)
    except InputFileError as exc:
        return _fail(store, rep, str(path), exc.reason, item)
    except OSError as exc:
        return _fail(store, rep, str(path), f"cannot read file: {exc.strerror or exc}", item)

    written: list[Path] = []
    try:
        with store.transaction():
            rel = store.unique_path(f"masters/{item.identifier}/{safe_name(path.name)}")
            master = store.add_file(path, rel, role="master", mime=info.mime)
            written.append(store.abspath(rel))
            if master.sha256 != sha:
                raise InputFileError(path, "file changed while it was being imported")
            multi = info.frames > 1 or info.format == "PDF"
            for index in range(info.frames):
                if index in info.bad_frames:
                    rep.warnings.append(f"{printable(path)}: {info.bad_frames[index]}; only this frame is skipped")
                    continue
                dpi, dpi_source = info.dpi, "metadata"
                if info.format == "PDF":
                    dpi_source = "pdf-render"
                elif dpi is None:
                    dpi, dpi_source = assume_dpi, ("assumed" if assume_dpi else "missing")
                width, height = info.width, info.height
                frame_ref = None
                if multi:
                    frame_ref, (width, height), frame_dpi = _extract_frame(store, path, item, index, info.format,
                                                                           pdf_dpi)
                    dpi = frame_dpi if info.format == "PDF" else dpi
                    written.append(store.abspath(frame_ref.path))
                step = ProcessingStep(action="import", tool="digitizer.import", tool_version=__version__,
                                      parameters={"source": str(path), "sha256": sha, "format": info.format,
                                                  "frame": index, "frames": info.frames, "dpi": dpi,
                                                  "dpi_source": dpi_source, "mode": info.mode,
                                                  "bits_per_sample": info.bits_per_sample},
                                      agent=store.agent)
                page = store.add_page(item.id, master, width=width, height=height, dpi=dpi, dpi_source=dpi_source,
                                      source_path=str(path), source_page=index, step=step)
                if frame_ref is not None:
                    store.set_derived(page.id, "image", frame_ref)
                    page = store.get_page(page.id)
                rep.added.append(page)
                if dpi_source in ("missing", "assumed"):
                    rep.warnings.append(f"{path}: no resolution in the file's metadata"
                                        + (f" (assuming {assume_dpi:g} dpi)" if assume_dpi else ""))
    except InputFileError as exc:
        _cleanup(written)
        rep.added.clear()
        return _fail(store, rep, str(path), exc.reason, item)
    except OSError as exc:
        _cleanup(written)
        rep.added.clear()
        return _fail(store, rep, str(path), f"cannot import: {exc.strerror or exc}", item)
    except BaseException:
        _cleanup(written)
        raise
    return rep


def _cleanup(paths: list[Path]) -> None:
    for p in paths:
        with contextlib.suppress(OSError):
            os.unlink(p)


def _fail(store: ProjectStore, rep: ImportReport, path: str, reason: str, item: Item | None) -> ImportReport:
    path = printable(path)
    rep.failures.append((path, reason))
    store.record_failure(path, reason, item_id=item.id if item else None)
    return rep


def import_paths(store: ProjectStore, paths: Iterable[str | os.PathLike], item: Item, *, pdf_dpi: int = 300,
                 assume_dpi: float | None = None, progress: ProgressSink | None = None,
                 cancel: CancelToken | None = None) -> ImportReport:
    """Import files and folders (natural order: p2 before p10) into ``item``."""
    from .imaging.io import expand_inputs

    progress = progress or NullProgress()
    files, skipped = expand_inputs([Path(p) for p in paths])
    rep = ImportReport(skipped=[(str(p), why) for p, why in skipped])
    progress.start(len(files), f"import into {item.identifier}")
    for path in files:
        if cancel:
            cancel.check()
        rep.merge(import_file(store, Path(path), item, pdf_dpi=pdf_dpi, assume_dpi=assume_dpi))
        progress.advance(1)
    progress.finish()
    return rep
