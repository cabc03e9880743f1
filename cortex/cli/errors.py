"""Failures as a person at the terminal reads them: one `Error:` sentence, a `Hint:`, exit 1.

`user_errors` wraps every command; the option checks refuse bad input before any work, and
`write` names the file it could not write.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import typer
from rich.markup import escape

from cortex.cli.render import err, print_issues
from cortex.errors import InternalError, UserError
from cortex.logs import command_logging
from semantic_layer.errors import DefinitionError, QueryError, SemanticLayerError, did_you_mean

_log = logging.getLogger("cortex")


def _log_internal(error: BaseException) -> InternalError:
    internal = InternalError("Cortex hit an unexpected problem.")
    _log.error("trace %s", internal.trace_id, exc_info=error)  # to data/cortex.log
    return internal


@contextmanager
def user_errors(*, log_to_file: bool = True) -> Iterator[None]:
    """Every failure becomes one clear sentence and a hint on stderr; never a traceback.

    While the command runs, Cortex's warnings show as one line each and its log records, with
    their tracebacks, go to data/cortex.log (CORTEX_LOG_DIR), unless `log_to_file` is False (a
    command that configures logging itself).
    """
    log_dir = Path(os.environ.get("CORTEX_LOG_DIR") or Path.cwd() / "data")
    with command_logging(log_dir / "cortex.log") if log_to_file else nullcontext(), _reported():
        yield


@contextmanager
def _reported() -> Iterator[None]:
    """Each failure as `Error:` and `Hint:` lines (see `user_errors`)."""
    try:
        yield
    except DefinitionError as error:
        print_issues(error.issues)
        raise typer.Exit(1) from None
    except UserError as error:
        fail(str(error), getattr(error, "hint", None))
    except QueryError as error:
        hint = "Run `cortex metrics` to see the metrics and dimensions you can use."
        fail(error.message, error.hint or (None if "cortex metrics" in error.message else hint))
    except SemanticLayerError as error:
        fail(str(error), None)
    except ValueError as error:  # bad arguments to the demo builder and friends
        fail(str(error), None)
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 - the last line of defence for the user
        if _is_warehouse_error(error):
            fail(str(error), getattr(error, "hint", None))
        internal = _log_internal(error)
        fail(
            f"Sorry, something went wrong on our side (trace {internal.trace_id}).",
            "The details are in data/cortex.log; quote the trace id when you report it.",
        )


def _is_warehouse_error(error: Exception) -> bool:
    """Whether `error` is a `WarehouseError`, without importing the connectors (and pandas)
    for a command that never opened a warehouse: then it cannot be one."""
    base = sys.modules.get("connectors.warehouse.base")
    return base is not None and isinstance(error, base.WarehouseError)


def fail(message: str, hint: str | None) -> None:
    """Print `Error: message` and `Hint: hint` on stderr, and exit with status 1."""
    err.print(f"[bold red]Error:[/] {escape(message)}")
    if hint:
        err.print(f"[dim]Hint: {escape(hint)}[/]")
    raise typer.Exit(1)


# --------------------------------------------------------------------------- options


def in_range(option: str, value: int | None, low: int, high: int, hint: str) -> None:
    """Refuse a whole-number option outside `low`..`high` (None: not given) before any work."""
    if value is not None and not low <= value <= high:
        fail(f"{option} {value} is not between {low} and {high}.", hint)


def choice(option: str, value: str | None, choices: tuple[str, ...]) -> None:
    """Refuse an option that is not one of `choices` (None: not given), with a "Did you mean"."""
    if value is not None and value not in choices:
        fail(
            f"{option} {value!r} is not one of: {', '.join(choices)}."
            + did_you_mean(value, choices),
            None,
        )


_WRITE_HINT = "Give a path in a folder you can write to."


def writable(option: str, path: Path | None, example: str) -> None:
    """Refuse an output file that cannot be written, before any work (None: not given)."""
    if path is None:
        return
    folder = path.parent
    if path.is_dir():
        fail(f"{option} {path} is a folder.", f"Give the path of a file, e.g. {path / example}.")
    if folder.exists() and not folder.is_dir():
        fail(f"{option} {path} cannot be written: {folder} is a file, not a folder.", _WRITE_HINT)
    if not folder.exists():
        fail(
            f"{option} {path} cannot be written: the folder {folder} does not exist.",
            "Create the folder first, or give a path in one that exists.",
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        fail(f"{option} {path} cannot be written: permission denied.", _WRITE_HINT)


def write(option: str, path: Path, data: bytes) -> None:
    """Write `data` to the file `path` given as `option`; a failure is one sentence naming it."""
    try:
        path.write_bytes(data)
    except OSError as error:
        fail(f"{option} {path} cannot be written: {error.strerror or error}.", _WRITE_HINT)
