"""The archive's file locks (one per order, the inbox's, a file's), held across processes.

The threads of one process (the page's readers) that want the same lock wait at a gate of
their own in front of the file lock, and are woken the moment it is free; only the thread
at the front polls the file, which another process may hold.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import BusyError, DiskFullError
from .fsutil import DISK_FULL

log = logging.getLogger(__name__)
POLL = 0.01  # seconds between two looks at a file lock another process holds

_GATES: dict[str, threading.Lock] = {}
_GATES_LOCK = threading.Lock()


def _gate(path: Path) -> threading.Lock:
    """The gate of the lock `path`, shared by this process's threads."""
    with _GATES_LOCK:
        return _GATES.setdefault(str(path), threading.Lock())


def _forget_gates() -> None:  # a forked child holds none of its parent's gates
    global _GATES_LOCK
    _GATES.clear()
    _GATES_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_gates)


def _busy(what: str, timeout: float) -> BusyError:
    return BusyError(f"{what} is locked by another gendan process (waited {timeout:.0f} s)",
                     hint="Wait for it to finish and try again.")


@contextlib.contextmanager
def hold(path: Path, what: str, timeout: float) -> Iterator[None]:
    """The lock `path`, held. On an archive that cannot be written (a read-only mount or
    folder) there is no writer to wait for: what reads goes on without the lock, and the
    first write says, in one line, that the archive cannot be written."""
    gate, deadline = _gate(path), time.monotonic() + timeout
    if not gate.acquire(timeout=timeout):
        raise _busy(what, timeout)
    try:
        lock = FileLock(str(path), timeout=max(0.0, deadline - time.monotonic()))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire(poll_interval=POLL)
        except Timeout as exc:
            raise _busy(what, timeout) from exc
        except OSError as exc:
            if exc.errno in {errno.EROFS, errno.EACCES, errno.EPERM}:
                log.info("%s: the archive cannot be written (%s); reading without the lock",
                         what, exc.strerror)
                yield
                return
            if exc.errno in DISK_FULL:
                raise DiskFullError(f"the archive {path.parent.parent} is full: the lock of "
                                    f"{what} could not be made ({exc.strerror})",
                                    hint="Free some space, then run the command again.") \
                    from exc
            raise
        try:
            yield
        finally:
            lock.release()
    finally:
        gate.release()


def try_hold(path: Path) -> FileLock | None:
    """The lock if it is free now, else None (recovery skips what is in use, and what it
    cannot lock on an archive that cannot be written)."""
    lock = FileLock(str(path), timeout=0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except (Timeout, OSError):
        return None
    return lock
