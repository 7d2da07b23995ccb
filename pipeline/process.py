"""The orchestrator for one incoming file. Reads like the recipe it is:

    identify -> read and validate -> skip if already archived -> generate documents in a
    work folder -> commit to the archive -> record in the index -> remove from the inbox

A file that cannot be accepted is moved, untouched, to inbox/_rejected/ with
NAME.error.txt beside it. The inbox file is removed only after archive and index are
committed, so a crash leaves it to be processed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .archive import Archive, OrderEntry, StagedFile
from .config import Settings, Workspace
from .doctypes import GENERATED, ON_ORDER
from .errors import GendanError, InputError, OrderDataError, TemplateError
from .fsutil import sha256_file
from .index import Index
from .intake import is_order_file, read_order
from .models import Order
from .render import document_context, render_docx, render_html_pdf

__all__ = ["Desk", "Outcome"]

log = logging.getLogger(__name__)

IGNORED_PREFIXES = (".", "~$", "_")
IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".error.txt")
IGNORED_NAMES = {"Thumbs.db", "desktop.ini", ".DS_Store"}


@dataclass
class Outcome:
    """What happened to one inbox file."""

    file: str
    status: str  # archived | duplicate | rejected | skipped
    message: str
    order_no: str | None = None
    documents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_candidate(path: Path, inbox: Path) -> bool:
    """Files the desk should look at: not hidden, partial, system or in _rejected/ etc."""
    relative = path.relative_to(inbox)
    if any(part.startswith(IGNORED_PREFIXES) for part in relative.parts):
        return False
    return path.name not in IGNORED_NAMES and not path.name.endswith(IGNORED_SUFFIXES)


class Desk:
    """One workspace's pipeline: the settings, archive and index it works with."""

    def __init__(self, workspace: Workspace, settings: Settings) -> None:
        self.workspace = workspace
        self.settings = settings
        self.archive = Archive(workspace.archive)
        self.index = Index(workspace.archive / ".index")

    # -- the inbox -------------------------------------------------------------------------
    def pending(self) -> Iterator[Path]:
        inbox = self.workspace.inbox
        if not inbox.is_dir():
            return
        found = [p for p in inbox.rglob("*") if p.is_file() and is_candidate(p, inbox)]
        yield from sorted(found, key=lambda p: (p.stat().st_mtime, str(p)))

    def run_once(self) -> list[Outcome]:
        """Process every file waiting in the inbox, one after another."""
        self.workspace.ensure_folders()
        return [self.process(path) for path in self.pending()]

    def process(self, path: Path) -> Outcome:
        """Process one inbox file; the per-file step shared by `run` and `watch`."""
        label = path.relative_to(self.workspace.inbox).as_posix()
        try:
            if is_order_file(path):
                return self._order_arrived(path, label)
            return Outcome(label, "skipped", "not order data; left in the inbox")
        except InputError as exc:
            self.reject(path, exc)
            return Outcome(label, "rejected", str(exc), problems=_problems(exc))

    # -- order data ------------------------------------------------------------------------
    def _order_arrived(self, path: Path, label: str) -> Outcome:
        sha = sha256_file(path)
        order = read_order(path, display_name=label)
        order_dir = self.archive.order_dir(order)
        if self.archive.find_original(order_dir, sha) is not None:
            # Archived before; the index may have missed it (a crash between the two
            # commits), so record it again: cheap and idempotent.
            entry = self.archive.entry(order_dir)
            self.index.record(entry.order, entry.documents)
            path.unlink()
            return Outcome(label, "duplicate", "identical file already archived", order.order_no)
        self.workspace.work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.workspace.work) as work:
            staged, failures = self.generate(order, Path(work), ON_ORDER)
            entry = self.archive.commit(order, path, sha, "order_data", staged, f"inbox/{label}")
            self.index.record(entry.order, entry.documents)
        path.unlink()
        made = [d["file"] for d in entry.documents if d["source_sha256"] == sha]
        message = f"archived in {entry.order['folder']}"
        if failures:
            message += f"; {len(failures)} document(s) failed"
        return Outcome(label, "archived", message, order.order_no, made, failures)

    def generate(
        self, order: Order, work: Path, doc_types: tuple[str, ...]
    ) -> tuple[list[StagedFile], list[str]]:
        """Render each document into `work`; a broken template fails only its document."""
        staged, failures = [], []
        for key in doc_types:
            try:
                staged.append(self.render_one(key, order, work))
            except TemplateError as exc:
                log.error("%s: %s", key, exc)
                failures.append(f"{key}: {exc}")
        return staged, failures

    def render_one(self, key: str, order: Order, work: Path) -> StagedFile:
        doc = GENERATED[key]
        dirs = self.workspace.template_dirs
        seal = self._seal_path(dirs)
        context = document_context(doc, order, self.settings, issued=dt.date.today(), seal=seal)
        target = work / f"{key}{'.pdf' if doc.engine == 'html' else '.docx'}"
        if doc.engine == "html":
            pdf = render_html_pdf(doc.template, context, dirs, target)
            meta = {"template": pdf.template, "template_sha256": sha256_file(pdf.template_path),
                    "pages": pdf.pages}  # fmt: skip
        else:
            docx = render_docx(doc.template, context, dirs, target)
            meta = {"template": docx.template, "template_sha256": sha256_file(docx.template_path),
                    "pages": None}  # fmt: skip
        return StagedFile(target, key, target.suffix, meta)

    def _seal_path(self, dirs: list[Path]) -> Path | None:
        for folder in dirs:
            candidate = folder / self.settings.documents.seal_image
            if candidate.is_file():
                return candidate
        return None

    # -- rejection -------------------------------------------------------------------------
    def reject(self, path: Path, error: GendanError) -> Path:
        """Move `path` untouched into inbox/_rejected/ with NAME.error.txt beside it."""
        folder = self.workspace.rejected
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        if target.exists():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            target = folder / f"{path.stem}.{stamp}{path.suffix}"
        os.replace(path, target) if _same_device(path, folder) else shutil.move(path, target)
        report = error.report() if isinstance(error, OrderDataError) else _report(path, error)
        (target.parent / f"{target.name}.error.txt").write_text(report, encoding="utf-8")
        return target

    # -- the index -------------------------------------------------------------------------
    def reindex(self) -> int:
        entries: list[OrderEntry] = list(self.archive.entries())
        return self.index.rebuild((e.order, e.documents) for e in entries)


def _same_device(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _problems(exc: InputError) -> list[str]:
    return [str(p) for p in exc.problems] if isinstance(exc, OrderDataError) else [str(exc)]


def _report(path: Path, error: GendanError) -> str:
    return f"File: {path.name}\nRejected: {error.message}\n\nWhat to do: {error.hint}\n"
