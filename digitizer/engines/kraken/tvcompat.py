"""torchvision beside a CPU-only torch build: declare the two native op schemas it needs.

PyPI's torchvision 0.28 wheel is linked against CUDA torch; next to the CPU torch its
``_C.so`` fails to load and ``import torchvision`` dies in ``torchvision::nms``.  kraken only
uses the pure-Python parts (transforms, tv_tensors), so declaring the op schemas is enough.
Where the native library loads, this is a no-op.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_state: dict[str, Any] = {"done": False, "native": False, "lib": None}


def _native_library() -> Path | None:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        so = Path(loc) / "_C.so"
        if so.exists():
            return so
    return None


def omp_thread_limit() -> int | None:
    """``$OMP_THREAD_LIMIT`` as an int (None when unset or invalid)."""
    try:
        v = int(os.environ.get("OMP_THREAD_LIMIT", ""))
    except ValueError:
        return None
    return v if v > 0 else None


def safe_threads(n: int | None) -> int:
    """``n`` torch threads clamped to ``$OMP_THREAD_LIMIT``.

    With OMP_THREAD_LIMIT=1 (set for tesseract) and more torch threads than that, OpenBLAS's
    LAPACK calls (``torch.linalg.qr`` in kraken's orthogonal weight init) spin forever -- measured
    with torch 2.13 CPU.  Every torch/kraken call in digitizer goes through this clamp.
    """
    n = max(1, int(n or 1))
    limit = omp_thread_limit()
    return min(n, limit) if limit else n


def clamp_torch_threads() -> None:
    """Lower torch's global thread count to ``$OMP_THREAD_LIMIT`` if it is above it."""
    import torch

    if torch.get_num_threads() != safe_threads(torch.get_num_threads()):
        torch.set_num_threads(safe_threads(torch.get_num_threads()))


def ensure_torchvision() -> bool:
    """Make ``import torchvision`` work. True if its native ops loaded, False if shimmed.

    Idempotent and thread-safe; call it before any ``import kraken``.
    """
    with _lock:
        clamp_torch_threads()
        if _state["done"]:
            return bool(_state["native"])
        import torch

        so = _native_library()
        native = False
        if so is not None:
            try:
                torch.ops.load_library(str(so))
                native = True
            except (OSError, ImportError, RuntimeError):
                native = False
        if not native:
            lib = torch.library.Library("torchvision", "DEF")
            lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            _state["lib"] = lib          # keep the library object alive
        _state.update(done=True, native=native)
        return native
