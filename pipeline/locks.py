"""The archive's file locks (one per order, the inbox's, a file's), held across processes.

The threads of one process (the page's readers) that want the same lock wait at a gate of
their own in front of the file lock, and are woken the moment it is free; only the thread
at the front polls the file, which another process may hold.

Each hold is a turn: its holder writes a token of its own beside the lock and learns the
token of the holder before. A process that finds its own token there knows that no one
else has held the lock since its last turn, so that what it read under the lock then (an
order's listing) is still what is there.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
import secrets
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


_TOKENS = itertools.count(1)
Turn = tuple[str, str]  # the token of the turn before, and this turn's


TOKEN = 64  # bytes: a turn's token, padded; always written whole at the start of the file


def _take_turn(path: Path) -> Turn | None:
    """Write this turn's token beside the lock `path` (held); None where it cannot be
    (nothing is then known about the turns). The token is written over the one before, in
    place and padded to one length: a file truncated and written again makes ext4 flush it
    to the disk on close (its `auto_da_alloc`), a millisecond or more on every hold."""
    beside = path.with_name(path.name + ".turn")
    mine = f"{os.getpid()}.{next(_TOKENS)}.{secrets.token_hex(4)}"
    try:
        fd = os.open(beside, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            before = os.pread(fd, TOKEN, 0).decode("ascii").strip()
            os.pwrite(fd, mine.encode("ascii").ljust(TOKEN), 0)
        finally:
            os.close(fd)
    except (OSError, ValueError):
        return None
    return before, mine


def _busy(what: str, timeout: float) -> BusyError:
    return BusyError(f"{what} is locked by another gendan process (waited {timeout:.0f} s)",
                     hint="Wait for it to finish and try again.")


@contextlib.contextmanager
def hold(path: Path, what: str, timeout: float) -> Iterator[Turn | None]:
    """The lock `path`, held; gives the turn (None if unknown). On an archive that cannot
    be written (a read-only mount or folder) there is no writer to wait for: what reads
    goes on without the lock, and the first write says, in one line, that the archive
    cannot be written."""
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
                yield None
                return
            if exc.errno in DISK_FULL:
                raise DiskFullError(f"the archive {path.parent.parent} is full: the lock of "
                                    f"{what} could not be made ({exc.strerror})",
                                    hint="Free some space, then run the command again.") \
                    from exc
            raise
        try:
            yield _take_turn(path)
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
    _take_turn(path)  # its holder may change what others read under it
    return lock
