"""Thin executor for the ``tesseract`` command line: version/language checks with install hints,
one run with a timeout and cancellation, TSV parsing.  Keyword-only arguments, no options objects.

Why the CLI (``subprocess``) and not tesserocr: it uses the OS tesseract and its tessdata (the one
operators install, and the baseline the benchmark compares against), runs isolated (a crash or hang
of the C library cannot take the worker down; timeout and cancel kill the process) and needs a
per-call environment (``OMP_THREAD_LIMIT=1``) and binary path that pytesseract's module globals do
not give thread-safely.  tesserocr 2.13 (bundling tesseract 5.5.4) saves ~0.1 s per call of model
loading; see ``benchmarks/bench_ocr_backend.py``.
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ...errors import CancelledError, EngineError, MissingDependencyError

DEFAULT_CMD = "tesseract"
INSTALL_HINT = "install it with: sudo apt install tesseract-ocr tesseract-ocr-eng"


@dataclass(frozen=True)
class TsvRow:
    """One row of tesseract's TSV output (levels: 1 page, 2 block, 3 paragraph, 4 line, 5 word)."""

    level: int
    page: int
    block: int
    par: int
    line: int
    word: int
    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str


def language_package(lang: str) -> str:
    """Debian/Ubuntu package holding a tesseract language (``chi_sim`` -> ``tesseract-ocr-chi-sim``)."""
    return "tesseract-ocr-" + lang.lower().replace("_", "-").replace("/", "-")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    return env


def _run_quick(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, timeout=30, env=_env(), check=False)
    except FileNotFoundError:
        raise MissingDependencyError(f"tesseract not found ({argv[0]!r})", hint=INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise EngineError(f"{' '.join(argv)} did not answer within 30 s") from None
    if out.returncode != 0:
        raise EngineError(f"{' '.join(argv)} failed: {out.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    return (out.stdout + out.stderr).decode("utf-8", "replace")


@functools.lru_cache(maxsize=8)
def version(*, cmd: str = DEFAULT_CMD) -> str:
    """Tesseract version string, e.g. ``5.3.0``."""
    first = _run_quick([cmd, "--version"]).strip().splitlines()[0]
    return first.split()[-1].lstrip("v")


@functools.lru_cache(maxsize=8)
def languages(*, cmd: str = DEFAULT_CMD, tessdata_dir: str | None = None) -> tuple[str, ...]:
    """Installed languages (traineddata names), sorted."""
    argv = [cmd, "--list-langs"] + (["--tessdata-dir", tessdata_dir] if tessdata_dir else [])
    lines = _run_quick(argv).strip().splitlines()
    return tuple(sorted(ln.strip() for ln in lines[1:] if ln.strip()))


def check(*, langs: Sequence[str], cmd: str = DEFAULT_CMD, tessdata_dir: str | None = None) -> str:
    """Raise MissingDependencyError unless tesseract and every language in ``langs`` are installed.

    Returns the version.
    """
    ver = version(cmd=cmd)
    if int(ver.split(".")[0]) < 4:
        raise MissingDependencyError(f"tesseract {ver} is too old (need 4 or newer)", hint=INSTALL_HINT)
    have = languages(cmd=cmd, tessdata_dir=tessdata_dir)
    missing = [lang for lang in langs if lang not in have]
    if missing:
        pkgs = " ".join(language_package(m) for m in missing)
        raise MissingDependencyError(
            f"tesseract language(s) not installed: {', '.join(missing)} (installed: {', '.join(have) or 'none'})",
            hint=f"install with: sudo apt install {pkgs}")
    return ver


def parse_tsv(text: str) -> list[TsvRow]:
    """Parse tesseract TSV; skips the header and non-row lines (``Page N : file`` for list inputs)."""
    rows = []
    for raw in text.splitlines():
        parts = raw.split("\t")
        if len(parts) < 11 or not parts[0].isdigit():
            continue
        nums = [int(p) for p in parts[:10]]
        rows.append(TsvRow(*nums, conf=float(parts[10]), text=parts[11] if len(parts) > 11 else ""))
    return rows


def _save_input(image: Image.Image, folder: Path, name: str) -> Path:
    """Write ``image`` as an uncompressed TIFF (fast to write and to read) for tesseract."""
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    path = folder / f"{name}.tif"
    image.save(path, format="TIFF")
    return path


def _communicate(proc: subprocess.Popen, *, timeout: float,
                 cancelled: Callable[[], bool] | None) -> tuple[bytes, bytes]:
    """Wait for ``proc``; kill it on timeout or cancellation."""
    deadline = time.monotonic() + timeout
    while True:
        step = min(0.25, max(0.01, deadline - time.monotonic()))
        try:
            return proc.communicate(timeout=step)
        except subprocess.TimeoutExpired:
            if cancelled is not None and cancelled():
                proc.kill()
                proc.communicate()
                raise CancelledError() from None
            if time.monotonic() >= deadline:
                proc.kill()
                proc.communicate()
                raise EngineError(f"tesseract timed out after {timeout:g} s",
                                  hint="raise the timeout or check the image size") from None


def build_argv(*, inp: str, langs: Sequence[str], psm: int | None = None, oem: int | None = None,
               dpi: int | None = None, config: Mapping[str, object] | None = None,
               tessdata_dir: str | None = None, cmd: str = DEFAULT_CMD) -> list[str]:
    """The tesseract command line writing TSV to stdout."""
    argv = [cmd, inp, "stdout", "-l", "+".join(langs) or "eng"]
    if tessdata_dir:
        argv += ["--tessdata-dir", tessdata_dir]
    if psm is not None:
        argv += ["--psm", str(int(psm))]
    if oem is not None:
        argv += ["--oem", str(int(oem))]
    if dpi:
        argv += ["--dpi", str(int(round(dpi)))]
    for key, value in (config or {}).items():
        argv += ["-c", f"{key}={value}"]
    return argv + ["tsv"]


def run_tsv(*, images: Sequence[Image.Image | Path], langs: Sequence[str], psm: int | None = None,
            oem: int | None = None, dpi: int | None = None, config: Mapping[str, object] | None = None,
            tessdata_dir: str | None = None, timeout: float = 300.0, cmd: str = DEFAULT_CMD,
            cancelled: Callable[[], bool] | None = None) -> list[TsvRow]:
    """Recognise one or more images in ONE tesseract process; rows carry ``page`` = 1-based image index.

    Several images go through a list file, so the model is loaded once (used for line crops).
    """
    with tempfile.TemporaryDirectory(prefix="digitizer-tess-") as tmp:
        folder = Path(tmp)
        paths = [im if isinstance(im, Path) else _save_input(im, folder, f"in{i:05d}") for i, im in enumerate(images)]
        if len(paths) == 1:
            inp = str(paths[0])
        else:
            (folder / "list.txt").write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
            inp = str(folder / "list.txt")
        argv = build_argv(inp=inp, langs=langs, psm=psm, oem=oem, dpi=dpi, config=config,
                          tessdata_dir=tessdata_dir, cmd=cmd)
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
        except FileNotFoundError:
            raise MissingDependencyError(f"tesseract not found ({cmd!r})", hint=INSTALL_HINT) from None
        out, err = _communicate(proc, timeout=timeout, cancelled=cancelled)
    if proc.returncode != 0:
        msg = err.decode("utf-8", "replace").strip().splitlines()
        raise EngineError(f"tesseract failed (exit {proc.returncode}): {msg[-1] if msg else 'no message'}")
    return parse_tsv(out.decode("utf-8", "replace"))
