"""Exports: ALTO 4, METS 1.12, plain text and SHA-256 manifests, each validated before it is written.

Add a format as a module with ``build_<fmt>(...) -> etree._ElementTree`` and ``<fmt>_bytes(...)``
that ends in :func:`~digitizer.export.validate.ensure_valid`; add its schema to ``validate.SCHEMA_FILES``.
"""

from __future__ import annotations

from .alto import alto_bytes, build_alto
from .checksums import verify_sha256_manifest, write_sha256_manifest
from .mets import MetsFile, MetsPage, build_mets, mets_bytes, mets_file
from .text import page_text
from .validate import ensure_valid, parse_xml, safe_parser, schema, validate

__all__ = [
    "MetsFile", "MetsPage", "alto_bytes", "build_alto", "build_mets", "ensure_valid", "mets_bytes", "mets_file",
    "page_text", "parse_xml", "safe_parser", "schema", "validate", "verify_sha256_manifest",
    "write_sha256_manifest",
]
