"""Work that can run away, done in a child process with a time limit and a memory limit.

Parsing what arrives (order files, workbooks, factory PDFs and scans) runs in a forked
child: a file that loops, or inflates to gigabytes, kills the child, never the desk or the
watcher. The child returns its result (or the GendanError it raised) through a pipe; the
caller gets the same result, or a LimitError naming the limit that was reached, or a
`ChildFailure` with the traceback of a crash of ours. The child never writes to the
archive or the index: it gets its inputs and may write only into the work folder it is
given.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import GendanError, LimitError

__all__ = ["ChildFailure", "preload", "run_limited"]

T = TypeVar("T")
_PAGE = os.sysconf("SC_PAGE_SIZE")


class ChildFailure(Exception):
    """gendan itself failed in the child; `detail` is the traceback to report."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail.strip().splitlines()[-1] if detail.strip() else "failed")
        self.detail = detail


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[0]) * _PAGE


def _child(write: int, task: Callable[..., Any], args: tuple[Any, ...], memory: int) -> None:
    try:
        limit = _address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        outcome: tuple[str, Any] = ("ok", task(*args))
    except MemoryError:
        outcome = ("memory", None)
    except RecursionError:
        outcome = ("depth", None)
    except GendanError as exc:
        outcome = ("error", exc)
    except BaseException:
        outcome = ("crash", traceback.format_exc())
    try:
        data = pickle.dumps(outcome)
    except Exception:
        data = pickle.dumps(("crash", traceback.format_exc()))
    with os.fdopen(write, "wb") as pipe:
        pipe.write(data)


def preload(*modules: str) -> None:
    """Import `modules` in this process (once), so that every child forked from it has them
    instead of importing them again for each file."""
    import importlib

    for name in modules:
        importlib.import_module(name)


def run_limited(task: Callable[..., T], *args: Any, seconds: float, memory_mb: int,
                what: str) -> T:
    """`task(*args)` in a child; its result, or LimitError / ChildFailure / its error."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        try:
            _child(write, task, args, memory_mb * 1024 * 1024)
        finally:
            os._exit(0)
    os.close(write)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise LimitError(f"{what}: still not done after {seconds:.0f} s",
                                 hint="A file that takes this long is refused ([limits] "
                                 "seconds_per_file); check it, or raise the limit.")
            ready, _, _ = select.select([read], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(read, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        raise LimitError(f"{what}: the work stopped (signal {signal_number}), likely out of "
                         f"memory (limit {memory_mb} MB)",
                         hint="The file needs more memory than [limits] memory_mb allows; "
                         "check it, or raise the limit.")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "memory":
        raise LimitError(f"{what}: needs more than {memory_mb} MB of memory",
                         hint="The file is refused ([limits] memory_mb); check it, or "
                         "raise the limit.")
    if kind == "depth":
        raise LimitError(f"{what}: nested too deeply to read",
                         hint="Data nested this deep is refused; write it flat.")
    if kind == "error":
        raise value
    raise ChildFailure(str(value))
