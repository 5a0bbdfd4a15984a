"""What ``digitizer train`` and ``digitizer retrain`` share: progress bar, Ctrl+C, project training.

(Kept out of the command modules so that neither command imports the other.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import time
from typing import Any, Iterator

from ..progress import CancelToken
from .common import open_store


class RichTrainProgress:
    """ProgressSink with a rich bar (lines trained, ETA to the epoch limit) and epoch messages."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._progress: Any = None
        self._task: Any = None
        self.t0 = time.monotonic()

    def start(self, total: int | None, desc: str = "") -> None:
        if self.quiet:
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                  transient=False)
        self._progress.start()
        self._task = self._progress.add_task(desc, total=total)

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def message(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text)
        elif not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextlib.contextmanager
def sigint_cancels(sink) -> Iterator[CancelToken]:
    """Ctrl+C cancels training after the current batch (checkpoint kept); a second Ctrl+C aborts."""
    cancel = CancelToken()

    def on_sigint(signum: int, frame: Any) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        sink.message("cancelling after the current batch (press Ctrl+C again to abort) ...")
        cancel.cancel()

    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, old)


def add_training_args(p: argparse.ArgumentParser) -> None:
    """Options shared with ``train --from-project``."""
    p.add_argument("--held-back", type=float, default=0.2, metavar="FRACTION",
                   help="share of the corrected lines (whole pages) kept out of training for CER before/after; "
                        "0: none (no before/after score)")
    p.add_argument("--held-back-page", action="append", metavar="ITEM/SEQ",
                   help="hold back exactly this page (repeatable; overrides --held-back)")
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
    p.add_argument("--wait", action="store_true",
                   help="when another process holds the project lock, wait for it instead of refusing")


def _waiting(args: argparse.Namespace) -> Any:
    """``on_wait`` for the project lock: one line on stderr naming the holder."""
    from ..lock import describe

    def tell(holder: Any) -> None:
        if not (getattr(args, "quiet", False) or getattr(args, "json", False)):
            print(f"waiting for the project lock held by {describe(holder)}", file=sys.stderr)
    return tell


def run_project_training(args: argparse.Namespace, *, name: str, base_model: str | None) -> int:
    """Train/fine-tune on ``args.project``'s corrected lines and print CER before/after (shared with train)."""
    from ..htr import overview
    from ..htr.project_data import retrain_from_project

    sink = RichTrainProgress(quiet=getattr(args, "quiet", False) or args.json)
    try:
        with sigint_cancels(sink) as cancel, open_store(args.project) as store:
            res = retrain_from_project(
                store, name=name, base_model=base_model, items=args.item,
                held_back=getattr(args, "held_back_page", None) or args.held_back,
                progress=sink, cancel=cancel, threads=args.threads, spec=None if base_model else args.spec,
                max_epochs=args.epochs, patience=args.patience, batch_size=args.batch_size, lr=args.lr or 0.002,
                device=args.device, overwrite=args.overwrite, wait=getattr(args, "wait", False),
                on_wait=_waiting(args),
                time_limit_s=args.time_limit * 60 if args.time_limit else None)
    finally:
        sink.finish()
    if args.json:
        print(json.dumps({"name": res.name, **res.evaluation, "model_path": res.train.model_path,
                          "val_cer": res.train.val_cer, "epochs": res.train.epochs}, ensure_ascii=False, indent=2))
        return 0
    if res.cer_after is None:
        scored = "no pages held back, so no before/after score"
    else:
        before = "n/a (new model)" if res.cer_before is None else f"{res.cer_before:.2%}"
        scored = (f"CER on the same {res.held_back_lines} held-back lines ({len(res.held_back_pages)} pages): "
                  f"base {before} -> new {res.cer_after:.2%}")
        if res.evaluation.get("difference"):
            scored += f", new - base {overview.difference_text(res.evaluation)}"
    print(f"model {res.name}: {scored}; trained on {res.train_lines} lines, {res.train.epochs} epochs "
          f"(stopped: {res.train.stopped}); see 'digitizer models info {res.name}'")
    return 0
