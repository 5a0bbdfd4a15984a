"""``digitizer grow-model``: a trained recognition model with new layers on top, to train on."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("grow-model", help="keep a model's first layers, append new ones (more capacity)",
                       description="Write OUT: the first --keep layers of MODEL with their trained weights, then "
                                   "the layers of --spec, newly initialised. Train on it as a base model "
                                   "(digitizer train --base-model OUT ...): a small model that under-fits its "
                                   "data gains capacity without starting from scratch.")
    p.add_argument("model", help="registry name or model file")
    p.add_argument("out", help="new model file (.safetensors); must not exist")
    p.add_argument("--keep", type=int, required=True, help="layers of MODEL kept (from the first)")
    p.add_argument("--spec", required=True,
                   help="VGSL of the new layers, output layer included, e.g. '[Lbx128 Do0.1,2 O1c117]'")
    p.add_argument("--seed", type=int, default=0, help="seed of the new layers' initialisation")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ...htr import registry
    from ...htr.grow import grow_model

    info = registry.resolve(args.model)
    try:
        res = grow_model(info.path, args.keep, args.spec, args.out, seed=args.seed)
    except ValueError as exc:
        import sys

        from ...errors import ExitCode
        print(f"digitizer: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    if args.json:
        print(json.dumps({**asdict(res), "path": str(res.path)}, ensure_ascii=False, indent=1))
        return 0
    print(f"{res.path}: {res.spec} ({res.parameters:,} parameters; {res.kept_layers} layers kept from {info.name})")
    return 0
