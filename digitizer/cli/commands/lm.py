"""``digitizer train-lm``: the character language model that decodes a recognition model's output."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("train-lm", help="build and tune the character language model of an HTR model",
                       description="Count an order-N character language model on the training lines of a line "
                                   "folder (images + .gt.txt, split by split.tsv), recognise the validation lines "
                                   "once with MODEL, pick the decoding weights with the lowest CER and write "
                                   "MODEL's NAME.charlm.json.gz beside it (or --out). kraken then decodes that "
                                   "model's lines with a beam search using it; 'lm = false' in a profile's "
                                   "recognition options turns it off.")
    p.add_argument("model", help="registry name or model file")
    p.add_argument("--from-folder", required=True, metavar="DIR", help="line images with .gt.txt files")
    p.add_argument("--split-tsv", metavar="FILE", help="train/validation split (default: the folder's split.tsv)")
    p.add_argument("--text", action="append", default=[], metavar="FILE",
                   help="a UTF-8 text file counted as well (one line of writing per line: transcriptions "
                        "without images of the same period; repeatable)")
    p.add_argument("--order", type=int, default=8, help="characters of context + 1 (default 8)")
    p.add_argument("--out", metavar="FILE", help="where to write it (default: beside the model file)")
    p.add_argument("--max-val-lines", type=int, default=400, help="validation lines used for tuning (0 = all)")
    p.add_argument("--source", default="", help="citation of the training text, kept in the file")
    p.add_argument("--beam", type=int, default=None,
                   help="beam width to tune the weights for (default 32; wider: a little better, slower)")
    p.add_argument("--retune", action="store_true",
                   help="keep the counts of the language model already there, only tune its weights again")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ...htr import registry
    from ...htr.lm import train_lm
    from ..common import make_progress

    info = registry.resolve(args.model)
    res = train_lm(info.path, args.from_folder, split_tsv=args.split_tsv, order=args.order, out=args.out,
                   max_val_lines=args.max_val_lines, threads=args.threads, source=args.source,
                   beam=args.beam, retune=args.retune, texts=args.text, progress=make_progress(args))
    if not args.out and not info.read_only and info.name:
        # the Models dialog and 'models info' show it with the model's training facts
        info.training = {**(info.training or {}), "language_model": (
            f"{Path(res.path).name}: order {res.order}, beam {res.beam}, alpha {res.alpha}, beta {res.beta}; "
            f"validation CER greedy {res.greedy_cer:.2%} -> {res.lm_cer:.2%} ({res.val_lines} lines)")}
        registry.update(info)
    if args.json:
        print(json.dumps(asdict(res), ensure_ascii=False, indent=1))
        return 0
    print(f"{res.path}: order {res.order}, {res.contexts} contexts from {res.train_lines} training lines")
    print(f"validation ({res.val_lines} lines): greedy CER {res.greedy_cer:.2%} -> with the LM {res.lm_cer:.2%} "
          f"(alpha {res.alpha}, beta {res.beta}, beam {res.beam})")
    return 0
