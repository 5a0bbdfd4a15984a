"""``digitizer retrain PROJECT``: fine-tune a model on the project's corrected lines, CER before/after."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from ...errors import DigitizerError
from ..common import add_project_arg, open_store
from ..training import add_training_args, run_project_training


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


def run(args: argparse.Namespace) -> int:
    if args.check:
        return _check(args)
    if not args.base_model:
        raise DigitizerError("retrain needs --base-model NAME",
                             hint="or train a new model with 'digitizer train --from-project PROJECT --name NEW'")
    name = args.name or f"{args.base_model}-r{time.strftime('%Y%m%d%H%M')}"
    return run_project_training(args, name=name, base_model=args.base_model)


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
