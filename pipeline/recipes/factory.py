"""A factory document: open it (a scan becomes a PDF), tell its order and type, stamp a
copy, file the original byte for byte beside it.

    identify by name -> [child: open, count pages, read text if the name did not tell]
    -> identify -> open the order -> [child: stamp] -> commit

The file is opened and stamped in a child process under [limits] (`sandbox`): a PDF that
inflates to gigabytes or never ends is refused; the desk goes on.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from ..doctypes import FACTORY_TYPES
from ..errors import GendanError, UnmatchedError, UnsupportedFileError
from ..filing import Arrival, Filing, StagedFile
from ..flow import Event
from ..fsutil import safe_name
from ..inbox import InboxFile
from ..intake import Identification, identify
from ..models import Order
from ..outcome import Outcome
from ..pdf import IMAGE_SUFFIXES
from ..pdf.stamp import stamp_font_path
from ..pdf.untrusted import Facts, PdfLimits, inspect_and_stamp, inspect_file, stamp_file
from ..record import OrderRecord
from ..sandbox import Steps, preload, run_limited
from .common import Desk, already_filed

__all__ = ["factory_file_arrived", "read_ahead"]


def _limits(desk: Desk) -> PdfLimits:
    limits, ocr = desk.settings.limits, desk.settings.ocr
    return PdfLimits(pages=limits.pages, stream_mb=limits.stream_mb,
                     megapixels=limits.image_megapixels, seconds=limits.seconds_per_file,
                     ocr=ocr.enabled, ocr_dpi=ocr.dpi,
                     ocr_font=str(stamp_font_path(desk.settings.stamp_font)))


def _told_by_name(found: Identification, doc_type: str | None) -> bool:
    """Whether the file name (or a person) gave both the order and the type."""
    return found.order_no is not None and (doc_type is not None or
                                           "in the file name" in found.reasons[-1])


def read_ahead(desk: Desk, path: Path) -> None:
    """Start reading a factory PDF waiting in the inbox in a child of its own, while the
    files before it are filed (`factory_file_arrived` takes the result if the file is still
    the same). Anything unusual about the file is left to its turn."""
    limits = desk.settings.limits
    if path.suffix.lower() != ".pdf" or path in desk.ahead:
        return
    try:
        look = InboxFile.look(path, desk.workspace.inbox)
    except (OSError, GendanError):
        return
    if look.size > limits.pdf_mb * 1024 * 1024:
        return
    pages = max(limits.text_pages, 2)
    desk.ahead[path] = (look.identity, pages, _reader(desk, path, pages, look.label))


def _reader(desk: Desk, path: Path, pages: int, label: str) -> Steps:
    """A child that opens a factory PDF and reads its first `pages` pages, then, told what
    to stamp, stamps the file it opened (`inspect_and_stamp`): one fork a file, not two (a
    fork costs more the larger the desk has grown)."""
    limits = desk.settings.limits
    desk.stamps.warm()  # the stamp font, read here once: the child stamps too
    work = Path(tempfile.mkdtemp(prefix="gendan-ocr-"))  # removed when the child is done
    return Steps(inspect_and_stamp, (path, work, pages, _limits(desk)),
                 seconds=limits.seconds_per_file, memory_mb=limits.memory_mb, what=label,
                 scratch=work)


def _taken_ahead(desk: Desk, arrival: Arrival, text_pages: int) -> tuple[Facts, Steps] | None:
    """What `read_ahead` read of this file, if it read these very bytes, and the child that
    holds it open, waiting to be told what to stamp."""
    if (ahead := desk.ahead.pop(arrival.path, None)) is None:
        return None
    identity, pages, child = ahead
    if identity != arrival.identity or pages < text_pages:
        child.cancel()
        return None
    facts: Facts = child.result()
    texts = facts.texts[:text_pages] if text_pages and facts.texts is not None else None
    return replace(facts, texts=texts), child


@contextlib.contextmanager
def _stopped_after(child: Steps | None) -> Iterator[None]:
    """A child still waiting when the file is done (filed before, unmatched, refused) is
    stopped."""
    try:
        yield
    finally:
        if child is not None:
            child.cancel()


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
    text_pages = max(limits.text_pages, 2 if want_text else 0)
    ahead = _taken_ahead(desk, arrival, text_pages)
    child = ahead[1] if ahead else None
    if child is None and suffix == ".pdf":
        child = _reader(desk, arrival.path, text_pages, arrival.file)
    with _stopped_after(child), store.work_folder() as work:
        # the text is read once, here (or ahead, see read_ahead): to identify the file, and
        # for `gendan find`
        if ahead is not None:
            facts = ahead[0]
        elif child is not None:
            facts = child.result()
        else:  # a scan: made a PDF and read in one child, stamped in another
            facts = run_limited(inspect_file, arrival.path, True, work, text_pages,
                                _limits(desk), seconds=limits.seconds_per_file,
                                memory_mb=limits.memory_mb, what=arrival.file)
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
            order = record.order
            maker = factory_of(order, facts.texts or ()) or _named(order, arrival.factory)
            variant = safe_name(maker) if maker else ""
            version = record.next_version("original", found.doc_type, arrival.sha256, variant)
            title = FACTORY_TYPES.get(found.doc_type, FACTORY_TYPES["other"])
            variables = {
                "order": record.ref.order_no, "customer": record.ref.customer,
                "customer_name": order.customer.name_zh or order.customer.name_en,
                "type": found.doc_type, "type_en": title.title_en, "type_zh": title.title_zh,
                "received": desk.clock.today().isoformat(), "file": arrival.name,
                "version": str(version),
            }
            specs = desk.stamps.archive_specs(found.doc_type)
            stamped, font = work / "stamped.pdf", desk.stamps.font(specs)
            if child is not None:  # the child that read it stamps it
                count = child.reply((stamped, specs, variables, font))
            else:
                count = run_limited(stamp_file, facts.pdf, stamped, specs, variables, font,
                                    _limits(desk), seconds=limits.seconds_per_file,
                                    memory_mb=limits.memory_mb, what=arrival.file)
            meta = {"pages": facts.pages, "identified": list(found.reasons),
                    "encrypted": facts.encrypted, "scan": suffix != ".pdf"}
            if maker:  # one factory's own document: beside the other factories', not over
                meta.update(factory=maker, variant=variant)
            if facts.ocr is not None:  # its pages without text read by OCR
                meta["ocr"] = facts.ocr
            if suffix != ".pdf" or facts.texts is not None:  # a scan: text only by OCR
                meta["has_text"] = any(t.strip() for t in facts.texts or ())
            staged = [StagedFile(stamped, found.doc_type, ".pdf",
                                 {**meta, "stamped_pages": count}, "stamped", version,
                                 variant)]
            staged += _checklist_again(desk, record, found.doc_type, version, arrival.name,
                                       work)
            event = Event(recorded=desk.clock.now(), kind="factory_document",
                          source=arrival.label,
                          summary=f"{title.title_zh} {title.title_en} v{version}: {arrival.name}",
                          data={"doc_type": found.doc_type, "version": version})
            filed = record.commit(Filing(event, arrival.label, arrival.sha256, staged, arrival,
                                         found.doc_type, version, meta, texts=facts.texts,
                                         texts_reader=facts.reader))
    return Outcome(arrival.file, "archived", f"archived in {record.ref.folder}",
                   record.ref.order_no, [d["file"] for d in filed], reasons=list(found.reasons))


def _named(order: Order, factory: str) -> str:
    """The factory a mail rule named, when it is one of a several-factory order's."""
    makers = {i.manufacturer for i in order.items if i.manufacturer}
    return factory if len(makers) > 1 and factory in makers else ""


def factory_of(order: Order, texts: Sequence[str]) -> str:
    """The one factory of a several-factory order whose name the document gives (its own
    packing list or invoice, on its letterhead or as the seller); "" for any other."""
    makers = {i.manufacturer for i in order.items if i.manufacturer}
    if len(makers) < 2:
        return ""
    text = re.sub(r"\s+", "", "".join(texts)).casefold()
    named = [m for m in makers if re.sub(r"\s+", "", m).casefold() in text]
    return named[0] if len(named) == 1 else ""


def _checklist_again(desk: Desk, record: OrderRecord, doc_type: str, version: int,
                     name: str, work: Path) -> list[StagedFile]:
    """The hand-over checklist, remade when a document it waits for arrives (the first
    version of a required type; later versions change no line of it)."""
    from ..due import required_documents
    from .common import checklist, titled

    required = required_documents(desk.settings.handover, record.order)
    made_before = any(m["doc_type"] == "handover_checklist" for m in record.current())
    if doc_type not in required or record.current(doc_type) or not made_before:
        return []
    rows = checklist(required, record)
    for row in rows:
        if row["doc_type"] == doc_type:
            row.update(archived=True, version=version, file=name)
    made = desk.maker.make(record.order, record.workflow, ("handover_checklist",), work,
                           titled(record), rows)
    return list(made.staged)
