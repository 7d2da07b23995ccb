"""The orchestrator for one incoming file. Reads like the recipe it is.

Order data:       read and validate -> skip if archived -> generate documents -> commit
Factory document: open (image -> PDF) -> identify order and type -> skip if archived ->
                  stamp a copy -> commit
Both end with:    record in the index -> remove the file from the inbox.

A file that cannot be accepted is moved, untouched, to inbox/_rejected/ with
NAME.error.txt beside it; one whose order is unknown waits in inbox/_unmatched/ with
NAME.reason.txt and is tried again whenever an order arrives. The inbox file is removed
only after archive and index are committed, so a crash leaves it to be processed again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .archive import Archive, Received, StagedFile
from .config import Settings, Workspace
from .doctypes import FACTORY_TYPES, GENERATED, ON_ORDER
from .errors import (
    GendanError,
    InputError,
    NotFoundError,
    OrderDataError,
    TemplateError,
    UnmatchedError,
    UnsupportedFileError,
)
from .fsutil import sha256_file
from .index import Index
from .intake import is_order_file, read_order
from .intake.identify import KnownOrder, identify
from .models import Order
from .pdf import IMAGE_SUFFIXES, StampSpec, image_to_pdf, open_pdf, stamp_font_path, stamp_pdf
from .render import document_context, render_docx, render_html_pdf

__all__ = ["Desk", "Outcome", "is_candidate"]

log = logging.getLogger(__name__)

IGNORED_PREFIXES = (".", "~$", "_")
IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".error.txt", ".reason.txt", ".partial")
IGNORED_NAMES = {"Thumbs.db", "desktop.ini", ".DS_Store"}


@dataclass
class Outcome:
    """What happened to one inbox file."""

    file: str
    status: str  # archived | duplicate | rejected | unmatched | waiting | vanished | skipped
    message: str
    order_no: str | None = None
    documents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


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
                return self._order_arrived(path, label)
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
    def _order_arrived(self, path: Path, label: str) -> Outcome:
        sha = sha256_file(path)
        order = read_order(path, display_name=label)
        order_dir = self.archive.order_dir(order)
        if self.archive.find_original(order_dir, sha) is not None:
            return self._duplicate(path, label, order_dir, sha, order.order_no)
        version = self.archive.next_version(order_dir, "original", "order_data", sha)
        received = Received(path, sha, "order_data", f"inbox/{label}", order.order_no,
                            order.customer.code, version)
        with self._work() as work:
            staged, failures = self.generate(order, work, ON_ORDER)
            entry = self.archive.commit(order_dir, received, staged, order)
            self.index.record(entry.order, entry.documents)
        path.unlink()
        made = [d["file"] for d in entry.documents if d["source_sha256"] == sha]
        message = f"archived in {entry.order['folder']}"
        if failures:
            message += f"; {len(failures)} document(s) failed"
        self.retry_unmatched()
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
        seal = self._template_file(self.settings.documents.seal_image)
        context = document_context(doc, order, self.settings, issued=dt.date.today(), seal=seal)
        target = work / f"{key}{'.pdf' if doc.engine == 'html' else '.docx'}"
        if doc.engine == "html":
            pdf = render_html_pdf(doc.template, context, dirs, target)
            meta = {"template": pdf.template, "template_sha256": sha256_file(pdf.template_path),
                    "pages": pdf.pages}
        else:
            docx = render_docx(doc.template, context, dirs, target)
            meta = {"template": docx.template, "template_sha256": sha256_file(docx.template_path),
                    "pages": None}
        return StagedFile(target, key, target.suffix, meta)

    def _template_file(self, relative: str) -> Path | None:
        for folder in self.workspace.template_dirs:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        return None

    # -- factory documents -----------------------------------------------------------------
    def known_orders(self) -> list[KnownOrder]:
        refs = ("contract_no", "customer_po")
        return [KnownOrder(o["order_no"], o["customer"], tuple(o[k] for k in refs if o.get(k)))
                for o in self.index.orders()]

    def _factory_file_arrived(self, path: Path, label: str, order_no: str | None,
                              doc_type: str | None) -> Outcome:
        suffix = path.suffix.lower()
        if suffix != ".pdf" and suffix not in IMAGE_SUFFIXES:
            raise UnsupportedFileError(
                f"{path.name}: gendan takes order data (.yaml .yml .json .xlsx), PDF files and "
                f"scans (.jpg .png .tif), not {suffix or 'files without an extension'}",
                hint="Save or print it as PDF and drop the PDF into the inbox.",
            )
        sha = sha256_file(path)
        with self._work() as work:
            pdf_path = image_to_pdf(path, work / "scan.pdf") if suffix != ".pdf" else path
            reader, info = open_pdf(pdf_path)
            folders = list(Path(label).parts[:-1])
            found = identify(path.name, folders, info.texts, self.known_orders(),
                             order_no=order_no, doc_type=doc_type)
            if found.order_no is None:
                raise UnmatchedError(f"{label}: no order found", hint="\n".join(found.reasons))
            row = self.index.order(found.order_no)
            if row is None:
                raise NotFoundError(f"order {found.order_no} is not in the archive",
                                    hint="Check the order number with `gendan orders`.")
            order_dir = self.workspace.archive / row["folder"]
            if self.archive.find_original(order_dir, sha) is not None:
                return self._duplicate(path, label, order_dir, sha, found.order_no)
            version = self.archive.next_version(order_dir, "original", found.doc_type, sha)
            title = FACTORY_TYPES.get(found.doc_type, FACTORY_TYPES["other"])
            variables = {
                "order": found.order_no, "customer": row["customer"],
                "customer_name": row["customer_name_zh"] or row["customer_name_en"],
                "type": found.doc_type, "type_en": title.title_en, "type_zh": title.title_zh,
                "received": dt.date.today().isoformat(), "file": path.name, "version": str(version),
            }
            stamped = work / "stamped.pdf"
            specs = self._stamp_specs(found.doc_type)
            count = stamp_pdf(reader, stamped, specs, variables, self._stamp_font(specs))
            meta = {"pages": info.pages, "identified": list(found.reasons),
                    "encrypted": info.encrypted, "has_text": info.has_text}
            staged = [StagedFile(stamped, found.doc_type, ".pdf",
                                 {**meta, "stamped_pages": count}, "stamped", version)]
            received = Received(path, sha, found.doc_type, f"inbox/{label}", found.order_no,
                                row["customer"], version, meta)
            entry = self.archive.commit(order_dir, received, staged)
            self.index.record(entry.order, entry.documents)
        path.unlink()
        self._attempts.pop(path, None)
        self._clear_reason(path)
        made = [d["file"] for d in entry.documents if d["source_sha256"] == sha]
        return Outcome(label, "archived", f"archived in {row['folder']}", found.order_no, made,
                       reasons=list(found.reasons))

    def _stamp_specs(self, doc_type: str) -> list[StampSpec]:
        specs = []
        for stamp in self.settings.stamps:
            if not stamp.applies_to(doc_type):
                continue
            image = self._template_file(stamp.image) if stamp.image else None
            if stamp.image and image is None:
                log.warning("stamp image %s not found in templates/; stamp skipped", stamp.image)
                continue
            pages = stamp.pages if isinstance(stamp.pages, str) else tuple(stamp.pages)
            specs.append(StampSpec(stamp.text, image, stamp.position, stamp.offset_mm,
                                   stamp.width_mm, stamp.height_mm, stamp.rotation,
                                   stamp.opacity, pages, stamp.color))
        return specs

    def _stamp_font(self, specs: list[StampSpec]) -> Path | None:
        needs_text = any(spec.text for spec in specs)
        return stamp_font_path(self.settings.stamp_font) if needs_text else None

    def assign(self, path: Path, order_no: str, doc_type: str | None = None) -> Outcome:
        """File `path` under `order_no` (and `doc_type`) as a person decided."""
        if self.index.order(order_no) is None:
            raise NotFoundError(f"order {order_no} is not in the archive",
                                hint="Check the order number with `gendan orders`.")
        if doc_type is not None and doc_type not in FACTORY_TYPES:
            raise InputError(f"unknown document type {doc_type}",
                             hint=f"Use one of: {', '.join(FACTORY_TYPES)}.")
        inbox = self.workspace.inbox.resolve()
        source = path.resolve()
        if not source.is_relative_to(inbox):
            target = inbox / source.name
            shutil.copyfile(source, target)  # the user's own file stays where it is
            source = target
        return self.process(source, order_no=order_no, doc_type=doc_type)

    def retry_unmatched(self) -> list[Outcome]:
        """Try again every file waiting in inbox/_unmatched/ (after an order arrived)."""
        folder = self.workspace.unmatched
        if not folder.is_dir():
            return []
        files = [p for p in sorted(folder.iterdir())
                 if p.is_file() and not p.name.endswith(IGNORED_SUFFIXES)]
        return [self.process(p) for p in files]

    # -- shared steps ----------------------------------------------------------------------
    def _duplicate(self, path: Path, label: str, order_dir: Path, sha: str, order_no: str
                   ) -> Outcome:
        original = self.archive.record_duplicate(order_dir, sha, f"inbox/{label}")
        # The index may have missed the first commit (a crash between the two): record again.
        entry = self.archive.entry(order_dir)
        self.index.record(entry.order, entry.documents)
        path.unlink()
        self._clear_reason(path)
        return Outcome(label, "duplicate", f"identical to {original['path']}", order_no)

    @contextlib.contextmanager
    def _work(self) -> Iterator[Path]:
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
