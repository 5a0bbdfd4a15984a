"""SHA-256 manifests in ``sha256sum -c`` format (``<hex>  <relative path>``), and their verification."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ..fsutil import atomic_write_text, sha256_file
from ..report import Report


def _rel(root: Path, path: Path) -> str:
    path = path if path.is_absolute() else root / path
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        raise ValueError(f"{path} is not inside {root}") from None
    return str(PurePosixPath(*rel.parts))


def manifest_lines(root: Path, files: Iterable[Path]) -> list[str]:
    """``"<sha256>  <relpath>"`` for each file, sorted by path; paths with a newline are refused."""
    entries = {}
    for f in files:
        rel = _rel(root, Path(f))
        if "\n" in rel or "\\" in rel:
            raise ValueError(f"{rel!r}: file names with newlines or backslashes cannot go into a manifest")
        entries[rel] = sha256_file(root / rel)
    return [f"{entries[rel]}  {rel}" for rel in sorted(entries)]


def write_sha256_manifest(root: Path, files: Iterable[Path], out: Path) -> None:
    """Write the manifest for ``files`` (relative to ``root``) atomically to ``out``.

    ``cd root && sha256sum -c out`` verifies it.
    """
    lines = manifest_lines(Path(root), files)
    atomic_write_text(out, "".join(f"{ln}\n" for ln in lines))


def read_sha256_manifest(manifest: Path) -> list[tuple[str, str]]:
    """``[(hex, relpath), ...]`` from a manifest (text or ``*binary`` mode lines)."""
    out = []
    for n, raw in enumerate(Path(manifest).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        digest, sep, rel = raw.partition(" ")
        if not sep or len(digest) != 64 or rel[:1] not in (" ", "*"):
            raise ValueError(f"{manifest}:{n}: not a sha256sum line: {raw[:80]!r}")
        out.append((digest.lower(), rel[1:]))
    return out


def verify_sha256_manifest(manifest: Path, root: Path | None = None) -> Report:
    """Check every file of ``manifest`` (paths relative to ``root``, default: the manifest's folder).

    Errors name changed and missing files; a notice gives the count of files that match.
    """
    manifest = Path(manifest)
    base = Path(root) if root is not None else manifest.parent
    report = Report(title=f"fixity check of {manifest.name}")
    try:
        entries = read_sha256_manifest(manifest)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        report.error(f"cannot read manifest: {exc}", str(manifest))
        return report
    ok = 0
    for digest, rel in entries:
        path = base / rel
        if not path.is_file():
            report.error("missing", rel)
        elif sha256_file(path) != digest:
            report.error("changed (checksum differs)", rel)
        else:
            ok += 1
    report.notice(f"{ok} of {len(entries)} files match")
    return report
