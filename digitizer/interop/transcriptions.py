"""Bring transcriptions made elsewhere into a project: ``digitizer import P IMAGES... --transcriptions X``.

``X`` is a PAGE/ALTO/hOCR file, a folder of them (searched recursively), or an export zip of
Transkribus (PAGE 2013 + ``mets.xml``) or eScriptorium (ALTO or PAGE).  Zips are unpacked into a
temporary folder with the same bounds as ``verify`` (no path traversal, no zip bombs, enough space).

Each file is matched to one page of the item: first by the image the file names (its file name,
or without our export's ``NNNN_`` prefix, against the name of the file the page was imported
from), then by stem (``0001.xml`` <->
``0001.tif``).  When the file's page size differs from the page's, every coordinate is scaled.
The lines become the page's layout, stored with ``source="import"`` and an ``import`` event that
records the file, its SHA-256, its format and the producing software it names.  A bad or unmatched
file gives one line and the batch goes on; METS files inside exports are skipped silently.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from .. import __version__
from ..errors import ExportInvalidError, InputFileError
from ..fsutil import printable
from ..model import Item, Page, PageLayout, ProcessingStep, Transform
from ..progress import CancelToken, NullProgress, ProgressSink
from ..store import ProjectStore
from .readers import Transcription, read_transcription

SUFFIXES = (".xml", ".hocr", ".html", ".htm")
_OUR_EXPORT = re.compile(r"^\d{4}_")


@dataclass
class TranscriptionReport:
    imported: list[tuple[str, int]] = field(default_factory=list)      # (file, page id)
    failures: list[tuple[str, str]] = field(default_factory=list)      # (file, reason)
    warnings: list[str] = field(default_factory=list)


def _is_transcription(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.name.lower() not in ("mets.xml", "metadata.xml", "doc.xml")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and _is_transcription(p)
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _unpack(zip_path: Path, dest: Path) -> Path:
    from ..export.bag import safe_extract

    try:
        dest.mkdir(parents=True)
        safe_extract(zip_path, dest)
    except (zipfile.BadZipFile, ExportInvalidError, OSError) as exc:
        reason = exc.message if isinstance(exc, ExportInvalidError) else f"cannot unpack: {exc}"
        raise InputFileError(zip_path, reason) from exc
    return dest


def _stem(name: str) -> str:
    """``0001`` for ``0001.xml``, ``0001.tif``, ``page/0001.jpg`` and eScriptorium's ``0001.tif.xml``."""
    stem = PurePath(name.replace("\\", "/")).name
    while "." in stem and stem.rsplit(".", 1)[1].lower() in ("xml", "hocr", "html", "htm", "tif", "tiff", "jpg",
                                                               "jpeg", "png", "jp2", "pdf"):
        stem = stem.rsplit(".", 1)[0]
    return stem


def match_page(tr: Transcription, pages: list[Page]) -> Page | None:
    """The page ``tr`` belongs to: by the image it names, then by stem (see the module doc)."""
    by_name = {Path(p.source_path).name: p for p in pages if p.source_page == 0}
    ref = PurePath(tr.image_ref.replace("\\", "/")).name if tr.image_ref else ""
    refs = [ref, _OUR_EXPORT.sub("", ref)] if ref else []      # ours: images/0001_NAME.tif
    for name in refs:
        if name in by_name:
            return by_name[name]
    by_stem: dict[str, list[Page]] = {}
    for p in pages:
        by_stem.setdefault(_stem(p.source_path), []).append(p)
    for key in [_stem(r) for r in refs] + [_stem(tr.path)]:
        found = by_stem.get(key, []) if key else []
        if len(found) == 1:
            return found[0]
    return None


def fitted_layout(tr: Transcription, page: Page) -> tuple[PageLayout, tuple[float, float]]:
    """``tr``'s layout in the page's pixels (scaled when the file's page size differs)."""
    w, h = tr.width or page.width, tr.height or page.height
    sx, sy = page.width / w, page.height / h
    layout = tr.layout
    layout.width, layout.height = w, h
    if abs(sx - 1) > 1e-6 or abs(sy - 1) > 1e-6:
        layout = layout.transformed(Transform(a=sx, e=sy), page.width, page.height)
    else:
        layout = layout.transformed(Transform(), page.width, page.height)      # clip to the page
    return layout, (sx, sy)


def _store(store: ProjectStore, tr: Transcription, page: Page) -> tuple[float, float]:
    layout, scale = fitted_layout(tr, page)
    params = {"file": tr.path, "sha256": tr.sha256, "format": tr.format, "software": tr.software,
              "image_ref": tr.image_ref, "lines": len(layout.lines())}
    if scale != (1.0, 1.0):
        params["scale"] = [round(scale[0], 6), round(scale[1], 6)]
    step = ProcessingStep(action="import", tool="digitizer.interop", tool_version=__version__, parameters=params,
                          agent=store.agent,
                          detail=f"transcription ({tr.format}) from {tr.software or 'unnamed software'}")
    layout.steps = [step]
    store.save_layout(page.id, layout, step, status="processed", source="import")
    return scale


def _one(store: ProjectStore, path: Path, pages: list[Page], rep: TranscriptionReport, shown: str) -> None:
    try:
        tr = read_transcription(path)
    except InputFileError as exc:
        if "root element 'mets'" not in exc.reason:
            rep.failures.append((shown, exc.reason))
        return
    except (OSError, ValueError) as exc:
        rep.failures.append((shown, f"cannot read: {exc}"))
        return
    page = match_page(tr, pages)
    if page is None:
        rep.failures.append((shown, f"no page of the item matches (image {tr.image_ref or 'not named'}, "
                                    f"stem {_stem(tr.path)!r})"))
        return
    tr.path = shown
    scale = _store(store, tr, page)
    if scale != (1.0, 1.0):
        rep.warnings.append(f"{shown}: coordinates scaled by {scale[0]:.4g} x {scale[1]:.4g} "
                            f"to the {page.width}x{page.height} image")
    rep.imported.append((shown, page.id))


def import_transcriptions(store: ProjectStore, sources: list[str | Path], item: Item, *,
                          progress: ProgressSink | None = None,
                          cancel: CancelToken | None = None) -> TranscriptionReport:
    """Import every transcription file in ``sources`` (files, folders, zips) onto ``item``'s pages."""
    progress = progress or NullProgress()
    rep = TranscriptionReport()
    pages = store.pages(item.id)
    with tempfile.TemporaryDirectory(prefix="digitizer-transcriptions-") as tmp:
        todo: list[tuple[Path, str]] = []
        for n, src in enumerate(Path(s) for s in sources):
            try:
                if src.is_dir() or zipfile.is_zipfile(src):
                    root = src if src.is_dir() else _unpack(src, Path(tmp) / str(n))
                    todo += [(p, f"{src}/{p.relative_to(root).as_posix()}" if root != src else str(p))
                             for p in _files(root)]
                elif src.is_file():
                    todo.append((src, str(src)))
                else:
                    rep.failures.append((printable(src), "not found"))
            except InputFileError as exc:
                rep.failures.append((printable(src), exc.reason))
        progress.start(len(todo), f"transcriptions for {item.identifier}")
        for path, shown in todo:
            if cancel:
                cancel.check()
            _one(store, path, pages, rep, printable(shown))
            progress.advance(1)
        progress.finish()
    return rep
