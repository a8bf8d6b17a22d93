"""A throwaway PostgreSQL cluster for the test run: Debian's server binaries, a temporary folder, a free port.

`make test` installs Debian's `postgresql`; CI runs as root and `initdb` refuses root, so the cluster runs as
the `postgres` user then. KEFU_TEST_POSTGRES_URL points the tests at a server of your own instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class ThrowawayPostgres:
    """`with ThrowawayPostgres(port) as url:` a fresh cluster with one database, stopped and removed afterwards.
    Its folder is its own under the system temp dir: pytest's is private to root, which `postgres` cannot enter."""

    def __init__(self, port: int):
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="kefu-postgres-")), port
        self.data, self.sockets = self.folder / "data", self.folder / "sockets"
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")

    @property
    def available(self) -> bool:
        return bool(self.initdb and self.pg_ctl)

    def _run(self, *command: str) -> None:
        done = subprocess.run(_as_owner(list(command)), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip() or done.stdout.strip()}")

    def __enter__(self) -> str:
        self.sockets.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.sockets, "postgres")
            self.folder.chmod(0o755)
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-instructions")
        self._run(self.pg_ctl, "-D", str(self.data), "-w", "-l", str(self.folder / "server.log"), "-o",
                  f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        psql = _binary("psql") or "psql"
        self._run(psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", "CREATE DATABASE kefu_test")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/kefu_test"

    def __exit__(self, *exc) -> None:
        subprocess.run(_as_owner([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
