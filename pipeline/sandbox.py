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

import atexit
import contextlib
import functools
import gc
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .errors import GendanError, LimitError

__all__ = ["Child", "ChildFailure", "Steps", "preload", "reap", "run_all", "run_limited",
           "workers"]

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


def _caught(step: Callable[[], Any]) -> tuple[str, Any]:
    """What one step of a task came to, as the parent is told it."""
    try:
        return ("ok", step())
    except MemoryError:
        return ("memory", None)
    except RecursionError:
        return ("depth", None)
    except GendanError as exc:
        return ("error", exc)
    except BaseException:
        return ("crash", traceback.format_exc())


def _pickled(outcome: tuple[str, Any]) -> bytes:
    try:
        return pickle.dumps(outcome)
    except Exception:
        return pickle.dumps(("crash", traceback.format_exc()))


def _limit(memory: int) -> None:
    limit = _address_space() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def preload(*modules: str) -> None:
    """Import `modules` in this process (once), so that every child forked from it has them
    instead of importing them again for each file."""
    import importlib

    for name in modules:
        importlib.import_module(name)


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


_FRAME = struct.Struct(">Q")  # a message's length, before it


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_FRAME.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _framed(data: bytes) -> int:
    """The length of the first message in `data` with its frame, or 0 while incomplete."""
    if len(data) < _FRAME.size:
        return 0
    size = _FRAME.size + _FRAME.unpack(data[:_FRAME.size])[0]
    return size if len(data) >= size else 0


def _receive(fd: int) -> Any:
    """The next message on `fd` (blocking), or None when the other side has closed it."""
    data = b""
    while not (size := _framed(data)):
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        data += chunk
    return pickle.loads(data[_FRAME.size:size])


def _steps_child(write: int, orders: int, task: Callable[..., Any], args: tuple[Any, ...],
                 memory: int) -> None:
    steps: list[Any] = []

    def first() -> Any:
        _limit(memory)
        steps.append(task(*args))
        return next(steps[0])

    outcome = _caught(first)
    while True:
        _send(write, _pickled(outcome))
        if outcome[0] != "ok" or (told := _receive(orders)) is None:
            return
        outcome = _caught(lambda: _next_step(steps[0], told))


def _next_step(generator: Any, told: Any) -> Any:
    try:
        return generator.send(told)
    except StopIteration as stop:
        return stop.value


SLOW_FILE = ("A file that takes this long is refused ([limits] seconds_per_file); check it, "
             "or raise the limit.")  # what to do about a child over its time: a file's


class Steps:
    """A task in steps (a generator) in a forked child under the limits: `result()` is what
    it yields first; `reply(x)` sends it `x` and gives what it yields next, with the time
    limit counted again; the child keeps what it has (an opened file) in between. Not
    replied to, it is stopped (`cancel`). `scratch`: a folder of the task's, removed here
    when the child is done or stopped (a child killed once it has answered cannot remove
    it itself)."""

    def __init__(self, task: Callable[..., Any], args: tuple[Any, ...], *, seconds: float,
                 memory_mb: int, what: str, slow: str = SLOW_FILE,
                 scratch: Path | None = None) -> None:
        self.seconds, self.memory_mb, self.what, self.slow = seconds, memory_mb, what, slow
        self.scratch = scratch
        self.deadline = time.monotonic() + seconds
        reap()  # the children stopped before, where they are gone
        self._read, write = os.pipe()
        orders, self._orders = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            gc.freeze()
            os.close(self._read)
            os.close(self._orders)
            try:
                _steps_child(write, orders, task, args, memory_mb * 1024 * 1024)
            finally:
                os._exit(0)
        os.close(write)
        os.close(orders)
        self._data = b""
        self._done = False

    def result(self) -> Any:
        """What the task yields next, or LimitError / ChildFailure / its GendanError."""
        if self._done:
            raise RuntimeError(f"{self.what}: the child has finished")
        while not (size := _framed(self._data)):
            left = self.deadline - time.monotonic()
            ready, _, _ = select.select([self._read], [], [], max(0.0, min(left, 1.0)))
            if ready:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:  # it stopped: what killed it is told by _outcome
                    return _outcome(b"", self._finish(), self.what, self.memory_mb)
                self._data += chunk
            elif left <= 0:
                self.cancel()
                raise LimitError(f"{self.what}: still not done after {self.seconds:.0f} s",
                                 hint=self.slow)
        message, self._data = self._data[_FRAME.size:size], self._data[size:]
        try:
            return _outcome(message, 0, self.what, self.memory_mb)
        except BaseException:
            self.cancel()  # after an error the child has nothing more to say
            raise

    def reply(self, told: Any) -> Any:
        """Send `told` to the task; what it yields then (the child ends after it)."""
        try:
            _send(self._orders, pickle.dumps(told))
        except BrokenPipeError:
            return _outcome(b"", self._finish(), self.what, self.memory_mb)
        self.deadline = time.monotonic() + self.seconds
        try:
            return self.result()
        finally:
            self.cancel()

    def _close(self) -> None:
        self._done = True
        os.close(self._read)
        os.close(self._orders)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _finish(self) -> int:
        """The status of the child, which has stopped (waited for: it is needed)."""
        self._close()
        return os.waitpid(self.pid, 0)[1]

    def cancel(self) -> None:
        """Stop the child if it still runs (the rest is not wanted). It is reaped later
        (`reap`): the kernel takes a few ms to tear down a child forked from a large
        process, which this one need not wait for."""
        if not self._done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._close()
            _STOPPED.append(self.pid)


def _once(task: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[Any]:
    yield task(*args)


_STOPPED: list[int] = []  # children killed and not yet reaped


@functools.cache
def settle() -> None:
    """Once a process files its first file (its modules, fonts and settings loaded), what it
    holds then is put out of the garbage collector's sight (`gc.freeze`, once): each
    collection walks only what came after, not every object of a desk that grows."""
    gc.freeze()


def reap(*, wait: bool = False) -> None:
    """Reap the children `cancel` stopped: those gone already, or (`wait`) all of them."""
    for pid in list(_STOPPED):
        try:
            gone, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # reaped already (or not ours: a forked child's copy)
            gone = pid
        if gone:
            with contextlib.suppress(ValueError):  # another thread reaped it meanwhile
                _STOPPED.remove(pid)


atexit.register(reap, wait=True)


class Child(Steps):
    """`task(*args)` started in a forked child under the limits; `result()` waits for it
    (a task of one step). Several may run at once (one per processor): see `run_all`."""

    def __init__(self, task: Callable[..., Any], args: tuple[Any, ...], *, seconds: float,
                 memory_mb: int, what: str, slow: str = SLOW_FILE) -> None:
        super().__init__(_once, (task, args), seconds=seconds, memory_mb=memory_mb, what=what,
                         slow=slow)

    def result(self) -> Any:
        """The task's result, or LimitError / ChildFailure / the GendanError it raised."""
        try:
            return super().result()
        finally:
            self.cancel()  # its one step is done: nothing more to tell it


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
            seconds: float, memory_mb: int, what: Callable[[int], str],
            slow: str = SLOW_FILE) -> list[T | BaseException]:
    """`task(*job)` for every job, `at_once` children at a time, in the jobs' order: each
    result, or the exception that job raised (LimitError, ChildFailure, its GendanError).
    With one at a time it runs here, without forking and without the limits."""
    if at_once <= 1:
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
                                       what=what(index), slow=slow)
            soonest = min(c.deadline for c in running.values()) - time.monotonic()
            ready, _, _ = select.select([c._read for c in running.values()], [], [],
                                        max(0.0, min(soonest, 1.0)))
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
