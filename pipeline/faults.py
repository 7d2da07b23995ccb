"""A seam for the crash and full-disk tests: stop the process at file-system step N.

Every change gendan makes to the archive or the inbox goes through `fsutil`, which calls
`step(name)` just before it. With `GENDAN_FAULT=kill@N` the process kills itself with
SIGKILL at the N-th step (a power cut at that point); with `GENDAN_FAULT=enospc@N` that
step fails as a full disk would, and every later one too (`erofs@N`: a read-only
archive); `crash@N` raises `Crash` (a
BaseException nothing catches), for tests that stay in one process. `GENDAN_FAULT_LOG=FILE` appends
each step's name, so a test can count the steps of a flow first. Unset, `step` costs one
comparison.
"""

from __future__ import annotations

import errno
import os
import signal

__all__ = ["Crash", "arm", "step"]


class Crash(BaseException):
    """The process stopping at a chosen step (raised, for tests in one process)."""

_ERRORS = {"enospc": errno.ENOSPC, "erofs": errno.EROFS}
_kind = ""
_at = 0
_count = 0
_log = ""


def arm(spec: str = "", log: str = "") -> None:
    """Set the fault (`kill@N`, `enospc@N`, or "" for none) and the step log; counts restart."""
    global _kind, _at, _count, _log
    kind, _, at = spec.partition("@")
    _kind, _at, _count, _log = (kind, int(at), 0, log) if spec else ("", 0, 0, log)


def step(name: str) -> None:
    """Called before each file-system change; see the module docstring."""
    global _count
    if not _kind and not _log:
        return
    _count += 1
    if _log:
        with open(_log, "a", encoding="utf-8") as handle:
            handle.write(f"{_count} {name}\n")
    if _kind == "kill" and _count == _at:
        os.kill(os.getpid(), signal.SIGKILL)
    if _kind == "crash" and _count == _at:
        raise Crash(f"stopped before step {_count}: {name}")
    if _kind in _ERRORS and _count >= _at:
        code = _ERRORS[_kind]
        raise OSError(code, os.strerror(code), name)


arm(os.environ.get("GENDAN_FAULT", ""), os.environ.get("GENDAN_FAULT_LOG", ""))
