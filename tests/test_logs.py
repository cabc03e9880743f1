"""Secrets never reach a log line: configured values and token shapes are redacted."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from cortex.logs import REDACTED, RedactingFormatter, configure_logging, redact
from cortex.settings import load_settings


def test_redact_hides_configured_secrets_and_anything_shaped_like_a_token() -> None:
    text = "token=xoxb-1234-abcd secret=s3cret-value app=xapp-1-A0 key=sk-ant-api03-xyz ok"
    shown = redact(text, ["s3cret-value"])
    assert shown == f"token={REDACTED} secret={REDACTED} app={REDACTED} key={REDACTED} ok"


def test_a_traceback_is_redacted_too() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(["hunter2-long-secret"]))
    log = logging.getLogger("tests.logs.traceback")
    log.addHandler(handler)
    try:
        raise ValueError("bad header Authorization: Bearer hunter2-long-secret")
    except ValueError:
        log.exception("request failed")
    finally:
        log.removeHandler(handler)
    assert "hunter2-long-secret" not in stream.getvalue()
    assert "Traceback" in stream.getvalue() and REDACTED in stream.getvalue()


def test_configure_logging_redacts_the_settings_secrets(tmp_path: Path) -> None:
    settings = load_settings(
        {"SLACK_SIGNING_SECRET": "0123456789abcdef", "SLACK_BOT_TOKEN": "xoxb-9-9"}, cwd=tmp_path
    )
    stream, root = io.StringIO(), logging.getLogger()
    level = root.level
    handler = configure_logging(settings, level=logging.DEBUG, stream=stream)
    try:
        logging.getLogger("tests.logs").debug("signing with %s", "0123456789abcdef")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert "0123456789abcdef" not in stream.getvalue() and REDACTED in stream.getvalue()
