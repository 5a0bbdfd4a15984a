"""Batch processing at collection scale: resumable jobs in the project store, a coordinator that
keeps a bounded number of page tasks in flight, and executors (in-process, local process pool,
Dask distributed).  See ``docs/scaling.md``.
"""

from __future__ import annotations

from .config import BatchSettings, make_executor, resolve_settings
from .executors import DaskExecutor, Executor, LocalProcessExecutor, Outcome, SerialExecutor, execute_page
from .jobs import Job, JobStore, TaskRow
from .runner import BatchReport, BatchRunner, open_job, select_page_ids

__all__ = ["BatchSettings", "make_executor", "resolve_settings", "Executor", "SerialExecutor",
           "LocalProcessExecutor", "DaskExecutor", "Outcome", "execute_page", "Job", "JobStore", "TaskRow",
           "BatchReport", "BatchRunner", "open_job", "select_page_ids"]
