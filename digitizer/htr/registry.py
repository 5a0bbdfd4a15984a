"""Model registry: model files with a JSON sidecar each.

Where models live (first match wins when names clash; see :mod:`digitizer.resources`):

1. the ``models/`` folder of a project, when one is given (origin ``project``);
2. ``$DIGITIZER_MODELS_DIR`` if set, else the per-user data folder ``~/.local/share/digitizer/models``
   (``platformdirs``, ``$XDG_DATA_HOME`` respected) -- the writable user registry (origin ``user``);
3. the built-in models shipped with digitizer -- read-only (origin ``built-in``): package data in an
   installed wheel, the top-level ``models/`` folder of a source checkout.

Each model is ``<name>.<ext>`` (``.safetensors`` or ``.mlmodel``) plus ``<name>.json`` holding a
:class:`ModelInfo`.  Nothing here touches the network except :func:`fetch`, which refuses when
offline (``DIGITIZER_OFFLINE=1``) and reports a failed download as one clear error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .. import resources
from ..errors import DigitizerError, InputFileError, MissingDependencyError
from ..fsutil import atomic_copy, atomic_write_text, sha256_file
from ..model import utcnow

MODEL_SUFFIXES = (".safetensors", ".mlmodel")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class ModelNotFoundError(DigitizerError):
    """No model of that name in any registry location."""


@dataclass
class ModelInfo:
    """Everything the registry knows about one model (the JSON sidecar)."""

    name: str
    file: str                                   # file name beside the sidecar
    engine: str = "kraken"
    kind: str = "recognition"                   # recognition | segmentation
    script: str = ""                            # ISO 15924, e.g. "Latn"
    language: str = ""                          # e.g. "fr"
    alphabet: str = ""                          # sorted characters the model can output
    seg_type: str = ""                          # kraken: bbox | baselines
    training: dict[str, Any] = field(default_factory=dict)    # data summary, epochs, spec ...
    cer: float | None = None                    # measured CER in [0,1]
    cer_set: str = ""                           # what the CER was measured on
    evaluations: list[dict[str, Any]] = field(default_factory=list)  # later CER measurements
    source: str = ""                            # where it came from (trained here, DOI, URL)
    licence: str = ""
    sha256: str = ""
    created: str = ""
    base_model: str | None = None               # name (and sha) of the model it was fine-tuned from
    notes: str = ""
    path: str = field(default="", compare=False)   # runtime only: absolute path of the model file
    read_only: bool = field(default=False, compare=False)
    origin: str = field(default="", compare=False)  # runtime only: built-in | user | project

    def to_json(self) -> str:
        d = asdict(self)
        for runtime in ("path", "read_only", "origin"):
            d.pop(runtime)
        return json.dumps(d, ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelInfo:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def user_models_dir() -> Path:
    """The writable registry directory (not created here)."""
    return resources.user_dir("models")


def builtin_models_dir() -> Path:
    """The read-only models shipped with digitizer (package data, or ``models/`` of a checkout)."""
    return resources.builtin_dir("models")


def search_dirs(project: str | os.PathLike | None = None) -> list[resources.Source]:
    """Folders to look in, in lookup order, each with its origin (project / user / built-in)."""
    return resources.search_path("models", project)


def _load_sidecar(js: Path, read_only: bool, origin: str = "") -> ModelInfo | None:
    """The sidecar's model; its ``file`` is a name relative to the sidecar's folder."""
    try:
        info = ModelInfo.from_dict(json.loads(js.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if Path(info.file).name != info.file:          # only a file name beside the sidecar is accepted
        return None
    info.path = str(js.with_name(info.file))
    info.read_only, info.origin = read_only, origin
    return info if Path(info.path).is_file() else None


def list_models(project: str | os.PathLike | None = None) -> list[ModelInfo]:
    """All registered models in lookup order (project, user, built-in), names unique."""
    out: dict[str, ModelInfo] = {}
    for src in search_dirs(project):
        if not src.path.is_dir():
            continue
        for js in sorted(src.path.glob("*.json")):
            info = _load_sidecar(js, src.read_only, src.origin)
            if info is not None and info.name not in out:
                out[info.name] = info
    return list(out.values())


def get(name: str, project: str | os.PathLike | None = None) -> ModelInfo:
    """The model called ``name``; raises :class:`ModelNotFoundError` with the list of names."""
    models = list_models(project)
    for info in models:
        if info.name == name:
            return info
    names = ", ".join(m.name for m in models) or "none"
    raise ModelNotFoundError(f"no model named {name!r}",
                             hint=f"registered: {names}; add one with 'digitizer models import FILE' "
                                  "or 'digitizer train'")


def resolve(name_or_path: str, project: str | os.PathLike | None = None) -> ModelInfo:
    """A registry name or a path to a model file -> :class:`ModelInfo` (path: ad-hoc, unregistered).

    With ``project``, a name is also looked up in the project's ``models/`` folder (first, as
    :func:`list_models` lists it)."""
    p = Path(name_or_path).expanduser()
    if p.suffix in MODEL_SUFFIXES or os.sep in name_or_path:
        if not p.is_file():
            raise InputFileError(p, "model file not found")
        sidecar = p.with_suffix(".json")
        if sidecar.is_file():
            info = _load_sidecar(sidecar, True)
            if info is not None and Path(info.path).resolve() == p.resolve():
                return info
        return ModelInfo(name=p.stem, file=p.name, path=str(p.resolve()), read_only=True,
                         sha256=sha256_file(p), source=str(p))
    return get(name_or_path, project)


def resolve_options(engine: str, opts: Any, project: str | os.PathLike | None = None) -> Any:
    """``opts`` (RecognitionOptions) with a kraken model *name* replaced by its :class:`ModelInfo`.

    Engines take model files, not registry names (they do not depend on the registry); the
    pipeline calls this before handing the options to an engine, with the page's ``project`` so a
    model kept in the project's ``models/`` folder is found.  An unknown name is left as it is, so
    the engine reports it with its own hint.
    """
    if engine != "kraken" or not isinstance(opts.model, str) or not opts.model:
        return opts
    try:
        info = resolve(opts.model, project)
    except (ModelNotFoundError, InputFileError):
        return opts
    return replace(opts, model=info)


def read_model_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """Alphabet, seg_type and kind read from a kraken model file (loads it with kraken)."""
    from ..engines.kraken.tvcompat import ensure_torchvision

    ensure_torchvision()
    try:
        from kraken.models import load_models
    except ImportError as exc:   # pragma: no cover - depends on install
        raise MissingDependencyError("kraken is not installed", hint="pip install 'digitizer[htr]'") from exc
    try:
        nets = load_models(str(path))
    except Exception as exc:   # kraken raises ValueError/KeyError/... for foreign files
        raise InputFileError(path, f"not a kraken model ({str(exc).splitlines()[0][:120]})") from exc
    if not nets:
        raise InputFileError(path, "no model could be loaded from this file")
    net = nets[0]
    kind = "recognition" if "recognition" in net.model_type else str(net.model_type[0])
    alphabet = ""
    codec = getattr(net, "codec", None)
    if codec is not None:
        chars = {c for k in codec.c2l for c in k if c.isprintable() or c == " "}
        alphabet = "".join(sorted(chars))
    return {"kind": kind, "alphabet": alphabet, "seg_type": getattr(net, "seg_type", "") or "",
            "user_metadata": dict(getattr(net, "user_metadata", {}) or {})}


def _check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise DigitizerError(f"invalid model name {name!r}",
                             hint="use letters, digits, '.', '_' or '-' (e.g. poilus-fr-v1)")


def register(model_file: str | os.PathLike, info: ModelInfo, *, move: bool = False,
             overwrite: bool = False, directory: str | os.PathLike | None = None) -> ModelInfo:
    """Copy (or move) ``model_file`` into the registry as ``info.name`` and write its sidecar."""
    _check_name(info.name)
    src = Path(model_file)
    if not src.is_file():
        raise InputFileError(src, "model file not found")
    dest_dir = Path(directory) if directory else user_models_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    suffix = src.suffix if src.suffix in MODEL_SUFFIXES else ".safetensors"
    dest = dest_dir / f"{info.name}{suffix}"
    sidecar = dest_dir / f"{info.name}.json"
    if (dest.exists() or sidecar.exists()) and not overwrite and dest.resolve() != src.resolve():
        raise DigitizerError(f"a model named {info.name!r} already exists in {dest_dir}",
                             hint="choose another --name or remove it first")
    if dest.resolve() != src.resolve():
        if move:
            shutil.move(str(src), str(dest))
            info.sha256 = sha256_file(dest)
        else:
            info.sha256 = atomic_copy(src, dest)
    else:
        info.sha256 = sha256_file(dest)
    info.file = dest.name
    info.created = info.created or utcnow()
    atomic_write_text(sidecar, info.to_json() + "\n")
    for f in (dest, sidecar):
        f.chmod(0o644)
    info.path, info.read_only = str(dest), False
    return info


def import_model(path: str | os.PathLike, *, name: str | None = None, language: str = "", script: str = "",
                 licence: str = "", source: str = "", notes: str = "", overwrite: bool = False) -> ModelInfo:
    """Import a kraken model file: checks it loads, reads its alphabet, hashes and registers it."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "file not found")
    meta = read_model_metadata(p)
    um = meta["user_metadata"]
    info = ModelInfo(name=name or p.stem, file=p.name, kind=meta["kind"], alphabet=meta["alphabet"],
                     seg_type=meta["seg_type"], language=language, script=script, licence=licence
                     or str(um.get("license", "") or ""), source=source or f"imported from {p.name}",
                     notes=notes)
    acc = um.get("accuracy")
    if isinstance(acc, list) and acc and isinstance(acc[-1], (list, tuple)):
        info.cer, info.cer_set = round(1.0 - float(acc[-1][-1]), 4), "validation accuracy stored in the model"
    return register(p, info, overwrite=overwrite)


def update(info: ModelInfo) -> None:
    """Rewrite the sidecar of a registered (writable) model."""
    if info.read_only or not info.path:
        raise DigitizerError(f"model {info.name!r} is read-only", hint="import a copy to change it")
    atomic_write_text(Path(info.path).with_name(f"{info.name}.json"), info.to_json() + "\n")


def remove(name: str) -> ModelInfo:
    """Delete a model and its sidecar from the user registry (repo models are read-only)."""
    info = get(name)
    if info.read_only:
        raise DigitizerError(f"model {name!r} ships with digitizer in {builtin_models_dir()} and is read-only")
    Path(info.path).unlink(missing_ok=True)
    Path(info.path).with_name(f"{info.name}.json").unlink(missing_ok=True)
    Path(info.path).with_name(f"{Path(info.path).stem}.charlm.json.gz").unlink(missing_ok=True)   # its LM
    return info


def fetch(identifier: str, *, name: str | None = None) -> ModelInfo:
    """Download a published kraken model by DOI (HTRMoPo/Zenodo) and register it.

    Offline (``DIGITIZER_OFFLINE=1``) it fails at once without touching the network; a failed
    download fails with one clear message.
    """
    hint = ("download the model file on a connected machine and run "
            "'digitizer models import FILE --name NAME'")
    if os.environ.get("DIGITIZER_OFFLINE", "").lower() in ("1", "true", "yes"):
        raise DigitizerError(f"cannot fetch {identifier}: offline mode (DIGITIZER_OFFLINE is set)", hint=hint)
    import tempfile

    from ..engines.kraken.tvcompat import ensure_torchvision

    ensure_torchvision()
    try:
        from htrmopo import get_model
    except ImportError as exc:   # pragma: no cover
        raise MissingDependencyError("kraken is not installed", hint="pip install 'digitizer[htr]'") from exc
    with tempfile.TemporaryDirectory() as tmp:
        try:
            model_dir = get_model(identifier, path=tmp)
        except Exception as exc:   # requests/htrmopo raise many different types
            first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise DigitizerError(f"cannot fetch {identifier}: no network or repository unreachable ({first})",
                                 hint=hint) from exc
        files = [p for p in Path(model_dir).rglob("*") if p.suffix in MODEL_SUFFIXES]
        if not files:
            raise DigitizerError(f"cannot fetch {identifier}: the record holds no kraken model file")
        return import_model(files[0], name=name or files[0].stem, source=f"doi:{identifier}")
