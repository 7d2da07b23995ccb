"""One LibreOffice kept running: Word -> PDF in ~0.1-0.3 s a document instead of ~1 s.

`Office` starts `office_helper.py` with the Python that has LibreOffice's `uno` module
([documents] uno_python, Debian's python3-uno). The helper starts LibreOffice with a
profile of its own and converts with unoserver's converter, one document at a time, over
a Unix socket in a folder only this user can open. Starting does not wait: the first
conversion waits until the helper is ready.

Whoever started it owns it: the owner restarts a helper that died (a document that
crashed LibreOffice) or went over its time (it is killed), and stops it when done; a
child forked from the owner only uses it. When the warm one cannot be used (no uno, it
failed to start, it is gone), `convert` raises `OfficeUnavailable` and the caller
converts the one-shot way.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import ConversionError
from .office_helper import pipe_path

__all__ = ["Office", "OfficeUnavailable", "can_keep_warm"]

HELPER = Path(__file__).with_name("office_helper.py")
START_SECONDS = 90.0


class OfficeUnavailable(Exception):
    """The warm LibreOffice cannot take this document: convert it the one-shot way."""


def _state(stat: Path) -> tuple[str, int] | None:
    """A process's state letter and process group, from its /proc stat (None: gone)."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[2])


def _gone(pid: int) -> bool:
    """Whether process `pid` has exited (a zombie counts as exited)."""
    state = _state(Path(f"/proc/{pid}/stat"))
    return state is None or state[0] in {"Z", "X"}


def _group_running(group: int) -> bool:
    """Whether a process of process group `group` runs (zombies aside)."""
    return any(state is not None and state[1] == group and state[0] not in {"Z", "X"}
               for state in map(_state, Path("/proc").glob("[0-9]*/stat")))


def _unoserver_root() -> str | None:
    spec = importlib.util.find_spec("unoserver")
    return str(Path(spec.origin).parent.parent) if spec and spec.origin else None


def _cannot_start(python: str) -> str:
    """Why the helper cannot be started with `python` ("" when it can be tried), and what
    to do."""
    if _unoserver_root() is None:
        return "the Python package unoserver is not installed (`make setup` installs it)"
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return (f"{python} ([documents] uno_python) is not there: set it to the Python that "
                "has LibreOffice's uno module")
    return ""


def can_keep_warm(python: str) -> str:
    """"" when `python` can run the warm LibreOffice's helper, else why not (`gendan config
    check`)."""
    if why := _cannot_start(python):
        return why
    found = subprocess.run([python, "-c", "import uno"], capture_output=True, text=True,
                           check=False, timeout=60)
    if found.returncode:
        return (f"{python} ([documents] uno_python) has no uno module: install python3-uno "
                "(Debian), or set uno_python to a Python that has it")
    return ""


class Office:
    def __init__(self, soffice: str, *, python: str = "/usr/bin/python3",
                 timeout: float = 120) -> None:
        self.soffice = soffice
        self.python = python
        self.timeout = timeout
        self._unavailable = ""  # why it cannot be used (then never started again)
        self.starts = 0
        self._owner = os.getpid()
        self._proc: subprocess.Popen[bytes] | None = None
        self._folder: Path | None = None
        self._stop_registered = False

    @property
    def unavailable(self) -> str:
        """Why the warm LibreOffice cannot be used ("" while it can, or may yet)."""
        if not self._unavailable and self._folder is not None:
            failed = self._folder / "failed"
            if failed.exists():
                why = failed.read_text(encoding="utf-8", errors="replace").strip()
                self._unavailable = f"LibreOffice could not be started for conversions: {why}"
        return self._unavailable

    @unavailable.setter
    def unavailable(self, why: str) -> None:
        self._unavailable = why

    # -- the owner's side ------------------------------------------------------------------
    def start(self) -> None:
        """Start the helper unless it runs or cannot; returns at once."""
        if self.unavailable or os.getpid() != self._owner:
            return
        if self._proc is not None and self._proc.poll() is None:
            return
        self._reap()
        if why := _cannot_start(self.python):
            self.unavailable = why
            return
        folder = Path(tempfile.mkdtemp(prefix="gendan-office-"))  # mode 0700
        with (folder / "helper.log").open("ab") as log:
            self._proc = subprocess.Popen(
                [self.python, str(HELPER), str(folder), self.soffice, str(_unoserver_root())],
                stdin=subprocess.PIPE, stdout=log, stderr=log, start_new_session=True)
        self._folder = folder
        self.starts += 1
        if not self._stop_registered:
            atexit.register(self.stop)
            self._stop_registered = True

    def stop(self) -> None:
        """Stop the helper and its LibreOffice (the owner only; a child leaves it be)."""
        if os.getpid() != self._owner or self._proc is None:
            return
        proc = self._proc
        if proc.poll() is None and not (self._folder and (self._folder / "ready").exists()):
            proc.terminate()  # still starting, deaf to its input: its SIGTERM stops it
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                self._kill()
        elif proc.poll() is None:
            assert proc.stdin is not None
            with contextlib.suppress(OSError):
                proc.stdin.close()  # the helper stops LibreOffice, then itself
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                self._kill()
        self._reap()

    def _reap(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self._proc.stdin.close()
            if self._proc.poll() is None:
                self._kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(5)
            with contextlib.suppress(OSError):  # its LibreOffice's pipe (a helper killed
                os.unlink(pipe_path(f"gendan_office_{self._proc.pid}"))  # hard leaves it)
            self._proc = None
        if self._folder is not None:
            self._kill_office()  # a helper killed hard left its LibreOffice running
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _kill_office(self) -> None:
        """Kill LibreOffice's process group, and see it gone (up to 5 s)."""
        assert self._folder is not None
        try:
            group = int((self._folder / "office.pid").read_text())
            os.killpg(group, signal.SIGKILL)
        except (OSError, ValueError):
            return
        deadline = time.monotonic() + 5
        while _group_running(group) and time.monotonic() < deadline:
            time.sleep(0.01)

    def _kill(self) -> None:
        """Kill the helper and its LibreOffice at once (a conversion over its time); the
        owner then reaps them, so that the next conversion starts a fresh one."""
        if self._folder is not None:
            self._kill_office()
        if self._proc is not None:
            with contextlib.suppress(OSError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.unlink(pipe_path(f"gendan_office_{self._proc.pid}"))
            if os.getpid() == self._owner:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(5)

    def processes(self) -> tuple[int, int | None] | None:
        """(the helper's process, LibreOffice's process group) while it runs."""
        if self._proc is None or self._folder is None or not self._alive():
            return None
        try:
            group: int | None = int((self._folder / "office.pid").read_text())
        except (OSError, ValueError):
            group = None
        return self._proc.pid, group

    def _alive(self) -> bool:
        if self._proc is None:
            return False
        if os.getpid() == self._owner:
            return self._proc.poll() is None
        return not _gone(self._proc.pid)

    # -- anyone's side ---------------------------------------------------------------------
    def _wait_ready(self) -> Path:
        if os.getpid() == self._owner and not self._alive() and not self.unavailable:
            self.start()  # first use, or a restart after a crash or a timeout
        folder = self._folder
        deadline = time.monotonic() + START_SECONDS
        while not self.unavailable and folder is not None:
            if (folder / "ready").exists():
                return folder
            if not self._alive():
                log = (folder / "helper.log").read_text(encoding="utf-8", errors="replace")
                last = log.strip().splitlines()[-1:] or ["no output"]
                self.unavailable = f"the conversion helper stopped while starting ({last[0]})"
                break
            if time.monotonic() > deadline:
                self.unavailable = f"LibreOffice did not start within {START_SECONDS:.0f} s"
                break
            time.sleep(0.02)
        raise OfficeUnavailable(self.unavailable or "the warm LibreOffice is not started")

    def convert(self, docx: Path, target: Path) -> None:
        """`docx` -> `target` (a PDF). OfficeUnavailable: use the one-shot way."""
        folder = self._wait_ready()
        request = json.dumps({"in": str(docx.resolve()), "out": str(target.resolve())})
        reply = b""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(str(folder / "socket"))
            except OSError as exc:  # it stopped since it was ready
                raise OfficeUnavailable(f"the warm LibreOffice is gone ({exc})") from exc
            conn.settimeout(self.timeout)
            try:
                conn.sendall(request.encode() + b"\n")
                while not reply.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
            except ConnectionError:  # the helper went down meanwhile: reply stays empty
                pass
            except TimeoutError as exc:
                self._kill()  # the owner starts a fresh one for the next document
                raise ConversionError(
                    f"{docx.name}: LibreOffice did not finish within {self.timeout:g} s",
                    hint="Check the document; a very large one may need a longer timeout "
                    "([documents] libreoffice_timeout).") from exc
        answer = json.loads(reply) if reply else {"gone": True}
        if "gone" in answer:  # LibreOffice stopped, before or while converting this one
            raise OfficeUnavailable("the warm LibreOffice stopped; another is started for "
                                    "the next document")
        if "error" in answer:
            raise ConversionError(f"{docx.name}: LibreOffice could not convert it "
                                  f"({answer['error']})",
                                  hint="Open the .docx in Word or LibreOffice to check it; "
                                  "the .docx is kept.")
