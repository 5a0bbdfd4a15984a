"""``digitizer average-models``: the mean of the weights of checkpoints of one training run."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("average-models", help="average the weights of checkpoints of one training run",
                       description="Write OUT: the element-wise mean of the weights of MODEL... (registry names, "
                                   "model files or the .ckpt checkpoints of digitizer train), which must share "
                                   "network and alphabet. Average checkpoints of one run (or of runs fine-tuned "
                                   "from one model), late in training: the mean usually reads better than each, "
                                   "at no cost when recognising. Check it with train-lm --retune or evaluate "
                                   "before you use it.")
    p.add_argument("out", help="new model file (.safetensors); must not exist")
    p.add_argument("models", nargs="+", metavar="MODEL", help="two or more registry names, model files or .ckpt")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from ...errors import ExitCode
    from ...htr import registry
    from ...htr.average import average_models

    if len(args.models) < 2:
        print("digitizer: error: give at least two models to average", file=sys.stderr)
        return ExitCode.USAGE
    paths = [m if Path(m).suffix in (".ckpt", ".safetensors", ".mlmodel") or Path(m).is_file()
             else str(registry.resolve(m).path) for m in args.models]
    res = average_models(paths, args.out, threads=args.threads)
    if args.json:
        print(json.dumps({**asdict(res), "path": str(res.path)}, ensure_ascii=False, indent=1))
        return 0
    print(f"{res.path}: mean of {len(res.sources)} models ({res.parameters:,} parameters)")
    return 0
