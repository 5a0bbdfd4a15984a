"""Batch settings: CLI options > environment (``DIGITIZER_SCHEDULER``, ``DIGITIZER_WORKERS``,
``DIGITIZER_RETRIES``) > the profile's ``[batch]`` table > defaults.

Profile example::

    [batch]
    scheduler = "tcp://10.0.0.5:8786"     # Dask scheduler; empty = local process pool
    workers = 4                           # local pool size (default: the cores)
    retries = 2                           # extra attempts for a failed page
    path_map = { "/data/projects" = "/mnt/projects" }   # project prefix as the Dask workers see it
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import DigitizerError, ProfileError
from .executors import DaskExecutor, Executor, LocalProcessExecutor, SerialExecutor, default_workers

DEFAULT_RETRIES = 2
KEYS = ("scheduler", "workers", "retries", "path_map")


@dataclass
class BatchSettings:
    scheduler: str | None = None
    workers: int = field(default_factory=default_workers)
    retries: int = DEFAULT_RETRIES
    path_map: dict[str, str] = field(default_factory=dict)

    @property
    def max_attempts(self) -> int:
        return self.retries + 1


def _int(value: Any, where: str, lo: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ProfileError(f"{where} must be a whole number, not {value!r}") from None
    if isinstance(value, bool) or n < lo:
        raise ProfileError(f"{where} must be a whole number >= {lo}, not {value!r}")
    return n


def _from_section(section: dict[str, Any], where: str) -> BatchSettings:
    for key in section:
        if key not in KEYS:
            raise ProfileError(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)})")
    s = BatchSettings()
    if section.get("scheduler"):
        s.scheduler = str(section["scheduler"])
    if "workers" in section:
        s.workers = _int(section["workers"], f"{where}: workers", 0)
    if "retries" in section:
        s.retries = _int(section["retries"], f"{where}: retries", 0)
    pm = section.get("path_map", {})
    if not isinstance(pm, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in pm.items()):
        raise ProfileError(f"{where}: path_map must be a table of \"local prefix\" = \"worker prefix\"")
    s.path_map = dict(pm)
    return s


def resolve_settings(profile: Any = None, *, scheduler: str | None = None, workers: int | None = None,
                     retries: int | None = None, env: dict[str, str] | None = None) -> BatchSettings:
    """Merge the profile's ``[batch]`` table, the environment and explicit options (highest)."""
    env = os.environ if env is None else env
    section = profile.section("batch") if profile is not None else {}
    where = f"{getattr(profile, 'path', '') or getattr(profile, 'name', 'profile')}: [batch]"
    s = _from_section(section, where)
    if env.get("DIGITIZER_SCHEDULER"):
        s.scheduler = env["DIGITIZER_SCHEDULER"]
    if env.get("DIGITIZER_WORKERS"):
        s.workers = _int(env["DIGITIZER_WORKERS"], "DIGITIZER_WORKERS", 0)
    if env.get("DIGITIZER_RETRIES"):
        s.retries = _int(env["DIGITIZER_RETRIES"], "DIGITIZER_RETRIES", 0)
    if scheduler is not None:
        s.scheduler = scheduler or None
    if workers is not None:
        s.workers = workers
    if retries is not None:
        s.retries = retries
    if s.scheduler and "://" not in s.scheduler:
        raise DigitizerError(f"scheduler address {s.scheduler!r} must look like tcp://HOST:PORT")
    return s


def make_executor(settings: BatchSettings, cancel: Any = None) -> Executor:
    """Dask when a scheduler is set, else a local process pool (``workers = 0``: in this process)."""
    if settings.scheduler:
        return DaskExecutor(settings.scheduler, path_map=settings.path_map)
    if settings.workers == 0:
        return SerialExecutor(cancel)
    return LocalProcessExecutor(settings.workers)
