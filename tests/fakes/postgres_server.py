"""A real, throwaway PostgreSQL server for the tests: Debian's binaries, a temporary cluster.

`PostgresServer.start()` runs `initdb` into a fresh temporary folder, starts the server on a
free port of 127.0.0.1 (its socket in that folder too) and waits until it answers; `stop()`
stops it fast and deletes the folder. PostgreSQL refuses to run as root, so as root (CI) the
cluster belongs to the `postgres` system user (Debian's package creates it) and the binaries run
through `runuser`; as anyone else they run as that user.

The cluster trusts local connections (`initdb --auth=trust`): it listens on loopback only and
lives for one test session. `url` connects as the superuser `cortex`; `readonly_url` as the role
`cortex_reader`, which can only read (what a deployment should give Cortex).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["PostgresServer", "PostgresUnavailable", "postgres_bin"]

_SEARCH: Final = ("/usr/lib/postgresql",)
_SUPERUSER: Final = "cortex"
_READER: Final = "cortex_reader"
_DATABASE: Final = "cortex"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed (`apt-get install postgresql`)."""


def postgres_bin() -> Path:
    """The folder of the newest installed PostgreSQL's `initdb` and `pg_ctl`."""
    for root in _SEARCH:
        versions = sorted(
            (path for path in Path(root).glob("*/bin") if (path / "initdb").is_file()),
            key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        )
        if versions:
            return versions[-1]
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed: `apt-get install postgresql` (./run test does it as root)."
    )


def _runuser() -> str:
    """util-linux's runuser, which lives in sbin: found there when PATH holds no sbin (a
    minimal environment, such as `env -i PATH=/usr/bin:/bin`)."""
    found = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if found is None:
        raise PostgresUnavailable(
            "runuser is not installed (util-linux): PostgreSQL cannot be started as root."
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """One running throwaway cluster; `url` and `readonly_url` connect to its database."""

    folder: Path
    port: int
    bin: Path
    as_user: str | None  # the system user the server runs as, when we are root

    @classmethod
    def start(cls, *, timeout_seconds: float = 30.0) -> PostgresServer:
        """initdb, start on a free loopback port, create the database and the reader role."""
        binaries = postgres_bin()
        as_user = "postgres" if os.geteuid() == 0 else None
        folder = Path(tempfile.mkdtemp(prefix="cortex-pg-"))
        if as_user is not None:
            shutil.chown(folder, user=as_user)
        server = cls(folder=folder, port=_free_port(), bin=binaries, as_user=as_user)
        try:
            server._command(
                "initdb", "-D", str(folder / "data"), "-U", _SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
            options = (
                f"-k {folder} -p {server.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c TimeZone=UTC"
            )
            server._command(
                "pg_ctl", "start", "-D", str(folder / "data"), "-l", str(folder / "server.log"),
                "-w", "-t", str(int(timeout_seconds)), "-o", options,
            )  # fmt: skip
            server._setup()
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def url(self) -> str:
        """The superuser's URL (loads data)."""
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/{_DATABASE}"

    @property
    def readonly_url(self) -> str:
        """A role that can connect and read the public schema, nothing more."""
        return f"postgresql://{_READER}@127.0.0.1:{self.port}/{_DATABASE}"

    def grant_reads(self) -> None:
        """Let the reader read every table of the public schema as it is now."""
        self.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {_READER}")

    def stop(self) -> None:
        """Stop the server (fast mode) and delete its folder; harmless when not running."""
        if (self.folder / "data" / "postmaster.pid").exists():
            subprocess.run(
                self._argv("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "fast"),
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def _setup(self) -> None:
        self.sql(f"CREATE DATABASE {_DATABASE}", database="postgres")
        self.sql(f"CREATE ROLE {_READER} LOGIN")
        self.sql(f"GRANT USAGE ON SCHEMA public TO {_READER}")

    def sql(self, statement: str, *, database: str = _DATABASE) -> None:
        """Run one statement as the superuser (autocommit)."""
        import psycopg

        url = f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/{database}"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement.encode())

    def _argv(self, program: str, *arguments: str) -> list[str]:
        argv = [str(self.bin / program), *arguments]
        return argv if self.as_user is None else [_runuser(), "-u", self.as_user, "--", *argv]

    def _command(self, program: str, *arguments: str) -> None:
        started = time.monotonic()
        done = subprocess.run(
            self._argv(program, *arguments), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{program} failed after {time.monotonic() - started:.1f} s "
                f"({done.returncode}): {done.stderr.strip()}\n{tail}"
            )
