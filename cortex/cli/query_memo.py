"""A repeated `cortex query`, answered in about the time it takes to start Python and DuckDB.

Before its first SQL, the full command loads typer, rich, pydantic, the settings, the model,
sqlglot and pandas: about half a second, where the SQL itself takes a few milliseconds. So when
`cortex query` has answered from a DuckDB warehouse file, it keeps a *memo* of that run: the
SQL, how it opened the file (settings, time limit, row cap), the file's version, a digest of the
rows, and the text it printed around the line that says how long the query took.

The next `cortex query` reads the memo before importing anything heavy. The memo is found by a
key over everything else the output depends on: the options as typed, the environment, the
working directory, the terminal, the day (relative ranges and the default as-of day), Python,
the installed packages and Cortex's own modules. Every file the run read (the settings file, or
its absence, metrics.yml and its includes) must still have the same content. The quick path then
opens the file as `DuckDBWarehouse` does and runs the SQL. When the file's version and the rows'
digest are those of the memo, the rows are the ones the memo's text was written for: it prints
that text with this run's timing. Otherwise (no memo, a changed file, other rows, the cache
off, anything unexpected) it prints nothing and the full command runs, and writes the memo again.
A DuckDB error on the quick path is reported as the full command reports it.

Memos live in `<cache dir>/queries/` (`semantic_layer.cache_files`: only the owner may write
there; `CORTEX_MODEL_CACHE=off` turns them off with the model cache), the `MAX_MEMOS` most
recently written of them. A run whose query took
longer than `REMEMBER_UNDER_MS` keeps no memo: writing one runs the query a second time (to take
the rows' digest as the quick path will), and start-up is small next to such a query anyway.

This module imports only the standard library until a memo is found, then duckdb.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from semantic_layer.cache_files import cache_dir, digest, owned, write_atomically

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "MAX_MEMOS",
    "REMEMBER_UNDER_MS",
    "Memo",
    "answer_from_memo",
    "invocation",
    "remember",
    "run_sentence",
]

#: Bumped when a memo's layout or the key's inputs change.
MEMO_FORMAT: Final = 1
#: A run whose query took longer than this keeps no memo.
REMEMBER_UNDER_MS: Final = 1000.0
#: The most memos kept: writing one more removes the least recently written.
MAX_MEMOS: Final = 256
#: Variables that change between two identical commands in one shell, and change no output.
_VOLATILE: Final = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})
_PACKAGES: Final = ("cortex", "semantic_layer", "connectors")

#: The key of this process's `cortex query`, set by `answer_from_memo` (the console script):
#: a run started any other way (tests calling the typer app) keeps no memo.
_invocation: str | None = None


@dataclass(frozen=True)
class Memo:
    """One `cortex query` run, as the quick path needs it to answer the same command again.

    `files` maps each file the run read to the SHA-256 of its content (None: it must not
    exist). `head` is the text printed before the run sentence and `tail` after it (`fresh`
    and `tables` fill the sentence); with `--json`, `payload` is the JSON printed instead.
    """

    files: dict[str, str | None]
    warehouse: str
    version: Any  # `duckdb_file.file_version` of the warehouse, as JSON
    config: dict[str, Any]
    timeout_seconds: float
    max_rows: int
    sql: str
    rows: str = ""
    head: str = ""
    tail: str = ""
    fresh: str = ""
    tables: str = ""
    payload: dict[str, Any] | None = None
    format: int = field(default=MEMO_FORMAT)


def run_sentence(fresh: str, run_ms: float | None, tables: str) -> str:
    """How recent the data is and how the rows were got: `run_ms` None when the result cache
    answered."""
    ran = (
        "from the result cache (the same query on the same data ran before)"
        if run_ms is None
        else f"ran in {run_ms:.0f} ms"
    )
    return f"Data as of {fresh}; {ran} on {tables}"


def invocation() -> str | None:
    """The memo key of this process's `cortex query`, when the console script started it."""
    return _invocation


def answer_from_memo(argv: Sequence[str]) -> bool:
    """Answer `cortex query argv` from its memo, printing what the full command would print.

    True when it answered; False (nothing printed) when the full command must run. Exits with
    the full command's error when DuckDB fails the query.
    """
    global _invocation
    try:
        _invocation = _key(argv)
        folder = cache_dir()
        memo = None if folder is None else _read(_memo_path(folder, _invocation))
        text = None if memo is None else _answer(memo)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception:  # noqa: BLE001 - anything unexpected: the full command answers
        return False
    if text is None:
        return False
    # Once the answer is being written it is this command's: a closed pipe is not a reason
    # for the full command to print it again.
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError:
        pass
    return True


def remember(
    key: str,
    memo: Memo,
    *,
    run_ms: float,
) -> None:
    """Keep `memo` for the command `key` names, after taking the rows' digest as the quick path
    will: by running its SQL once more, on the same version of the file. A slow query, a file
    that changed meanwhile or any failure keeps nothing."""
    folder = cache_dir()
    if folder is None or run_ms > REMEMBER_UNDER_MS:
        return
    try:
        import duckdb

        from connectors.warehouse.duckdb_file import file_version

        path = Path(memo.warehouse)
        with duckdb.connect(path, read_only=True, config=memo.config) as connection:
            if _as_json(file_version(path)) != memo.version:
                return
            rows, _ = _fetch(connection, memo)
        kept = Memo(**{**asdict(memo), "rows": _rows_digest(rows)})
        write_atomically(_memo_path(folder, key), json.dumps(asdict(kept)).encode())
        _prune(folder / "queries")
    except Exception:  # noqa: BLE001 - a memo that cannot be written is no error
        return


def _prune(folder: Path) -> None:
    """Keep the `MAX_MEMOS` most recently written memos."""
    found = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for stale in found[MAX_MEMOS:]:
        stale.unlink(missing_ok=True)


def _answer(memo: Memo) -> str | None:
    """The memo's text with this run's timing, when the SQL run now returns the memo's rows;
    None when the full command must answer."""
    import duckdb

    from connectors.warehouse.duckdb_file import deadline, file_version

    if any(digest(Path(path)) != content for path, content in memo.files.items()):
        return None
    path = Path(memo.warehouse)
    if _as_json(file_version(path)) != memo.version:
        return None
    try:
        with duckdb.connect(path, read_only=True, config=memo.config) as connection:
            # No one writes the file while it is open read-only: the same version as the memo's
            # after connecting means these rows come from the data the memo's text describes.
            if _as_json(file_version(path)) != memo.version:
                return None
            with deadline(connection, memo.timeout_seconds) as expired:
                try:
                    rows, timings = _fetch(connection, memo)
                except duckdb.Error as error:
                    _fail(error, expired=expired.is_set(), timeout_seconds=memo.timeout_seconds)
    except duckdb.Error:
        return None
    if _rows_digest(rows) != memo.rows:
        return None
    return _text(memo, timings)


def _fetch(connection: Any, memo: Memo) -> tuple[list[tuple[Any, ...]], dict[str, float]]:
    """At most `max_rows + 1` rows, as `DuckDBWarehouse` fetches them, and the timings it
    reports (its freshness comes from the file's version, so it takes no time)."""
    started = time.perf_counter()
    relation = connection.sql(memo.sql)
    bound = time.perf_counter()
    rows = [] if relation is None else relation.limit(memo.max_rows + 1).fetchall()
    fetched = time.perf_counter()
    timings = {"execute": (bound - started) * 1000, "fetch": (fetched - bound) * 1000}
    return rows, {**timings, "freshness": 0.0}


def _text(memo: Memo, timings: Mapping[str, float]) -> str:
    if memo.payload is not None:
        provenance = memo.payload["provenance"]
        payload = {**memo.payload, "provenance": {**provenance, "timings_ms": dict(timings)}}
        return json.dumps(payload) + "\n"
    run_ms = sum(timings.values())
    return memo.head + "  • " + run_sentence(memo.fresh, run_ms, memo.tables) + "\n" + memo.tail


def _fail(error: duckdb.Error, *, expired: bool, timeout_seconds: float) -> NoReturn:
    """Report a failed query as the full command does (one `Error:` line and a hint)."""
    import typer

    from connectors.warehouse.duckdb import query_failure
    from cortex.cli.errors import user_errors

    try:
        with user_errors():
            raise query_failure(error, expired=expired, timeout_seconds=timeout_seconds)
    except typer.Exit as stop:
        raise SystemExit(stop.exit_code) from None
    raise SystemExit(1)  # user_errors reports every WarehouseError and exits


def _read(path: Path) -> Memo | None:
    if not path.is_file() or not owned(path):
        return None
    raw = json.loads(path.read_bytes())
    if not isinstance(raw, dict) or raw.get("format") != MEMO_FORMAT:
        return None
    return Memo(**raw)


def _memo_path(folder: Path, key: str) -> Path:
    return folder / "queries" / f"{key}.json"


def _rows_digest(rows: list[tuple[Any, ...]]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _as_json(value: object) -> Any:
    return json.loads(json.dumps(value))


def _key(argv: Sequence[str]) -> str:
    """Everything besides the files and the data that decides what `cortex query argv` prints."""
    stdout = sys.stdout
    terminal = None
    if stdout.isatty():
        size = os.get_terminal_size(stdout.fileno())
        terminal = [size.columns, size.lines]
    environment = sorted((k, v) for k, v in os.environ.items() if k not in _VOLATILE)
    parts = {
        "format": MEMO_FORMAT,
        "argv": list(argv),
        "cwd": os.getcwd(),
        "environment": environment,
        "terminal": terminal,
        "today": date.today().isoformat(),
        "python": [sys.executable, sys.version],
        "installed": _installed(),
        "code": _code(),
    }
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def _installed() -> list[str]:
    """The distributions installed where Python finds packages (their names carry versions)."""
    names: list[str] = []
    for entry in sys.path:
        if entry.endswith("-packages") and os.path.isdir(entry):
            names.extend(sorted(os.listdir(entry)))
    return names


def _code() -> list[tuple[str, int, int]]:
    """Size and modification time of every module of Cortex's packages."""
    root = Path(__file__).resolve().parents[2]
    found: list[tuple[str, int, int]] = []
    for package in _PACKAGES:
        for folder, subfolders, files in os.walk(root / package):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    found.append((os.path.join(folder, name), info.st_size, info.st_mtime_ns))
    return found
