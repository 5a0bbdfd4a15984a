"""One exception hierarchy for the whole core.

Every error a user can meet carries an ``exit_code`` (what scripts rely on) and a
``user_message`` (one line: what happened and what to do).  Front ends (CLI, GUI)
convert them in exactly one place.  ``docs/errors.md`` lists them.
"""

from __future__ import annotations


class ExitCode:
    OK = 0
    GENERIC = 1
    USAGE = 2
    INPUT = 3          # bad input files (some or all pages failed)
    MISSING_DEPENDENCY = 4
    ENGINE = 5
    EXPORT_INVALID = 6
    PROJECT = 7        # project missing/locked/corrupt
    PROFILE = 8
    CANCELLED = 130
    VERIFY_FAILED = 9
    WORKFLOW_REFUSED = 10   # a state transition the workflow does not allow (docs/workflow.md)
    DISK_FULL = 11     # no space left on a device: the run stopped, the path is named
    QA_GATE = 12       # export refused: items not accepted by QA (see docs/quality.md)
    ACCESS_LEAK = 13   # restricted material found in an access package (digitizer verify --access)


class DigitizerError(Exception):
    exit_code: int = ExitCode.GENERIC

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def user_message(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class MissingDependencyError(DigitizerError):
    exit_code = ExitCode.MISSING_DEPENDENCY


class InputFileError(DigitizerError):
    """A single input file cannot be used. ``path`` and ``reason`` make the one-line error."""

    exit_code = ExitCode.INPUT

    def __init__(self, path: object, reason: str, *, hint: str | None = None):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}", hint=hint)


class EngineError(DigitizerError):
    exit_code = ExitCode.ENGINE


class ExportInvalidError(DigitizerError):
    """A document failed schema validation; nothing was written."""

    exit_code = ExitCode.EXPORT_INVALID

    def __init__(self, message: str, *, errors: list[str] | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.errors = list(errors or [])


class ProjectError(DigitizerError):
    exit_code = ExitCode.PROJECT


class ProjectLockedError(ProjectError):
    """Another process holds the project lock (``holder`` describes it: pid, host, started, purpose)."""

    def __init__(self, message: str, *, holder: dict[str, object] | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.holder = dict(holder or {})


class InvalidTextError(DigitizerError):
    """Text offered for a line or a metadata field contains a character XML cannot carry."""

    exit_code = ExitCode.INPUT

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class WorkflowRefusedError(DigitizerError):
    """A transition of a line, page or item state that the workflow refuses (one line: what and why)."""

    exit_code = ExitCode.WORKFLOW_REFUSED


class ProfileError(DigitizerError):
    exit_code = ExitCode.PROFILE


class VerifyFailedError(DigitizerError):
    exit_code = ExitCode.VERIFY_FAILED


class DiskFullError(DigitizerError):
    """No space left while writing ``path``: the run stops (nothing half-written is kept)."""

    exit_code = ExitCode.DISK_FULL

    def __init__(self, path: object, *, hint: str | None = "free some space and run the command again"):
        self.path = str(path)
        super().__init__(f"{self.path}: no space left on the device", hint=hint)


class CancelledError(DigitizerError):
    exit_code = ExitCode.CANCELLED

    def __init__(self, message: str = "cancelled by user"):
        super().__init__(message)
