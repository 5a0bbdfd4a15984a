"""Export items of a project into a folder, every document validated before it is written.

Layout of an export folder ``OUT``::

    OUT/
      manifest-sha256.txt           sha256sum -c format, every file below OUT
      ITEM/
        mets.xml                    METS 1.12: MODS 3.8 + DC, PREMIS techMD/digiprovMD, fileSec, structMaps
        images/0001_NAME.tif        MASTER: byte-exact copies, or (format "tiff") lossless TIFF masters
        alto/0001.xml               ALTO 4 per page, coordinates in the pixels of images/0001_*
        page/0001.xml               PAGE 2019 (when the profile asks for it)
        text/0001.txt               plain text per page
        iiif/0001/...               format "iiif": level-0 tiles, info.json, full/max access JPEG
        thumbs/0001.jpg, pyramid/0001.tif, manifest.json (IIIF Presentation 3)
        pdf/ITEM.pdf                format "pdf": searchable PDF/A-2b

With ``bag=True`` (format "bag") ``OUT`` is a BagIt bag whose ``data/`` holds the above, and
``zip_bag=True`` also writes ``OUT.zip``.

Safety: each item is built in a hidden staging folder beside its target and renamed into place
only when every document validated, so an interrupted export never leaves a half item; a bag is
built whole in a staging folder and renamed onto ``OUT`` at the end.  Names in packages come
from :func:`~digitizer.fsutil.safe_name` (ASCII letters, digits, ``._-``).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .. import __version__
from ..errors import CancelledError, DigitizerError, ExportInvalidError, ProfileError
from ..export import staging
from ..fsutil import atomic_copy, atomic_write_bytes, fsync_dir, printable, safe_name, sha256_bytes
from ..model import Item, Page, PageLayout, ProcessingStep, utcnow
from ..profiles import Profile, load_profile
from ..progress import CancelToken, NullProgress, ProgressSink
from ..store import ProjectStore

MANIFEST = "manifest-sha256.txt"
PACKAGE_KEYS = ("master_compression", "tile_size", "jpeg_quality", "thumbnail", "pyramid", "pdf_dpi",
                "pdf_jpeg_quality", "base_url", "source_organization", "contact_name", "dc", "zip")


@dataclass
class PackageSettings:
    """The profile's ``[packages]`` table."""

    master_compression: str = "none"     # none | lzw | deflate
    tile_size: int = 512
    jpeg_quality: int = 85
    thumbnail: int = 200
    pyramid: bool = True
    pdf_dpi: int = 200
    pdf_jpeg_quality: int = 75
    base_url: str = ""                   # "" -> digitizer.export.iiif.DEFAULT_BASE_URL
    source_organization: str = ""
    contact_name: str = ""
    dc: bool = True                      # add a Dublin Core dmdSec beside MODS
    zip: bool = False

    @classmethod
    def from_profile(cls, profile: Profile) -> PackageSettings:
        sec, where = profile.section("packages"), profile.path or profile.name
        out = cls()
        for key, value in sec.items():
            if key not in PACKAGE_KEYS:
                raise ProfileError(f"{where}: [packages] unknown key {key!r} (known: {', '.join(PACKAGE_KEYS)})")
            if type(value) is not type(getattr(out, key)):
                raise ProfileError(f"{where}: [packages] {key} must be a {type(getattr(out, key)).__name__}")
            setattr(out, key, value)
        if out.master_compression not in ("none", "lzw", "deflate"):
            raise ProfileError(f"{where}: [packages] master_compression must be none, lzw or deflate")
        if not 1 <= out.jpeg_quality <= 100 or not 1 <= out.pdf_jpeg_quality <= 100:
            raise ProfileError(f"{where}: [packages] JPEG qualities must be 1-100")
        if out.tile_size not in (256, 512, 1024):
            raise ProfileError(f"{where}: [packages] tile_size must be 256, 512 or 1024")
        return out


@dataclass
class ItemExport:
    identifier: str
    path: Path
    mets: Path | None
    pages: int
    pages_without_text: list[int] = field(default_factory=list)
    manifest: Path | None = None
    pdf: Path | None = None
    withheld_pages: list[int] = field(default_factory=list)     # access package: restricted pages left out


@dataclass
class ExportSummary:
    out: Path
    items: list[ItemExport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    manifest: Path | None = None
    bag: Path | None = None
    zip: Path | None = None
    swept: list[str] = field(default_factory=list)    # leftover staging of killed runs, removed
    withheld: list[str] = field(default_factory=list)           # access package: restricted items left out


def export_project(store: ProjectStore, out: str | os.PathLike, *, items: Iterable[Item] | None = None,
                   formats: list[str] | None = None, profile: Profile | None = None,
                   progress: ProgressSink | None = None, cancel: CancelToken | None = None,
                   bag: bool = False, zip_bag: bool = False, base_url: str | None = None,
                   allow_unaccepted: bool = False, access: bool | None = None) -> ExportSummary:
    """Export ``items`` (default: all) into ``out``; with ``bag`` (or format "bag") ``out`` is a bag.
    Holds the project lock (re-entrant: ``digitizer export --wait`` takes it first).

    Items with a quality target that QA has not accepted are refused (:class:`~digitizer.qa.gate.QaGateError`)
    unless ``allow_unaccepted``; see ``docs/quality.md``.
    ``access``: an access package without restricted material (default: when IIIF or PDF is made), see
    :mod:`digitizer.restrict.redact`."""
    from ..lock import project_lock

    with project_lock(store.root, "export"):
        return _export_project(store, out, items=items, formats=formats, profile=profile, progress=progress,
                               cancel=cancel, bag=bag, zip_bag=zip_bag, base_url=base_url,
                               allow_unaccepted=allow_unaccepted, access=access)


def _export_project(store: ProjectStore, out: str | os.PathLike, *, items: Iterable[Item] | None,
                    formats: list[str] | None, profile: Profile | None, progress: ProgressSink | None,
                    cancel: CancelToken | None, bag: bool, zip_bag: bool, base_url: str | None,
                    allow_unaccepted: bool, access: bool | None) -> ExportSummary:
    from ..qa.gate import check_release

    out = Path(out).absolute()
    progress = progress or NullProgress()
    items = list(items) if items is not None else store.items()
    check_release(store, items, allow_unaccepted=allow_unaccepted)
    bag = bag or zip_bag or bool(formats and "bag" in formats)
    target = out
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary(out=target, swept=[str(p) for p in staging.sweep(out)])
    for p in summary.swept:
        progress.message(f"removed leftover staging of an interrupted export: {printable(p)}")
    if bag:
        out = staging.stage_dir(out, "bag-partial")
    else:
        staging.begin(out, MANIFEST)
    progress.start(sum(len(store.pages(i.id)) for i in items), "export")
    try:
        for item in items:
            prof = profile or load_profile(item.profile)
            fmts = formats or prof.export.formats
            try:
                summary.items.append(export_item(store, item, out, formats=fmts, profile=prof, progress=progress,
                                                 cancel=cancel, base_url=base_url, access=access))
            except ItemWithheld:
                summary.withheld.append(item.identifier)
            except ExportInvalidError as exc:
                summary.errors.append(exc.user_message)
                progress.message(exc.user_message)
        summary.manifest = write_manifest(out)
        staging.finish(out)
        if bag:
            _finish_bag(store, items, out, target, summary, profile, zip_bag)
    except BaseException:
        if bag:
            shutil.rmtree(out, ignore_errors=True)
        raise
    store.record(ProcessingStep(action="export", tool="digitizer.export", tool_version=__version__,
                                parameters={"out": str(target.resolve()), "items": [i.identifier for i in items],
                                            "formats": formats or "profile", "bag": bag, "zip": bool(summary.zip),
                                            "access": access, "withheld": summary.withheld},
                                outcome="success" if not summary.errors else "failure",
                                detail="; ".join(summary.errors), agent=store.agent))
    progress.finish()
    return summary


def _finish_bag(store: ProjectStore, items: list[Item], stage: Path, target: Path, summary: ExportSummary,
                profile: Profile | None, zip_bag: bool) -> None:
    from ..export.bag import make_bag, zip_bag as write_zip

    prof = profile or (load_profile(items[0].profile) if items else None)
    pkg = PackageSettings.from_profile(prof) if prof else PackageSettings()
    uuid = store.conn.execute("SELECT value FROM project WHERE key='uuid'").fetchone()
    info = {"Source-Organization": pkg.source_organization or "unknown",
            "External-Identifier": ", ".join(i.identifier for i in items),
            "External-Description": f"digitizer export of {store.info().name}: {len(items)} item(s)",
            "Internal-Sender-Identifier": f"urn:uuid:{uuid[0]}" if uuid else "",
            "Contact-Name": pkg.contact_name or store.agent}
    make_bag(stage, info)
    _replace_dir(stage, target)
    summary.bag = target
    for it in summary.items:      # paths moved under data/
        it.path = target / "data" / it.identifier
        it.mets = it.path / "mets.xml" if it.mets else None
        it.manifest = it.path / "manifest.json" if it.manifest else None
        it.pdf = it.path / "pdf" / f"{it.identifier}.pdf" if it.pdf else None
    summary.manifest = target / "data" / MANIFEST
    if zip_bag or pkg.zip:
        summary.zip = write_zip(target, target.with_name(target.name + ".zip"))


def _page_files(store: ProjectStore, page: Page) -> tuple[Path, str]:
    ref = page.derived.get("image", page.master)
    return store.abspath(ref.path), ref.mime


@dataclass
class _Ctx:
    """What the page exporters share for one item."""

    store: ProjectStore
    item: Item
    stage: Path
    formats: list[str]
    profile: Profile
    pkg: PackageSettings
    base: str                          # absolute URL of the item folder, ending in "/"
    meta: dict[str, Any]
    canvases: list[Any] = field(default_factory=list)
    pdf_pages: list[Any] = field(default_factory=list)
    tech: list[Any] = field(default_factory=list)     # mets:techMD elements
    file_ids: dict[int, list[str]] = field(default_factory=dict)
    redactor: Any = None               # digitizer.restrict.Redactor: restricted material out of access packages


def export_item(store: ProjectStore, item: Item, out: Path, *, formats: list[str], profile: Profile,
                progress: ProgressSink | None = None, cancel: CancelToken | None = None,
                base_url: str | None = None, access: bool | None = None) -> ItemExport:
    """Build one item in a staging folder and move it into ``out/ITEM`` when all is valid."""
    from ..export.iiif import DEFAULT_BASE_URL
    from ..qa.gate import record_release
    from ..restrict.redact import Redactor, is_access
    from ..xmltext import XmlSafeStore, xml_safe_data

    record_release(store, item)      # QA state and estimate -> PREMIS event in the METS
    store, item = XmlSafeStore(store), xml_safe_data(item)     # stored text XML cannot carry never crashes an export
    redactor = Redactor(store, item, access=is_access(formats, access))
    if redactor.item_withheld():
        raise ItemWithheld(f"{item.identifier}: restricted, withheld from access packages",
                           hint="'digitizer restrict P --list'; export --preservation keeps it")

    progress = progress or NullProgress()
    ident = safe_name(item.identifier, "item")
    target = out / ident
    stage = staging.stage_dir(target)
    pkg = PackageSettings.from_profile(profile)
    base = (base_url or pkg.base_url or DEFAULT_BASE_URL).rstrip("/") + f"/{ident}/"
    ctx = _Ctx(store=store, item=item, stage=stage, formats=list(formats), profile=profile, pkg=pkg, base=base,
               meta=redactor.metadata(_checked_metadata(item, profile)), redactor=redactor)
    result = ItemExport(identifier=ident, path=target, mets=None, pages=0)
    try:
        pages = redactor.pages(store.pages(item.id))
        result.withheld_pages = redactor.withheld
        mets_pages = []
        for page in pages:
            if cancel:
                cancel.check()
            mp, has_text = _export_page(ctx, page)
            if not has_text:
                result.pages_without_text.append(page.seq)
            mets_pages.append(mp)
            progress.advance(1)
        extra = _item_files(ctx, result)
        if "mets" in formats:
            atomic_write_bytes(stage / "mets.xml", _mets(ctx, mets_pages, extra))
            result.mets = target / "mets.xml"
        write_manifest(stage)
        _replace_dir(stage, target)
    except ValueError as exc:       # e.g. lxml "All strings must be XML compatible": bad data, nothing written
        shutil.rmtree(stage, ignore_errors=True)
        raise ExportInvalidError(f"{item.identifier}: {exc}") from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        redactor.close()
    result.pages = len(pages)
    return result


class ItemWithheld(DigitizerError):
    """The whole item is restricted: an access package leaves it out."""


def _checked_metadata(item: Item, profile: Profile) -> dict[str, Any]:
    """The item's metadata, normalised and checked against the profile's vocabularies."""
    from ..metadata import MetadataError, effective_metadata, rules_for, validate_metadata

    try:
        return validate_metadata(effective_metadata(item), rules_for(profile), n_pages=len(item.pages) or None)
    except MetadataError as exc:
        raise ExportInvalidError(f"{item.identifier}: metadata: {exc.message}", hint=exc.hint) from None


def _master(ctx: _Ctx, page: Page) -> tuple[Any, dict[str, Any]]:
    """The MASTER file of a page (byte-exact copy, or a lossless TIFF master) and its properties."""
    from ..export.mets import MetsFile
    from ..export.tiff import write_master

    src, mime = ctx.redactor.image(page, *_page_files(ctx.store, page))
    stem = f"{page.seq:04d}_{safe_name(Path(src).stem, 'page')}"
    props: dict[str, Any] = {"imageWidth": page.width, "imageHeight": page.height,
                             "xSamplingFrequency": page.dpi, "samplingFrequencyUnit": "in" if page.dpi else "",
                             "resolutionSource": page.dpi_source}
    if "tiff" in ctx.formats:
        rel = f"images/{stem}.tif"
        info = write_master(src, ctx.stage / rel, dpi=page.dpi if not page.dpi_missing else page.dpi,
                            compression=ctx.pkg.master_compression, tags=_master_tags(ctx, page))
        props.update(bitsPerSample=info.bits, samplesPerPixel=info.bands, iccProfile=info.icc,
                     compression=info.compression)
        return MetsFile(id=f"IMG_{page.seq:04d}", group="MASTER", href=rel, mime="image/tiff", sha256=info.sha256,
                        size=info.size), props
    rel = f"images/{stem}{Path(src).suffix.lower()}"
    sha = atomic_copy(src, ctx.stage / rel)
    return MetsFile(id=f"IMG_{page.seq:04d}", group="MASTER", href=rel, mime=mime or "image/tiff", sha256=sha,
                    size=(ctx.stage / rel).stat().st_size), props


def _master_tags(ctx: _Ctx, page: Page):
    from ..export.tiff import MasterTags
    from ..metadata import load_vocabulary

    meta = ctx.meta
    imported = [e for e in ctx.store.events(page_id=page.id) if e.action in ("import", "capture")]
    rights = load_vocabulary("rights").label(meta["rights"]) if meta.get("rights") else ""
    return MasterTags(description=f"{meta.get('title', '')} - {page.label or page.seq}".strip(" -"),
                      artist=(imported[0].agent if imported else ctx.store.agent),
                      copyright=" ".join(x for x in (meta.get("rights_holder", ""), rights) if x),
                      datetime=imported[0].at if imported else "", software=f"digitizer {__version__}")


def _export_page(ctx: _Ctx, page: Page):
    from ..export.alto import alto_bytes
    from ..export.mets import MetsFile, MetsPage
    from ..export.premis import file_object, md_wrap
    from ..export.text import page_text

    master, props = _master(ctx, page)
    files: list[MetsFile] = [master]
    ctx.tech.append(md_wrap("techMD", f"TECH_{page.seq:04d}", file_object(
        ident=master.href, sha256=master.sha256, size=master.size, mime=master.mime,
        format_version="6.0" if master.mime == "image/tiff" else "", original_name=Path(page.source_path).name,
        properties=props, application=("libvips", _vips_version()) if "tiff" in ctx.formats else None)))
    master.admid = f"TECH_{page.seq:04d}"
    ctx.file_ids[page.id] = [master.id]
    layout = ctx.redactor.layout(page, ctx.store.load_layout(page.id))
    if layout is not None:
        layout.width, layout.height = page.width, page.height
        layout.steps = [e.as_step() for e in ctx.store.events(page_id=page.id)
                        if e.action in ("import", "preprocess", "recognize", "correct") and e.outcome == "success"]
    docs: list[tuple[str, str, str, bytes]] = []
    if layout is not None and "alto" in ctx.formats:
        docs.append(("ALTO", f"alto/{page.seq:04d}.xml", "text/xml",
                     alto_bytes(layout, image_filename=f"../{master.href}", file_id=f"p{page.seq:04d}")))
    if layout is not None and "page" in ctx.formats:
        from ..export.page import page_bytes

        docs.append(("PAGE", f"page/{page.seq:04d}.xml", "text/xml", page_bytes(layout, image_filename=f"../{master.href}")))
    if layout is not None and "text" in ctx.formats:
        docs.append(("TEXT", f"text/{page.seq:04d}.txt", "text/plain", page_text(layout).encode("utf-8")))
    for group, rel, mt, data in docs:
        atomic_write_bytes(ctx.stage / rel, data)
        files.append(MetsFile(id=f"{group}_{page.seq:04d}", group=group, href=rel, mime=mt,
                              sha256=sha256_bytes(data), size=len(data)))
    src = ctx.stage / master.href
    if "iiif" in ctx.formats:
        files += _iiif_page(ctx, page, src, layout, any(d[0] == "ALTO" for d in docs))
    if "pdf" in ctx.formats:
        from ..export.pdf import PdfPage

        ctx.pdf_pages.append(PdfPage(image=src, width=page.width, height=page.height, dpi=page.dpi, layout=layout))
    has_text = layout is not None and any(ln.text.strip() for ln in layout.lines())
    return MetsPage(order=page.seq, label=page.label or str(page.seq), id=f"PHYS_{page.seq:04d}", files=files), has_text


def _vips_version() -> str:
    import pyvips

    return ".".join(str(pyvips.version(i)) for i in range(3))


def _iiif_page(ctx: _Ctx, page: Page, src: Path, layout: PageLayout | None, has_alto: bool) -> list[Any]:
    from ..export.iiif import CanvasSpec, DerivativeOptions, make_derivatives
    from ..export.mets import mets_file

    opts = DerivativeOptions(tile_size=ctx.pkg.tile_size, jpeg_quality=ctx.pkg.jpeg_quality,
                             thumbnail=ctx.pkg.thumbnail, pyramid=ctx.pkg.pyramid)
    name = f"{page.seq:04d}"
    service = f"{ctx.base}iiif/{name}"
    der = make_derivatives(src, ctx.stage, page.seq, service_id=service, opts=opts)
    if (der.width, der.height) != (page.width, page.height):
        raise ExportInvalidError(f"{ctx.item.identifier} page {page.seq}: image is {der.width}x{der.height}, "
                                 f"the store says {page.width}x{page.height}")
    lines = []
    if layout is not None:
        for ln in layout.lines():
            if ln.text.strip():
                b = ln.bbox
                lines.append((ln.id, ln.text, (b.x0, b.y0, b.width, b.height)))
    langs = ctx.meta.get("languages") or []
    ctx.canvases.append(CanvasSpec(
        seq=page.seq, label=page.label or str(page.seq), width=page.width, height=page.height,
        image_url=f"{ctx.base}{der.access.relative_to(ctx.stage).as_posix()}", image_size=der.access_size,
        service_id=service, thumb_url=f"{ctx.base}{der.thumb.relative_to(ctx.stage).as_posix()}",
        thumb_size=der.thumb_size, alto_url=f"{ctx.base}alto/{name}.xml" if has_alto else None, lines=lines,
        language=_bcp47(langs[0]) if langs else None))
    files = [mets_file(der.access, mets_dir=ctx.stage, id=f"ACCESS_{name}", group="ACCESS", mime="image/jpeg"),
             mets_file(der.thumb, mets_dir=ctx.stage, id=f"THUMB_{name}", group="THUMBS", mime="image/jpeg")]
    if der.pyramid:
        files.append(mets_file(der.pyramid, mets_dir=ctx.stage, id=f"PYRAMID_{name}", group="ACCESS",
                               mime="image/tiff"))
    if der.iiif_dir:
        files.append(mets_file(der.iiif_dir / "info.json", mets_dir=ctx.stage, id=f"IIIF_{name}", group="IIIF",
                               mime="application/json"))
    return files


def _bcp47(code: str) -> str:
    """ISO 639-2/B -> the shortest BCP 47 tag we know (two-letter where common)."""
    two = {"eng": "en", "ger": "de", "fre": "fr", "lat": "la", "ita": "it", "spa": "es", "dut": "nl", "pol": "pl",
           "por": "pt", "rus": "ru", "cze": "cs", "dan": "da", "swe": "sv", "fin": "fi", "hun": "hu", "gre": "el"}
    return two.get(code, code)


def _item_files(ctx: _Ctx, result: ItemExport) -> list[Any]:
    """Item-level files (PDF, IIIF manifest), written into the stage; returns their MetsFiles."""
    from ..export.mets import mets_file

    extra = []
    ident = safe_name(ctx.item.identifier, "item")
    if "pdf" in ctx.formats and ctx.pdf_pages:
        from ..export.pdf import write_pdf

        names = ", ".join(n["name"] for n in ctx.meta.get("names", []))
        langs = ctx.meta.get("languages") or []
        pdf = write_pdf(ctx.pdf_pages, ctx.stage / "pdf" / f"{ident}.pdf", title=ctx.meta.get("title", ident),
                        author=names, subject=ctx.meta.get("description", ""),
                        language=_bcp47(langs[0]) if langs else "", image_dpi=ctx.pkg.pdf_dpi,
                        jpeg_quality=ctx.pkg.pdf_jpeg_quality)
        extra.append(mets_file(pdf, mets_dir=ctx.stage, id="PDF_ITEM", group="PDF", mime="application/pdf"))
        result.pdf = result.path / "pdf" / pdf.name
    if "iiif" in ctx.formats and ctx.canvases:
        from ..export.iiif import build_manifest, manifest_bytes
        from ..search.package import manifest_services, write_item_search

        search = write_item_search(ctx.store, ctx.item, ctx.stage, ctx.base, ctx.redactor)
        extra.append(mets_file(search, mets_dir=ctx.stage, id="SEARCH_ITEM", group="SEARCH", mime="application/json"))
        man = build_manifest(base=ctx.base, meta=ctx.meta, canvases=ctx.canvases,
                             pdf_url=f"{ctx.base}pdf/{ident}.pdf" if result.pdf else None,
                             mets_url=f"{ctx.base}mets.xml" if "mets" in ctx.formats else None,
                             services=manifest_services(ctx.base))
        atomic_write_bytes(ctx.stage / "manifest.json", manifest_bytes(man, ident))
        extra.append(mets_file(ctx.stage / "manifest.json", mets_dir=ctx.stage, id="IIIF_MANIFEST", group="IIIF",
                               mime="application/ld+json"))
        result.manifest = result.path / "manifest.json"
    return extra


def _mets(ctx: _Ctx, pages: list[Any], extra: list[Any]) -> bytes:
    """The full METS: MODS (+DC) dmdSecs, one amdSec (techMD per master, PREMIS events/agents),
    fileSec, PHYSICAL and (with sections) LOGICAL structMaps plus structLink; validated with
    the embedded MODS and PREMIS."""
    from ..export.mets import build_mets
    from ..export.mods import build_dc, build_mods, dmd_sec
    from ..export.premis import amd_sec, events_and_agents, provenance_sections
    from ..export.validate import ensure_valid
    from ..metadata import rules_for

    meta = ctx.meta
    rules = rules_for(ctx.profile)
    dmd = [dmd_sec("DMD_MODS", build_mods(meta, subject_authority=rules.subjects.authority,
                                          mime=pages[0].files[0].mime if pages else "image/tiff",
                                          extent_pages=len(pages)), "MODS")]
    if ctx.pkg.dc:
        dmd.append(dmd_sec("DMD_DC", build_dc(meta), "DC"))
    events, agents = events_and_agents(ctx.redactor.events(ctx.store.events(item_id=ctx.item.id)), ctx.file_ids,
                                       ["physroot"])
    digiprov = provenance_sections(events, agents)
    by_page: dict[str, list[str]] = {}
    for sec, ev in zip(digiprov, events):
        for obj in ev.objects:
            by_page.setdefault(obj, []).append(sec.get("ID"))
    for p in pages:
        p.admid = " ".join(by_page.get(p.files[0].id, []))
    amd = amd_sec("AMD_ITEM", ctx.tech + ctx.redactor.rights_md(ctx.file_ids), digiprov)
    logical = _logical(meta, pages)
    tree = build_mets(obj_id=ctx.item.identifier, label=meta.get("title", ""), pages=pages, created=utcnow(),
                      operator=ctx.store.agent, dmd_secs=dmd, amd_secs=[amd], extra_files=extra,
                      logical=logical[0] if logical else None)
    if logical:
        tree.getroot().append(logical[1])
    return ensure_valid(tree, "mets+mods+premis", subject=f"METS for {ctx.item.identifier}")


def _logical(meta: dict[str, Any], pages: list[Any]):
    """``(structMap LOGICAL, structLink)`` for ``meta["sections"]``, or None."""
    from lxml import etree

    from ..export.validate import METS_NS

    sections = meta.get("sections") or []
    if not sections:
        return None
    q = lambda t: f"{{{METS_NS}}}{t}"  # noqa: E731
    xl = "{http://www.w3.org/1999/xlink}"
    smap = etree.Element(q("structMap"), TYPE="LOGICAL")
    root = etree.SubElement(smap, q("div"), TYPE="document", ID="LOG_0", DMDID="DMD_MODS",
                            LABEL=meta.get("title", ""))
    link = etree.Element(q("structLink"))
    by_order = {p.order: p.id for p in pages}
    for i, s in enumerate(sections, 1):
        div = etree.SubElement(root, q("div"), TYPE=s["type"], ID=f"LOG_{i}", LABEL=s["label"], ORDER=str(i))
        del div  # linked below
        for n in range(s["start"], s["end"] + 1):
            if n in by_order:
                sm = etree.SubElement(link, q("smLink"))
                sm.set(f"{xl}from", f"LOG_{i}")
                sm.set(f"{xl}to", by_order[n])
    for n in sorted(by_order):
        sm = etree.SubElement(link, q("smLink"))
        sm.set(f"{xl}from", "LOG_0")
        sm.set(f"{xl}to", by_order[n])
    return smap, link


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
    files = [p for p in sorted(out.rglob("*")) if p.is_file() and p != out / MANIFEST
             and not any(part.startswith(".") for part in p.relative_to(out).parts)
             and not any(proj in p.parents for proj in projects)]
    target = out / MANIFEST
    write_sha256_manifest(out, files, target)
    return target


__all__ = ["export_project", "export_item", "ExportSummary", "ItemExport", "PackageSettings", "MANIFEST",
           "CancelledError", "DigitizerError"]
