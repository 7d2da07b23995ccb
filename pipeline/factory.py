"""Factory documents: open (scans become PDFs), identify order and type, stamp a copy,
file the original byte for byte beside it. Part of the Desk (see process.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from .archive import Archive, Received, StagedFile
from .config import Settings, Workspace
from .doctypes import FACTORY_TYPES
from .documents import DocumentMaker
from .errors import InputError, NotFoundError, UnmatchedError, UnsupportedFileError
from .fsutil import sha256_file
from .index import Index
from .intake import KnownOrder, identify
from .outcome import Outcome
from .pdf import IMAGE_SUFFIXES, StampSpec, image_to_pdf, open_pdf, stamp_font_path, stamp_pdf

__all__ = ["FactoryDocuments"]

log = logging.getLogger(__name__)


class FactoryDocuments:
    """The factory-document half of the Desk."""

    workspace: Workspace
    settings: Settings
    archive: Archive
    index: Index
    maker: DocumentMaker
    _attempts: dict[Path, int]

    if TYPE_CHECKING:
        def work_folder(self) -> contextlib.AbstractContextManager[Path]: ...
        def _duplicate(self, path: Path, label: str, order_dir: Path, sha: str,
                       order_no: str) -> Outcome: ...
        def _clear_reason(self, path: Path) -> None: ...
        def process(self, path: Path, *, order_no: str | None = None,
                    doc_type: str | None = None) -> Outcome: ...

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
        with self.work_folder() as work:
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
            image = self.maker.template_file(stamp.image) if stamp.image else None
            if stamp.image and image is None:
                log.warning("stamp image %s not found in templates/; stamp skipped", stamp.image)
                continue
            pages = stamp.pages if isinstance(stamp.pages, str) else tuple(stamp.pages)
            specs.append(StampSpec(text=stamp.text, image=image, position=stamp.position,
                                   offset_mm=stamp.offset_mm, width_mm=stamp.width_mm,
                                   height_mm=stamp.height_mm, rotation=stamp.rotation,
                                   opacity=stamp.opacity, pages=pages, color=stamp.color))
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

