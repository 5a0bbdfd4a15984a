"""Where an event-loop stall goes (used by ``bench_gui.py --where``; not a test).

A :class:`StallSampler` runs a 10 ms heartbeat on the GUI thread and, in a plain Python thread,
samples every thread's stack (``sys._current_frames``) every ``period`` seconds.  After the run,
:meth:`report` takes each heartbeat gap longer than ``threshold_ms`` and charges the samples taken
inside it to the GUI thread's outermost and innermost project frames ("slot" and "leaf"), and says
what the other threads ran meanwhile (a GUI thread with no project frame on its stack is in Qt's C++
code: painting, layout, or waiting for the interpreter lock that another thread holds).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
HERE = str(Path(__file__).resolve())


def _frames(frame) -> list[str]:
    """``module:function`` of the project's frames on a stack, outermost first."""
    out = []
    while frame is not None:
        code = frame.f_code
        fn = code.co_filename
        if fn.startswith(ROOT) and fn != HERE:
            rel = fn[len(ROOT) + 1:].removesuffix(".py").replace("/", ".")
            out.append(f"{rel}:{code.co_name}")
        frame = frame.f_back
    return out[::-1]


def _leaf(frame) -> str:
    code = frame.f_code
    return f"{Path(code.co_filename).name}:{code.co_name}"


class StallSampler:
    def __init__(self, period: float = 0.003) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.period = period
        self.samples: list[tuple[float, list[str], str, list[str]]] = []
        self.beats: list[float] = []
        self._gui = threading.get_ident()
        self._stop = threading.Event()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))
        self._thread = threading.Thread(target=self._run, daemon=True, name="stall-sampler")

    def start(self) -> None:
        self.beats.append(time.perf_counter())
        self._timer.start()
        self._thread.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.is_set():
            now = time.perf_counter()
            frames = sys._current_frames()
            gui = frames.get(self._gui)
            others = [_leaf(f) + " < " + " > ".join(_frames(f)[-2:]) for tid, f in frames.items()
                      if tid not in (me, self._gui) and _frames(f)]
            if gui is not None:
                self.samples.append((now, _frames(gui), _leaf(gui), others))
            time.sleep(self.period)

    def report(self, threshold_ms: float = 60.0, top: int = 6) -> str:
        lines = []
        for a, b in zip(self.beats, self.beats[1:]):
            gap = (b - a) * 1000 - 10
            if gap < threshold_ms:
                continue
            inside = [s for s in self.samples if a <= s[0] <= b]
            ms = gap / max(1, len(inside))
            slots, leaves, other = Counter(), Counter(), Counter()
            for _t, stack, leaf, others in inside:
                # the outermost frame below the benchmark's own wait loop is the handler Qt called
                handler = next((f for f in stack if not f.startswith("benchmarks.")), "(Qt/C++: paint, layout, GIL)")
                slots[handler] += 1
                leaves[" > ".join(f for f in stack if not f.startswith("benchmarks."))[-160:] or leaf] += 1
                for o in others:
                    other[o] += 1
            lines.append(f"stall {gap:6.1f} ms at +{a - self.beats[0]:.1f} s, {len(inside)} samples")
            for name, n in slots.most_common(top):
                lines.append(f"    handler {n * ms:6.1f} ms  {name}")
            for name, n in leaves.most_common(3):
                lines.append(f"      stack {n * ms:6.1f} ms  {name}")
            for name, n in other.most_common(3):
                lines.append(f"      other thread {n * ms:6.1f} ms  {name}")
        return "\n".join(lines) or f"no stall over {threshold_ms} ms"


class GcTimer:
    """Times the interpreter's cyclic garbage collections (any thread: they hold the interpreter
    lock, so every thread, the GUI's included, waits for them)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, int, float]] = []      # (perf_counter at start, generation, ms)
        self._t0 = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.pauses.append((self._t0, info.get("generation", -1), (time.perf_counter() - self._t0) * 1000))

    def install(self) -> "GcTimer":
        import gc

        gc.callbacks.append(self)
        return self

    def report(self, since: float) -> str:
        slow = [(t - since, g, ms) for t, g, ms in self.pauses if t >= since and ms > 10]
        n = sum(1 for t, _g, _ms in self.pauses if t >= since)
        return f"  garbage collections: {n}, over 10 ms: " + (", ".join(
            f"gen{g} {ms:.0f} ms at +{t:.1f} s" for t, g, ms in slow) or "none")


class HandlerTimer:
    """Wraps methods (``cls``, names) to record each call's wall time; :meth:`report` lists, per
    method, the calls, total and longest ms (nested calls are counted in their callers too)."""

    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = {}
        self._undo: list[tuple[type, str, object]] = []

    def wrap(self, cls: type, *names: str) -> None:
        import functools

        for name in names:
            orig = cls.__dict__.get(name) or getattr(cls, name)
            key = f"{cls.__name__}.{name}"

            @functools.wraps(orig)
            def timed(*a, __orig=orig, __key=key, **kw):
                t0 = time.perf_counter()
                try:
                    return __orig(*a, **kw)
                finally:
                    self.calls.setdefault(__key, []).append((time.perf_counter() - t0) * 1000)

            self._undo.append((cls, name, cls.__dict__.get(name)))
            setattr(cls, name, timed)

    def reset(self) -> None:
        self.calls.clear()

    def report(self) -> str:
        rows = sorted(self.calls.items(), key=lambda kv: -max(kv[1]))
        return "\n".join(f"    {k:48s} {len(v):4d} calls  total {sum(v):8.1f} ms  max {max(v):6.1f} ms"
                         for k, v in rows)


class MachineProbe:
    """Tells the GUI's own stalls from the machine's.  A GUI-thread heartbeat (QTimer, 20 ms) reads,
    at each beat, how long the GUI thread has waited in the kernel's run queue
    (``/proc/thread-self/schedstat``: runnable but not given a CPU, i.e. the machine was busy).
    :meth:`own_stalls` takes that wait out of each beat's lateness; what is left is time the thread
    spent running (our handlers, painting) or blocked (e.g. on the interpreter lock): the
    application's own stall.  Without schedstat (not Linux) the share is not taken out."""

    def __init__(self, gui_ms: int = 20) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gui_ms = gui_ms
        self.beats: list[tuple[float, float]] = []        # (perf_counter s, run-queue wait ms so far)
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(gui_ms)
        self._timer.timeout.connect(self._beat)

    @staticmethod
    def _queued_ms() -> float:
        try:
            with open("/proc/thread-self/schedstat") as f:
                return int(f.read().split()[1]) / 1e6
        except (OSError, IndexError, ValueError):
            return 0.0

    def _beat(self) -> None:
        self.beats.append((time.perf_counter(), self._queued_ms()))

    def start(self) -> None:
        self._beat()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def lateness(self) -> list[float]:
        """Per beat: how late it fired (ms), as the jobs panel's stall meter measures it."""
        return [(b - a) * 1000 - self.gui_ms for (a, _qa), (b, _qb) in zip(self.beats, self.beats[1:])]

    def own_stalls(self) -> list[float]:
        """Per beat: its lateness (ms) minus the GUI thread's run-queue wait in the same interval."""
        return [max(0.0, (b - a) * 1000 - self.gui_ms - (qb - qa))
                for (a, qa), (b, qb) in zip(self.beats, self.beats[1:])]

    def worst_own(self) -> tuple[float, float]:
        """(ms, seconds after start) of the longest own stall."""
        own = self.own_stalls()
        if not own:
            return 0.0, 0.0
        i = max(range(len(own)), key=own.__getitem__)
        return own[i], self.beats[i][0] - self.beats[0][0]

    def machine_max(self) -> float:
        """The longest run-queue wait of the GUI thread within one beat (ms)."""
        return max((qb - qa for (_a, qa), (_b, qb) in zip(self.beats, self.beats[1:])), default=0.0)
