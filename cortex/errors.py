"""Cortex's errors: what the user is told, and what only the log sees.

Our exception hierarchy::

    CortexError
     ├── UserError          shown to the user as is: what happened, then what to do (`hint`)
     │    ├── SettingsError  a bad setting in the environment or cortex.toml
     │    └── AccessDenied   the person asking may not see what the question needs
     └── InternalError      a bug or an outage: the user sees an apology and a trace id,
                            the log gets the message and the traceback under the same id

`CortexError.user_message` is the text to show in Slack or the terminal, whichever the error.
This module imports nothing from the rest of the package.
"""

from __future__ import annotations

import secrets

__all__ = [
    "AccessDenied",
    "CortexError",
    "InternalError",
    "SettingsError",
    "UserError",
    "new_trace_id",
]


class CortexError(Exception):
    """Base class of every error Cortex raises on purpose; `str()` is the message alone."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def user_message(self) -> str:
        """The text to show the user."""
        return self.message


class UserError(CortexError):
    """Something the user can fix: `message` says what happened, `hint` what to do.

    Both are shown to the user as they are, so they must not hold a traceback or a secret.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    @property
    def user_message(self) -> str:
        """The message, then the hint on a line of its own."""
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"


class SettingsError(UserError):
    """A setting has a bad value or an unknown name; the message names it and the expected form."""


class AccessDenied(UserError):
    """The asker's roles do not allow a metric, a table or a row the question needs.

    The message names what is restricted and never shows restricted data.
    """


class InternalError(CortexError):
    """Something went wrong on our side; the user sees an apology and `trace_id`, never the cause.

    Log its trace id with the traceback (`logger.exception("trace %s", error.trace_id)`) so
    that the id the user reports finds the cause. Wrap an unexpected exception with
    `raise InternalError(...) from exc`.
    """

    def __init__(self, message: str, *, trace_id: str | None = None) -> None:
        super().__init__(message)
        self.trace_id = trace_id if trace_id is not None else new_trace_id()

    @property
    def user_message(self) -> str:
        """An apology and the trace id; the message itself stays in the log."""
        return (
            "Sorry, something went wrong on our side and I could not finish this. "
            f"If it keeps happening, report trace id {self.trace_id}."
        )


def new_trace_id() -> str:
    """A short random hex id (8 characters) that ties a user's report to a log entry."""
    return secrets.token_hex(4)
