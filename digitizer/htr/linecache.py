"""Keep kraken's prepared line tensors in memory between epochs.

kraken's ``GroundTruthDataset`` opens, crops and normalises every line image again on every epoch.
The normalisation (``CenterNormalizer``: a Gaussian filter over the whole line) is deterministic
and, with the small CPU net, takes more time than forward + backward + optimiser step together:
about half of a training step at batch 1 on one thread (py-spy, 2026-12-01). Without augmentation
the result is the same every epoch, so it is computed once and kept, up to a memory budget.

``install(max_bytes)`` patches ``GroundTruthDataset.__getitem__`` once per process. A dataset with
augmentation is never cached (each epoch must see new variants), and an entry is dropped when the
dataset re-encodes its lines (a new codec after a resize), so what is returned is what kraken would
have computed.  ``DIGITIZER_LINE_CACHE_MB`` overrides the budget (0 turns the cache off).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from ..engines.kraken.tvcompat import ensure_torchvision

DEFAULT_MB = 3072
_lock = threading.Lock()
_state: dict[str, Any] = {"installed": False, "max_bytes": DEFAULT_MB << 20, "used": 0}


def budget_bytes(default_mb: int = DEFAULT_MB) -> int:
    raw = os.environ.get("DIGITIZER_LINE_CACHE_MB", "").strip()
    try:
        return max(0, int(raw)) << 20 if raw else default_mb << 20
    except ValueError:
        return default_mb << 20


def _nbytes(sample: Any) -> int:
    im: Any = sample.get("image") if isinstance(sample, dict) else None
    try:
        return int(im.element_size() * im.nelement())
    except AttributeError:
        return 0


def install(max_bytes: int | None = None) -> None:
    """Cache prepared lines of every non-augmenting ``GroundTruthDataset`` in this process."""
    ensure_torchvision()
    from kraken.lib.dataset.recognition import GroundTruthDataset

    with _lock:
        _state["max_bytes"] = budget_bytes() if max_bytes is None else max_bytes
        if _state["installed"]:
            return
        original = GroundTruthDataset.__getitem__

        def __getitem__(self: Any, index: int) -> Any:
            if self.aug is not None or _state["max_bytes"] <= 0:
                return original(self, index)
            cache = self.__dict__.setdefault("_digitizer_line_cache", {})
            item = self.training_set[index]
            hit = cache.get(index)
            if hit is not None and hit[0] is item:      # same encoded line as when it was cached
                return dict(hit[1])
            sample = original(self, index)
            size = _nbytes(sample)
            with _lock:
                if hit is not None:
                    _state["used"] -= hit[2]
                if size and _state["used"] + size <= _state["max_bytes"]:
                    cache[index] = (item, dict(sample), size)
                    _state["used"] += size
            return sample

        GroundTruthDataset.__getitem__ = __getitem__
        _state["installed"] = True


def used_bytes() -> int:
    return int(_state["used"])
