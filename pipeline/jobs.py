"""The work queue of the shared backend: one table in PostgreSQL, taken with
`FOR UPDATE SKIP LOCKED` through psycopg (docs/shared.md says why not a task framework).

A job is taken at least once; its effect happens once, because what it does is an inbox
file filed under the order's lock, and a second filing of the same content is a
duplicate, not a second copy. A job is taken with a lease that its worker renews while it
works; a worker killed mid-job stops renewing, and after the lease the job is taken again.
A job that failed `attempts` times stops being tried and is kept, with its reason, for
`gendan jobs` (and its file is not queued again until it changes or `gendan jobs --retry`).
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["Job", "Queue"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, unique_key TEXT, payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'todo', attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3, lease_until TIMESTAMPTZ, worker TEXT,
    error TEXT, created TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE UNIQUE INDEX IF NOT EXISTS jobs_open ON jobs(unique_key)
    WHERE state IN ('todo', 'doing', 'failed');
CREATE INDEX IF NOT EXISTS jobs_todo ON jobs(id) WHERE state IN ('todo', 'doing');
"""

ON_CONFLICT = "ON CONFLICT (unique_key) WHERE state IN ('todo', 'doing', 'failed') DO NOTHING"

TAKE = """
UPDATE jobs SET state = 'doing', attempts = attempts + 1, worker = %s, updated = now(),
       lease_until = now() + make_interval(secs => %s)
WHERE id = (SELECT id FROM jobs
            WHERE state = 'todo' OR (state = 'doing' AND lease_until < now())
            ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, kind, payload, attempts, max_attempts
"""

# a job whose last attempt's lease ran out (its worker died every time) fails
GIVE_UP = """
UPDATE jobs SET state = 'failed', updated = now(),
       error = coalesce(error, '') || 'its worker stopped during each of its attempts'
WHERE state = 'doing' AND lease_until < now() AND attempts >= max_attempts
"""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int




class Queue:
    """The jobs table of one database (and schema); `pg` is the index's connection
    holder (pipeline.index.pg.Postgres)."""

    def __init__(self, pg: Any, *, lease_seconds: float = 60, attempts: int = 3) -> None:
        self.pg = pg
        self.lease_seconds = lease_seconds
        self.attempts = attempts
        self._made = False

    def _db(self) -> Any:
        db = self.pg.db()
        if not self._made:
            with db.raw.transaction():
                db.raw.execute("SELECT pg_advisory_xact_lock(7368328)")
                for statement in SCHEMA.split(";\n"):
                    if statement.strip():
                        db.raw.execute(statement)
            self._made = True
        return db.raw

    def put_many(self, kind: str, jobs: list[tuple[dict[str, Any], str]]) -> int:
        """Add jobs (payload, unique key) in one statement; how many were new."""
        if not jobs:
            return 0
        rows = self._db().execute(
            "INSERT INTO jobs (kind, unique_key, payload, max_attempts) "
            "SELECT %s, k, p, %s FROM unnest(%s::text[], %s::text[]) AS j(k, p) "
            f"{ON_CONFLICT} RETURNING id",
            (kind, self.attempts, [key for _, key in jobs],
             [json.dumps(p, ensure_ascii=False) for p, _ in jobs])).fetchall()
        return len(rows)

    def put(self, kind: str, payload: dict[str, Any], unique_key: str | None = None) -> bool:
        """Add a job; False when one with this key is waiting or being done already."""
        row = self._db().execute(
            "INSERT INTO jobs (kind, unique_key, payload, max_attempts) VALUES (%s, %s, %s, %s) "
            f"{ON_CONFLICT} RETURNING id",
            (kind, unique_key, json.dumps(payload, ensure_ascii=False), self.attempts)
        ).fetchone()
        return row is not None

    def take(self) -> Job | None:
        """The oldest job nobody holds (or whose holder's lease ran out), now held by us."""
        import os

        db = self._db()
        db.execute(GIVE_UP)
        row = db.execute(TAKE, (f"{socket.gethostname()}:{os.getpid()}",
                                self.lease_seconds)).fetchone()
        if row is None:
            return None
        return Job(row[0], row[1], json.loads(row[2]), row[3], row[4])

    def renew(self, job: Job) -> None:
        self._db().execute("UPDATE jobs SET lease_until = now() + make_interval(secs => %s) "
                           "WHERE id = %s AND state = 'doing'", (self.lease_seconds, job.id))

    def done(self, job: Job) -> None:
        self._db().execute("UPDATE jobs SET state = 'done', error = NULL, updated = now() "
                           "WHERE id = %s", (job.id,))

    def failed(self, job: Job, reason: str) -> None:
        """The attempt failed: tried again later, or given up after the last attempt."""
        state = "failed" if job.attempts >= job.max_attempts else "todo"
        self._db().execute("UPDATE jobs SET state = %s, error = %s, lease_until = NULL, "
                           "updated = now() WHERE id = %s", (state, reason, job.id))

    def again(self, job_id: int) -> bool:
        """A job that stopped being tried, given its attempts again."""
        row = self._db().execute("UPDATE jobs SET state = 'todo', attempts = 0, lease_until = "
                                 "NULL, updated = now() WHERE id = %s AND state = 'failed' "
                                 "RETURNING id", (job_id,)).fetchone()
        return row is not None

    def listing(self, states: tuple[str, ...] = ("todo", "doing", "failed"),
                limit: int = 200) -> list[dict[str, Any]]:
        rows = self._db().execute(
            "SELECT id, kind, payload, state, attempts, max_attempts, worker, error, "
            "updated::text FROM jobs WHERE state = ANY(%s) ORDER BY id DESC LIMIT %s",
            (list(states), limit)).fetchall()
        return [{"id": r[0], "kind": r[1], "payload": json.loads(r[2]), "state": r[3],
                 "attempts": r[4], "max_attempts": r[5], "worker": r[6], "error": r[7],
                 "updated": r[8]} for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self._db().execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        return {r[0]: int(r[1]) for r in rows}


class Lease:
    """Renews a job's lease in a thread of its own while the job is done (its own
    connection: the worker's may be busy in a transaction)."""

    def __init__(self, queue: Queue, job: Job) -> None:
        self.queue, self.job = queue, job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        connection = None
        try:
            while not self._stop.wait(self.queue.lease_seconds / 3):
                connection = connection or self.queue.pg.connect()  # most jobs end sooner
                connection.execute("UPDATE jobs SET lease_until = now() + make_interval("
                                   "secs => %s) WHERE id = %s AND state = 'doing'",
                                   (self.queue.lease_seconds, self.job.id))
        except Exception:  # the lease runs out, and the job is taken again
            return
        finally:
            if connection is not None:
                connection.close()
