"""Export items of a project into a folder, every document validated before it is written.

Layout of an export folder ``OUT``::

    OUT/
      manifest-sha256.txt           sha256sum -c format, every file below OUT
      ITEM/
        mets.xml                    METS 1.12 (fileSec with checksums, structMap PHYSICAL)
        images/0001_NAME.tif        the page images, byte-exact copies of the masters
        alto/0001.xml               ALTO 4 per page, coordinates in the pixels of images/0001_*
        page/0001.xml               PAGE 2019 (when the profile asks for it)
        text/0001.txt               plain text per page

Each item is built in a hidden staging folder beside its target and renamed into place only
when every document validated, so an interrupted export never leaves a half item.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .. import __version__
from ..errors import CancelledError, ExportInvalidError
from ..fsutil import atomic_copy, atomic_write_bytes, fsync_dir, safe_name
from ..model import Item, Page, ProcessingStep, utcnow
from ..profiles import Profile, load_profile
from ..progress import CancelToken, NullProgress, ProgressSink
from ..store import ProjectStore

MANIFEST = "manifest-sha256.txt"


@dataclass
class ItemExport:
    identifier: str
    path: Path
    mets: Path | None
    pages: int
    pages_without_text: list[int] = field(default_factory=list)


@dataclass
class ExportSummary:
    out: Path
    items: list[ItemExport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    manifest: Path | None = None


def export_project(store: ProjectStore, out: str | os.PathLike, *, items: Iterable[Item] | None = None,
                   formats: list[str] | None = None, profile: Profile | None = None,
                   progress: ProgressSink | None = None, cancel: CancelToken | None = None) -> ExportSummary:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or NullProgress()
    items = list(items) if items is not None else store.items()
    summary = ExportSummary(out=out)
    progress.start(sum(len(store.pages(i.id)) for i in items), "export")
    for item in items:
        prof = profile or load_profile(item.profile)
        fmts = formats or prof.export.formats
        try:
            summary.items.append(export_item(store, item, out, formats=fmts, profile=prof, progress=progress,
                                             cancel=cancel))
        except ExportInvalidError as exc:
            summary.errors.append(exc.user_message)
            progress.message(exc.user_message)
    summary.manifest = write_manifest(out)
    store.record(ProcessingStep(action="export", tool="digitizer.export", tool_version=__version__,
                                parameters={"out": str(out.resolve()), "items": [i.identifier for i in items],
                                            "formats": formats or "profile"},
                                outcome="success" if not summary.errors else "failure",
                                detail="; ".join(summary.errors), agent=store.agent))
    progress.finish()
    return summary


def _page_files(store: ProjectStore, page: Page) -> tuple[Path, str]:
    ref = page.derived.get("image", page.master)
    return store.abspath(ref.path), ref.mime


def export_item(store: ProjectStore, item: Item, out: Path, *, formats: list[str], profile: Profile,
                progress: ProgressSink | None = None, cancel: CancelToken | None = None) -> ItemExport:
    """Build one item in a staging folder and move it into ``out/ITEM`` when all is valid."""
    from ..export.mets import MetsFile, MetsPage, mets_bytes

    progress = progress or NullProgress()
    target = out / item.identifier
    stage = Path(tempfile.mkdtemp(prefix=f".{item.identifier}.", suffix=".partial", dir=out))
    try:
        pages = store.pages(item.id)
        mets_pages: list[MetsPage] = []
        without_text: list[int] = []
        for page in pages:
            if cancel:
                cancel.check()
            files = _export_page(store, page, stage, formats, profile)
            if not any(f.group in ("ALTO", "PAGE", "TEXT") for f in files):
                without_text.append(page.seq)
            mets_pages.append(MetsPage(order=page.seq, label=page.label or str(page.seq),
                                       id=f"PHYS_{page.seq:04d}", files=files))
            progress.advance(1)
        mets_path = None
        if "mets" in formats:
            data = mets_bytes(obj_id=item.identifier, label=item.title or item.identifier, pages=mets_pages,
                              created=utcnow(), operator=store.agent)
            mets_path = stage / "mets.xml"
            atomic_write_bytes(mets_path, data)
        _replace_dir(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return ItemExport(identifier=item.identifier, path=target, mets=(target / "mets.xml") if mets_path else None,
                      pages=len(pages), pages_without_text=without_text)


def _export_page(store: ProjectStore, page: Page, stage: Path, formats: list[str], profile: Profile):
    from ..export.alto import alto_bytes
    from ..export.mets import MetsFile
    from ..export.text import page_text

    files: list[MetsFile] = []
    src, mime = _page_files(store, page)
    img_rel = f"images/{page.seq:04d}_{safe_name(Path(src).name)}"
    sha = atomic_copy(src, stage / img_rel)
    files.append(MetsFile(id=f"IMG_{page.seq:04d}", group="MASTER", href=img_rel, mime=mime or "image/tiff",
                          sha256=sha, size=(stage / img_rel).stat().st_size))
    layout = store.load_layout(page.id)
    if layout is None:
        return files
    layout.width, layout.height = page.width, page.height
    layout.steps = [e.as_step() for e in store.events(page_id=page.id)
                    if e.action in ("import", "preprocess", "recognize", "correct") and e.outcome == "success"]
    docs: list[tuple[str, str, str, bytes]] = []
    if "alto" in formats:
        data = alto_bytes(layout, image_filename=img_rel, file_id=f"p{page.seq:04d}")
        docs.append(("ALTO", f"alto/{page.seq:04d}.xml", "text/xml", data))
    if "page" in formats:
        from ..export.page import page_bytes

        docs.append(("PAGE", f"page/{page.seq:04d}.xml", "text/xml", page_bytes(layout, image_filename=img_rel)))
    if "text" in formats:
        docs.append(("TEXT", f"text/{page.seq:04d}.txt", "text/plain", page_text(layout).encode("utf-8")))
    from ..fsutil import sha256_bytes

    for group, rel, mt, data in docs:
        atomic_write_bytes(stage / rel, data)
        files.append(MetsFile(id=f"{group}_{page.seq:04d}", group=group, href=rel, mime=mt,
                              sha256=sha256_bytes(data), size=len(data)))
    return files


def _replace_dir(stage: Path, target: Path) -> None:
    """Rename ``stage`` to ``target``; an existing target is moved aside first and removed after."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(stage, target)
    fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_manifest(out: Path) -> Path:
    from ..export.checksums import write_sha256_manifest

    projects = {p.parent for p in out.rglob("project.sqlite")}   # e.g. OUT/_project of `digitizer run`
    files = [p for p in sorted(out.rglob("*")) if p.is_file() and p.name != MANIFEST
             and not any(part.startswith(".") for part in p.relative_to(out).parts)
             and not any(proj in p.parents for proj in projects)]
    target = out / MANIFEST
    write_sha256_manifest(out, files, target)
    return target


__all__ = ["export_project", "export_item", "ExportSummary", "ItemExport", "MANIFEST", "CancelledError"]
