"""Logging for Cortex, with secrets taken out of every line.

`configure_logging(settings)`, for long-running processes, sends log lines to stderr through a
`RedactingFormatter`: the values of the configured secrets (Slack tokens and signing secret,
the Anthropic key) and anything shaped like a Slack, Anthropic or MCP bearer token become
`<redacted>`, in the message, its arguments and its traceback alike. Libraries log request
headers at DEBUG (slack_sdk does), so the redaction sits at the formatter, where every record
passes last.

`command_logging(log_file)`, around a command run at the terminal, shows Cortex's warnings as
one line each on stderr ("Warning: ..."), never with a traceback, and appends every Cortex
record, DEBUG and tracebacks included, to `log_file`. Errors are not shown on the terminal:
the command reports them itself (an apology with the trace id that finds them in the file).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TextIO

from cortex.settings import Settings

__all__ = [
    "REDACTED",
    "RedactingFormatter",
    "command_logging",
    "configure_logging",
    "redact",
    "secrets_of",
]

REDACTED: Final = "<redacted>"
_TOKEN_SHAPES: Final = re.compile(
    r"\b(?:xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-ant-[A-Za-z0-9_-]+"
    r"|cmcp_[A-Za-z0-9_-]+)"  # Slack, Anthropic, and Cortex's own MCP bearer tokens
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with each secret value and each token-shaped string replaced by `<redacted>`."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 6:  # a too-short "secret" would blank out ordinary words
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def secrets_of(settings: Settings) -> tuple[str, ...]:
    """The secret values in `settings`."""
    values = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.anthropic_api_key,
    )
    return tuple(v.get_secret_value() for v in values if v is not None)


class RedactingFormatter(logging.Formatter):
    """A formatter whose output never holds one of `secrets` or a token-shaped string."""

    def __init__(self, secrets: Iterable[str] = (), fmt: str | None = None) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def configure_logging(
    settings: Settings, *, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Log to `stream` (stderr) at `level` through a `RedactingFormatter`; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets_of(settings)))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


class _WarningLine(logging.Formatter):
    """`Warning: <message>` on one line: no traceback, however the record was logged."""

    def format(self, record: logging.LogRecord) -> str:
        return redact("Warning: " + " ".join(record.getMessage().split()))


class _LogFile(logging.FileHandler):
    """A log file made (with its folder) on the first record; one that cannot be written loses
    the record rather than print a traceback on the user's terminal."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """Drop the record: the terminal is no place for the logging module's traceback."""


@contextmanager
def command_logging(log_file: Path, *, stream: TextIO | None = None) -> Iterator[None]:
    """While the block runs: Cortex's warnings to `stream` (stderr) as one line each, and every
    Cortex record (DEBUG up, with tracebacks) appended to `log_file`; see the module doc."""
    logger = logging.getLogger("cortex")
    terminal = logging.StreamHandler(stream or sys.stderr)
    terminal.setLevel(logging.WARNING)
    terminal.addFilter(lambda record: record.levelno == logging.WARNING)
    terminal.setFormatter(_WarningLine())
    file = _LogFile(log_file)
    file.setFormatter(RedactingFormatter())
    level = logger.level
    logger.addHandler(terminal)
    logger.addHandler(file)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(terminal)
        logger.removeHandler(file)
        logger.setLevel(level)
        file.close()
