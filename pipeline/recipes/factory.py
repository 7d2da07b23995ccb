"""A factory document: open it (a scan becomes a PDF), tell its order and type, stamp a
copy, file the original byte for byte beside it."""

from __future__ import annotations

from pathlib import Path

from ..doctypes import FACTORY_TYPES
from ..errors import UnmatchedError, UnsupportedFileError
from ..filing import Arrival, Filing, StagedFile
from ..flow import Event
from ..intake import identify
from ..outcome import Outcome
from ..pdf import IMAGE_SUFFIXES, LazyTexts, image_to_pdf, open_pdf, stamp_pdf
from .common import Desk, already_filed

__all__ = ["factory_file_arrived"]


def factory_file_arrived(desk: Desk, arrival: Arrival, relative: Path, *,
                         order_no: str | None = None, doc_type: str | None = None) -> Outcome:
    suffix = arrival.path.suffix.lower()
    if suffix != ".pdf" and suffix not in IMAGE_SUFFIXES:
        raise UnsupportedFileError(
            f"{arrival.label}: gendan takes order data (.yaml .yml .json .xlsx), PDF files and "
            f"scans (.jpg .png .tif), not {suffix or 'files without an extension'}",
            hint="Save or print it as PDF and drop the PDF into the inbox.")
    store = desk.store
    with store.work_folder() as work:
        is_scan = suffix != ".pdf"
        pdf_path = image_to_pdf(arrival.path, work / "scan.pdf") if is_scan else arrival.path
        reader, info = open_pdf(pdf_path, text_pages=0)
        texts = LazyTexts(reader)
        holders = desk.store.index.holders(arrival.sha256) if order_no is None else []
        if len(holders) == 1:  # these bytes are archived already: a duplicate of that order's
            order_no = holders[0]
        found = identify(arrival.name, list(relative.parts[:-1]), texts, desk.known_orders(),
                         order_no=order_no, doc_type=doc_type)
        if found.order_no is None:
            raise UnmatchedError(f"{arrival.label}: no order found",
                                 hint="\n".join(found.reasons))
        with store.open(found.order_no) as record:
            if not record.exists():
                raise UnmatchedError(f"{arrival.label}: order {found.order_no} is not filed yet",
                                     hint=f"order {found.order_no} has not arrived")
            if (done := record.original(arrival.sha256)) is not None:
                return already_filed(record, done, arrival)
            version = record.next_version("original", found.doc_type, arrival.sha256)
            title = FACTORY_TYPES.get(found.doc_type, FACTORY_TYPES["other"])
            order = record.order
            variables = {
                "order": record.ref.order_no, "customer": record.ref.customer,
                "customer_name": order.customer.name_zh or order.customer.name_en,
                "type": found.doc_type, "type_en": title.title_en, "type_zh": title.title_zh,
                "received": desk.clock.today().isoformat(), "file": arrival.name,
                "version": str(version),
            }
            stamped = work / "stamped.pdf"
            specs = desk.stamps.archive_specs(found.doc_type)
            count = stamp_pdf(reader, stamped, specs, variables, desk.stamps.font(specs))
            meta = {"pages": info.pages, "identified": list(found.reasons),
                    "encrypted": info.encrypted, "scan": is_scan}
            if is_scan or texts.was_read:  # a scan has no text layer; else only if read
                meta["has_text"] = not is_scan and any(t.strip() for t in texts)
            staged = [StagedFile(stamped, found.doc_type, ".pdf",
                                 {**meta, "stamped_pages": count}, "stamped", version)]
            event = Event(recorded=desk.clock.now(), kind="factory_document",
                          source=arrival.label,
                          summary=f"{title.title_zh} {title.title_en} v{version}: {arrival.name}",
                          data={"doc_type": found.doc_type, "version": version})
            filed = record.commit(Filing(event, arrival.label, arrival.sha256, staged, arrival,
                                         found.doc_type, version, meta))
    return Outcome(arrival.file, "archived", f"archived in {record.ref.folder}",
                   record.ref.order_no, [d["file"] for d in filed], reasons=list(found.reasons))
