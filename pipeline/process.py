"""The orchestrator for one incoming file. Reads like the recipe it is.

Order data:       read and validate -> skip if archived -> make the document set -> commit
Order update:     find the order -> apply the workflow rules -> remake what it changes
Factory document: open (image -> PDF) -> identify order and type -> stamp a copy -> commit
All end with:     record in the index -> remove the file from the inbox.

A file that cannot be accepted is moved, untouched, to inbox/_rejected/ with
NAME.error.txt beside it; one whose order is unknown waits in inbox/_unmatched/ with
NAME.reason.txt and is tried again whenever an order arrives. The inbox file is removed
only after archive and index are committed, so a crash leaves it to be processed again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .archive import Archive, Received
from .config import Settings, Workspace
from .doctypes import FACTORY_TYPES, GENERATED
from .documents import DocumentMaker
from .errors import GendanError, InputError, NotFoundError, OrderDataError, UnmatchedError
from .factory import FactoryDocuments
from .flow import OrderUpdate, Workflow, apply_update, order_revised
from .fsutil import sha256_file
from .index import Index
from .intake import is_order_file, read_incoming
from .models import Order
from .outcome import Outcome

__all__ = ["Desk", "Outcome", "is_candidate"]

IGNORED_PREFIXES = (".", "~$", "_")
IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".error.txt", ".reason.txt", ".partial")
IGNORED_NAMES = {"Thumbs.db", "desktop.ini", ".DS_Store"}


def is_candidate(path: Path, inbox: Path) -> bool:
    """Files the desk should look at: not hidden, partial, system or in _rejected/ etc."""
    relative = path.relative_to(inbox)
    if any(part.startswith(IGNORED_PREFIXES) for part in relative.parts):
        return False
    return path.name not in IGNORED_NAMES and not path.name.endswith(IGNORED_SUFFIXES)


class Desk(FactoryDocuments):
    """One workspace's pipeline: the settings, archive, index and document maker."""

    def __init__(self, workspace: Workspace, settings: Settings) -> None:
        self.workspace = workspace
        self.settings = settings
        self.archive = Archive(workspace.archive)
        self.index = Index(workspace.archive / ".index")
        self.maker = DocumentMaker(workspace, settings)
        self._attempts: dict[Path, int] = {}

    # -- the inbox -------------------------------------------------------------------------
    def pending(self) -> Iterator[Path]:
        inbox = self.workspace.inbox
        if not inbox.is_dir():
            return
        found = []
        for path in inbox.rglob("*"):
            try:
                if path.is_file() and is_candidate(path, inbox):
                    found.append((path.stat().st_mtime, str(path), path))
            except FileNotFoundError:
                continue
        yield from (path for _, _, path in sorted(found))

    def run_once(self) -> list[Outcome]:
        """Process every file waiting in the inbox; damaged files get a few attempts."""
        self.workspace.ensure_folders()
        outcomes = [self.process(path) for path in self.pending()]
        waiting = [o for o in outcomes if o.status == "waiting"]
        while waiting:
            time.sleep(self.settings.watch.retry_seconds)
            retried = {o.file: self.process(self.workspace.inbox / o.file) for o in waiting}
            outcomes = [retried.get(o.file, o) for o in outcomes]
            waiting = [o for o in retried.values() if o.status == "waiting"]
        return outcomes

    def process(self, path: Path, *, order_no: str | None = None,
                doc_type: str | None = None) -> Outcome:
        """Process one inbox file; the per-file step shared by `run` and `watch`."""
        label = path.relative_to(self.workspace.inbox).as_posix()
        try:
            if is_order_file(path):
                incoming = read_incoming(path, display_name=label)
                if isinstance(incoming, Order):
                    return self._order_arrived(path, label, incoming)
                return self._update_arrived(path, label, incoming)
            return self._factory_file_arrived(path, label, order_no, doc_type)
        except FileNotFoundError:
            if path.exists():
                raise
            return Outcome(label, "vanished", "the file disappeared before it was processed")
        except UnmatchedError as exc:
            self._park(path, exc)
            return Outcome(label, "unmatched", exc.message, reasons=exc.hint.splitlines())
        except InputError as exc:
            attempts = self._attempts.get(path, 0) + 1
            if exc.retryable and attempts < self.settings.watch.retries:
                self._attempts[path] = attempts
                return Outcome(label, "waiting", f"{exc.message} (attempt {attempts})")
            self._attempts.pop(path, None)
            self.reject(path, exc)
            return Outcome(label, "rejected", exc.message, problems=_problems(exc))

    # -- order data ------------------------------------------------------------------------
    def _order_arrived(self, path: Path, label: str, order: Order) -> Outcome:
        sha = sha256_file(path)
        order_dir = self.archive.order_dir(order)
        if self.archive.find_original(order_dir, sha) is not None:
            return self._duplicate(path, label, order_dir, sha, order.order_no)
        version = self.archive.next_version(order_dir, "original", "order_data", sha)
        received = Received(path, sha, "order_data", f"inbox/{label}", order.order_no,
                            order.customer.code, version)
        workflow = self.archive.load_workflow(order_dir)
        if version > 1:
            workflow = order_revised(workflow, received.label, _now())
        with self.work_folder() as work:
            made = self.maker.make(order, workflow, self.maker.on_order(), work,
                                   self._documents(order_dir))
            entry = self.archive.commit(order_dir, received, made.staged, order, workflow)
            self.index.record(entry.order, entry.documents)
        path.unlink()
        documents = [d["file"] for d in entry.documents if d["source_sha256"] == sha]
        message = f"archived in {entry.order['folder']}"
        if made.failures:
            message += f"; {len(made.failures)} document(s) failed"
        self.retry_unmatched()
        return Outcome(label, "archived", message, order.order_no, documents,
                       made.failures + made.notices)

    def _update_arrived(self, path: Path, label: str, update: OrderUpdate) -> Outcome:
        row = self.index.order(update.order_no)
        if row is None:
            raise UnmatchedError(f"{label}: update for order {update.order_no}, which is not "
                                 "archived yet", hint=f"order {update.order_no} has not arrived;"
                                 " the update is applied when it does")
        sha = sha256_file(path)
        order_dir = self.workspace.archive / row["folder"]
        if self.archive.find_original(order_dir, sha) is not None:
            return self._duplicate(path, label, order_dir, sha, update.order_no)
        order = self.archive.load_order(order_dir)
        lead = self.settings.inspection.lead_days()
        workflow, affected, flags = apply_update(
            order, self.archive.load_workflow(order_dir), update,
            thresholds=self.settings.approval.general_manager_threshold,
            lead_days=lead, source=f"inbox/{label}", now=_now())
        version = self.archive.next_version(order_dir, "original", "order_update", sha)
        received = Received(path, sha, "order_update", f"inbox/{label}", order.order_no,
                            order.customer.code, version,
                            {"update": update.update, "flags": flags})
        with self.work_folder() as work:
            made = self.maker.make(order, workflow, affected, work, self._documents(order_dir))
            entry = self.archive.commit(order_dir, received, made.staged, workflow=workflow)
            self.index.record(entry.order, entry.documents)
        path.unlink()
        self._clear_reason(path)
        documents = [d["file"] for d in entry.documents
                     if d["source_sha256"] == sha and d["kind"] != "original"]
        summary = workflow.history[-1].summary
        return Outcome(label, "archived", f"{update.update}: {summary}", order.order_no,
                       documents, [f"flag: {f}" for f in flags] + made.failures + made.notices)

    def _documents(self, order_dir: Path) -> list[dict[str, Any]]:
        """The order's current archived files, titled, for checklists."""
        if not (order_dir / "order.json").exists():
            return []
        rows = []
        for meta in self.archive.entry(order_dir).documents:
            if not meta["current"] or meta["doc_type"] in {"order_data", "order_update"}:
                continue
            title = GENERATED.get(meta["doc_type"]) or FACTORY_TYPES.get(meta["doc_type"])
            rows.append({**meta, "title_zh": title.title_zh if title else meta["doc_type"],
                         "title_en": title.title_en if title else ""})
        return rows

    def retry_unmatched(self) -> list[Outcome]:
        """Try again every file waiting in inbox/_unmatched/ (after an order arrived)."""
        folder = self.workspace.unmatched
        if not folder.is_dir():
            return []
        files = [p for p in sorted(folder.iterdir())
                 if p.is_file() and not p.name.endswith(IGNORED_SUFFIXES)]
        return [self.process(p) for p in files]

    # -- shared steps ----------------------------------------------------------------------
    def _duplicate(self, path: Path, label: str, order_dir: Path, sha: str,
                   order_no: str) -> Outcome:
        original = self.archive.record_duplicate(order_dir, sha, f"inbox/{label}")
        # The index may have missed the first commit (a crash between the two): record again.
        entry = self.archive.entry(order_dir)
        self.index.record(entry.order, entry.documents)
        path.unlink()
        self._clear_reason(path)
        return Outcome(label, "duplicate", f"identical to {original['path']}", order_no)

    @contextlib.contextmanager
    def work_folder(self) -> Iterator[Path]:
        """A scratch folder on the archive's filesystem, removed afterwards."""
        self.workspace.work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.workspace.work) as name:
            yield Path(name)

    def _park(self, path: Path, error: UnmatchedError) -> None:
        """Move a file whose order is unknown to inbox/_unmatched/ with the reasons."""
        folder = self.workspace.unmatched
        folder.mkdir(parents=True, exist_ok=True)
        target = path if path.parent == folder else _free_name(folder / path.name)
        if target != path:
            os.replace(path, target)
        note = (f"File: {path.name}\nNo order found. Reasons:\n"
                + "".join(f"- {r}\n" for r in error.hint.splitlines())
                + "\nWhat to do: it is tried again when a new order arrives; or file it by hand:"
                + f"\n  gendan assign '{target}' ORDER_NO [--type TYPE]\n")
        target.with_name(target.name + ".reason.txt").write_text(note, encoding="utf-8")

    def _clear_reason(self, path: Path) -> None:
        path.with_name(path.name + ".reason.txt").unlink(missing_ok=True)

    def reject(self, path: Path, error: GendanError) -> Path:
        """Move `path` untouched into inbox/_rejected/ with NAME.error.txt beside it."""
        folder = self.workspace.rejected
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder / path.name)
        if path.stat().st_dev == folder.stat().st_dev:
            os.replace(path, target)
        else:
            shutil.move(path, target)
        self._clear_reason(path)
        report = error.report() if isinstance(error, OrderDataError) else _report(path, error)
        (target.parent / f"{target.name}.error.txt").write_text(report, encoding="utf-8")
        return target

    # -- the index -------------------------------------------------------------------------
    def reindex(self) -> int:
        entries = list(self.archive.entries())
        return self.index.rebuild((e.order, e.documents) for e in entries)

    def workflow(self, order_no: str) -> tuple[Order, Workflow]:
        row = self.index.order(order_no)
        if row is None:
            raise NotFoundError(f"order {order_no} is not in the index",
                                hint="Check `gendan orders`; run `gendan reindex` if it should be.")
        order_dir = self.workspace.archive / row["folder"]
        return self.archive.load_order(order_dir), self.archive.load_workflow(order_dir)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _free_name(target: Path) -> Path:
    if not target.exists():
        return target
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return target.with_name(f"{target.stem}.{stamp}{target.suffix}")


def _problems(exc: InputError) -> list[str]:
    if isinstance(exc, OrderDataError):
        return [str(p) for p in exc.problems]
    return [f"what to do: {exc.hint}"] if exc.hint else []


def _report(path: Path, error: GendanError) -> str:
    return f"File: {path.name}\nRejected: {error.message}\n\nWhat to do: {error.hint}\n"
