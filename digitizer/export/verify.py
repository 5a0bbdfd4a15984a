"""Fixity: ``digitizer verify PATH`` for a BagIt bag (folder or zip), a METS package, an export
folder or a project store.  Every check reads and hashes every byte, so a flipped byte in a file
of unchanged size is found.  Findings: ``changed``, ``missing`` and ``extra`` files (errors).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..fsutil import sha256_file
from ..report import Report

MANIFEST = "manifest-sha256.txt"
METS_NAME = "mets.xml"
HASHES = {"SHA-256": "sha256", "SHA-512": "sha512", "MD5": "md5", "SHA-1": "sha1"}


def detect(path: Path) -> str:
    """``bag`` | ``bag-zip`` | ``project`` | ``export`` | ``mets`` | ``unknown``."""
    if path.is_file():
        if path.suffix.lower() == ".zip":
            return "bag-zip"
        return "mets" if path.suffix.lower() == ".xml" else "unknown"
    if (path / "bagit.txt").is_file():
        return "bag"
    if (path / "project.sqlite").is_file():
        return "project"
    if (path / MANIFEST).is_file() and not (path / METS_NAME).is_file():
        return "export"
    if (path / ".export-in-progress").is_file():
        return "export"
    if (path / METS_NAME).is_file():
        return "mets"
    return "unknown"


def verify_bag(path: Path) -> Report:
    """Validate a bag with ``bagit`` (every checksum, not only Payload-Oxum)."""
    import logging

    import bagit

    logging.getLogger("bagit").setLevel(logging.ERROR)     # findings go into the report instead
    rep = Report(title=f"BagIt fixity check: {path}")
    _report_leftovers(path, rep)
    named = _bag_completeness(path, rep)
    try:
        bag = bagit.Bag(str(path))
        bag.validate(processes=1, fast=False)
    except bagit.BagValidationError as exc:
        if named and not exc.details:      # bagit's Payload-Oxum message names no file; ours did
            return rep
        for d in exc.details or []:
            kind = type(d).__name__
            if named and kind in ("FileMissing", "UnexpectedFile"):
                continue
            if kind == "ChecksumMismatch":
                rep.error(f"changed ({d.algorithm} differs)", d.path)
            elif kind == "FileMissing":
                rep.error("missing", d.path)
            elif kind == "UnexpectedFile":
                rep.error("extra (not in the manifest)", d.path)
            else:
                rep.error(str(d))
        if not exc.details:
            rep.error(str(exc.message if hasattr(exc, "message") else exc))
        return rep
    except bagit.BagError as exc:
        rep.error(f"not a valid bag: {exc}")
        return rep
    rep.notice(f"valid bag: {bag.info.get('Payload-Oxum', '?')} (octets.files), algorithms {', '.join(bag.algorithms)}")
    return rep


def _bag_completeness(path: Path, rep: Report) -> bool:
    """Name payload files missing from ``data/`` or not in the bag's manifest (bagit's own check
    stops at the Payload-Oxum count without naming them); True when it found any."""
    manifests = sorted(path.glob("manifest-*.txt"))
    if not manifests or not (path / "data").is_dir():
        return False
    listed = set()
    for raw in manifests[0].read_text(encoding="utf-8", errors="replace").splitlines():
        _, sep, rel = raw.strip().partition(" ")
        if sep:
            listed.add(rel.strip().lstrip("*"))
    present = {p.relative_to(path).as_posix() for p in (path / "data").rglob("*") if p.is_file()}
    for rel in sorted(listed - present):
        rep.error("missing", rel)
    for rel in sorted(present - listed):
        rep.error("extra (not in the manifest)", rel)
    return bool(listed ^ present)


def verify_bag_zip(path: Path) -> Report:
    from .bag import safe_extract

    with tempfile.TemporaryDirectory(prefix="digitizer-verify-") as tmp:
        try:
            folder = safe_extract(path, Path(tmp))
        except Exception as exc:  # a corrupt zip is a finding, not a crash
            rep = Report(title=f"BagIt fixity check: {path}")
            rep.error(f"cannot unpack: {exc}")
            return rep
        rep = verify_bag(folder)
        rep.title = f"BagIt fixity check: {path}"
        return rep


def mets_files(mets: Path) -> list[tuple[str, str, str, int | None]]:
    """``(href, algorithm, checksum, size)`` of every ``mets:file`` with a local FLocat."""
    from .validate import METS_NS, parse_xml

    xlink = "{http://www.w3.org/1999/xlink}href"
    out = []
    for f in parse_xml(mets).getroot().iter(f"{{{METS_NS}}}file"):
        for loc in f.iter(f"{{{METS_NS}}}FLocat"):
            href = loc.get(xlink, "")
            if href and "://" not in href:
                size = f.get("SIZE")
                out.append((href, f.get("CHECKSUMTYPE", ""), f.get("CHECKSUM", ""), int(size) if size else None))
    return out


def _hash(path: Path, algo: str) -> str:
    import hashlib

    if algo == "sha256":
        return sha256_file(path)
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def verify_mets(path: Path, *, covered: set[str] | None = None) -> tuple[Report, set[str]]:
    """Check the files a METS lists (checksum, size, existence); returns the report and the
    package-relative paths it covered.  Files in the package folder that neither the METS nor
    ``covered`` (e.g. an export checksum manifest) lists are reported as extra."""
    mets = path / METS_NAME if path.is_dir() else path
    root = mets.parent
    rep = Report(title=f"METS fixity check: {mets}")
    listed = {METS_NAME}
    try:
        entries = mets_files(mets)
    except Exception as exc:
        rep.error(f"cannot read METS: {exc}", str(mets))
        return rep, listed
    for href, algo, digest, size in entries:
        target = (root / href).resolve()
        if root.resolve() not in target.parents:
            rep.error("points outside the package", href)
            continue
        listed.add(Path(href).as_posix())
        if not target.is_file():
            rep.error("missing", href)
        elif size is not None and target.stat().st_size != size:
            rep.error(f"changed (size {target.stat().st_size} != {size})", href)
        elif algo in HASHES and _hash(target, HASHES[algo]) != digest.lower():
            rep.error(f"changed ({algo} differs)", href)
    if covered is None:
        covered = _package_manifest(root, rep, listed)
        _report_leftovers(root, rep)
    known = listed | covered
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and rel not in known and not any(part.startswith(".") for part in p.relative_to(root).parts):
            rep.error("extra (not in the METS)", rel)
    rep.notice(f"{len(entries)} files listed in the METS")
    return rep, listed


def _package_manifest(root: Path, rep: Report, listed: set[str]) -> set[str]:
    """Files covered by the item's own checksum manifest (a per-item export verifies on its own),
    else by the export-level one above it."""
    own = root / MANIFEST
    if own.is_file():
        return _manifest_files(own, "", rep, listed) | {MANIFEST}
    return _manifest_files(root.parent / MANIFEST, root.name, rep, listed)


def _manifest_files(manifest: Path, item: str, rep: Report, skip: set[str]) -> set[str]:
    """Files of this package listed in a ``manifest-sha256.txt`` (checked too): the item's own
    (``item`` = "") or the export's (entries under ``item/``)."""
    from .checksums import read_sha256_manifest

    if not manifest.is_file():
        return set()
    root = manifest.parent / item if item else manifest.parent
    covered = set()
    for digest, rel in read_sha256_manifest(manifest):
        top, _, sub = rel.partition("/")
        if item and (top != item or not sub):
            continue
        sub = sub if item else rel
        covered.add(sub)
        if sub in skip:
            continue
        target = root / sub
        if not target.is_file():
            rep.error("missing", sub)
        elif sha256_file(target) != digest:
            rep.error("changed (SHA-256 differs from the export manifest)", sub)
    return covered


def _report_leftovers(folder: Path, rep: Report) -> None:
    """Errors for an unfinished export and for staging a killed export left behind."""
    from . import staging

    if staging.interrupted(folder):
        rep.error("incomplete: an export into this folder was interrupted (or still runs); export again",
                  str(folder / staging.MARKER))
    for p in staging.leftovers(folder):
        rep.error("leftover staging of an interrupted export (the next export removes it)",
                  p.relative_to(folder.parent).as_posix())


def verify_export(path: Path) -> Report:
    """An export folder: its ``manifest-sha256.txt`` plus every item's METS; extra files are errors."""
    from .checksums import read_sha256_manifest, verify_sha256_manifest

    rep = Report(title=f"export fixity check: {path}")
    _report_leftovers(path, rep)
    if not (path / MANIFEST).is_file():
        return rep
    rep.extend(verify_sha256_manifest(path / MANIFEST))
    in_manifest = {rel for _, rel in read_sha256_manifest(path / MANIFEST)}
    for mets in sorted(path.glob(f"*/{METS_NAME}")):
        item = mets.parent.name
        covered = {r.split("/", 1)[1] for r in in_manifest if r.startswith(item + "/")}
        sub, _ = verify_mets(mets, covered=covered)
        rep.findings += [f for f in sub.findings if not f.message.startswith("extra")]
    projects = {p.parent for p in path.rglob("project.sqlite")}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).as_posix()
        if p.is_file() and rel != MANIFEST and rel not in in_manifest and not any(d in p.parents for d in projects) \
                and not any(part.startswith(".") for part in p.relative_to(path).parts):
            rep.error("extra (not in the checksum manifest)", rel)
    return rep


def verify_project(path: Path, *, record: bool = True) -> Report:
    """Every registered file of a project against its stored SHA-256; unregistered files in
    ``masters/`` and ``derivatives/`` are extra.  The run is recorded as a PREMIS fixity-check event."""
    from .. import __version__
    from ..model import ProcessingStep
    from ..store import ProjectStore

    rep = Report(title=f"project fixity check: {path}")
    with ProjectStore.open(path) as store:
        files = store.files()
        registered = {f.path for f in files}
        changed = missing = 0
        for f in files:
            p = store.abspath(f.path)
            if not p.is_file():
                rep.error("missing", f.path)
                missing += 1
            elif sha256_file(p) != f.sha256:
                rep.error(f"changed (SHA-256 differs; {f.role})", f.path)
                changed += 1
        extra = 0
        for area in ("masters", "derivatives"):
            for p in sorted((path / area).rglob("*")):
                rel = p.relative_to(path).as_posix()
                if p.is_file() and rel not in registered and not p.name.startswith("."):
                    rep.error("extra (not registered in the project)", rel)
                    extra += 1
        rep.notice(f"{len(files) - changed - missing} of {len(files)} files match")
        if record:
            store.record(ProcessingStep(
                action="fixity-check", tool="digitizer.verify", tool_version=__version__, agent=store.agent,
                parameters={"files": len(files), "changed": changed, "missing": missing, "extra": extra,
                            "algorithm": "SHA-256"},
                outcome="success" if rep.is_valid else "failure",
                detail="; ".join(f"{f.subject}: {f.message}" for f in rep.errors[:20])))
    return rep


def verify_path(path: str | Path, *, record: bool = True) -> Report:
    """Dispatch on what ``path`` is (see :func:`detect`)."""
    path = Path(path)
    kind = detect(path)
    if kind == "bag":
        return verify_bag(path)
    if kind == "bag-zip":
        return verify_bag_zip(path)
    if kind == "project":
        return verify_project(path, record=record)
    if kind == "export":
        return verify_export(path)
    if kind == "mets":
        return verify_mets(path)[0]
    rep = Report(title=f"fixity check: {path}")
    rep.error("not a bag, METS package, export folder or project (nothing to verify)", str(path))
    return rep
