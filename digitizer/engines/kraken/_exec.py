"""Thin executor over kraken 7.1's task API: load (cached) models, segment a page, recognise lines.

Keyword-only arguments, no options objects, kraken types in and out; :mod:`.engine` maps them
onto the domain model.  ``ensure_torchvision()`` runs before the first kraken import.
"""

from __future__ import annotations

import contextlib
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Sequence

from PIL import Image

from ...errors import EngineError, MissingDependencyError
from ...fsutil import sha256_file
from .tvcompat import ensure_torchvision, safe_threads

_lock = threading.Lock()
_cache: dict[tuple[str, str], Any] = {}
_sha: dict[str, str] = {}


def kraken_version() -> str:
    try:
        from importlib.metadata import version

        return version("kraken")
    except Exception:   # pragma: no cover - metadata missing
        return "unknown"


def _import_kraken() -> None:
    ensure_torchvision()
    try:
        import kraken.tasks  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("kraken is not installed", hint="pip install 'digitizer[htr]'") from exc


def default_segmentation_model() -> Path:
    """The blla model shipped inside the kraken wheel."""
    ensure_torchvision()
    return Path(str(resources.files("kraken").joinpath("blla.mlmodel")))


def file_sha256(path: str | Path) -> str:
    key = str(Path(path).resolve())
    if key not in _sha:
        _sha[key] = sha256_file(key)
    return _sha[key]


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch intra-op threads (None: leave as is), clamped to ``$OMP_THREAD_LIMIT``."""
    import torch

    old = safe_threads(torch.get_num_threads())
    if n:
        torch.set_num_threads(safe_threads(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def load_segmenter(path: str | Path | None) -> Any:
    _import_kraken()
    from kraken.tasks import SegmentationTaskModel

    p = str(Path(path).resolve()) if path else str(default_segmentation_model())
    with _lock:
        if ("seg", p) not in _cache:
            try:
                _cache[("seg", p)] = SegmentationTaskModel.load_model(p)
            except (ValueError, OSError, KeyError) as exc:
                raise EngineError(f"cannot load kraken segmentation model {p}: {str(exc).splitlines()[0]}") from exc
        return _cache[("seg", p)]


def load_recognizer(path: str | Path) -> Any:
    _import_kraken()
    from kraken.tasks import RecognitionTaskModel

    p = str(Path(path).resolve())
    with _lock:
        if ("rec", p) not in _cache:
            try:
                _cache[("rec", p)] = RecognitionTaskModel.load_model(p)
            except (ValueError, OSError, KeyError) as exc:
                raise EngineError(f"cannot load kraken recognition model {p}: {str(exc).splitlines()[0]}") from exc
        return _cache[("rec", p)]


def segment(image: Image.Image, *, model_path: str | Path | None = None, threads: int | None = 1,
            text_direction: str = "horizontal-lr", height: int | None = None, bf16: bool = False) -> Any:
    """blla baseline segmentation of a whole page -> ``kraken.containers.Segmentation``.

    ``height``: the height the page is scaled to for the network (blla's default model: 1800 px);
    smaller is faster (network and polygon extraction scale with its square), coordinates come
    back in page pixels either way.  ``bf16``: run the network under bfloat16 autocast (only where
    :func:`bf16_fast` says the CPU has native bfloat16 matrix units; ignored otherwise).
    """
    from kraken.configs import SegmentationInferenceConfig

    task = load_segmenter(model_path)
    cfg = SegmentationInferenceConfig(text_direction=text_direction, num_threads=threads or 1)
    with torch_threads(threads), _input_height(task, height), _autocast_bf16(bf16 and bf16_fast()):
        try:
            return task.predict(image, cfg)
        except Exception as exc:   # kraken raises many types for odd pages
            raise EngineError(f"kraken segmentation failed: {str(exc).splitlines()[0] if str(exc) else exc!r}") from exc


def bf16_fast() -> bool:
    """True where the CPU computes bfloat16 natively (AVX512-BF16 / AMX: Xeon since Cooper/Sapphire
    Lake, recent EPYC).  Elsewhere bfloat16 is emulated and slower than float32."""
    ensure_torchvision()
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


@contextlib.contextmanager
def _autocast_bf16(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


@contextlib.contextmanager
def _input_height(task: Any, height: int | None) -> Iterator[None]:
    """Temporarily set the network input height of the task's segmentation nets."""
    nets = list(getattr(task, "seg_models", []) or []) if height else []
    saved = [net.input for net in nets]
    try:
        for net in nets:
            b, c, _, w = net.input
            net.input = (b, c, int(height), w)
        yield
    finally:
        for net, inp in zip(nets, saved):
            net.input = inp


def _rec_config(threads: int | None, decoder: Any = None) -> Any:
    from kraken.configs import RecognitionInferenceConfig

    extra = {"decoder": decoder} if decoder is not None else {}
    return RecognitionInferenceConfig(num_line_workers=0, num_threads=threads or 1, **extra)


def load_lm(path: str | Path) -> Any:
    """A character language model file (cached per process, like the models)."""
    from .charlm import CharLM

    p = str(Path(path).resolve())
    with _lock:
        if ("lm", p) not in _cache:
            _cache[("lm", p)] = CharLM.load(p)
        return _cache[("lm", p)]


def lm_decoder(model_path: str | Path, lm: Any, *, alpha: float, beta: float, beam: int) -> Any:
    """kraken decoder running the CTC beam search with ``lm`` for the recognition model's codec."""
    from .charlm import kraken_decoder

    codec = load_recognizer(model_path).net.codec
    l2c = {k[0]: v for k, v in codec.l2c.items() if len(k) == 1}
    return kraken_decoder(l2c, lm, alpha=alpha, beta=beta, beam=beam)


def recognize_crop(crop: Image.Image, *, model_path: str | Path, threads: int | None = 1, decoder: Any = None) -> Any:
    """Recognise one pre-cut line image (the whole image is the line) -> ``ocr_record``."""
    from kraken.containers import BBoxLine, Segmentation

    task = load_recognizer(model_path)
    seg = Segmentation(type="bbox", imagename="", text_direction="horizontal-lr", script_detection=False,
                       lines=[BBoxLine(id="l", bbox=(0, 0, crop.width, crop.height))])
    with torch_threads(threads):
        return next(iter(task.predict(crop, seg, _rec_config(threads, decoder))))


def recognize_baselines(image: Image.Image, lines: Sequence[tuple[str, list, list]], *, model_path: str | Path,
                        threads: int | None = 1, decoder: Any = None) -> Iterator[Any]:
    """Recognise ``(id, baseline, boundary)`` lines on a page with a baseline model; yields per line."""
    from kraken.containers import BaselineLine, Segmentation

    task = load_recognizer(model_path)
    bl = [BaselineLine(id=i, baseline=[(int(x), int(y)) for x, y in b], boundary=[(int(x), int(y)) for x, y in p])
          for i, b, p in lines]
    seg = Segmentation(type="baselines", imagename="", text_direction="horizontal-lr", script_detection=False,
                       lines=bl)
    with torch_threads(threads):
        yield from task.predict(image, seg, _rec_config(threads, decoder))


def recognizer_seg_type(model_path: str | Path) -> str:
    task = load_recognizer(model_path)
    return str(task.seg_type or "bbox")
