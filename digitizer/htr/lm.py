"""Build and tune the character language model that decodes a recognition model's output.

``train_lm(model, folder)``: counts an order-``n`` character model (:mod:`..engines.kraken.charlm`)
on the **training** lines of a line set (the validation and test lines are never counted), then
recognises the validation lines once, keeps the network's outputs, and decodes them again for a
small grid of weights (``alpha`` for the LM, ``beta`` per character, beam width) to pick the
weights with the lowest CER.  The file is written beside the model (``NAME.charlm.json.gz``), with
the weights and the figures (greedy CER and LM CER on the same validation lines), so the engine
uses it from then on; ``lm = false`` in a profile's recognition options turns it off.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..engines.kraken import _exec
from ..engines.kraken.charlm import CharLM, beam_decode, lm_path_for, per_line_outputs
from ..engines.kraken.tvcompat import ensure_torchvision
from ..errors import DigitizerError
from ..progress import NullProgress, ProgressSink
from .datasets import LineSample, load_folder
from .evaluate import distance
from .normalize import transcription, usable

DEFAULT_BEAM = 32
DEFAULT_GRID: tuple[tuple[float, float, int], ...] = tuple(
    (a, b, DEFAULT_BEAM) for a in (0.3, 0.4, 0.5, 0.7) for b in (0.75, 1.0, 1.5, 2.0))


@dataclass
class LMResult:
    path: str
    order: int
    train_lines: int
    train_chars: int
    contexts: int
    val_lines: int
    greedy_cer: float
    lm_cer: float
    alpha: float
    beta: float
    beam: int
    seconds: float
    grid: list[dict[str, Any]] = field(default_factory=list)


def capture(model_path: str, samples: Sequence[LineSample], threads: int = 1,
            progress: ProgressSink | None = None) -> list[tuple[str, Any, dict[int, str]]]:
    """Recognise pre-cut line images once: ``(reference, C x T softmax outputs, label -> char)`` per line."""
    ensure_torchvision()
    from kraken.lib.ctc_decoder import greedy_decoder

    outs: list[Any] = []

    def keep(outputs: Any, seq_lens: Any = None) -> Any:
        outs.extend(per_line_outputs(outputs, seq_lens))
        return greedy_decoder(outputs, seq_lens)

    progress = progress or NullProgress()
    progress.start(len(samples), "recognising the validation lines")
    l2c = {k[0]: v for k, v in _exec.load_recognizer(model_path).net.codec.l2c.items() if len(k) == 1}
    result = []
    for s in samples:
        before = len(outs)
        _exec.recognize_crop(s.load().convert("L"), model_path=model_path, threads=threads, decoder=keep)
        if len(outs) > before:
            result.append((s.text, outs[-1], l2c))
        progress.advance(1)
    progress.finish()
    return result


def decode_cer(captured: Sequence[tuple[str, Any, dict[int, str]]], lm: CharLM | None, alpha: float,
               beta: float, beam: int) -> float:
    """CER of the captured lines decoded with ``lm`` (``lm=None``: kraken's greedy decoding)."""
    from kraken.lib.ctc_decoder import greedy_decoder

    errors = n = 0
    for ref, probs, l2c in captured:
        labels = (beam_decode(probs, l2c, lm, alpha=alpha, beta=beta, beam=beam) if lm is not None
                  else greedy_decoder(probs)[0])
        errors += distance(ref, "".join(l2c.get(lab, "") for lab, *_ in labels))
        n += len(ref)
    return errors / max(1, n)


def read_texts(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The usable, normalised lines of plain-text files (blank and unusable lines left out)."""
    out: list[str] = []
    for p in paths:
        try:
            raw = Path(p).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DigitizerError(f"{p}: cannot read the text for the language model ({exc})",
                                 hint="a UTF-8 text file, one line of writing per line") from exc
        out += [t for t in map(transcription, raw.splitlines()) if usable(t)]
    return out


def train_lm(model_path: str | os.PathLike[str], folder: str | os.PathLike[str], *, split_tsv: str | os.PathLike[str] | None = None,
             order: int = 8, out: str | os.PathLike[str] | None = None, grid: Sequence[tuple[float, float, int]] = DEFAULT_GRID,
             max_val_lines: int = 400, threads: int = 1, source: str = "", beam: int | None = None,
             retune: bool = False, texts: Sequence[str | os.PathLike[str]] = (),
             progress: ProgressSink | None = None) -> LMResult:
    """Count the LM on ``folder``'s training lines, tune its weights on the validation lines, save it.

    ``texts``: plain-text files (UTF-8, one line of writing per line) counted as well: transcriptions
    without images, of the same collection or period (never of the pages the model is measured
    on); they go through the same normalisation as the training lines.

    ``beam`` replaces the grid's beam width (a wider beam is never worse, only slower: it is a
    speed choice, the grid tunes ``alpha`` and ``beta`` for it).  ``retune`` keeps the counts of
    the language model already at the destination and only tunes its weights again (``order``
    and the training lines are then the file's)."""
    t0 = time.monotonic()
    model_path = str(model_path)
    dest = Path(out) if out else lm_path_for(model_path)
    train, val = load_folder(folder, split_tsv)
    if retune and texts:
        raise DigitizerError("text files are counted only when the language model is built",
                             hint="leave out --retune to count them")
    if retune:
        if not dest.is_file():
            raise DigitizerError(f"{dest}: no language model to tune again", hint="build it first (without --retune)")
        lm = CharLM.load(dest)
        order = lm.order
        lines: list[str] = []
    else:
        lines = [s.text for s in train] + read_texts(texts)
        lm = CharLM.train(lines, order=order)
    if beam is not None:
        grid = sorted({(a, b, beam) for a, b, _ in grid})
    val = val[:max_val_lines] if max_val_lines else val
    if not val:
        raise DigitizerError("tuning the language model needs validation lines", hint="give a split.tsv with them")
    captured = capture(model_path, val, threads, progress)
    base = decode_cer(captured, None, 0.0, 0.0, 1)
    rows: list[dict[str, Any]] = []
    for alpha, beta, width in grid:
        rows.append({"alpha": alpha, "beta": beta, "beam": width,
                     "cer": round(decode_cer(captured, lm, alpha, beta, width), 5)})
    best = min(rows, key=lambda r: r["cer"])
    lm.decoder = {"alpha": best["alpha"], "beta": best["beta"], "beam": best["beam"]}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    tuned = {"model": Path(model_path).name, "tuned_on": f"{len(captured)} validation lines",
             "greedy_cer": round(base, 5), "lm_cer": best["cer"]}
    if retune:
        lm.about = {**lm.about, **tuned, "retuned": now,
                    "retuned_from": {k: lm.about.get(k) for k in ("tuned_on", "lm_cer", "built")}}
    else:
        lm.about = {**tuned, "order": order, "train_lines": len(lines), "train_chars": sum(len(t) for t in lines),
                    "text_files": [Path(t).name for t in texts],
                    "source": source, "built": now}
    lm.save(dest)
    return LMResult(str(dest), order, int(lm.about.get("train_lines", 0)), int(lm.about.get("train_chars", 0)),
                    len(lm.counts), len(captured),
                    round(base, 5), float(best["cer"]), float(best["alpha"]), float(best["beta"]), int(best["beam"]),
                    round(time.monotonic() - t0, 1), rows)
