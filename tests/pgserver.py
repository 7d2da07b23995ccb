"""A PostgreSQL server of its own in a temporary folder, from the Debian packages, for the
tests and benchmarks of the shared backend (no network: a Unix socket in the folder).

PostgreSQL refuses to run as root: as root the server runs as the `postgres` user that
the Debian package creates, and the folder is handed to it."""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["PgServer", "available"]

BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> str:
    """Empty when a server can be started here, else why not."""
    if not (BIN / "initdb").is_file():
        return "PostgreSQL 15 is not installed (make setup installs postgresql-15)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (make setup installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without the postgres user"
    return ""


class PgServer:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="gendan-pg-"))
        self.data = self.folder / "data"
        self.port = 20000 + (os.getpid() * 7 + int(time.time())) % 20000
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        os.chmod(self.folder, 0o755)

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")

    def start(self) -> PgServer:
        self._run(str(BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-k {self.folder} -p {self.port} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                  "-o", options, "-w", "-t", "60", "start")
        atexit.register(self.stop)  # a run stopped early leaves no server behind
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.port}"

    def new_database(self) -> str:
        """A fresh, empty database (one a test), its URL."""
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
        return self.url(name)

    def clone(self, url: str) -> str:
        """A new database, a copy of the one at `url` (whose connections are closed)."""
        import psycopg

        source = url.split("/")[3].split("?")[0]
        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = %s", (source,))
            db.execute(f"CREATE DATABASE {name} TEMPLATE {source}")
        return self.url(name)

    def stop(self) -> None:
        if not self.data.is_dir():
            return
        subprocess.run([*self._as, str(BIN / "pg_ctl"), "-D", str(self.data), "-m",
                        "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def drop_database(server: PgServer, url: str) -> None:
    """Close every connection to a test's database (the server's side) and drop it."""
    import psycopg

    from pipeline import index

    name = url.split("/")[3].split("?")[0]
    for key in [k for k in index._SHARED if k[0] == url]:
        del index._SHARED[key]
    with psycopg.connect(server.url(), autocommit=True) as db:
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                   (name,))
        db.execute(f"DROP DATABASE IF EXISTS {name}")


def use_database(root: Path, url: str) -> None:
    """Name the database in a workspace's settings (replacing the one named before)."""
    config = root / "gendan.toml"
    text = config.read_text(encoding="utf-8") if config.is_file() else ""
    kept = ("\n" + text).split("\n[store]\n")[0].strip("\n")
    config.write_text((kept + "\n\n" if kept else "") + f'[store]\nurl = "{url}"\n',
                      encoding="utf-8")
