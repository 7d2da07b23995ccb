"""`gendan watch`: follow the inbox and process each file once it is complete.

watchdog's event handler only enqueues paths; one worker thread processes them one after
another with the same per-file code as `gendan run`. A file is taken when its size and
mtime have not changed for `stable_seconds` and it can be opened (a file moved in gives a
created or moved event and no close event; a file copied slowly gives many modified
events). A scan at start-up and a periodic rescan catch whatever the events missed (an
overflowed queue, a network share); duplicates in the queue are dropped by path, and the
archive drops identical content by sha256.
"""

from __future__ import annotations

import logging
import queue
import signal
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from .desk import Desk
from .errors import DiskFullError
from .inbox import is_candidate
from .outcome import Outcome
from .sandbox import reap

__all__ = ["InboxWatcher", "wait_until_stable"]

log = logging.getLogger(__name__)


Seen = tuple[tuple[int, int], float]  # ((size, mtime_ns), when it was observed)


def observe(path: Path) -> Seen | None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return (info.st_size, info.st_mtime_ns), time.monotonic()


def wait_until_stable(
    path: Path, window: float, stop: threading.Event, first: Seen | None = None
) -> bool:
    """True once `path` has kept its size and mtime for `window` seconds and opens;
    False if it disappears or we are stopping. `first` is an earlier observation (taken
    when the file was queued), so files that waited in the queue need no second wait."""
    step = max(window / 4, 0.05)
    last: tuple[int, int] | None = first[0] if first else None
    since = first[1] if first else time.monotonic()
    while not stop.is_set():
        try:
            info = path.lstat()
        except FileNotFoundError:
            return False
        if not stat.S_ISREG(info.st_mode):
            return True  # a link, FIFO or device: never opened, set aside by name at once
        current = (info.st_size, info.st_mtime_ns)
        if current != last:
            last, since = current, time.monotonic()
        elif time.monotonic() - since >= window:
            try:
                with path.open("rb"):
                    return True
            except FileNotFoundError:
                return False
            except OSError:
                since = time.monotonic()  # locked by the writer (SMB shares): wait on
        stop.wait(step)
    return False


class _Enqueue(FileSystemEventHandler):
    def __init__(self, submit: Callable[[Path], None]) -> None:
        self.submit = submit

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in {"created", "modified", "closed", "moved"}:
            return
        target = getattr(event, "dest_path", "") or event.src_path
        self.submit(Path(str(target)))


class InboxWatcher:
    """Watches one workspace's inbox and processes files as they become complete."""

    def __init__(self, desk: Desk, *, poll: bool = False,
                 report: Callable[[Outcome], None] | None = None,
                 daily: Callable[[], None] | None = None,
                 mail: Callable[[], None] | None = None) -> None:
        self.desk = desk
        self.mail = mail  # reads the mailboxes, between files, every [mail] poll_seconds
        self._next_mail = 0.0
        self.daily = daily  # at start-up and once a day (the agenda's summary)
        self._day: object = None
        self.inbox = desk.workspace.inbox
        self.settings = desk.settings.watch
        self.poll = poll
        self.report = report or (lambda outcome: None)
        self.stop_event = threading.Event()
        self._queue: queue.Queue[Path] = queue.Queue()
        self._queued: dict[Path, Seen | None] = {}
        self._lock = threading.Lock()
        self.processed: list[Outcome] = []
        self.paused = 0  # times the disk was full

    # -- feeding the queue -----------------------------------------------------------------
    def submit(self, path: Path) -> None:
        try:
            if not is_candidate(path, self.inbox):
                return
        except ValueError:  # outside the inbox
            return
        seen = observe(path)
        with self._lock:
            if path in self._queued:
                return
            self._queued[path] = seen
        self._queue.put(path)

    def rescan(self) -> None:
        for path in self.desk.pending():
            self.submit(path)

    # -- the worker ------------------------------------------------------------------------
    def _work(self) -> None:
        while not self.stop_event.is_set():
            try:
                path = self._queue.get(timeout=0.2)
            except queue.Empty:
                reap()  # the children stopped while the last file was filed, once gone
                self._read_mail()
                continue
            with self._lock:
                first = self._queued.pop(path, None)
            if not wait_until_stable(path, self.settings.stable_seconds, self.stop_event, first):
                continue
            try:
                outcome = self.desk.process(path)
            except DiskFullError as exc:
                # the file stays in the inbox; pause, then try again
                log.error("%s; pausing %.0f s, then trying again", exc.message,
                          self.settings.pause_seconds)
                self.paused += 1
                self.stop_event.wait(self.settings.pause_seconds)
                self.submit(path)
                continue
            except Exception:  # the desk's wall catches a file's failures; this is a last net
                log.exception("processing %s failed; it stays in the inbox", path)
                self._later(path, self.settings.rescan_seconds)
                continue
            for done in [outcome, *self.desk.take_later()]:
                self.processed.append(done)
                self.report(done)
            if outcome.status == "retry":
                self._later(path, self.settings.retry_seconds)

    def _read_mail(self) -> None:
        """The mailboxes, when their time has come: in the worker's own thread, so that a
        mail's attachments are filed one at a time like the inbox's files."""
        if self.mail is None or time.monotonic() < self._next_mail:
            return
        self._next_mail = time.monotonic() + self.desk.settings.mail.poll_seconds
        try:
            self.mail()
        except Exception:  # a mailbox that cannot be read never stops the watcher
            log.exception("reading the mailboxes failed; tried again in %.0f s",
                          self.desk.settings.mail.poll_seconds)

    def _later(self, path: Path, seconds: float) -> None:
        timer = threading.Timer(seconds, self.submit, (path,))
        timer.daemon = True
        timer.start()

    def _rescans(self) -> None:
        while not self.stop_event.wait(self.settings.rescan_seconds):
            self.rescan()
            self.once_a_day()

    def once_a_day(self) -> None:
        """Call `daily` when the day has changed since it was last called."""
        today = self.desk.clock.today()
        if self.daily is not None and today != self._day:
            self._day = today
            try:
                self.daily()
            except Exception:  # a summary that fails never stops the watcher
                log.exception("the daily summary failed")

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        self.desk.workspace.ensure_folders()
        self.desk.maker.warm_office()  # one LibreOffice for the watcher's lifetime
        for line in self.desk.recover():
            log.warning("recovered: %s", line)
        observer: BaseObserver = PollingObserver(timeout=1) if self.poll else Observer()
        observer.schedule(_Enqueue(self.submit), str(self.inbox), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._threads = [threading.Thread(target=self._work, name="gendan-worker", daemon=True),
                         threading.Thread(target=self._rescans, name="gendan-rescan",
                                          daemon=True)]
        for thread in self._threads:
            thread.start()
        self.once_a_day()
        self.rescan()

    def stop(self) -> None:
        """Stop after the file being processed, if any."""
        self.stop_event.set()
        self._observer.stop()
        self._observer.join(timeout=10)
        for thread in self._threads:
            thread.join()
        self.desk.maker.cool_office()

    def run_forever(self) -> None:
        """Until Ctrl-C or SIGTERM; the current file is finished first."""

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stop_event.set()

        previous = signal.signal(signal.SIGTERM, stop)
        self.start()
        try:
            while not self.stop_event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            signal.signal(signal.SIGTERM, previous)
