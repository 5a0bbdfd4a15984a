"""``digitizer train``: train or fine-tune a kraken recognition model; Ctrl+C cancels, keeping the checkpoint."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ...errors import DigitizerError


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="train or fine-tune a kraken HTR model on line images or ALTO/PAGE",
                       description="Train a kraken recognition model (or fine-tune --base-model) on lines from a "
                                   "folder of images + .gt.txt (split by split.tsv or by page prefix) or from "
                                   "ALTO/PAGE files with their images (split by page). The best model by "
                                   "validation CER is registered under --name.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--from-folder", metavar="DIR", help="line images with .gt.txt files (e.g. train-htr)")
    src.add_argument("--from-xml", metavar="FILE", nargs="+",
                     help="ALTO or PAGE XML files; images as named in them or with the same stem, beside them "
                          "or in --images")
    p.add_argument("--images", metavar="DIR", help="with --from-xml: folder of the page images")
    src.add_argument("--from-project", metavar="PROJECT",
                     help="the corrected/reviewed/approved lines of a project; CER before/after on held-back pages")
    p.add_argument("--item", action="append", help="with --from-project: only this item (repeatable)")
    p.add_argument("--wait", action="store_true",
                   help="with --from-project: when another process holds the project lock, wait for it")
    p.add_argument("--held-back", type=float, default=0.2, metavar="FRACTION",
                   help="with --from-project: share of lines (whole pages) kept out for CER before/after; 0: none")
    p.add_argument("--held-back-page", action="append", metavar="ITEM/SEQ",
                   help="with --from-project: hold back exactly this page (repeatable)")
    p.add_argument("--split-tsv", metavar="FILE", help="train/validation split (columns id, split, source_page)")
    p.add_argument("--val-fraction", type=float, default=0.1, help="validation share when no split.tsv (by page)")
    p.add_argument("--name", required=True, help="registry name of the new model, e.g. poilus-fr-v1")
    p.add_argument("--base-model", help="registry name or file of a model to fine-tune")
    p.add_argument("--spec", help="VGSL spec for a new model (default: a small CPU-friendly net)")
    p.add_argument("--epochs", type=int, default=50, help="maximum epochs (default 50)")
    p.add_argument("--min-epochs", type=int, default=0)
    p.add_argument("--patience", type=int, help="early stopping: validations without CER improvement "
                   "(default 5; with --resume: the checkpoint's unless given)")
    p.add_argument("--time-limit", type=float, metavar="MIN", help="stop after about this many minutes")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (default 0.002; with --resume: the checkpoint's unless given)")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--augment", action="store_true", help="image augmentation during training")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="data-loading processes (default 0: in the training process; on a GPU a few keep it fed)")
    p.add_argument("--checkpoint-dir", help="where checkpoints go (default: <models dir>/.training/NAME)")
    p.add_argument("--resume", nargs="?", const=True, default=False, metavar="CHECKPOINT",
                   help="continue where training stopped: from CHECKPOINT (a .ckpt file) or, alone, from the "
                        "newest checkpoint of --name / --checkpoint-dir")
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimiser steps in all")
    p.add_argument("--val-every", type=int, metavar="STEPS", help="validate every STEPS steps (default: each epoch)")
    p.add_argument("--checkpoint-every", type=int, default=200, metavar="STEPS",
                   help="write last.ckpt every STEPS steps (default 200, a few minutes on CPU)")
    p.add_argument("--register-checkpoint", metavar="DIR",
                   help="register the best checkpoint of a stopped or killed run in DIR as --name, then exit")
    p.add_argument("--overwrite", action="store_true", help="replace a registered model of the same name")
    p.add_argument("--language", default="", help="e.g. fr")
    p.add_argument("--script", default="", help="ISO 15924, e.g. Latn")
    p.add_argument("--licence", default="", help="licence of the training data / model")
    p.add_argument("--source", default="", help="citation of the training data")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def _samples(args: argparse.Namespace) -> tuple[list, list, str]:
    from ...htr.datasets import load_folder, load_xml, split_by_page

    if args.from_folder:
        tr, va = load_folder(args.from_folder, args.split_tsv, args.val_fraction)
        return tr, va, f"folder {args.from_folder}" + (f" (split {args.split_tsv})" if args.split_tsv else "")
    samples = load_xml(args.from_xml, images_dir=args.images)
    tr, va = split_by_page(samples, args.val_fraction)
    return tr, va, f"{len(args.from_xml)} ALTO/PAGE files"


def run(args: argparse.Namespace) -> int:
    from ...htr.train import train

    if args.from_project:
        from ..training import run_project_training

        args.project = args.from_project
        return run_project_training(args, name=args.name, base_model=args.base_model)

    if args.register_checkpoint:
        from ...htr.train import register_checkpoint

        res = register_checkpoint(args.register_checkpoint, args.name, language=args.language, script=args.script,
                                  licence=args.licence, source=args.source, spec=args.spec,
                                  data_source=f"checkpoint {args.register_checkpoint}")
        _print_result(args, res)
        return 0
    if not args.resume and not (args.from_folder or args.from_xml):
        raise DigitizerError("nothing to train on", hint="give --from-folder DIR or --from-xml FILES (or --resume)")
    tr, va, desc = ([], [], "resumed") if args.resume else _samples(args)
    from ..training import RichTrainProgress, sigint_cancels

    sink = RichTrainProgress(quiet=args.quiet or args.json)
    with sigint_cancels(sink) as cancel:
        try:
            res = train(tr, va, output_name=args.name, base_model=args.base_model, spec=args.spec,
                        max_epochs=args.epochs, min_epochs=args.min_epochs,
                        patience=5 if args.patience is None else args.patience,
                        batch_size=args.batch_size, lr=args.lr or 0.002, device=args.device, threads=args.threads,
                        time_limit_s=args.time_limit * 60 if args.time_limit else None, progress=sink,
                        cancel=cancel, checkpoint_dir=args.checkpoint_dir, resume=args.resume,
                        overwrite=args.overwrite, augment=args.augment, language=args.language,
                        script=args.script, licence=args.licence, source=args.source, data_source=desc,
                        max_steps=args.max_steps, val_every_steps=args.val_every,
                        checkpoint_every_steps=args.checkpoint_every, resume_lr=args.lr if args.resume else None,
                        resume_patience=args.patience if args.resume else None, workers=args.workers)
        except DigitizerError:
            sink.finish()
            raise
    _print_result(args, res)
    return 0


def _print_result(args: argparse.Namespace, res: Any) -> None:
    from ...htr.train import result_to_dict

    if args.json:
        print(json.dumps(result_to_dict(res), ensure_ascii=False, indent=2))
    else:
        print(f"model {res.name}: validation CER {res.val_cer:.2%} after {res.epochs} epochs "
              f"(best epoch {res.best_epoch}, stopped: {res.stopped}, {res.lines_per_s} lines/s); "
              f"file {res.model_path}")
