"""Grow a trained recognition model: keep its first layers and append new ones.

A small network that under-fits its data (the manuscript model read its own training lines at
24 % CER) gains capacity without starting from scratch: the convolutions and recurrent layers it
learnt are kept, the layers after ``keep`` are replaced by ``spec`` (kraken initialises them) and
the result is trained on as a base model (``digitizer train --base-model GROWN``).  kraken 7 has
the operation (``TorchVGSLModel.append``) but no command for it any more.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..fsutil import atomic_copy
from ..engines.kraken.tvcompat import ensure_torchvision


@dataclass
class GrownModel:
    path: Path
    base_spec: str
    spec: str
    kept_layers: int
    parameters: int


def _plain_spec(spec: str) -> str:
    """kraken's named spec (``Lbx{L_5}128``) without the layer names."""
    return re.sub(r"\{[^}]*\}", "", spec)


def grow_model(base: str | Path, keep: int, spec: str, out: str | Path, *, seed: int = 0) -> GrownModel:
    """Write ``out`` (safetensors): ``base``'s first ``keep`` layers, then the layers of ``spec``.

    ``spec`` is VGSL without the input block and with the output layer, e.g.
    ``"[Lbx128 Do0.1,2 O1c117]"``; the output size must be the base's (its codec is kept).
    ``seed`` makes the new layers' initialisation reproducible.
    """
    ensure_torchvision()
    import torch
    from kraken.models import load_models
    from kraken.models.writers import write_safetensors

    base, out = Path(base), Path(out)
    if not base.is_file():
        raise InputFileError(base, "model file not found")
    if out.exists():
        raise InputFileError(out, "exists already; choose another file name")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = load_models(base)[0]
    layers = len(net.nn)
    if not 1 <= keep < layers:
        raise ValueError(f"keep must be 1..{layers - 1}: {base.name} has {layers} layers ({_plain_spec(net.spec)})")
    if not (spec.startswith("[") and spec.endswith("]")):
        raise ValueError(f"spec must be in brackets, e.g. '[Lbx128 Do0.1,2 O1c117]': {spec!r}")
    base_spec = net.spec
    torch.manual_seed(seed)
    net.append(keep, spec)
    out_size = net.nn[-1].output_shape[1]
    if net.codec is not None and out_size != net.codec.max_label + 1:
        raise ValueError(f"the new output layer has {out_size} classes, the model's codec "
                         f"{net.codec.max_label + 1}: end spec with O1c{net.codec.max_label + 1}")
    # kraken writes to a path, not a stream: write in a scratch folder, then the project's atomic
    # copy (fsync, rename, no half-written model on a full disk or a crash)
    with tempfile.TemporaryDirectory(prefix="digitizer-grow-") as scratch:
        tmp = Path(scratch) / out.name
        write_safetensors([net], tmp)
        atomic_copy(tmp, out)
    return GrownModel(path=out, base_spec=_plain_spec(base_spec), spec=_plain_spec(net.spec),
                      kept_layers=keep, parameters=sum(p.numel() for p in net.nn.parameters()))
