"""``digitizer retrain PROJECT``: fine-tune a model on the project's corrected lines, CER before/after."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from ...errors import DigitizerError
from ..common import add_project_arg, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("retrain", help="fine-tune an HTR model on the project's corrected lines (CER before/after)",
                       description="Split the project's corrected/reviewed/approved pages into training and "
                                   "held-back pages, score --base-model on the held-back pages, fine-tune it on "
                                   "the others, score the new model on the same pages and store both CERs in "
                                   "the new model's registry entry. --check only reports how many corrected "
                                   "lines a retraining would add.")
    add_project_arg(p)
    p.add_argument("--base-model", help="registry name of the model to fine-tune (required unless --check)")
    p.add_argument("--name", help="name of the new model (default: BASE-rYYYYMMDDHHMM)")
    p.add_argument("--item", action="append", help="only lines of this item (repeatable)")
    p.add_argument("--check", action="store_true", help="only count the corrected lines available since the "
                                                        "model's last training and suggest the command")
    add_training_args(p)
    p.set_defaults(func=run)


def add_training_args(p: argparse.ArgumentParser) -> None:
    """Options shared with ``train --from-project``."""
    p.add_argument("--held-back", type=float, default=0.2, metavar="FRACTION",
                   help="share of the corrected lines (whole pages) kept out of training for CER before/after")
    p.add_argument("--time-limit", type=float, metavar="MIN", help="stop training after about this many minutes")
    p.add_argument("--epochs", type=int, default=50, help="maximum epochs (default 50)")
    p.add_argument("--patience", type=int, default=5, help="early stopping: epochs without CER improvement")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=0.002, help="learning rate (default 0.002)")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--spec", help="VGSL spec for a new model (ignored when fine-tuning)")
    p.add_argument("--overwrite", action="store_true", help="replace a registered model of the same name")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    if args.check:
        return _check(args)
    if not args.base_model:
        raise DigitizerError("retrain needs --base-model NAME",
                             hint="or train a new model with 'digitizer train --from-project PROJECT --name NEW'")
    name = args.name or f"{args.base_model}-r{time.strftime('%Y%m%d%H%M')}"
    return run_project_training(args, name=name, base_model=args.base_model)


def run_project_training(args: argparse.Namespace, *, name: str, base_model: str | None) -> int:
    """Train/fine-tune on ``args.project``'s corrected lines and print CER before/after (shared with train)."""
    from ...htr.project_data import retrain_from_project
    from .train import RichTrainProgress, sigint_cancels

    sink = RichTrainProgress(quiet=getattr(args, "quiet", False) or args.json)
    try:
        with sigint_cancels(sink) as cancel, open_store(args.project) as store:
            res = retrain_from_project(
                store, name=name, base_model=base_model, items=args.item, held_back=args.held_back,
                progress=sink, cancel=cancel, threads=args.threads, spec=None if base_model else args.spec,
                max_epochs=args.epochs, patience=args.patience, batch_size=args.batch_size, lr=args.lr,
                device=args.device, overwrite=args.overwrite,
                time_limit_s=args.time_limit * 60 if args.time_limit else None)
    finally:
        sink.finish()
    if args.json:
        print(json.dumps({"name": res.name, **res.evaluation, "model_path": res.train.model_path,
                          "val_cer": res.train.val_cer, "epochs": res.train.epochs}, ensure_ascii=False, indent=2))
        return 0
    before = "n/a (new model)" if res.cer_before is None else f"{res.cer_before:.2%}"
    print(f"model {res.name}: CER on {res.held_back_lines} held-back lines ({len(res.held_back_pages)} pages) "
          f"{before} -> {res.cer_after:.2%}; trained on {res.train_lines} lines, {res.train.epochs} epochs "
          f"(stopped: {res.train.stopped}); see 'digitizer models info {res.name}'")
    return 0


def _check(args: argparse.Namespace) -> int:
    from ...htr.project_data import check_retrain

    with open_store(args.project) as store:
        chk = check_retrain(store, model=args.base_model, items=args.item)
    if args.json:
        print(json.dumps(chk.__dict__, ensure_ascii=False, indent=2))
        return 0
    since = f"since {chk.model} was trained ({chk.last_trained})" if chk.last_trained else \
        "(no model was trained on this project yet)"
    print(f"{chk.new_lines} new corrected lines {since}; {chk.available_lines} corrected lines in all")
    model = chk.model or args.base_model
    if chk.new_lines == 0:
        print("nothing new to train on")
    elif model:
        print(f"{'retraining is recommended' if chk.recommended else 'you can retrain'}: "
              f"digitizer retrain {args.project} --base-model {model}")
    else:
        print(f"train a model on them: digitizer train --from-project {args.project} --name NEW "
              f"[--base-model NAME]")
    return 0
