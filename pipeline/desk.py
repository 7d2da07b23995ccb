"""The desk: one workspace's settings, order store and document maker, and the wall around
each inbox file.

    recover -> for each inbox file: look (no links, no devices) -> read -> the recipe
            -> parked files tried again when an order arrives

Whatever happens while one file is processed stays with that file: a bad file is moved,
untouched, to inbox/_rejected/ with the reason; a crash of ours moves it to inbox/_failed/
with the traceback to report; the run goes on with the next file. Only a full disk (or a
read-only archive) stops the run, leaving the inbox as it was. Files are processed one at
a time per workspace (the intake lock), so two `gendan run` or a run and a watcher never
take the same file twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .clock import Clock, clock_from_env
from .config import Settings
from .documents import DocumentMaker
from .errors import (
    ArchiveError,
    BusyError,
    DiskFullError,
    GendanError,
    IndexError_,
    InputError,
    LimitError,
    OrderDataError,
    UnmatchedError,
    WaitingError,
)
from .filing import Arrival
from .fsutil import DISK_FULL
from .inbox import InboxFile, pending, quoted, set_aside, shown
from .intake import DataLimits, KnownOrder, is_order_file, read_incoming
from .models import Order
from .outcome import Outcome
from .recipes.stamping import Stamps
from .repair import recover
from .sandbox import ChildFailure, Steps, preload, reap, run_limited, settle, workers
from .shared import SharedStore, open_store
from .store import OrderStore
from .summary import Policy
from .updates import SampleUpdate
from .workspace import Workspace

if TYPE_CHECKING:
    from .books.masters import Masters

__all__ = ["Desk"]

log = logging.getLogger(__name__)


class Desk:
    """One workspace's pipeline."""

    def __init__(self, workspace: Workspace, settings: Settings, *, clock: Clock | None = None,
                 maker: DocumentMaker | None = None, store: OrderStore | None = None) -> None:
        self.workspace = workspace
        self.settings = settings
        self.clock = clock or clock_from_env()
        self.store = store or open_store(workspace, url=settings.store.url,
                                         schema=settings.store.schema_name, clock=self.clock,
                                         file_mode=settings.archive.mode(),
                                         policy=Policy.from_settings(settings),
                                         archive_url=settings.store.archive_url,
                                         archive_endpoint=settings.store.archive_endpoint)
        self.maker = maker or DocumentMaker(workspace, settings)
        self.stamps = Stamps(settings, self.maker)
        self.later: list[Outcome] = []  # parked files filed when their order arrived
        self._attempts: dict[Path, int] = {}
        self._intake_depth = 0
        self._claimed: set[str] = set()  # inbox files whose lock this process holds
        self.shared = isinstance(self.store, SharedStore)
        self._known: list[KnownOrder] | None = None
        self._masters: tuple[object, Masters] | None = None
        # factory PDFs being read ahead of their turn: path -> (identity, pages, child)
        self.ahead: dict[Path, tuple[tuple[int, int, int, int], int, Steps]] = {}

    # -- the inbox -------------------------------------------------------------------------
    @property
    def parking(self) -> list[Path]:
        ws = self.workspace
        return [ws.rejected, ws.failed, ws.unmatched, ws.waiting]

    def pending(self) -> list[Path]:
        return pending(self.workspace.inbox)

    def recover(self) -> list[str]:
        """Clean up what an interrupted run left behind (see verify.recover)."""
        if not self.workspace.archive.is_dir():
            return []
        from .pdf.search import search_texts  # Poppler's pdftotext: no PDF library

        return recover(self.store, self.parking, read_text=search_texts)

    def run_once(self) -> list[Outcome]:
        """Process every file waiting in the inbox; damaged files get a few attempts."""
        self.workspace.ensure_folders()
        self.recover()
        self.later += self.retry_parked()  # their order may have come while we were away
        files = self.pending()
        with self._office_for(files):
            outcomes = self._process_all(files)
        retrying = [o for o in outcomes if o.status == "retry"]
        while retrying:
            time.sleep(self.settings.watch.retry_seconds)
            again = {o.file: self.process(self.workspace.inbox / o.file) for o in retrying}
            outcomes = [again.get(o.file, o) for o in outcomes]
            retrying = [o for o in again.values() if o.status == "retry"]
        outcomes += self.take_later()
        reap(wait=True)  # no child of the run is left, not even to be reaped
        return outcomes

    @contextlib.contextmanager
    def _office_for(self, files: list[Path]) -> Iterator[None]:
        """A warm LibreOffice for a run with two or more order files (each has a Word
        document to convert); one already kept (the watcher's, the page's) is used as is."""
        if self.maker.office is not None or sum(map(is_order_file, files)) < 2:
            yield
            return
        self.maker.warm_office()
        try:
            yield
        finally:
            self.maker.cool_office()

    def _process_all(self, files: list[Path]) -> list[Outcome]:
        """Each file in turn; meanwhile the next factory PDFs are read in children of their
        own (one per processor beside this one, [limits] workers)."""
        ahead = workers(self.settings.limits.workers) - 1 \
            if len(files) > 1 and not all(map(is_order_file, files)) else 0
        if ahead:
            from .recipes.factory import read_ahead
        outcomes = []
        try:
            for n, path in enumerate(files):
                for coming in files[n + 1:n + 1 + ahead]:
                    read_ahead(self, coming)
                outcomes.append(self.process(path))
        finally:
            for _, _, child in self.ahead.values():
                child.cancel()
            self.ahead.clear()
        return outcomes

    def take_later(self) -> list[Outcome]:
        later, self.later = self.later, []
        return later

    @contextlib.contextmanager
    def intake(self, path: Path | None = None) -> Iterator[None]:
        """One inbox file at a time in this workspace, across processes (re-entrant). On
        the shared backend, one worker a file: each file has a lock of its own, so the
        workers of several machines file different files at once (an order's own lock
        keeps its changes in turn)."""
        if path is not None and self.shared:
            name = "intake:" + path.relative_to(self.workspace.inbox).as_posix()
            if name in self._claimed:
                yield
                return
            with self.store.lock(name, f"inbox file {path.name}"):
                self._claimed.add(name)
                try:
                    yield
                finally:
                    self._claimed.discard(name)
            return
        if self._intake_depth:
            self._intake_depth += 1
            try:
                yield
            finally:
                self._intake_depth -= 1
            return
        with self.store.lock("intake", "the inbox"):
            self._intake_depth = 1
            try:
                yield
            finally:
                self._intake_depth = 0

    def process(self, path: Path, *, order_no: str | None = None,
                doc_type: str | None = None, origin: str = "", factory: str = "") -> Outcome:
        """Process one inbox file behind the wall; the per-file step of `run` and `watch`.
        Raises only DiskFullError (the disk is full or the archive read-only)."""
        relative = path.relative_to(self.workspace.inbox)
        file = shown(relative.as_posix())
        settle()
        with self.intake(path):
            try:
                return self._walled(path, relative, file, order_no, doc_type,
                                    (origin, factory))
            except OSError as exc:  # even setting a file aside failed
                if exc.errno in DISK_FULL:
                    raise DiskFullError(f"the disk is full or read-only: {exc.strerror}",
                                        hint="Free some space (or make the archive "
                                        "writable) and run again; the inbox files were left "
                                        "where they were.") from exc
                raise

    def _walled(self, path: Path, relative: Path, file: str, order_no: str | None,
                doc_type: str | None, via: tuple[str, str] = ("", "")) -> Outcome:
        if not os.path.lexists(path):
            return Outcome(file, "vanished", "the file disappeared before it was processed")
        try:
            outcome = self._dispatch(path, relative, order_no, doc_type, via)
        except DiskFullError:
            raise
        except BusyError as exc:
            return Outcome(file, "retry", exc.message)
        except UnmatchedError as exc:
            return self._park(path, file, exc, self.workspace.unmatched)
        except WaitingError as exc:
            return self._park(path, file, exc, self.workspace.waiting)
        except InputError as exc:
            return self._refuse(path, file, exc)
        except (ArchiveError, IndexError_) as exc:
            return self._fail(path, file, exc.message, exc.hint)
        except GendanError as exc:
            return self._refuse(path, file, InputError(exc.message, hint=exc.hint))
        except ChildFailure as exc:
            return self._fail(path, file, exc.detail, "")
        except OSError as exc:
            if exc.errno in DISK_FULL:
                raise
            if isinstance(exc, FileNotFoundError) and not os.path.lexists(path):
                return Outcome(file, "vanished", "the file disappeared while it was processed")
            return self._fail(path, file, traceback.format_exc(), "")
        except Exception:
            return self._fail(path, file, traceback.format_exc(), "")
        self._attempts.pop(path, None)
        if outcome.status == "archived" and is_order_file(path):
            self._known = None
            self.later += self.retry_parked()
        return outcome

    def _dispatch(self, path: Path, relative: Path, order_no: str | None,
                  doc_type: str | None, via: tuple[str, str] = ("", "")) -> Outcome:
        """`via`: the mail that brought the file and the factory its rule names."""
        look = InboxFile.look(path, self.workspace.inbox)
        file = shown(relative.as_posix())
        self._check_size(path, file, look.size)
        arrival = Arrival(path, file, look.sha256(), look.identity, path.name,
                          origin=via[0], factory=via[1])
        if is_order_file(path):
            limits = self.settings.limits
            data_limits = DataLimits(depth=limits.depth, number_digits=limits.number_digits,
                                     text_chars=limits.text_chars, items=limits.items)
            if path.suffix.lower() == ".xlsx":
                preload("openpyxl")
            from .books.masters import filler

            fill = filler(self.masters())
            incoming, notes = run_limited(
                lambda: read_incoming(path, arrival.file, data_limits,
                                      workbook_unpacked_mb=limits.workbook_unpacked_mb,
                                      workbook_rows=limits.workbook_rows, prepare=fill),
                seconds=limits.seconds_per_file, memory_mb=limits.memory_mb, what=file)
            from .recipes.orders import order_arrived, update_arrived

            arrival = replace(arrival, notes=tuple(notes))
            if isinstance(incoming, SampleUpdate):
                from .books.samples import sample_arrived

                return sample_arrived(self, arrival, incoming)
            if isinstance(incoming, Order):
                return order_arrived(self, arrival, incoming)
            return update_arrived(self, arrival, incoming)
        from .recipes.factory import factory_file_arrived  # PDFs and scans: pypdf, ReportLab

        return factory_file_arrived(self, arrival, relative, order_no=order_no,
                                    doc_type=doc_type)

    def _check_size(self, path: Path, file: str, size: int) -> None:
        limits = self.settings.limits
        suffix = path.suffix.lower()
        allowed, what, key = {
            ".xlsx": (limits.workbook_mb, "a workbook", "workbook_mb"),
            ".pdf": (limits.pdf_mb, "a PDF", "pdf_mb"),
        }.get(suffix, (limits.order_file_mb, "order data", "order_file_mb") if
              is_order_file(path) else (limits.image_mb, "a scan", "image_mb"))
        if size > allowed * 1024 * 1024:
            raise LimitError(f"{file}: {size / 1024 / 1024:,.1f} MB, too large for {what}",
                             hint=f"At most {allowed:,.0f} MB ([limits] {key}); check the file, "
                             "or raise the limit in gendan.toml.")

    def masters(self) -> Masters:
        """The workspace's master data, read again only when one of its files changed."""
        from .books.masters import KINDS, Masters

        root = self.workspace.masters
        seen = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                     for kind in KINDS if (root / kind).is_dir()
                     for p in sorted((root / kind).iterdir()))
        if self._masters is None or self._masters[0] != seen:
            self._masters = (seen, Masters.load(root))
        return self._masters[1]

    def known_orders(self) -> list[KnownOrder]:
        """The archived orders, to recognise factory files by (kept until an order arrives)."""
        if self._known is None:
            refs = ("contract_no", "customer_po")
            self._known = [KnownOrder(o["order_no"], o["customer"],
                                      tuple(o[k] for k in refs if o.get(k)))
                           for o in self.store.index.orders()]
        return self._known

    def retry_parked(self) -> list[Outcome]:
        """Try again every file waiting in inbox/_unmatched/ and inbox/_waiting/."""
        outcomes = []
        for folder in (self.workspace.unmatched, self.workspace.waiting):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.name.endswith((".reason.txt", ".error.txt")) or path.is_dir():
                    continue
                outcome = self.process(path)
                if outcome.status not in {"unmatched", "waiting"}:
                    outcomes.append(outcome)
        return outcomes

    # -- where a file goes when it is not filed --------------------------------------------
    def _park(self, path: Path, file: str, error: InputError, folder: Path) -> Outcome:
        status = "unmatched" if folder == self.workspace.unmatched else "waiting"
        target = folder / path.name if path.parent != folder else path
        note = (f"File: {file}\n{error.message}\nReasons:\n"
                + "".join(f"- {r}\n" for r in error.hint.splitlines())
                + "\nWhat to do: it is tried again whenever an order or update arrives; "
                + ("or file it by hand:\n  gendan assign "
                   f"{quoted(target)} ORDER_NO [--type TYPE]\n" if status == "unmatched"
                   else "or correct it and drop it into the inbox again.\n"))
        set_aside(path, folder, note, suffix=".reason.txt", mode=self.store.file_mode)
        return Outcome(file, status, error.message, reasons=error.hint.splitlines())

    def _refuse(self, path: Path, file: str, error: InputError) -> Outcome:
        attempts = self._attempts.get(path, 0) + 1
        if error.retryable and attempts < self.settings.watch.retries:
            self._attempts[path] = attempts
            return Outcome(file, "retry", f"{error.message} (attempt {attempts})")
        self._attempts.pop(path, None)
        report = error.report() if isinstance(error, OrderDataError) else \
            f"File: {file}\nRejected: {error.message}\n\nWhat to do: {error.hint}\n"
        set_aside(path, self.workspace.rejected, report, mode=self.store.file_mode)
        problems = [str(p) for p in error.problems] if isinstance(error, OrderDataError) \
            else ([f"what to do: {error.hint}"] if error.hint else [])
        return Outcome(file, "rejected", error.message, problems=problems)

    def _fail(self, path: Path, file: str, detail: str, hint: str) -> Outcome:
        """Our own failure: the file is kept in _failed/ with what to report."""
        log.error("processing %s failed:\n%s", file, detail)
        note = (f"File: {file}\ngendan failed while processing this file; the file is kept "
                f"unchanged.\n\n{detail}\n{hint}\nWhat to do: report this, with this text; "
                f"to try again, move the file back into the inbox.\n")
        set_aside(path, self.workspace.failed, note, mode=self.store.file_mode)
        first = detail.strip().splitlines()[-1] if detail.strip() else "failed"
        return Outcome(file, "failed", f"gendan failed on this file ({first}); kept in "
                       "inbox/_failed/ with the details to report")

    # -- by hand ---------------------------------------------------------------------------
    def assign(self, path: Path, order_no: str, doc_type: str | None = None) -> Outcome:
        """File `path` under `order_no` (and `doc_type`) as a person decided."""
        from .assign import assign

        return assign(self, path, order_no, doc_type)
