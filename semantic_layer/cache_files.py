"""Where Cortex keeps what it can compute again, and how an entry is trusted: standard library
only, so that the quickest paths (a repeated `cortex query`) can read it before anything heavy
is imported.

Entries live in `$CORTEX_CACHE_DIR`, else `$XDG_CACHE_HOME/cortex`, else `~/.cache/cortex`, in
directories only their owner can write; an entry another user could have written is not read.
`CORTEX_MODEL_CACHE=off` turns the caches off.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "digest", "owned", "write_atomically"]


def cache_dir() -> Path | None:
    """Where entries are kept, or None when the caches are off."""
    if os.environ.get("CORTEX_MODEL_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    if explicit := os.environ.get("CORTEX_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cortex"


def digest(path: Path) -> str | None:
    """The SHA-256 of the file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def owned(path: Path) -> bool:
    """Whether `path` belongs to this user and no one else may write it."""
    info = path.stat()
    getuid = getattr(os, "getuid", None)
    return (getuid is None or info.st_uid == getuid()) and not info.st_mode & 0o022


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in its directory (created only its owner
    can write), so a reader sees the old entry or the new one, never half of one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
