"""Steps every flow shares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..clock import Clock
from ..config import Settings
from ..doctypes import FACTORY_TYPES, GENERATED
from ..documents import DocumentMaker
from ..filing import Arrival
from ..intake import KnownOrder
from ..outcome import Outcome
from ..record import OrderRecord
from ..sandbox import Steps
from ..store import OrderStore
from ..workspace import Workspace
from .stamping import Stamps

if TYPE_CHECKING:
    from ..books.masters import Masters

__all__ = ["Desk", "already_filed", "checklist", "logo_url", "titled"]


class Desk(Protocol):
    """What a flow needs of the desk: its settings, store, maker, stamps and clock."""

    workspace: Workspace
    settings: Settings
    clock: Clock
    store: OrderStore
    maker: DocumentMaker
    stamps: Stamps
    ahead: dict[Path, tuple[tuple[int, int, int, int], int, Steps]]  # files read ahead

    def known_orders(self) -> list[KnownOrder]: ...

    def masters(self) -> Masters: ...

    def process(self, path: Path, *, order_no: str | None = None,
                doc_type: str | None = None, origin: str = "",
                factory: str = "") -> Outcome: ...

NOT_LISTED = {"order_data", "order_update"}


def logo_url(desk: Desk) -> str:
    """The company logo as a URL for the HTML made outside the document set."""
    logo = desk.maker.template_file(desk.settings.company.logo) if desk.settings.company.logo \
        else None
    return logo.resolve().as_uri() if logo else ""


def titled(record: OrderRecord) -> list[dict[str, Any]]:
    """The order's current archived files with their titles (for checklists)."""
    rows = []
    for meta in record.current():
        if meta["doc_type"] in NOT_LISTED:
            continue
        kind = GENERATED.get(meta["doc_type"]) or FACTORY_TYPES.get(meta["doc_type"])
        rows.append({**meta, "title_zh": kind.title_zh if kind else meta["doc_type"],
                     "title_en": kind.title_en if kind else ""})
    return rows


def checklist(required: list[str], record: OrderRecord) -> list[dict[str, Any]]:
    """The hand-over's documents: each required one (archived or not yet), then the other
    current documents."""
    current = {m["doc_type"]: m for m in titled(record)}
    rows = []
    for doc_type in dict.fromkeys([*required, *current]):
        kind = GENERATED.get(doc_type) or FACTORY_TYPES.get(doc_type)
        meta = current.get(doc_type)
        rows.append({"doc_type": doc_type, "title_zh": kind.title_zh if kind else doc_type,
                     "title_en": kind.title_en if kind else "", "required": doc_type in required,
                     "archived": meta is not None, "file": meta["file"] if meta else "",
                     "version": meta["version"] if meta else None})
    return rows


def already_filed(record: OrderRecord, meta: dict[str, Any], arrival: Arrival) -> Outcome:
    """These bytes are archived: either this very file was committed just before an
    interruption (finish its clean-up) or the same content arrived again (a duplicate)."""
    order_no = record.ref.order_no
    if record.is_this_arrival(meta, arrival):
        record.finish_arrival(arrival)
        made = [d["file"] for d in record.documents if d["source_sha256"] == arrival.sha256]
        return Outcome(arrival.file, "archived", f"archived in {record.ref.folder} (the run "
                       "before was interrupted after filing it)", order_no, made)
    record.record_duplicate(meta, arrival)
    return Outcome(arrival.file, "duplicate", f"identical to {meta['path']}", order_no)
