"""`gendan worker`: one of several processes, on one machine or many, that share an
office's inbox and archive folder and its database (`[store] url`).

Each worker looks at the inbox and puts each new file into the queue (once: a file's job
is keyed by its name, size and time, so the workers that see it together add it once),
then takes the oldest job nobody holds and files that file, under the file's own lock and
its order's lock, as `gendan run` would. A worker that dies mid-job leaves the job to be
taken again when its lease runs out; the file is then filed, or recognised as filed
already by its identity and content, never twice (see pipeline/jobs.py).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable

from .desk import Desk
from .errors import GendanError
from .jobs import Job, Lease, Queue
from .outcome import Outcome
from .sandbox import reap
from .shared import SharedStore

__all__ = ["enqueue_inbox", "work"]

log = logging.getLogger(__name__)


def queue_of(desk: Desk, *, lease_seconds: float = 60, attempts: int = 3) -> Queue:
    if not isinstance(desk.store, SharedStore):
        raise GendanError("gendan worker needs the shared backend: no database is named",
                          hint="Set [store] url in gendan.toml (or GENDAN_STORE_URL) to "
                          "postgresql://...; one machine alone runs `gendan watch`.")
    return Queue(desk.store.pg, lease_seconds=lease_seconds, attempts=attempts)


def enqueue_inbox(desk: Desk, queue: Queue, stable_seconds: float = 0,
                  seen: set[str] | None = None) -> int:
    """Put each inbox file not queued yet into the queue (in one statement; `seen`: the
    keys this worker queued before, not sent again); how many were added."""
    now = time.time()
    new: list[tuple[dict[str, str], str]] = []
    for path in desk.pending():
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if now - info.st_mtime < stable_seconds:
            continue  # still being written
        relative = path.relative_to(desk.workspace.inbox).as_posix()
        key = f"file:{relative}:{info.st_size}:{info.st_mtime_ns}"
        if seen is None or key not in seen:
            new.append(({"path": relative}, key))
    if seen is not None:
        seen.update(key for _, key in new)
    return queue.put_many("file", new)


def run_job(desk: Desk, job: Job) -> Outcome | None:
    if job.kind != "file":
        raise GendanError(f"job {job.id}: unknown kind {job.kind!r}",
                          hint="This gendan does not know it; update every worker.")
    path = desk.workspace.inbox / str(job.payload["path"])
    if not path.exists() and not path.is_symlink():
        return None  # filed (or set aside) by an earlier attempt
    if job.attempts > 1:
        desk.recover()  # an attempt before this one may have stopped mid-commit
    return desk.process(path)


def work(desk: Desk, queue: Queue, *, once: bool = False, idle_seconds: float = 1.0,
         stable_seconds: float = 0,
         report: Callable[[Job, Outcome | None, str], None] | None = None) -> int:
    """Take jobs until there are none (`once`) or for ever; the number of jobs done."""
    desk.workspace.ensure_folders()
    desk.recover()
    done = 0
    seen: set[str] = set()
    while True:
        if len(seen) > 100_000:
            seen.clear()
        enqueue_inbox(desk, queue, stable_seconds, seen)
        job = queue.take()
        if job is None:
            if once:
                reap(wait=True)
                return done
            time.sleep(idle_seconds)
            continue
        outcome: Outcome | None = None
        error = ""
        with Lease(queue, job):
            try:
                outcome = run_job(desk, job)
            except Exception as exc:  # the job's attempt failed; the worker goes on
                error = exc.message if isinstance(exc, GendanError) else \
                    traceback.format_exc(limit=5)
        if not error and outcome is not None and outcome.status == "retry":
            error = outcome.message  # busy: the order's lock was not had in time
        if error:
            queue.failed(job, error)
            log.warning("job %s (%s): %s", job.id, job.payload, error)
        else:
            queue.done(job)
            done += 1
        if report is not None:
            report(job, outcome, error)
            for later in desk.take_later():  # parked files their order's arrival let in
                report(job, later, "")
        else:
            desk.take_later()
