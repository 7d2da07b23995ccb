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

import contextlib
import gc
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

__all__ = ["Child", "ChildFailure", "preload", "run_all", "run_limited", "workers"]

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


class Child:
    """`task(*args)` started in a forked child under the limits; `result()` waits for it.
    Several may run at once (one per processor): see `run_all`."""

    def __init__(self, task: Callable[..., Any], args: tuple[Any, ...], *, seconds: float,
                 memory_mb: int, what: str) -> None:
        self.seconds, self.memory_mb, self.what = seconds, memory_mb, what
        self.deadline = time.monotonic() + seconds
        self._read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            gc.freeze()  # what it inherits is left alone by its collector: no pages copied
            os.close(self._read)
            try:
                _child(write, task, args, memory_mb * 1024 * 1024)
            finally:
                os._exit(0)
        os.close(write)
        self._chunks: list[bytes] = []
        self._done = False

    def cancel(self) -> None:
        """Stop the child if it still runs (its result is not wanted)."""
        if not self._done:
            self._done = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.close(self._read)
            os.waitpid(self.pid, 0)

    def result(self) -> Any:
        """The task's result, or LimitError / ChildFailure / the GendanError it raised."""
        if self._done:
            raise RuntimeError(f"{self.what}: the result was taken already")
        self._done = True
        read = self._read
        try:
            while True:
                left = self.deadline - time.monotonic()
                ready, _, _ = select.select([read], [], [], max(0.0, min(left, 1.0)))
                if ready:
                    chunk = os.read(read, 1 << 16)
                    if not chunk:
                        break
                    self._chunks.append(chunk)
                elif left <= 0:  # read first: a child that finished is never killed
                    os.kill(self.pid, signal.SIGKILL)
                    raise LimitError(f"{self.what}: still not done after {self.seconds:.0f} s",
                                     hint="A file that takes this long is refused ([limits] "
                                     "seconds_per_file); check it, or raise the limit.")
        finally:
            os.close(read)
            _, status = os.waitpid(self.pid, 0)
        return _outcome(b"".join(self._chunks), status, self.what, self.memory_mb)


def _outcome(data: bytes, status: int, what: str, memory_mb: int) -> Any:
    if not data:
        signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        raise LimitError(f"{what}: the work stopped (signal {signal_number}), likely out of "
                         f"memory (limit {memory_mb} MB)",
                         hint="The file needs more memory than [limits] memory_mb allows; "
                         "check it, or raise the limit.")
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
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


def run_limited(task: Callable[..., T], *args: Any, seconds: float, memory_mb: int,
                what: str) -> T:
    """`task(*args)` in a child; its result, or LimitError / ChildFailure / its error."""
    result: T = Child(task, args, seconds=seconds, memory_mb=memory_mb, what=what).result()
    return result


def workers(setting: int = 0) -> int:
    """How many children run at once: the setting, or one per processor this process may
    use."""
    if setting > 0:
        return setting
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def run_all(task: Callable[..., T], jobs: list[tuple[Any, ...]], *, at_once: int,
            seconds: float, memory_mb: int, what: Callable[[int], str]
            ) -> list[T | BaseException]:
    """`task(*job)` for every job, `at_once` children at a time, in the jobs' order: each
    result, or the exception that job raised (LimitError, ChildFailure, its GendanError).
    With one at a time, or one job, it runs here without forking."""
    if at_once <= 1 or len(jobs) <= 1:
        done: list[T | BaseException] = []
        for job in jobs:
            try:
                done.append(task(*job))
            except (GendanError, ChildFailure) as exc:
                done.append(exc)
        return done
    results: list[T | BaseException | None] = [None] * len(jobs)
    running: dict[int, Child] = {}
    waiting = list(enumerate(jobs))
    try:
        while waiting or running:
            while waiting and len(running) < at_once:
                index, job = waiting.pop(0)
                running[index] = Child(task, job, seconds=seconds, memory_mb=memory_mb,
                                       what=what(index))
            ready, _, _ = select.select([c._read for c in running.values()], [], [], 1.0)
            for index, child in list(running.items()):
                if child._read in ready or child.deadline <= time.monotonic():
                    del running[index]
                    try:
                        results[index] = child.result()
                    except (GendanError, ChildFailure) as exc:
                        results[index] = exc
    finally:
        for child in running.values():
            child.cancel()
    return results  # type: ignore[return-value]
