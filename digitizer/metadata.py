"""Descriptive metadata of an item: a small typed model, controlled vocabularies, CSV batch import.

The metadata lives in ``Item.metadata`` (a JSON dict in the store).  :func:`validate_metadata`
checks it against the vocabularies the profile's ``[metadata]`` table names and returns the
normalised dict (language codes as ISO 639-2/B, relator codes lower case, ...); invalid values
raise :class:`MetadataError` naming the field and the allowed values.

Profile ``[metadata]`` keys (all optional)::

    required  = ["title"]                # fields that must be present
    languages = "languages"              # a built-in vocabulary name, a .json/.toml path, or a list
    roles     = "roles"                  # MARC relators
    rights    = "rights"                 # rightsstatements.org + Creative Commons URIs
    subjects  = "subjects-example"       # subject vocabulary
    open_subjects = false                # true: any subject term allowed

Fields: ``title``, ``alternative`` (list), ``names`` (list of ``{name, role, type}``),
``date_created``, ``date_issued`` (ISO 8601 ``YYYY[-MM[-DD]]`` or ``start/end``), ``identifier``,
``languages`` (list), ``subjects`` (list), ``genre``, ``extent``, ``form``, ``note``,
``description``, ``rights`` (URI), ``rights_holder``, ``physical_location``, ``shelfmark``,
``sections`` (list of ``{label, type, start, end}`` page ranges: the LOGICAL structMap).
"""

from __future__ import annotations

import csv
import functools
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DigitizerError, ExitCode, InputFileError, InvalidTextError, ProfileError
from .xmltext import check_fields

VOCAB_DIR = Path(__file__).resolve().parent / "vocab"
DEFAULT_VOCABS = {"languages": "languages", "roles": "roles", "rights": "rights", "subjects": "subjects-example"}
LIST_FIELDS = ("alternative", "names", "languages", "subjects", "sections")
TEXT_FIELDS = ("title", "identifier", "genre", "extent", "form", "note", "description", "rights_holder",
               "physical_location", "shelfmark", "date_created", "date_issued", "rights")
FIELDS = TEXT_FIELDS + LIST_FIELDS
NAME_TYPES = ("personal", "corporate", "family", "conference")
SECTION_TYPES = ("chapter", "section", "letter", "article", "part", "volume", "document", "appendix", "cover",
                 "index", "other")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_NAME_CELL = re.compile(r"^(?P<name>.*?)\s*(\[(?P<role>[A-Za-z]{3})\])?\s*$")
META_KEYS = ("required", "languages", "roles", "rights", "subjects", "open_subjects")


class MetadataError(DigitizerError):
    """A metadata value is not allowed (field, value and the allowed values in the message)."""

    exit_code = ExitCode.INPUT


@dataclass(frozen=True)
class Vocabulary:
    """A controlled vocabulary: code/URI -> label, with an authority name for MODS."""

    name: str
    authority: str
    terms: dict[str, str]
    aliases: dict[str, str]
    uri: str = ""

    def normalise(self, value: str) -> str | None:
        """The canonical term for ``value`` (exact, alias, or case-insensitive), else None."""
        if value in self.terms:
            return value
        if value in self.aliases:
            return self.aliases[value]
        low = {k.lower(): k for k in self.terms}
        return low.get(value.lower())

    def label(self, code: str) -> str:
        return self.terms.get(code, code)


def _vocab_from_data(data: dict[str, Any], where: str) -> Vocabulary:
    terms_in = data.get("terms")
    if not isinstance(terms_in, dict) or not terms_in:
        raise ProfileError(f"{where}: a vocabulary needs a non-empty 'terms' table")
    terms: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for code, info in terms_in.items():
        info = info if isinstance(info, dict) else {"label": str(info)}
        terms[str(code)] = str(info.get("label", code))
        for alias_key in ("iso639_3", "alias"):
            if info.get(alias_key):
                aliases[str(info[alias_key])] = str(code)
    return Vocabulary(name=str(data.get("name", where)), authority=str(data.get("authority", "local")),
                      terms=terms, aliases=aliases, uri=str(data.get("uri", "")))


@functools.lru_cache(maxsize=64)
def load_vocabulary(ref: str) -> Vocabulary:
    """A built-in vocabulary by name (``digitizer/vocab/NAME.json``) or a ``.json``/``.toml`` file."""
    path = Path(ref) if ref.endswith((".json", ".toml")) else VOCAB_DIR / f"{ref}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in VOCAB_DIR.glob("*.json")))
        raise ProfileError(f"unknown vocabulary {ref!r}", hint=f"built-in: {known}; or give a .json/.toml path")
    try:
        data = tomllib.loads(path.read_text("utf-8")) if path.suffix == ".toml" else json.loads(path.read_text("utf-8"))
    except (ValueError, OSError) as exc:
        raise ProfileError(f"{path}: cannot read vocabulary: {exc}") from None
    return _vocab_from_data(data, str(path))


def _vocab(spec: Any, kind: str, where: str) -> Vocabulary:
    if isinstance(spec, list):
        return Vocabulary(name=f"{kind} (profile)", authority="local", terms={str(v): str(v) for v in spec},
                          aliases={})
    if isinstance(spec, str):
        return load_vocabulary(spec)
    raise ProfileError(f"{where}: [metadata] {kind} must be a vocabulary name, a file path or a list")


@dataclass(frozen=True)
class MetadataRules:
    """The profile's ``[metadata]`` table, resolved."""

    required: tuple[str, ...]
    languages: Vocabulary
    roles: Vocabulary
    rights: Vocabulary
    subjects: Vocabulary
    open_subjects: bool = False

    @classmethod
    def from_section(cls, section: dict[str, Any] | None, where: str = "profile") -> MetadataRules:
        sec = dict(section or {})
        for key in sec:
            if key not in META_KEYS:
                raise ProfileError(f"{where}: [metadata] unknown key {key!r} (known: {', '.join(META_KEYS)})")
        required = sec.get("required", ["title"])
        if not isinstance(required, list) or any(r not in FIELDS for r in required):
            raise ProfileError(f"{where}: [metadata] required must be a list of fields from {', '.join(FIELDS)}")
        vocabs = {k: _vocab(sec.get(k, DEFAULT_VOCABS[k]), k, where) for k in DEFAULT_VOCABS}
        return cls(required=tuple(required), open_subjects=bool(sec.get("open_subjects", False)), **vocabs)


def rules_for(profile: Any | None) -> MetadataRules:
    """Rules of a :class:`~digitizer.profiles.Profile` (defaults when None)."""
    if profile is None:
        return MetadataRules.from_section({})
    return MetadataRules.from_section(profile.section("metadata"), profile.path or profile.name)


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_date(field_name: str, value: str) -> str:
    parts = value.split("/")
    if len(parts) > 2 or not all(_DATE.match(p) for p in parts):
        raise MetadataError(f"{field_name}: {value!r} is not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD) "
                            f"or range START/END")
    return value


def _in_vocab(vocab: Vocabulary, field_name: str, value: str) -> str:
    term = vocab.normalise(value.strip())
    if term is None:
        sample = ", ".join(list(vocab.terms)[:8])
        raise MetadataError(f"{field_name}: {value!r} is not in the controlled vocabulary {vocab.name!r}",
                            hint=f"allowed e.g. {sample} ... ({len(vocab.terms)} terms)")
    return term


def _name(entry: Any, rules: MetadataRules) -> dict[str, str]:
    if isinstance(entry, str):
        m = _NAME_CELL.match(entry)
        entry = {"name": m.group("name"), "role": m.group("role") or ""} if m else {"name": entry}
    if not isinstance(entry, dict) or not str(entry.get("name", "")).strip():
        raise MetadataError(f"names: {entry!r} needs a 'name'")
    out = {"name": str(entry["name"]).strip(), "type": str(entry.get("type") or "personal")}
    if out["type"] not in NAME_TYPES:
        raise MetadataError(f"names: type {out['type']!r} must be one of {', '.join(NAME_TYPES)}")
    if entry.get("role"):
        out["role"] = _in_vocab(rules.roles, "names.role", str(entry["role"]).lower())
    return out


def _section(entry: Any, n_pages: int | None) -> dict[str, Any]:
    if not isinstance(entry, dict) or not entry.get("label"):
        raise MetadataError(f"sections: {entry!r} needs a 'label', 'start' and 'end' (page numbers)")
    try:
        start, end = int(entry.get("start", 1)), int(entry.get("end", entry.get("start", 1)))
    except (TypeError, ValueError):
        raise MetadataError(f"sections: {entry['label']!r}: start/end must be page numbers") from None
    if start < 1 or end < start or (n_pages is not None and end > n_pages):
        raise MetadataError(f"sections: {entry['label']!r}: pages {start}-{end} are not within 1-{n_pages or '?'}")
    kind = str(entry.get("type") or "section")
    if kind not in SECTION_TYPES:
        raise MetadataError(f"sections: type {kind!r} must be one of {', '.join(SECTION_TYPES)}")
    return {"label": str(entry["label"]), "type": kind, "start": start, "end": end}


def validate_metadata(meta: dict[str, Any], rules: MetadataRules | None = None, *,
                      n_pages: int | None = None) -> dict[str, Any]:
    """The normalised metadata; raises :class:`MetadataError` on the first invalid value."""
    rules = rules or MetadataRules.from_section({})
    try:
        check_fields(meta)                      # XML-illegal characters: refused naming the field
    except InvalidTextError as exc:
        raise MetadataError(exc.message) from None
    unknown = [k for k in meta if k not in FIELDS]
    if unknown:
        raise MetadataError(f"unknown metadata field {unknown[0]!r}", hint=f"fields: {', '.join(FIELDS)}")
    out: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if meta.get(key) not in (None, ""):
            out[key] = str(meta[key]).strip()
    for key in ("date_created", "date_issued"):
        if key in out:
            _check_date(key, out[key])
    if "rights" in out:
        out["rights"] = _in_vocab(rules.rights, "rights", out["rights"])
    if _as_list(meta.get("alternative")):
        out["alternative"] = [str(v).strip() for v in _as_list(meta.get("alternative")) if str(v).strip()]
    if _as_list(meta.get("languages")):
        out["languages"] = [_in_vocab(rules.languages, "languages", str(v)) for v in _as_list(meta["languages"])]
    if _as_list(meta.get("subjects")):
        subj = [str(v).strip() for v in _as_list(meta["subjects"])]
        out["subjects"] = subj if rules.open_subjects else [_in_vocab(rules.subjects, "subjects", s) for s in subj]
    if _as_list(meta.get("names")):
        out["names"] = [_name(n, rules) for n in _as_list(meta["names"])]
    if _as_list(meta.get("sections")):
        out["sections"] = [_section(s, n_pages) for s in _as_list(meta["sections"])]
    for req in rules.required:
        if req not in out:
            raise MetadataError(f"required metadata field {req!r} is missing")
    return out


def parse_assignment(text: str) -> tuple[str, Any]:
    """``key=value`` from the CLI; list fields split on ``|``; ``sections`` takes JSON."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or key not in FIELDS:
        raise MetadataError(f"{text!r}: expected FIELD=VALUE with FIELD one of {', '.join(FIELDS)}")
    if key == "sections":
        try:
            return key, json.loads(value)
        except ValueError as exc:
            raise MetadataError(f"sections: not JSON: {exc}") from None
    if key in LIST_FIELDS:
        return key, [v.strip() for v in value.split("|") if v.strip()]
    return key, value


def set_item_metadata(store: Any, item: Any, changes: dict[str, Any], rules: MetadataRules | None = None, *,
                      replace: bool = False) -> dict[str, Any]:
    """Merge ``changes`` into the item's metadata (``""``/``[]`` removes a field), validate, store.

    The store records an ``update-item`` event.  ``title`` also updates the item's title.
    """
    base = {} if replace else dict(item.metadata)
    for key, value in changes.items():
        if value in ("", [], None):
            base.pop(key, None)
        else:
            base[key] = value
    if "title" not in base and item.title and not replace:
        base["title"] = item.title
    clean = validate_metadata(base, rules, n_pages=len(item.pages) or None)
    store.update_item(item.id, metadata=clean, title=clean.get("title"), tool="digitizer.metadata")
    return clean


def read_csv(path: str | Path) -> dict[str, tuple[int, dict[str, Any]]]:
    """``{identifier: (row number, fields)}`` from a CSV with a header row, one row per item.

    Column ``identifier`` (or ``item``) names the item; other columns are fields; list fields are
    split on ``|``; names as ``Surname, Given [aut]``.  Values are validated by :func:`import_csv`.
    """
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror}") from None
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    with fh:
        reader = csv.DictReader(fh)
        cols = [c.strip() for c in reader.fieldnames or []]
        key_col = "identifier" if "identifier" in cols else "item" if "item" in cols else None
        if key_col is None:
            raise InputFileError(path, "the header row needs an 'identifier' (or 'item') column")
        bad = [c for c in cols if c not in FIELDS and c != key_col and c]
        if bad:
            raise InputFileError(path, f"unknown column {bad[0]!r}", hint=f"fields: {', '.join(FIELDS)}")
        for row_no, row in enumerate(reader, 2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            ident = row.pop(key_col, "")
            if not ident:
                raise InputFileError(path, f"row {row_no}: empty {key_col}")
            try:
                meta = dict(parse_assignment(f"{k}={v}") for k, v in row.items() if v)
            except MetadataError as exc:
                raise InputFileError(path, f"row {row_no} ({ident}): {exc.message}") from None
            out[ident] = (row_no, meta)
    return out


def import_csv(store: Any, path: str | Path, rules: MetadataRules | None = None) -> list[str]:
    """Apply a CSV (see :func:`read_csv`) to the project's items; returns the identifiers updated.

    Every row is validated (with ``rules`` or each item's profile rules) before any item changes,
    so one bad value leaves the project as it was; an unknown identifier is an error too.
    """
    from .profiles import load_profile

    planned = []
    for ident, (row_no, meta) in read_csv(path).items():
        item = store.find_item(ident)
        if item is None:
            raise InputFileError(path, f"row {row_no}: no item {ident!r} in the project")
        item_rules = rules or rules_for(load_profile(item.profile))
        merged = {**item.metadata, **meta}
        try:
            validate_metadata(merged, item_rules, n_pages=len(item.pages) or None)
        except MetadataError as exc:
            raise InputFileError(path, f"row {row_no} ({ident}): {exc.message}", hint=exc.hint) from None
        planned.append((item, meta, item_rules))
    with store.transaction():
        for item, meta, item_rules in planned:
            set_item_metadata(store, item, meta, item_rules)
    return [item.identifier for item, _, _ in planned]


def effective_metadata(item: Any) -> dict[str, Any]:
    """The item's metadata with defaults filled from the item (title, identifier)."""
    meta = dict(item.metadata)
    meta.setdefault("title", item.title or item.identifier)
    meta.setdefault("identifier", item.identifier)
    return meta
