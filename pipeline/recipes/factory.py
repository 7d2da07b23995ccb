"""A factory document: open it (a scan becomes a PDF), tell its order and type, stamp a
copy, file the original byte for byte beside it.

    identify by name -> [child: open, count pages, read text if the name did not tell]
    -> identify -> open the order -> [child: stamp] -> commit

The file is opened and stamped in a child process under [limits] (`sandbox`): a PDF that
inflates to gigabytes or never ends is refused; the desk goes on.
"""

from __future__ import annotations

from pathlib import Path

from ..doctypes import FACTORY_TYPES
from ..errors import UnmatchedError, UnsupportedFileError
from ..filing import Arrival, Filing, StagedFile
from ..flow import Event
from ..intake import Identification, identify
from ..outcome import Outcome
from ..pdf import IMAGE_SUFFIXES
from ..pdf.untrusted import PdfLimits, inspect_file, stamp_file
from ..sandbox import preload, run_limited
from .common import Desk, already_filed

__all__ = ["factory_file_arrived"]


def _limits(desk: Desk) -> PdfLimits:
    limits = desk.settings.limits
    return PdfLimits(pages=limits.pages, stream_mb=limits.stream_mb,
                     megapixels=limits.image_megapixels)


def _told_by_name(found: Identification, doc_type: str | None) -> bool:
    """Whether the file name (or a person) gave both the order and the type."""
    return found.order_no is not None and (doc_type is not None or
                                           "in the file name" in found.reasons[-1])


def factory_file_arrived(desk: Desk, arrival: Arrival, relative: Path, *,
                         order_no: str | None = None, doc_type: str | None = None) -> Outcome:
    suffix = arrival.path.suffix.lower()
    if suffix != ".pdf" and suffix not in IMAGE_SUFFIXES:
        raise UnsupportedFileError(
            f"{arrival.file}: gendan takes order data (.yaml .yml .json .xlsx), PDF files and "
            f"scans (.jpg .png .tif), not {suffix or 'files without an extension'}",
            hint="Save or print it as PDF and drop the PDF into the inbox.")
    store, limits = desk.store, desk.settings.limits
    if order_no is None and len(holders := store.index.holders(arrival.sha256)) == 1:
        order_no = holders[0]  # these bytes are archived already: a duplicate of that order's
    folders = list(relative.parts[:-1])
    found = identify(arrival.name, folders, (), desk.known_orders(), order_no=order_no,
                     doc_type=doc_type)
    want_text = not _told_by_name(found, doc_type)
    if suffix != ".pdf":
        preload("img2pdf")
    with store.work_folder() as work:
        # the text is read once, here: to identify the file, and for `gendan find`
        facts = run_limited(inspect_file, arrival.path, suffix != ".pdf", work,
                            max(limits.text_pages, 2 if want_text else 0), _limits(desk),
                            seconds=limits.seconds_per_file, memory_mb=limits.memory_mb,
                            what=arrival.file)
        if want_text:
            found = identify(arrival.name, folders, facts.texts or (), desk.known_orders(),
                             order_no=order_no, doc_type=doc_type)
        if found.order_no is None:
            raise UnmatchedError(f"{arrival.file}: no order found",
                                 hint="\n".join(found.reasons))
        with store.open(found.order_no) as record:
            if not record.exists():
                raise UnmatchedError(f"{arrival.file}: order {found.order_no} is not filed yet",
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
            specs = desk.stamps.archive_specs(found.doc_type)
            stamped = work / "stamped.pdf"
            count = run_limited(stamp_file, facts.pdf, stamped, specs, variables,
                                desk.stamps.font(specs), _limits(desk),
                                seconds=limits.seconds_per_file, memory_mb=limits.memory_mb,
                                what=arrival.file)
            meta = {"pages": facts.pages, "identified": list(found.reasons),
                    "encrypted": facts.encrypted, "scan": suffix != ".pdf"}
            if suffix != ".pdf" or facts.texts is not None:  # a scan has no text layer
                meta["has_text"] = suffix == ".pdf" and any(t.strip() for t in facts.texts or ())
            staged = [StagedFile(stamped, found.doc_type, ".pdf",
                                 {**meta, "stamped_pages": count}, "stamped", version)]
            event = Event(recorded=desk.clock.now(), kind="factory_document",
                          source=arrival.label,
                          summary=f"{title.title_zh} {title.title_en} v{version}: {arrival.name}",
                          data={"doc_type": found.doc_type, "version": version})
            filed = record.commit(Filing(event, arrival.label, arrival.sha256, staged, arrival,
                                         found.doc_type, version, meta, texts=facts.texts))
    return Outcome(arrival.file, "archived", f"archived in {record.ref.folder}",
                   record.ref.order_no, [d["file"] for d in filed], reasons=list(found.reasons))
