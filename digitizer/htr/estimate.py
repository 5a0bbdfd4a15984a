"""How long a retraining takes on a CPU, and how many epochs to offer by default.

The numbers are the training speeds measured in ``docs/htr.md`` ("Training speed on CPU"): forward,
backward and Adam step of the small recognition net (``poilus-fr-v1``'s, 48 px lines) on one torch
thread of the shared 2-core VM.  A run of ``lines x epochs`` training lines then takes about
``lines x epochs / lines_per_s``; validation after each epoch (forward only, 15 % of the lines) and
the scoring of the held-back lines come on top.  A bigger net or taller lines are slower (see the
table there): this is an estimate for the models digitizer ships and trains, not a promise.

:func:`default_epochs` is what the GUI's retrain dialog proposes: as many epochs as fit in
:data:`CPU_BUDGET_S` (30 minutes), at least :data:`MIN_EPOCHS` and at most :data:`MAX_CPU_EPOCHS`
(early stopping usually ends a fine-tuning well before; ``digitizer retrain --epochs`` keeps 50,
the limit for a GPU).
"""

from __future__ import annotations

# lines/s by batch size: small net, 48 px, 1 thread (docs/htr.md, measured 2026-12-01)
CPU_LINES_PER_S: dict[int, float] = {1: 16.0, 4: 9.3, 8: 9.6, 16: 8.0}
CPU_BUDGET_S = 30 * 60
MIN_EPOCHS = 3
MAX_CPU_EPOCHS = 20
GPU_EPOCHS = 50            # as ``digitizer retrain --epochs``


def cpu_lines_per_s(batch_size: int) -> float:
    """Measured training lines per second at the nearest measured batch size."""
    nearest = min(CPU_LINES_PER_S, key=lambda b: (abs(b - batch_size), b))
    return CPU_LINES_PER_S[nearest]


def training_seconds(train_lines: int, epochs: int, batch_size: int = 1) -> float:
    """About how long ``epochs`` epochs over ``train_lines`` lines take on one CPU thread."""
    return max(0, train_lines) * max(0, epochs) / cpu_lines_per_s(batch_size)


def default_epochs(train_lines: int, batch_size: int = 1, *, budget_s: float = CPU_BUDGET_S) -> int:
    """The epochs to offer on a CPU: as many as fit in ``budget_s``, within [MIN_EPOCHS, MAX_CPU_EPOCHS]."""
    if train_lines <= 0:
        return MAX_CPU_EPOCHS
    fit = int(budget_s * cpu_lines_per_s(batch_size) // train_lines)
    return max(MIN_EPOCHS, min(MAX_CPU_EPOCHS, fit))


def duration_text(seconds: float) -> str:
    """``about 40 s``, ``about 12 min``, ``about 2.5 h``."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"
