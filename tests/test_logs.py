"""Secrets never reach a log line: configured values and token shapes are redacted."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from cortex.logs import REDACTED, RedactingFormatter, command_logging, configure_logging, redact
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


def test_a_command_shows_warnings_as_one_line_and_keeps_tracebacks_in_its_log_file(
    tmp_path: Path,
) -> None:
    terminal, log_file = io.StringIO(), tmp_path / "data" / "cortex.log"
    log = logging.getLogger("cortex.tests")
    with command_logging(log_file, stream=terminal):
        try:
            raise OSError("disk on fire\nsecond line, token xoxb-123-secret")
        except OSError as error:
            log.warning("the store failed:\n%s", error, exc_info=True)
            log.error("trace 1234abcd", exc_info=True)
            log.debug("details")
    assert terminal.getvalue() == (
        f"Warning: the store failed: disk on fire second line, token {REDACTED}\n"
    )
    written = log_file.read_text(encoding="utf-8")
    assert "ERROR cortex.tests: trace 1234abcd\nTraceback" in written
    assert "DEBUG cortex.tests: details" in written and "xoxb-123" not in written
    assert logging.getLogger("cortex").handlers == []  # nothing left behind


def test_a_command_whose_log_file_cannot_be_written_still_shows_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # only the command's handlers
    (tmp_path / "data").write_text("a file where the log folder should be\n", encoding="utf-8")
    with command_logging(tmp_path / "data" / "cortex.log", stream=io.StringIO()):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("cortex.tests").exception("trace 5678")
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
