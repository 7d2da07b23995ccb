"""The shared backend: the order store with its registry, locks, journal, counters and
index in PostgreSQL (`[store] url`), for several processes on several machines that reach
one database and one archive folder (a shared path).

What changes against the workspace on one machine (`store.py`), and nothing above it:

- an order's lock is a PostgreSQL advisory lock on a connection of its own, held from
  reading to filing; a process that dies loses its connection and with it its locks;
- the registry of orders, the journal of commits in flight and the number counters are
  tables, written in the same database as the index;
- whether the writer of a journal entry still runs is asked of the database when it ran on
  another machine: each process holds a lock named after its host and pid while it
  writes, which the database releases when the process is gone.

The archive's files stay what they are (originals byte-exact, sidecars, the event's
sidecar written last) on a folder every machine mounts.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import faults
from .errors import BusyError
from .fsutil import safe_name
from .index import Index
from .store import OrderRef, OrderStore, pid_alive
from .workspace import remote_location, store_location

if TYPE_CHECKING:
    from .clock import Clock
    from .summary import Policy
    from .workspace import Workspace

__all__ = ["SharedStore", "migrate", "open_store", "share_archive"]

HOST = socket.gethostname()


def open_store(workspace: Workspace, *, url: str = "", schema: str = "",
               clock: Clock | None = None, file_mode: int | None = None,
               policy: Policy | None = None, archive_url: str = "",
               archive_endpoint: str = "") -> OrderStore:
    """The workspace's store: the shared backend when a database is named, the archive's
    shared copy (remote.py) when one is."""
    url, schema = store_location(workspace.config_path, url, schema)
    archive_url, archive_endpoint = remote_location(workspace.config_path, archive_url,
                                                   archive_endpoint)
    remote = None
    if archive_url:
        from .remote import RemoteArchive

        remote = RemoteArchive(archive_url, workspace.archive, endpoint=archive_endpoint,
                               file_mode=file_mode)
    if url:
        return SharedStore(workspace.archive, url, schema, clock=clock, file_mode=file_mode,
                           policy=policy, remote=remote)
    return OrderStore(workspace.archive, clock=clock, file_mode=file_mode, policy=policy,
                      remote=remote)


class _Held:
    """A lock taken by `try_lock`: released by `release()`, like a file lock."""

    def __init__(self, store: SharedStore, connection: Any, name: str) -> None:
        self.store, self.connection, self.name = store, connection, name

    def release(self) -> None:
        self.store._unlock(self.connection, self.name)


class SharedStore(OrderStore):
    """The order store whose registry, locks, journal, counters and index are in
    PostgreSQL, and whose files are in a folder shared by every machine."""

    def __init__(self, root: Path, url: str, schema: str = "", **options: Any) -> None:
        index = Index(root / ".index", url=url, schema=schema)
        super().__init__(root, index=index, **options)
        self.url, self.schema = url, schema
        self.pg = index.catalogue.pg  # type: ignore[attr-defined]
        self._idle: list[tuple[int, Any]] = []  # lock connections not holding a lock
        self._presence: tuple[int, Any, bool] | None = None  # pid, connection, held

    def _db(self) -> Any:
        return self.pg.db()

    def fresh(self) -> SharedStore:
        return SharedStore(self.root, self.url, self.schema, policy=self.policy,
                           file_mode=self.file_mode, remote=self.remote)

    # -- the registry ----------------------------------------------------------------------
    def locate(self, order_no: str) -> OrderRef | None:
        from .fsutil import order_key

        row = self._db().execute("SELECT order_no, customer, folder FROM registry WHERE key = ?",
                                 (order_key(order_no),)).fetchone()
        return OrderRef(row[0], row[1], row[2]) if row else None

    def refs(self) -> Iterator[OrderRef]:
        rows = self._db().execute("SELECT order_no, customer, folder FROM registry "
                                  "ORDER BY key").fetchall()
        yield from (OrderRef(r[0], r[1], r[2]) for r in rows)

    def claim(self, key: str, ref: OrderRef) -> None:
        faults.step(f"registry {key}")
        self._db().execute(
            "INSERT INTO registry (key, order_no, customer, folder) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET order_no = excluded.order_no, "
            "customer = excluded.customer, folder = excluded.folder",
            (key, ref.order_no, ref.customer, ref.folder))

    def unclaim(self, key: str) -> None:
        faults.step(f"unregister {key}")
        self._db().execute("DELETE FROM registry WHERE key = ?", (key,))

    def undo_entries(self, key: str, claimed: bool) -> None:
        with contextlib.suppress(Exception):  # the database gone: recovery clears them
            if claimed:
                self.unclaim(key)
            self._clear_journal(key)

    # -- locks -----------------------------------------------------------------------------
    def _lock_id(self, name: str) -> str:
        return f"gendan:{self.schema}:{name}"

    def _connection(self) -> Any:
        while self._idle:
            pid, connection = self._idle.pop()
            if pid == os.getpid() and not connection.closed:
                return connection
        return self.pg.connect()

    def _unlock(self, connection: Any, name: str) -> None:
        try:
            connection.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                               (self._lock_id(name),))
        except Exception:  # the connection is gone, and its locks with it
            with contextlib.suppress(Exception):
                connection.close()
            return
        self._idle.append((os.getpid(), connection))

    @contextlib.contextmanager
    def _hold(self, name: str, what: str) -> Iterator[None]:
        import psycopg

        connection = self._connection()
        try:
            connection.execute(f"SET lock_timeout = '{max(1, int(self.lock_timeout * 1000))}ms'")
            connection.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                               (self._lock_id(name),))
        except psycopg.errors.LockNotAvailable as exc:
            self._idle.append((os.getpid(), connection))
            raise BusyError(f"{what} is locked by another gendan process (waited "
                            f"{self.lock_timeout:.0f} s)",
                            hint="Wait for it to finish and try again.") from exc
        try:
            yield
        finally:
            self._unlock(connection, name)

    def try_lock(self, name: str) -> Any:
        connection = self._connection()
        got = connection.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
                                 (self._lock_id(name),)).fetchone()[0]
        if not got:
            self._idle.append((os.getpid(), connection))
            return None
        return _Held(self, connection, name)

    # -- the journal -----------------------------------------------------------------------
    def _present(self) -> None:
        """Hold this process's presence lock (others ask it whether we still run). Another
        store of this process may hold it already (a session's advisory lock, asked for
        again from another session, would wait forever): then this one tries again at its
        next commit, in case that store has gone."""
        if self._presence is not None and self._presence[0] == os.getpid():
            if self._presence[2]:
                return
            connection = self._presence[1]
        else:
            connection = self.pg.connect()
        held = connection.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
                                  (self._lock_id(f"process:{HOST}:{os.getpid()}"),)
                                  ).fetchone()[0]
        self._presence = (os.getpid(), connection, bool(held))

    def journal_begin(self, key: str, ref: OrderRef, what: str, *, durable: bool = True) -> None:
        self._present()
        data = {**ref.as_dict(), "what": what, "pid": os.getpid(), "host": HOST,
                "started": self.clock.now().isoformat()}
        faults.step(f"journal {key}")
        self._db().execute("INSERT INTO journal (key, data) VALUES (?, ?) ON CONFLICT (key) "
                           "DO UPDATE SET data = excluded.data",
                           (key, json.dumps(data, ensure_ascii=False)))

    def _clear_journal(self, key: str) -> None:
        faults.step(f"journal end {key}")
        self._db().execute("DELETE FROM journal WHERE key = ?", (key,))

    def journal(self) -> list[tuple[str, dict[str, Any]]]:
        rows = self._db().execute("SELECT key, data FROM journal ORDER BY key").fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]

    def writer_alive(self, data: dict[str, Any]) -> bool:
        if data.get("host", HOST) == HOST:
            return pid_alive(str(data.get("pid", "")))
        held = self.try_lock(f"process:{data.get('host')}:{data.get('pid')}")
        if held is None:
            return True
        held.release()
        return False

    # -- counters --------------------------------------------------------------------------
    def next_in_series(self, key: str) -> int:
        row = self._db().execute(
            "INSERT INTO counters (key, last) VALUES (?, 1) ON CONFLICT (key) DO UPDATE "
            "SET last = counters.last + 1 RETURNING last", (safe_name(key),)).fetchone()
        return int(row[0])

    def counters(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self._db().execute(
            "SELECT key, last FROM counters").fetchall()}

    def raise_counter(self, key: str, seen: int) -> None:
        self._db().execute(
            "INSERT INTO counters (key, last) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
            "SET last = GREATEST(counters.last, excluded.last)", (safe_name(key), seen))



def migrate(source: OrderStore, url: str, schema: str = "", *,
            reader: Any = None) -> tuple[SharedStore, int, list[str], list[Any]]:
    """Copy a workspace's registry, counters and index into a PostgreSQL database: the
    registry and the index are made from the archive's files (as `reindex` does), the
    counters are carried over, and the result is verified against every file's checksum.
    Returns the shared store, the orders, the notes and the problems `verify` found."""
    from .reindex import reindex
    from .sidecars import read_json
    from .verify import verify

    target = SharedStore(source.root, url, schema, clock=source.clock, policy=source.policy,
                         file_mode=source.file_mode)
    count, notes = reindex(target, reader=reader)
    counters = source.root / ".counters"
    for path in sorted(counters.glob("*.json")) if counters.is_dir() else []:
        data = read_json(path)
        target.raise_counter(str(data.get("counter", path.stem)), int(data.get("last", 0)))
    if isinstance(source, SharedStore):
        for key, last in source.counters().items():
            target.raise_counter(key, last)
    return target, count, notes, verify(target, [])


def share_archive(store: OrderStore, url: str, endpoint: str = ""
                  ) -> tuple[int, list[tuple[str, str, str]]]:
    """Copy the archive's orders to a shared copy (remote.py), each under its lock, then
    read every object back against its manifest's sha256. Returns the orders copied and
    what that check found."""
    from .fsutil import order_key
    from .remote import RemoteArchive

    remote = RemoteArchive(url, store.root, endpoint=endpoint, file_mode=store.file_mode)
    count = 0
    for ref in store.refs():
        key = order_key(ref.order_no)
        with store.lock(key, f"order {ref.order_no}"):
            remote.push(ref, key)
        count += 1
    return count, remote.damage(deep=True)
