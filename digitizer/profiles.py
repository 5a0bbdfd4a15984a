"""Processing profiles: ``profiles/*.toml`` select preprocessing, engine, languages and export options.

Search order for a profile name (see :mod:`digitizer.resources`): the project's ``profiles/`` (when a
project is given), the per-user folder (``$DIGITIZER_PROFILES_DIR`` or ``~/.local/share/digitizer/profiles``),
the built-in profiles (package data; ``profiles/`` of a source checkout).  A path to a ``.toml`` file
is accepted too.
A wrong key or value is a :class:`~digitizer.errors.ProfileError` naming the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import resources
from .errors import ProfileError

BUILTIN_DIR = resources.builtin_dir("profiles")   # shipped profiles (package data, or profiles/ of a checkout)

# sections owned by other modules are kept as raw dicts and validated there
RAW_SECTIONS = ("qc", "capture", "metadata", "packages", "batch", "training", "quality", "search")


@dataclass
class RecognitionSettings:
    engine: str = "tesseract"
    languages: list[str] = field(default_factory=lambda: ["eng"])
    model: str | None = None
    segmentation_model: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportSettings:
    pdf_dpi: int = 300
    assume_dpi: float | None = None      # used (and flagged) when a file carries no resolution


@dataclass
class ExportSettings:
    formats: list[str] = field(default_factory=lambda: ["alto", "text", "mets"])
    copy_images: bool = True             # copy page images (byte-exact masters) into the export
    alto_version: str = "4.4"


@dataclass
class EditorSettings:
    special_characters: list[str] = field(default_factory=list)
    keyboard: list[str] = field(default_factory=list)     # ["ſ long s", ...] (digitizer.keyboard)
    low_confidence: float = 0.80


@dataclass
class Profile:
    name: str
    description: str = ""
    path: str = ""
    preprocess: dict[str, Any] = field(default_factory=dict)
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)
    import_: ImportSettings = field(default_factory=ImportSettings)
    export: ExportSettings = field(default_factory=ExportSettings)
    editor: EditorSettings = field(default_factory=EditorSettings)
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)

    def preprocess_options(self):
        from .imaging.preprocess import PreprocessOptions

        return PreprocessOptions.from_dict(self.preprocess, source=self.path or self.name)

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.raw.get(name, {}))

    def with_languages(self, languages: list[str] | None) -> "Profile":
        if languages:
            self.recognition.languages = list(languages)
        return self


EXPORT_FORMATS = ("alto", "text", "mets", "page", "pdf", "iiif", "tiff", "bag")
ALTO_VERSIONS = ("4.2", "4.3", "4.4")


def _fill(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ProfileError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    out = cls()
    for key, value in data.items():
        default = getattr(out, key)
        expected = type(default) if default is not None else None
        if isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProfileError(f"{where}: {key} must be a list of strings")
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ProfileError(f"{where}: {key} must be true or false, not {value!r}")
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ProfileError(f"{where}: {key} must be a number, not {value!r}")
        elif isinstance(default, dict):
            if not isinstance(value, dict):
                raise ProfileError(f"{where}: {key} must be a table")
        elif expected is str and not isinstance(value, str):
            raise ProfileError(f"{where}: {key} must be a string, not {value!r}")
        setattr(out, key, value)
    return out


def parse_profile(data: dict[str, Any], *, name: str, path: str) -> Profile:
    where = path or name
    allowed = {"name", "description", "preprocess", "recognition", "import", "export", "editor", *RAW_SECTIONS}
    for key in data:
        if key not in allowed:
            raise ProfileError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(allowed))})")
    for sec in ("preprocess", "recognition", "import", "export", "editor", *RAW_SECTIONS):
        if sec in data and not isinstance(data[sec], dict):
            raise ProfileError(f"{where}: [{sec}] must be a table")
    prof = Profile(name=str(data.get("name", name)), description=str(data.get("description", "")), path=path,
                   preprocess=dict(data.get("preprocess", {})),
                   recognition=_fill(RecognitionSettings, data.get("recognition", {}), f"{where}: [recognition]"),
                   import_=_fill(ImportSettings, data.get("import", {}), f"{where}: [import]"),
                   export=_fill(ExportSettings, data.get("export", {}), f"{where}: [export]"),
                   editor=_fill(EditorSettings, data.get("editor", {}), f"{where}: [editor]"),
                   raw={s: dict(data[s]) for s in RAW_SECTIONS if s in data})
    for fmt in prof.export.formats:
        if fmt not in EXPORT_FORMATS:
            raise ProfileError(f"{where}: [export] formats: unknown format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    if prof.export.alto_version not in ALTO_VERSIONS:
        raise ProfileError(f"{where}: [export] alto_version must be one of {', '.join(ALTO_VERSIONS)}")
    from .engines.registry import available

    if prof.recognition.engine not in available():
        raise ProfileError(f"{where}: [recognition] engine = {prof.recognition.engine!r} is not one of "
                           f"{', '.join(available())}")
    if not prof.recognition.languages:
        raise ProfileError(f"{where}: [recognition] languages must not be empty")
    if not 0.0 <= prof.editor.low_confidence <= 1.0:
        raise ProfileError(f"{where}: [editor] low_confidence must be between 0 and 1")
    prof.preprocess_options()   # validates the [preprocess] table now, naming file and key
    return prof


def search_dirs(project: str | os.PathLike | None = None) -> list[Path]:
    return [src.path for src in resources.search_path("profiles", project)]


def load_profile_file(path: str | os.PathLike) -> Profile:
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    return parse_profile(data, name=path.stem, path=str(path))


def load_profile(name_or_path: str, project: str | os.PathLike | None = None) -> Profile:
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        return load_profile_file(name_or_path)
    found = profile_files(project).get(name_or_path)
    if found is None:
        raise ProfileError(f"unknown profile {name_or_path!r}",
                           hint=f"available: {', '.join(profile_names(project)) or 'none'}")
    return load_profile_file(found[0])


def profile_files(project: str | os.PathLike | None = None) -> dict[str, tuple[Path, str]]:
    """``name -> (file, origin)`` of every profile; origin is built-in, user or project (first wins)."""
    out: dict[str, tuple[Path, str]] = {}
    for src in resources.search_path("profiles", project):
        if src.path.is_dir():
            for p in sorted(src.path.glob("*.toml")):
                out.setdefault(p.stem, (p, src.origin))
    return out


def profile_names(project: str | os.PathLike | None = None) -> list[str]:
    return sorted(profile_files(project))
