"""Train or fine-tune a kraken recognition model in-process (lightning), from line samples.

``train(samples_train, samples_val, output_name=...)`` is the one entry point; the CLI, the
project store ("train from corrected lines") and the GUI all call it.  It reports progress
to a :class:`~digitizer.progress.ProgressSink`, stops on a :class:`~digitizer.progress.CancelToken`
(checkpoint kept, ``resume=True`` continues), stops early on validation CER, honours a time
limit, checkpoints every epoch and registers the best model with its validation CER.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import CancelledError, DigitizerError, EngineError, InputFileError
from ..engines.kraken.charlm import lm_path_for
from ..fsutil import atomic_copy, atomic_write_text
from ..model import utcnow
from ..progress import CancelToken, NullProgress, ProgressSink
from . import linecache, registry
from ..engines.kraken.tvcompat import ensure_torchvision, safe_threads
from .datasets import LineSample, summarize

# small VGSL net: ~20 s/epoch for 200 lines on 2 CPU cores (TOOLCHAIN.md §3)
DEFAULT_SPEC = "[1,48,0,1 Cr3,3,32 Mp2,2 Cr3,3,64 Mp2,2 S1(1x0)1,3 Lbx128 Do0.1,2 Lbx128 Do]"
log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    model_path: str
    name: str
    val_cer: float
    epochs: int                       # epochs completed
    best_epoch: int
    lines_per_s: float                # training throughput (forward + backward), lines per second
    seconds: float
    stopped: str                      # early | max_epochs | time_limit
    checkpoint_dir: str
    history: list[dict[str, Any]] = field(default_factory=list)
    info: registry.ModelInfo | None = None


def default_checkpoint_dir(name: str) -> Path:
    return registry.user_models_dir() / ".training" / name


def _device(device: str) -> tuple[str, str]:
    """("cpu"|"gpu", label) for lightning; "auto" picks CUDA when present."""
    import torch

    if device in ("auto", "", None):
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise EngineError("device 'cuda' requested but torch sees no CUDA GPU", hint="use --device cpu")
        return "gpu", "cuda"
    return "cpu", "cpu"


def _materialize(samples: Sequence[LineSample], out_dir: Path) -> list[str]:
    """Write samples as ``NNNNNN.png`` + ``.gt.txt`` (normalised like the training corpus)."""
    from ..engines.kraken.linecrop import normalize_line_image
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for i, s in enumerate(samples, 1):
        text = " ".join(s.text.split())
        if not text:
            continue
        png = out_dir / f"{i:06d}.png"
        try:
            im = s.image if isinstance(s.image, Image.Image) else Image.open(s.image)
            normalize_line_image(im).save(png)
        except OSError as exc:
            raise InputFileError(str(s.image), f"cannot read line image ({exc})") from exc
        png.with_name(f"{i:06d}.gt.txt").write_text(text + "\n", encoding="utf-8")
        paths.append(str(png))
    return paths


def _prepare_data(ckdir: Path, train: Sequence[LineSample], val: Sequence[LineSample],
                  resume: bool) -> tuple[list[str], list[str]]:
    manifest = ckdir / "data" / "manifest.json"
    if resume and manifest.is_file():
        d = json.loads(manifest.read_text(encoding="utf-8"))
        return d["train"], d["val"]
    shutil.rmtree(ckdir / "data", ignore_errors=True)
    tr = _materialize(train, ckdir / "data" / "train")
    va = _materialize(val, ckdir / "data" / "val")
    atomic_write_text(manifest, json.dumps({"train": tr, "val": va}))
    return tr, va


def _callback_class() -> type:
    """The lightning callback (built lazily so importing this module stays light)."""
    import lightning as L

    class DigitizerTrainCallback(L.Callback):
        """Progress, cancellation, time limit and per-epoch history for one training run."""

        def __init__(self, progress: ProgressSink, cancel: CancelToken, time_limit_s: float | None,
                     history_path: Path, epoch_offset: int = 0, lr: float | None = None,
                     patience: int | None = None) -> None:
            self.progress, self.cancel, self.limit, self.lr = progress, cancel, time_limit_s, lr
            self.patience = patience
            self.history_path = history_path
            self.t_start = time.monotonic()
            self.t_epoch = self.t_start
            self.train_seconds = 0.0
            self.lines = 0
            self.epoch_lines = 0
            self.last_epoch_s = 0.0
            self.stopped = "max_epochs"
            self.history: list[dict[str, Any]] = []

        def _stop(self, trainer: Any, why: str) -> None:
            self.stopped = why
            trainer.fit_loop.min_epochs = 0
            trainer.should_stop = True

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            if self.lr is not None:                  # a resumed run with a new learning rate
                for opt in trainer.optimizers:
                    for group in opt.param_groups:
                        group["lr"] = self.lr
                self.progress.message(f"learning rate set to {self.lr}")
            if self.patience is not None:            # a resumed run with a new patience: lightning
                from lightning.pytorch.callbacks import EarlyStopping   # restored the checkpoint's
                for cb in trainer.callbacks:
                    if isinstance(cb, EarlyStopping):
                        cb.patience = self.patience
                        self.progress.message(f"early stopping patience set to {self.patience}")

        def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
            self.t_epoch = time.monotonic()
            self.epoch_lines = 0

        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            n = int(batch["image"].shape[0]) if isinstance(batch, dict) and "image" in batch else 1
            self.lines += n
            self.epoch_lines += n
            self.progress.advance(n)
            if self.cancel.cancelled:
                raise CancelledError("training cancelled; the checkpoint was kept (resume with --resume)")
            # hard stop mid-epoch only with a grace of half an epoch (a cut epoch is wasted work)
            if self.limit is not None and time.monotonic() - self.t_start > self.limit + 0.5 * self.last_epoch_s:
                self._stop(trainer, "time_limit")

        def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
            if not trainer.sanity_checking:
                self.last_epoch_s = time.monotonic() - self.t_epoch
                self.train_seconds += self.last_epoch_s

        def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
            if trainer.sanity_checking:
                return
            acc = trainer.callback_metrics.get("val_accuracy")
            cer = None if acc is None else round(1.0 - float(acc), 5)
            rec = {"epoch": trainer.current_epoch, "step": trainer.global_step, "val_cer": cer, "epoch_train_s": round(self.last_epoch_s, 2),
                   "lines_per_s": round(self.epoch_lines / self.last_epoch_s, 2) if self.last_epoch_s else None,
                   "elapsed_s": round(time.monotonic() - self.t_start, 1), "time": utcnow()}
            self.history.append(rec)
            with open(self.history_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")
            self.progress.message(f"epoch {rec['epoch']} step {rec['step']}: validation CER "
                                  f"{'n/a' if cer is None else f'{cer:.2%}'} ({rec['lines_per_s']} lines/s)")

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            if self.limit is None or trainer.should_stop:
                return
            elapsed = time.monotonic() - self.t_start
            # stop before an epoch that would overrun the limit by more than a third of an epoch
            if elapsed + self.last_epoch_s * 0.67 > self.limit:   # (so it never reaches the hard stop)
                self._stop(trainer, "time_limit")

    return DigitizerTrainCallback


def _resume_point(checkpoint_dir: str | os.PathLike | None, name: str,
                  resume: bool | str | os.PathLike) -> tuple[Path, Path | None]:
    """(checkpoint dir, checkpoint to continue from or None); ``resume`` may name a .ckpt file."""
    ckdir = Path(checkpoint_dir) if checkpoint_dir else default_checkpoint_dir(name)
    if not resume:
        return ckdir, None
    if not isinstance(resume, bool):
        ckpt = Path(resume)
        if not ckpt.is_file():
            raise DigitizerError(f"checkpoint {ckpt} not found", hint="give a .ckpt file, or --resume alone")
        return ckpt.parent, ckpt
    ckpt = _latest_checkpoint(ckdir)
    if ckpt is None:
        raise DigitizerError(f"nothing to resume in {ckdir}", hint="start without --resume")
    return ckdir, ckpt


def _latest_checkpoint(ckdir: Path) -> Path | None:
    cands = [p for p in (ckdir / "last.ckpt", ckdir / "checkpoint_abort.ckpt") if p.is_file()]
    return max(cands, key=lambda p: p.stat().st_mtime) if cands else None


def train(samples_train: Sequence[LineSample], samples_val: Sequence[LineSample], *, output_name: str,
          base_model: str | None = None, spec: str | None = None, max_epochs: int = 50, min_epochs: int = 0,
          patience: int = 5, batch_size: int = 8, lr: float = 0.002, device: str = "auto", threads: int = 1,
          time_limit_s: float | None = None, progress: ProgressSink | None = None,
          cancel: CancelToken | None = None, checkpoint_dir: str | os.PathLike | None = None,
          resume: bool | str | os.PathLike = False, register: bool = True, overwrite: bool = False, augment: bool = False,
          language: str = "", script: str = "", licence: str = "", source: str = "",
          data_source: str = "", seed: int = 42, max_steps: int = -1, val_every_steps: int | None = None,
          checkpoint_every_steps: int = 200, resume_lr: float | None = None, resume_patience: int | None = None,
          project: str | os.PathLike | None = None, workers: int = 0) -> TrainResult:
    """Train (or fine-tune ``base_model``) on ``samples_train``, early-stopping on CER over ``samples_val``.

    Returns a :class:`TrainResult`; with ``register`` the best model is added to the registry
    as ``output_name`` with its validation CER and a training-data summary.  ``resume`` is True
    (newest checkpoint of ``checkpoint_dir``) or a checkpoint file (its folder becomes the
    checkpoint dir).  ``last.ckpt`` is written every ``checkpoint_every_steps`` optimiser steps;
    ``val_every_steps`` validates (and keeps the best) every N steps instead of every epoch;
    ``max_steps`` bounds the run by steps (tests, benchmarks).  ``resume_lr`` sets a new learning
    rate when resuming (e.g. lower, once validation CER has flattened); otherwise the checkpoint's.
    ``resume_patience`` likewise replaces the checkpoint's early-stopping patience (lightning
    restores it with the checkpoint, so ``patience`` alone does not change a resumed run).
    ``project``: ``base_model`` may also be a model kept in that project's ``models/`` folder.
    ``workers``: data-loading processes (0: in this process; a GPU needs a few to be kept fed).
    """
    ensure_torchvision()
    progress = progress or NullProgress()
    cancel = cancel or CancelToken()
    registry._check_name(output_name)
    if register and not overwrite and not resume:
        try:
            registry.get(output_name)
            raise DigitizerError(f"a model named {output_name!r} is already registered",
                                 hint="choose another --name, remove it, or pass --overwrite")
        except registry.ModelNotFoundError:
            pass
    if not resume and (not samples_train or not samples_val):
        raise DigitizerError("training needs lines on both sides of the split",
                             hint=f"got {len(samples_train)} training and {len(samples_val)} validation lines")
    ckdir, ckpt = _resume_point(checkpoint_dir, output_name, resume)
    if not resume:
        shutil.rmtree(ckdir, ignore_errors=True)
    ckdir.mkdir(parents=True, exist_ok=True)
    tr_paths, va_paths = _prepare_data(ckdir, samples_train, samples_val, resume)
    if max_steps > 0 and (max_steps < val_every_steps if val_every_steps
                          else max_steps < math.ceil(len(tr_paths) / max(1, batch_size))):
        val_every_steps = max_steps          # a run shorter than its first validation validates at its last step
    base = registry.resolve(base_model, project) if base_model else None
    accel, dev_label = _device(device)
    summary = summarize(samples_train, samples_val) if samples_train else json.loads(
        (ckdir / "summary.json").read_text(encoding="utf-8"))
    if not resume:
        atomic_write_text(ckdir / "summary.json", json.dumps(summary))
    cb, ck, trainer, model, dm = _build(ckdir, tr_paths, va_paths, spec=spec, base=base, ckpt=ckpt,
                                        max_epochs=max_epochs, min_epochs=min_epochs, patience=patience,
                                        batch_size=batch_size, lr=lr, accel=accel, threads=threads,
                                        time_limit_s=time_limit_s, progress=progress, cancel=cancel,
                                        augment=augment, seed=seed, max_steps=max_steps,
                                        val_every_steps=val_every_steps, ckpt_steps=checkpoint_every_steps,
                                        resume_lr=resume_lr if ckpt is not None else None,
                                        resume_patience=resume_patience if ckpt is not None else None,
                                        workers=workers)
    progress.start(max_epochs * len(tr_paths), f"training {output_name} ({len(tr_paths)} lines, {dev_label})")
    t0 = time.monotonic()
    _fit(trainer, model, dm, ckpt, threads)
    progress.finish()
    seconds = time.monotonic() - t0
    if not ck.best_model_path:
        raise DigitizerError("training stopped before the first validation; no model was produced")
    score = float(ck.best_model_score.item())
    best_epoch = int(torch_load_epoch(ck.best_model_path))
    out = _convert(ck.best_model_path, ckdir / f"{output_name}.safetensors", threads)
    stopped = cb.stopped if cb.stopped != "max_epochs" or trainer.current_epoch + 1 >= max_epochs else "early"
    result = TrainResult(model_path=str(out), name=output_name, val_cer=round(1.0 - score, 5),
                         epochs=_epochs(cb.history), best_epoch=best_epoch,
                         lines_per_s=round(cb.lines / cb.train_seconds, 2) if cb.train_seconds else 0.0,
                         seconds=round(seconds, 1), stopped=stopped, checkpoint_dir=str(ckdir),
                         history=list(cb.history))
    if register:
        result.info = _register(result, out, summary, spec=spec or (None if base else DEFAULT_SPEC), base=base,
                                language=language, script=script, licence=licence, source=source,
                                data_source=data_source, hyper={"batch_size": batch_size, "lr": lr,
                                                                "patience": patience, "device": dev_label,
                                                                "max_epochs": max_epochs})
        result.model_path = result.info.path
    return result


def _convert(ckpt: str | Path, out: Path, threads: int = 1) -> Path:
    """Best lightning checkpoint -> safetensors weights file (the model kraken loads)."""
    from kraken.models.convert import convert_models

    from ..engines.kraken._exec import torch_threads

    with torch_threads(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert_models([str(ckpt)], out, weights_format="safetensors")
    return out


def _epochs(history: Sequence[dict]) -> int:
    """Epochs a run went through: the last validation's epoch + 1 (with ``val_every_steps`` there are
    many validations per epoch, so the number of records is not the number of epochs)."""
    return int(history[-1].get("epoch", len(history) - 1)) + 1 if history else 0


def torch_load_epoch(ckpt_path: str) -> int:
    """Epoch number stored in a lightning checkpoint's file name (``best-07-...``), else -1."""
    name = Path(ckpt_path).name
    try:
        return int(name.split("-")[1])
    except (IndexError, ValueError):
        return -1


def _build(ckdir: Path, tr_paths: list[str], va_paths: list[str], *, spec: str | None,
           base: registry.ModelInfo | None, ckpt: Path | None, max_epochs: int, min_epochs: int, patience: int,
           batch_size: int, lr: float, accel: str, threads: int, time_limit_s: float | None,
           progress: ProgressSink, cancel: CancelToken, augment: bool, seed: int, max_steps: int = -1,
           val_every_steps: int | None = None, ckpt_steps: int = 200, resume_lr: float | None = None,
           resume_patience: int | None = None, workers: int = 0) -> tuple:
    import lightning as L
    from kraken.configs import VGSLRecognitionTrainingConfig, VGSLRecognitionTrainingDataConfig
    from kraken.train import KrakenTrainer, VGSLRecognitionDataModule, VGSLRecognitionModel
    from kraken.train.utils import KrakenOnExceptionCheckpoint
    from lightning.pytorch.callbacks import ModelCheckpoint

    for noisy in ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero",
                  "lightning.pytorch.accelerators.cuda", "kraken"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    L.seed_everything(seed, verbose=False)
    linecache.install()       # prepared lines are kept between epochs (about half of a CPU step)
    common = dict(batch_size=batch_size, num_threads=threads)
    m_config = VGSLRecognitionTrainingConfig(
        spec=spec or DEFAULT_SPEC, lrate=lr, quit="early", lag=patience, min_epochs=min_epochs,
        epochs=max_epochs, checkpoint_path=str(ckdir), weights_format="safetensors",
        resize="union" if base else "fail", **common)
    dm_config = VGSLRecognitionTrainingDataConfig(
        training_data=tr_paths, evaluation_data=va_paths, format_type="path", partition=1.0, num_workers=max(0, workers),
        augment=augment, normalization="NFC", **common)
    cb = _callback_class()(progress, cancel, time_limit_s, ckdir / "history.jsonl", lr=resume_lr,
                           patience=resume_patience)
    ck = ModelCheckpoint(dirpath=str(ckdir), save_top_k=1, save_last=False, monitor="val_metric", mode="max",
                         auto_insert_metric_name=False, filename="best-{epoch:02d}-{val_metric:.4f}")
    # what --resume continues from, improved or not: every few minutes (ckpt_steps optimiser
    # steps) and at the end of every epoch (lightning wants one callback per trigger)
    last = [ModelCheckpoint(dirpath=str(ckdir), save_top_k=1, monitor=None, filename="last",
                            enable_version_counter=False, **trigger)
            for trigger in ({"every_n_train_steps": max(1, ckpt_steps)}, {"every_n_epochs": 1})]
    callbacks = [KrakenOnExceptionCheckpoint(dirpath=str(ckdir), filename="checkpoint_abort"), ck, *last, cb]
    trainer = KrakenTrainer(accelerator=accel, devices=1, precision="32-true", max_epochs=max_epochs,
                            min_epochs=min_epochs, enable_progress_bar=False, enable_summary=False,
                            enable_model_summary=False, callbacks=callbacks, num_sanity_val_steps=0,
                            max_steps=max_steps, val_check_interval=val_every_steps or 1.0,
                            check_val_every_n_epoch=None if val_every_steps else 1, default_root_dir=str(ckdir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ckpt is not None:
            dm = VGSLRecognitionDataModule.load_from_checkpoint(str(ckpt), weights_only=False)
            with trainer.init_module(empty_init=False):
                model = VGSLRecognitionModel.load_from_checkpoint(str(ckpt), config=m_config, weights_only=False)
        else:
            dm = VGSLRecognitionDataModule(dm_config)
            with trainer.init_module(empty_init=base is None):
                model = (VGSLRecognitionModel.load_from_weights(base.path, config=m_config) if base
                         else VGSLRecognitionModel(m_config))
    return cb, ck, trainer, model, dm


def _fit(trainer: Any, model: Any, dm: Any, ckpt: Path | None, threads: int) -> None:
    from threadpoolctl import threadpool_limits

    from ..engines.kraken._exec import torch_threads

    with torch_threads(threads):
        with threadpool_limits(limits=safe_threads(threads)), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
            try:
                trainer.fit(model, dm, ckpt_path=str(ckpt) if ckpt else None)
            except ValueError as exc:
                if "alphabets mismatch" in str(exc):
                    raise DigitizerError("the base model cannot output some characters of the training data",
                                         hint="fine-tuning extends the alphabet only with resize; "
                                              "check the base model") from exc
                raise


def _register(result: TrainResult, out: Path, summary: dict, *, spec: str | None, base: registry.ModelInfo | None,
              language: str, script: str, licence: str, source: str, data_source: str,
              hyper: dict[str, Any]) -> registry.ModelInfo:
    meta = registry.read_model_metadata(out)
    training = {**summary, "data_source": data_source, "epochs": result.epochs, "best_epoch": result.best_epoch,
                "stopped": result.stopped, "seconds": result.seconds, "lines_per_s": result.lines_per_s,
                "spec": spec, **hyper}
    info = registry.ModelInfo(
        name=result.name, file=out.name, kind="recognition", alphabet=meta["alphabet"], seg_type=meta["seg_type"],
        language=language, script=script, training=training, cer=result.val_cer,
        cer_set=f"validation split ({summary.get('val_lines')} lines, {summary.get('val_pages')} pages, "
                "unseen in training)",
        source=source or "trained with digitizer train", licence=licence,
        base_model=f"{base.name} (sha256 {base.sha256[:12]})" if base else None)
    registered = registry.register(out, info, move=True, overwrite=True)
    if base is not None and lm_path_for(base.path).is_file():
        # the base's character language model decodes the fine-tuned model too (same script and
        # language; the weights were tuned for the base): base and new model are compared alike
        atomic_copy(lm_path_for(base.path), lm_path_for(registered.path))
        registered.training["language_model"] = f"{lm_path_for(base.path).name} (the base model's)"
        registry.update(registered)
    return registered


def result_to_dict(r: TrainResult) -> dict[str, Any]:
    d = asdict(r)
    d["info"] = None if r.info is None else json.loads(r.info.to_json())
    return d


def register_checkpoint(checkpoint_dir: str | os.PathLike, output_name: str, *, language: str = "",
                        script: str = "", licence: str = "", source: str = "", data_source: str = "",
                        spec: str | None = None, threads: int = 1) -> TrainResult:
    """Register the best checkpoint of a stopped or killed run (what ``train`` does at its end)."""
    ensure_torchvision()
    ckdir = Path(checkpoint_dir)
    bests = sorted(ckdir.glob("best-*.ckpt"), key=lambda p: float(p.stem.rsplit("-", 1)[-1]))
    if not bests:
        raise DigitizerError(f"no validated checkpoint in {ckdir}", hint="train at least one epoch")
    best = bests[-1]
    history = [json.loads(x) for x in (ckdir / "history.jsonl").read_text(encoding="utf-8").splitlines() if x]
    summary = json.loads((ckdir / "summary.json").read_text(encoding="utf-8"))
    out = _convert(best, ckdir / f"{output_name}.safetensors", threads)
    rates = [h["lines_per_s"] for h in history if h.get("lines_per_s")]
    res = TrainResult(model_path=str(out), name=output_name, val_cer=round(1 - float(best.stem.rsplit("-", 1)[-1]), 5),
                      epochs=_epochs(history), best_epoch=torch_load_epoch(str(best)),
                      lines_per_s=round(sum(rates) / len(rates), 2) if rates else 0.0,
                      seconds=history[-1]["elapsed_s"] if history else 0.0, stopped="registered from checkpoint",
                      checkpoint_dir=str(ckdir), history=history)
    res.info = _register(res, out, summary, spec=spec, base=None, language=language, script=script,
                         licence=licence, source=source, data_source=data_source, hyper={})
    res.model_path = res.info.path
    return res
