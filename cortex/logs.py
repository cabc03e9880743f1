"""Logging for long-running Cortex processes, with secrets taken out of every line.

`configure_logging(settings)` sends log lines to stderr through a `RedactingFormatter`: the
values of the configured secrets (Slack tokens and signing secret, the Anthropic key) and
anything shaped like a Slack or Anthropic token become `<redacted>`, in the message, its
arguments and its traceback alike. Libraries log request headers at DEBUG (slack_sdk does),
so the redaction sits at the formatter, where every record passes last.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import Final, TextIO

from .settings import Settings

__all__ = ["REDACTED", "RedactingFormatter", "configure_logging", "redact", "secrets_of"]

REDACTED: Final = "<redacted>"
_TOKEN_SHAPES: Final = re.compile(
    r"\b(?:xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-ant-[A-Za-z0-9_-]+)"
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
