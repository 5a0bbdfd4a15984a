"""Project store: SQLite database + file areas (see :mod:`digitizer.store.project`)."""

from .project import EventRecord, LineVersion, ProjectStore, default_agent

__all__ = ["ProjectStore", "EventRecord", "LineVersion", "default_agent"]
