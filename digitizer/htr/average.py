"""Average the weights of several checkpoints of one training run (one model, no extra cost).

Late in a run at a small learning rate, the validation error of successive checkpoints wanders by
about a point around a plateau (the manuscript model: 32.6-33.7 % over 20,000 steps).  The mean of
their weights usually sits nearer the middle of that basin than any one of them and reads better
than each (stochastic weight averaging, checkpoint averaging in machine translation); it costs
nothing at recognition time, unlike an ensemble that runs every model.

Only models that share a starting point make sense to average: checkpoints of one run, or runs
fine-tuned from the same model.  The network (VGSL spec) and the codec must be identical, which is
checked; that they share a starting point is the caller's knowledge (two independently trained
networks average to noise, which the validation CER would show at once).
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..fsutil import atomic_copy
from .grow import _plain_spec
from ..engines.kraken.tvcompat import ensure_torchvision


@dataclass
class AveragedModel:
    path: Path
    spec: str
    sources: list[str]
    parameters: int


def _load(path: Path, scratch: Path, threads: int):
    """A kraken network from a model file (.safetensors, .mlmodel) or a training checkpoint (.ckpt)."""
    from kraken.models import load_models

    if not path.is_file():
        raise InputFileError(path, "model file not found")
    if path.suffix == ".ckpt":
        from .train import _convert

        path = _convert(path, scratch / f"{len(list(scratch.iterdir()))}-{path.stem}.safetensors", threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return load_models(path)[0]
        except Exception as exc:  # kraken raises many kinds for a file that is not a model
            raise InputFileError(path, f"not a kraken recognition model ({exc.__class__.__name__})") from exc


def average_models(sources: list[str | Path], out: str | Path, *, threads: int = 1) -> AveragedModel:
    """Write ``out`` (safetensors): the element-wise mean of the weights of ``sources`` (model files
    or lightning checkpoints of ``digitizer train``), which must have the same network and codec.
    The first source gives everything else (codec, metadata, layer names)."""
    ensure_torchvision()
    import torch
    from kraken.models.writers import write_safetensors

    from ..engines.kraken._exec import torch_threads

    paths, out = [Path(s) for s in sources], Path(out)
    if len(paths) < 2:
        raise ValueError("give at least two models to average")
    if out.exists():
        raise InputFileError(out, "exists already; choose another file name")
    with tempfile.TemporaryDirectory(prefix="digitizer-avg-") as scratch, torch_threads(threads):
        nets = [_load(p, Path(scratch), threads) for p in paths]
        first = nets[0]
        for p, net in zip(paths[1:], nets[1:]):
            if net.spec != first.spec:
                raise InputFileError(p, f"another network than {paths[0].name}: {_plain_spec(net.spec)} vs "
                                          f"{_plain_spec(first.spec)}")
            if (net.codec.c2l if net.codec else None) != (first.codec.c2l if first.codec else None):
                raise InputFileError(p, f"another alphabet (codec) than {paths[0].name}")
        states = [net.nn.state_dict() for net in nets]
        mean = {}
        with torch.no_grad():
            for key, value in states[0].items():
                if value.is_floating_point():
                    mean[key] = torch.stack([s[key].to(torch.float64) for s in states]).mean(0).to(value.dtype)
                else:                      # counters (e.g. batch norm's) are not averaged
                    mean[key] = value
        first.nn.load_state_dict(mean)
        # kraken writes to a path: write in the scratch folder, then the atomic copy (fsync, rename)
        tmp = Path(scratch) / "averaged.safetensors"
        write_safetensors([first], tmp)
        atomic_copy(tmp, out)
    return AveragedModel(path=out, spec=first.spec, sources=[str(p) for p in paths],
                         parameters=sum(p.numel() for p in first.nn.parameters()))
