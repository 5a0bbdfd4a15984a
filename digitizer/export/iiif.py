"""Access derivatives with libvips and the IIIF Presentation 3 manifest of an item.

Per page (``NNNN`` = page sequence) inside the item package::

    iiif/NNNN/full/max/0/default.jpg   JPEG access copy, full size (level 0 requires full/max)
    access/NNNN.jpg            JPEG access copy instead, when no tiles are made (``access_max``)
    thumbs/NNNN.jpg            thumbnail (long side ``thumbnail``)
    pyramid/NNNN.tif           pyramidal tiled TIFF, JPEG tiles (IIPImage, Cantaloupe)
    iiif/NNNN/info.json        IIIF Image API 3, level 0, static tiles from ``dzsave(layout="iiif3")``
    iiif/NNNN/full/W,H/0/default.jpg   every size listed in ``info.json`` "sizes" (incl. the thumbnail)

``dzsave`` appends the output basename to ``id`` and writes neither ``sizes`` nor ``full/`` images,
so :func:`make_iiif_tiles` passes the parent URL and adds both.  IIIF ids must be absolute
``http(s)`` URIs (Image API 3 section 5.1; the Presentation 3 JSON schema's ``^http`` pattern), so
every id is built from a base URL (``--base-url``; default ``http://localhost:8000/``, which is
what ``python -m http.server`` in the export folder serves).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExportInvalidError
from ..fsutil import atomic_write_text

DEFAULT_BASE_URL = "http://localhost:8000/"
IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "iiif" / "iiif_3_0.json"


@dataclass
class DerivativeOptions:
    tile_size: int = 512
    jpeg_quality: int = 85
    thumbnail: int = 200          # long side of the thumbnail, px
    access_max: int = 0           # long side of the access JPEG; 0 = full size
    max_listed_size: int = 1200   # "sizes" lists full-image sizes up to this long side
    pyramid: bool = True
    tiles: bool = True


@dataclass
class PageDerivatives:
    width: int
    height: int
    access: Path | None = None
    access_size: tuple[int, int] = (0, 0)
    thumb: Path | None = None
    thumb_size: tuple[int, int] = (0, 0)
    pyramid: Path | None = None
    iiif_dir: Path | None = None
    files: list[Path] = field(default_factory=list)


def _scaled(w: int, h: int, long_side: int) -> tuple[int, int]:
    s = long_side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def _load(src: str | os.PathLike, access: str = "sequential"):
    from .tiff import load_image

    img = load_image(src)
    return img if access == "sequential" else img.copy_memory()


def _to_8bit_srgb(img):
    """A display copy: 8-bit, sRGB/B_W, no alpha (JPEG can carry neither 16 bits nor alpha)."""
    if img.hasalpha():
        img = img.flatten(background=255)
    if img.format != "uchar":
        img = img.colourspace("b-w" if img.bands == 1 else "srgb") if img.interpretation in (
            "grey16", "rgb16") else img.cast("uchar")
    return img


def _write_jpeg(img, path: Path, q: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.jpegsave(str(path), Q=q, optimize_coding=True, strip=False)


def listed_sizes(width: int, height: int, opts: DerivativeOptions) -> list[tuple[int, int]]:
    """Full-image sizes for ``info.json``: halvings up to ``max_listed_size`` plus the thumbnail."""
    sizes = {_scaled(width, height, opts.thumbnail)} if max(width, height) > opts.thumbnail else set()
    s = 1
    while True:
        w, h = -(-width // s), -(-height // s)
        if max(w, h) <= opts.max_listed_size:
            sizes.add((w, h))
        if max(w, h) <= opts.thumbnail:
            break
        s *= 2
    return sorted(sizes)


def make_iiif_tiles(img, out_dir: Path, service_id: str, opts: DerivativeOptions) -> Path:
    """Static level-0 tiles + ``info.json`` (with ``sizes``) for ``service_id`` into ``out_dir``."""
    parent, name = service_id.rstrip("/").rsplit("/", 1)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp = out_dir.with_name(name)
    img.dzsave(str(tmp), layout="iiif3", id=parent, tile_size=opts.tile_size, overlap=0,
               suffix=f".jpg[Q={opts.jpeg_quality}]")
    if tmp != out_dir:
        os.replace(tmp, out_dir)
    info = json.loads((out_dir / "info.json").read_text("utf-8"))
    sizes = listed_sizes(img.width, img.height, opts)
    base = img if max(img.width, img.height) <= opts.max_listed_size * 2 else img.thumbnail_image(
        opts.max_listed_size * 2, height=opts.max_listed_size * 2)
    for w, h in sizes:
        small = base.resize(w / base.width, vscale=h / base.height, kernel="lanczos3")
        _write_jpeg(small, out_dir / "full" / f"{w},{h}" / "0" / "default.jpg", opts.jpeg_quality)
    info.update({"id": service_id, "sizes": [{"width": w, "height": h} for w, h in sizes]})
    ordered = {k: info[k] for k in ("@context", "id", "type", "protocol", "profile", "width", "height", "sizes",
                                     "tiles") if k in info}
    atomic_write_text(out_dir / "info.json", json.dumps(ordered, indent=2) + "\n")
    return out_dir


def make_derivatives(src: str | os.PathLike, pkg: Path, seq: int, *, service_id: str,
                     opts: DerivativeOptions | None = None) -> PageDerivatives:
    """All access derivatives of one page image into the package folder ``pkg``."""
    opts = opts or DerivativeOptions()
    name = f"{seq:04d}"
    img = _to_8bit_srgb(_load(src, "random"))
    out = PageDerivatives(width=img.width, height=img.height)
    if opts.tiles:
        out.iiif_dir = make_iiif_tiles(img, pkg / "iiif" / name, service_id, opts)
        out.access = out.iiif_dir / "full" / "max" / "0" / "default.jpg"     # level 0 needs full/max
        access = img
    else:
        out.access = pkg / "access" / f"{name}.jpg"
        access = img if not opts.access_max or max(img.width, img.height) <= opts.access_max else \
            img.thumbnail_image(opts.access_max, height=opts.access_max)
    _write_jpeg(access, out.access, opts.jpeg_quality)
    out.access_size = (access.width, access.height)
    out.thumb = pkg / "thumbs" / f"{name}.jpg"
    thumb = img.thumbnail_image(opts.thumbnail, height=opts.thumbnail)
    _write_jpeg(thumb, out.thumb, opts.jpeg_quality)
    out.thumb_size = (thumb.width, thumb.height)
    out.files += [out.access, out.thumb]
    if opts.pyramid:
        out.pyramid = pkg / "pyramid" / f"{name}.tif"
        out.pyramid.parent.mkdir(parents=True, exist_ok=True)
        img.tiffsave(str(out.pyramid), tile=True, pyramid=True, compression="jpeg", Q=opts.jpeg_quality,
                     tile_width=256, tile_height=256, bigtiff=False)
        out.files.append(out.pyramid)
    return out


# --------------------------------------------------------------------------- Presentation 3


def lang_map(text: str, lang: str = "none") -> dict[str, list[str]]:
    return {lang: [text]}


def _metadata_entries(meta: dict[str, Any], labels: Any = None) -> list[dict[str, Any]]:
    from ..metadata import load_vocabulary

    roles = load_vocabulary("roles")
    rows: list[tuple[str, list[str]]] = []
    for n in meta.get("names", []):
        role = roles.label(n["role"]) if n.get("role") else "Name"
        rows.append((role, [n["name"]]))
    for key, label in (("date_created", "Date created"), ("date_issued", "Date issued"),
                       ("identifier", "Identifier"), ("shelfmark", "Shelfmark"), ("extent", "Extent"),
                       ("physical_location", "Location"), ("genre", "Genre")):
        if meta.get(key):
            rows.append((label, [str(meta[key])]))
    if meta.get("languages"):
        langs = load_vocabulary("languages")
        rows.append(("Language", [langs.label(c) for c in meta["languages"]]))
    if meta.get("subjects"):
        rows.append(("Subject", list(meta["subjects"])))
    merged: dict[str, list[str]] = {}
    for label, values in rows:
        merged.setdefault(label, []).extend(values)
    return [{"label": lang_map(k, "en"), "value": {"none": v}} for k, v in merged.items()]


@dataclass
class CanvasSpec:
    """What the manifest needs to know about one page (URLs are absolute)."""

    seq: int
    label: str
    width: int
    height: int
    image_url: str
    image_size: tuple[int, int]
    service_id: str | None = None
    thumb_url: str | None = None
    thumb_size: tuple[int, int] = (0, 0)
    alto_url: str | None = None
    lines: list[tuple[str, str, tuple[int, int, int, int]]] = field(default_factory=list)  # (id, text, xywh)
    language: str | None = None


def _canvas(base: str, c: CanvasSpec) -> dict[str, Any]:
    cid = f"{base}canvas/p{c.seq}"
    body: dict[str, Any] = {"id": c.image_url, "type": "Image", "format": "image/jpeg",
                            "width": c.image_size[0], "height": c.image_size[1]}
    if c.service_id:
        body["service"] = [{"id": c.service_id, "type": "ImageService3", "profile": "level0"}]
    canvas: dict[str, Any] = {
        "id": cid, "type": "Canvas", "label": lang_map(c.label), "width": c.width, "height": c.height,
        "items": [{"id": f"{cid}/page/1", "type": "AnnotationPage",
                   "items": [{"id": f"{cid}/annotation/image", "type": "Annotation", "motivation": "painting",
                              "body": body, "target": cid}]}]}
    if c.thumb_url:
        canvas["thumbnail"] = [{"id": c.thumb_url, "type": "Image", "format": "image/jpeg",
                                "width": c.thumb_size[0], "height": c.thumb_size[1]}]
    if c.lines:
        annos = []
        for lid, text, (x, y, w, h) in c.lines:
            tb: dict[str, Any] = {"type": "TextualBody", "value": text, "format": "text/plain"}
            if c.language:
                tb["language"] = c.language
            annos.append({"id": f"{cid}/annotation/{lid}", "type": "Annotation", "motivation": "supplementing",
                          "body": tb, "target": f"{cid}#xywh={x},{y},{w},{h}"})
        canvas["annotations"] = [{"id": f"{cid}/annotations/text", "type": "AnnotationPage", "items": annos}]
    if c.alto_url:
        canvas["seeAlso"] = [{"id": c.alto_url, "type": "Dataset", "format": "application/xml",
                              "profile": "http://www.loc.gov/standards/alto/ns-v4#", "label": lang_map("ALTO", "en")}]
    return canvas


def build_manifest(*, base: str, meta: dict[str, Any], canvases: list[CanvasSpec], pdf_url: str | None = None,
                   mets_url: str | None = None, services: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A IIIF Presentation 3 manifest; ``base`` is the item's absolute URL ending in ``/``."""
    man: dict[str, Any] = {"@context": PRESENTATION_CONTEXT, "id": f"{base}manifest.json", "type": "Manifest",
                           "label": lang_map(meta.get("title") or meta.get("identifier", ""))}
    entries = _metadata_entries(meta)
    if entries:
        man["metadata"] = entries
    if meta.get("description"):
        man["summary"] = lang_map(meta["description"])
    if meta.get("rights"):
        man["rights"] = meta["rights"]
    if meta.get("rights_holder"):
        man["requiredStatement"] = {"label": lang_map("Attribution", "en"), "value": lang_map(meta["rights_holder"])}
    if canvases and canvases[0].thumb_url:
        man["thumbnail"] = _canvas(base, canvases[0])["thumbnail"]
    if mets_url:
        man["seeAlso"] = [{"id": mets_url, "type": "Dataset", "format": "application/xml",
                           "profile": "http://www.loc.gov/METS/", "label": lang_map("METS", "en")}]
    if pdf_url:
        man["rendering"] = [{"id": pdf_url, "type": "Text", "format": "application/pdf",
                             "label": lang_map("PDF (image and text)", "en")}]
    if services:
        man["service"] = services          # e.g. IIIF Content Search (digitizer.search.package)
    man["items"] = [_canvas(base, c) for c in canvases]
    sections = meta.get("sections") or []
    if sections:
        man["structures"] = [{"id": f"{base}range/r{i}", "type": "Range", "label": lang_map(s["label"]),
                              "items": [{"id": f"{base}canvas/p{n}", "type": "Canvas"}
                                        for n in range(s["start"], s["end"] + 1)]}
                             for i, s in enumerate(sections, 1)]
    return man


def manifest_errors(manifest: dict[str, Any]) -> list[str]:
    """Errors against the official IIIF Presentation 3 JSON schema (empty when valid)."""
    from jsonschema import Draft7Validator

    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    errs = sorted(validator.iter_errors(manifest), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message[:200]}" for e in errs]


def manifest_bytes(manifest: dict[str, Any], subject: str) -> bytes:
    """The manifest as JSON, or :class:`ExportInvalidError` when the schema rejects it."""
    errors = manifest_errors(manifest)
    if errors:
        raise ExportInvalidError(f"{subject}: IIIF manifest not valid: {errors[0]}", errors=errors)
    return (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def info_errors(info: dict[str, Any]) -> list[str]:
    """Checks of a level-0 ``info.json`` (Image API 3 section 5) beyond the validator's."""
    errs = [f"missing {k}" for k in ("@context", "id", "type", "protocol", "profile", "width", "height")
            if k not in info]
    if info.get("type") != "ImageService3" or info.get("@context") != IMAGE_CONTEXT:
        errs.append("not an Image API 3 service")
    if not str(info.get("id", "")).startswith("http"):
        errs.append("id is not an absolute http(s) URI")
    if not info.get("sizes"):
        errs.append("no sizes (level-0 clients need them for thumbnails)")
    return errs


def main(argv: list[str] | None = None) -> int:
    """``python -m digitizer.export.iiif IMAGE -d DIR -i ID -p BASE``: tile one image (a TILER)."""
    ap = argparse.ArgumentParser(prog="python -m digitizer.export.iiif", description=main.__doc__)
    ap.add_argument("image")
    ap.add_argument("-d", "--dir", required=True, help="output folder (tiles go to DIR/ID)")
    ap.add_argument("-i", "--identifier", required=True)
    ap.add_argument("-p", "--prefix", default=DEFAULT_BASE_URL.rstrip("/"), help="base URL of DIR")
    ap.add_argument("-t", "--tile-size", type=int, default=512)
    a = ap.parse_args(argv)
    opts = DerivativeOptions(tile_size=a.tile_size)
    img = _to_8bit_srgb(_load(a.image, "random"))
    out = make_iiif_tiles(img, Path(a.dir) / a.identifier, f"{a.prefix.rstrip('/')}/{a.identifier}", opts)
    _write_jpeg(img, out / "full" / "max" / "0" / "default.jpg", opts.jpeg_quality)
    return 0


if __name__ == "__main__":   # pragma: no cover
    raise SystemExit(main())
