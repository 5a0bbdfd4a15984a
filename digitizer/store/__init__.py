"""Project store: SQLite database + file areas (see :mod:`digitizer.store.project`)."""

from .project import EventRecord, LineState, LineVersion, ProjectStore, default_agent

__all__ = ["ProjectStore", "EventRecord", "LineState", "LineVersion", "default_agent"]
