"""sohoa's one error model: every error that reaches a user is a :class:`SohoaError`, which
carries the exit code that goes with it and what the clerk can do about it.

The command line turns them into text and exit codes in one place (`sohoa.cli.main`); flows
turn them into the reasons recorded for a dossier with :func:`failure_reason`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """The exit codes of every `sohoa` command (docs/design.md)."""

    DONE = 0
    USAGE = 1  # a bad option, argument or configuration
    INPUT = 2  # an input problem: nothing usable, or no such document
    DEPENDENCY = 3  # Tesseract, its language data or SeaweedFS is missing
    PARTIAL = 4  # some inputs quarantined; the rest is committed
    STORAGE = 5  # the object store, the catalogue or a background server is unreachable
    WORKER = 6  # the background worker was killed or failed mid-dossier
    INTERRUPTED = 130  # Ctrl+C, as a shell reports SIGINT


class SohoaError(Exception):
    """An error with a message for the clerk and the exit code that goes with it.

    The message is `what` went wrong (when the class says), the error's own text, then the
    class's `advice` on what to do."""

    exit_code: ExitCode = ExitCode.USAGE
    what: ClassVar[str] = ""
    advice: ClassVar[str] = ""

    @property
    def clerk_message(self) -> str:
        message = f"{self.what}: {self}" if self.what else str(self)
        return f"{message}. {self.advice}" if self.advice else message


class UsageError(SohoaError):
    """A bad option, argument or configuration value."""


class InputProblem(SohoaError):
    """The input holds nothing to work on, or names something that does not exist."""

    exit_code = ExitCode.INPUT


class MissingDependency(SohoaError):
    """Something sohoa needs is not installed."""

    exit_code = ExitCode.DEPENDENCY


class StoreUnreachable(SohoaError):
    """A store or background server sohoa needs does not answer."""

    exit_code = ExitCode.STORAGE


def failure_reason(error: BaseException) -> str:
    """Why a dossier could not be digitised, in words a clerk can act on (the worker's log
    has the traceback of anything that is not a :class:`SohoaError`)."""
    if isinstance(error, SohoaError):
        return error.clerk_message
    return f"{type(error).__name__}: {error}"
