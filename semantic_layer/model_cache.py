"""The loaded model, kept between runs: `metrics.yml` is parsed and validated once per content.

Reading the demo's metrics.yml (YAML with line numbers, unknown-key checks, pydantic) takes a
few hundred milliseconds, on every CLI call; unpickling the model it gives takes one. An entry
is keyed by the root file (and the working directory, which the model's `file:line` locations
are relative to) and holds the SHA-256 of every file the load read, the root and each include:
it is used only while every one of them still has that content, so an edit anywhere, a new
include or a removed one (the root's content changes) loads afresh.

An entry is never trusted across versions: its stamp holds `CACHE_FORMAT`, the installed
Cortex and pydantic versions, Python's, and the size and modification time of every module of
this package (the classes pickled). Only models that loaded without errors are kept (a load with
errors raises, and its issues are reported every time). Entries live in `$CORTEX_CACHE_DIR`,
else `$XDG_CACHE_HOME/cortex`, else `~/.cache/cortex`, in a directory only its owner can write;
an entry another user could have written is ignored, as is any entry that fails to read.
`CORTEX_MODEL_CACHE=off` turns the cache off. Nothing here ever fails a load: a cache that
cannot be read or written is a cache miss.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pydantic

from semantic_layer.cache_files import cache_dir, digest, owned, write_atomically
from semantic_layer.model import SemanticModel

__all__ = ["CACHE_FORMAT", "cache_dir", "cached_model", "cached_sources"]

#: Bumped when an entry's layout changes.
CACHE_FORMAT = 1

_log = logging.getLogger("semantic_layer.cache")


@dataclass(frozen=True)
class _Entry:
    stamp: str
    files: dict[str, str]  # resolved path -> SHA-256 of its bytes
    model: SemanticModel


@lru_cache(maxsize=1)
def _stamp() -> str:
    """What must be equal for an entry to be read: the versions and this package's modules."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            cortex = version("cortex")
        except PackageNotFoundError:
            cortex = "source"
    except ImportError:  # pragma: no cover
        cortex = "unknown"
    modules = sorted(Path(__file__).parent.rglob("*.py"))
    code = ",".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in modules)
    return (
        f"{CACHE_FORMAT}|{cortex}|{pydantic.VERSION}|{sys.version_info[:3]}|"
        + hashlib.sha256(code.encode()).hexdigest()
    )


def _entry_path(folder: Path, root: Path) -> Path:
    key = f"{root.resolve()}|{Path.cwd()}".encode()
    return folder / f"model-{hashlib.sha256(key).hexdigest()[:32]}.pickle"


def _read(entry_path: Path) -> _Entry | None:
    """The entry at `entry_path` while it is ours, of this version, and every file it was read
    from still has the same content."""
    try:
        if not entry_path.is_file() or not owned(entry_path):
            return None
        entry = pickle.loads(entry_path.read_bytes())  # noqa: S301 - our own file, checked
    except Exception:  # noqa: BLE001 - a damaged entry is a miss
        _log.debug("model cache entry %s unreadable", entry_path, exc_info=True)
        return None
    if not isinstance(entry, _Entry) or entry.stamp != _stamp():
        return None
    if any(digest(Path(p)) != kept for p, kept in entry.files.items()):
        return None
    return entry


def _write(entry_path: Path, model: SemanticModel, files: Sequence[Path]) -> None:
    digests = {str(p.resolve()): digest(p) for p in files}
    if any(d is None for d in digests.values()):
        return
    entry = _Entry(_stamp(), {p: d for p, d in digests.items() if d is not None}, model)
    try:
        write_atomically(entry_path, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no error
        _log.debug("model cache entry %s not written", entry_path, exc_info=True)


def cached_model(
    path: Path, load: Callable[[Path], tuple[SemanticModel, Sequence[Path]]]
) -> SemanticModel:
    """The model of `path`: from the cache when every file it was read from is unchanged, else
    from `load(path)` (which returns the model and the files it read, or raises), then kept."""
    folder = cache_dir()
    if folder is None:
        return load(path)[0]
    entry_path = _entry_path(folder, path)
    entry = _read(entry_path)
    if entry is not None:
        return entry.model
    model, files = load(path)
    _write(entry_path, model, files)
    return model


def cached_sources(path: Path) -> dict[str, str] | None:
    """The files the cached model of `path` was read from (the root and its includes, resolved),
    each with the SHA-256 of its content; None when there is no valid entry."""
    folder = cache_dir()
    entry = None if folder is None else _read(_entry_path(folder, path))
    return None if entry is None else dict(entry.files)
