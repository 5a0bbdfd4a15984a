"""Where page tasks run: in this process, in a local process pool, or on a Dask distributed cluster.

Every executor runs :func:`execute_page` (a picklable top-level function) on a
:class:`~digitizer.pipeline.page.PageTask` and hands back a future; the coordinator
(:mod:`digitizer.batch.runner`) keeps a bounded number of them in flight and writes each
result into the store as it arrives.  Workers never touch the database.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing
import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from ..errors import CancelledError, DigitizerError
from ..pipeline.page import PageResult, PageTask, run_page_task
from ..progress import CancelToken


@dataclass
class Outcome:
    """What came back for one task: a result (possibly with ``result.error``), or an executor error."""

    result: PageResult | None
    worker: str = ""
    error: str | None = None      # the task never returned (worker died, cluster error)
    seconds: float = 0.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute_page(task: PageTask) -> tuple[PageResult, str, float]:
    """Run one page in a worker; returns ``(result, worker, seconds)``.  Images are freed on return."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    t0 = time.perf_counter()
    result = run_page_task(task)
    return result, worker_name(), time.perf_counter() - t0


def default_workers() -> int:
    """Number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def map_paths(task: PageTask, path_map: dict[str, str]) -> PageTask:
    """Rewrite the absolute paths of ``task`` for workers that see the project under another prefix."""
    if not path_map:
        return task

    def rewrite(p: str) -> str:
        for local, remote in sorted(path_map.items(), key=lambda kv: -len(kv[0])):
            if p == local or p.startswith(local.rstrip("/") + "/"):
                return remote.rstrip("/") + p[len(local.rstrip("/")):]
        return p

    return dataclasses.replace(task, project_root=rewrite(task.project_root), image_path=rewrite(task.image_path))


class Executor(ABC):
    """Runs page tasks asynchronously; the coordinator keeps at most :attr:`slots` in flight."""

    name = "executor"

    @property
    @abstractmethod
    def slots(self) -> int:
        """How many tasks to keep in flight (enough to keep every worker busy, few enough to bound memory)."""

    @abstractmethod
    def submit(self, task: PageTask) -> Any:
        """Start ``task``; returns a future."""

    @abstractmethod
    def wait(self, futures: Collection[Any], timeout: float | None = None) -> set[Any]:
        """Block until at least one of ``futures`` is finished (or ``timeout``); return the finished ones."""

    @abstractmethod
    def outcome(self, future: Any) -> Outcome:
        """The outcome of a finished future (never raises for task failures)."""

    def abandon(self, futures: list[Any]) -> None:
        """Tasks whose results will not be collected (cancellation); cancel them where possible."""
        for f in futures:
            f.cancel()

    def close(self, *, cancel: bool = False) -> None:  # noqa: B027 - optional hook: nothing to release by default
        """Release workers; ``cancel`` drops tasks not yet started."""

    def describe(self) -> str:
        return self.name

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


def _cf_outcome(future: cf.Future) -> Outcome:
    try:
        result, worker, seconds = future.result()
    except CancelledError:
        raise
    except BrokenProcessPool as exc:
        return Outcome(None, error=f"worker process died ({exc or 'process pool broken'})")
    except Exception as exc:  # noqa: BLE001 - any worker-side failure becomes a retryable task error
        return Outcome(None, error=f"{type(exc).__name__}: {exc}")
    return Outcome(result, worker, None, seconds)


class SerialExecutor(Executor):
    """Runs each task at submit time in this process (GUI default, debugging, ``--workers 0``)."""

    name = "serial"

    def __init__(self, cancel: CancelToken | None = None):
        self.cancel = cancel

    @property
    def slots(self) -> int:
        return 1

    def submit(self, task: PageTask) -> cf.Future:
        fut: cf.Future = cf.Future()
        t0 = time.perf_counter()
        try:
            res = run_page_task(task, self.cancel)
        except CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported like a worker failure
            fut.set_exception(exc)
            return fut
        fut.set_result((res, worker_name(), time.perf_counter() - t0))
        return fut

    def wait(self, futures: Collection[Any], timeout: float | None = None) -> set[Any]:
        return {f for f in futures if f.done()}

    def outcome(self, future: Any) -> Outcome:
        return _cf_outcome(future)


def _init_worker(coordinator: int, environ: dict[str, str] | None = None) -> None:
    """Pool worker setup: the coordinator's environment ``environ``, single-threaded OpenMP, and exit
    when the coordinator dies (kill -9), since a worker blocked on the task queue would otherwise never
    notice.

    A worker is forked from the forkserver, which the first pool of the process started and which
    keeps the environment of that moment: without ``environ`` a folder named there since (e.g.
    ``$DIGITIZER_MODELS_DIR``, where a model just trained is registered) is not seen by the page."""
    import threading

    if environ is not None:
        os.environ.clear()
        os.environ.update(environ)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(coordinator, 0)
            except ProcessLookupError:
                os._exit(70)
            except PermissionError:  # pragma: no cover - pid reused by another user's process
                os._exit(70)

    threading.Thread(target=watch, name="digitizer-coordinator-watch", daemon=True).start()


class LocalProcessExecutor(Executor):
    """A process pool on this machine, sized to the cores by default.

    Worker processes are recycled after ``max_tasks_per_child`` tasks, so memory a library
    leaks cannot accumulate; a worker that dies (killed, out of memory, segfault) breaks the
    pool, its in-flight tasks come back as errors (and are retried) and a fresh pool is started.
    Workers get this process's environment as it is when the pool starts (``initializer(coordinator
    pid, environ)``, by default :func:`_init_worker`, runs in each worker).
    """

    name = "local"

    def __init__(self, workers: int | None = None, *, max_tasks_per_child: int | None = 200,
                 in_flight_per_worker: int = 2, start_method: str = "forkserver",
                 initializer: Callable[[int, dict[str, str]], None] = _init_worker):
        self.workers = max(1, workers or default_workers())
        self.initializer = initializer
        self.max_tasks_per_child = max_tasks_per_child
        self.in_flight_per_worker = max(1, in_flight_per_worker)
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._ctx.set_forkserver_preload(["digitizer.batch.executors", "digitizer.imaging.preprocess",
                                              "digitizer.imaging.io", "digitizer.engines.registry"])
        self._pool: cf.ProcessPoolExecutor | None = None
        self.restarts = 0

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=self._ctx, initializer=self.initializer,
                                      initargs=(os.getpid(), dict(os.environ)),
                                      max_tasks_per_child=self.max_tasks_per_child)

    @property
    def slots(self) -> int:
        return self.workers * self.in_flight_per_worker

    def describe(self) -> str:
        return f"local:{self.workers}"

    def submit(self, task: PageTask) -> cf.Future:
        if self._pool is None:
            self._pool = self._new_pool()
        try:
            return self._pool.submit(execute_page, task)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            self.restarts += 1
            return self._pool.submit(execute_page, task)

    def wait(self, futures: Collection[Any], timeout: float | None = None) -> set[Any]:
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return set(done)

    def outcome(self, future: Any) -> Outcome:
        return _cf_outcome(future)

    def close(self, *, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
            self._pool = None


class DaskExecutor(Executor):
    """Sends tasks to a Dask distributed scheduler (``tcp://HOST:PORT``) or an existing ``Client``.

    Workers need the ``digitizer`` package and the project folder: at the same absolute path, or
    under another prefix given in ``path_map`` (``{"/local/prefix": "/worker/prefix"}``).  Dask
    itself re-runs a task whose worker died (up to ``distributed.scheduler.allowed-failures``).
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, client: Any = None, path_map: dict[str, str] | None = None,
                 in_flight_per_thread: int = 2, connect_timeout: float = 15.0):
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            from ..errors import MissingDependencyError

            raise MissingDependencyError("dask.distributed is not installed",
                                         hint="pip install 'dask[distributed]'") from exc
        self.address = address
        self._own = client is None
        if client is None:
            try:
                client = Client(address, timeout=connect_timeout, set_as_default=False)
            except OSError as exc:
                raise DigitizerError(f"cannot reach the Dask scheduler at {address}: {exc}",
                                     hint="start one with 'dask scheduler' and workers with 'dask worker ADDRESS'"
                                     ) from exc
        self.client = client
        self._desc = f"dask:{getattr(client.scheduler, 'address', None) or address}"
        self.path_map = dict(path_map or {})
        self.in_flight_per_thread = max(1, in_flight_per_thread)
        self._slots = 0
        self._slots_at = 0.0
        self._n = 0

    @property
    def slots(self) -> int:
        now = time.monotonic()
        if now - self._slots_at > 10.0 or not self._slots:
            threads = sum(self.client.nthreads().values())
            self._slots = max(2, threads * self.in_flight_per_thread)
            self._slots_at = now
        return self._slots

    def describe(self) -> str:
        return self._desc

    def submit(self, task: PageTask) -> Any:
        self._n += 1
        return self.client.submit(execute_page, map_paths(task, self.path_map), pure=False,
                                  key=f"digitizer-page-{task.page_id}-{os.getpid()}-{self._n}")

    def wait(self, futures: Collection[Any], timeout: float | None = None) -> set[Any]:
        from distributed import wait
        from distributed.utils import TimeoutError as DaskTimeout

        try:
            with self.client.as_current():
                done, _ = wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except (DaskTimeout, TimeoutError):
            return set()
        return set(done)

    def outcome(self, future: Any) -> Outcome:
        try:
            result, worker, seconds = future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, pickling errors, ... -> retryable
            return Outcome(None, error=f"{type(exc).__name__}: {exc}")
        finally:
            future.release()
        return Outcome(result, worker, None, seconds)

    def abandon(self, futures: list[Any]) -> None:
        try:
            self.client.cancel(futures)
        except Exception:  # noqa: BLE001 - best effort while shutting down
            pass

    def close(self, *, cancel: bool = False) -> None:
        if self._own:
            self.client.close()

