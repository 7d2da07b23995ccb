"""A sidecar as the store reads and writes it: JSON of one object, and what every reader
relies on finding in it (`well_formed`); a record that is not is left out by the readers
and named by `gendan verify`. Also what the order store and a record share: where an order
lives (`OrderRef`) and what a record asks of the store (`RecordStore`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ArchiveError

if TYPE_CHECKING:
    from .clock import Clock
    from .flow import Event
    from .index import Index
    from .summary import Policy

__all__ = ["SHAPE", "SIDECAR_SUFFIX", "OrderRef", "RecordStore", "dump_json", "read_json",
           "well_formed"]

SIDECAR_SUFFIX = ".gendan.json"


@dataclass(frozen=True)
class OrderRef:
    """Where an order lives: its number as first filed, its customer and its folder."""

    order_no: str
    customer: str
    folder: str  # relative to the archive root, e.g. ACME/PO-2026-0042

    def as_dict(self) -> dict[str, str]:
        return {"order_no": self.order_no, "customer": self.customer, "folder": self.folder}

SHAPE = {"kind": str, "doc_type": str, "version": int, "path": str, "source_sha256": str,
         "sha256": str}


def well_formed(meta: dict[str, Any]) -> bool:
    """A sidecar has what every reader of it relies on (the rest is checked where used)."""
    return all(isinstance(meta.get(key), kind) for key, kind in SHAPE.items()) and \
        not isinstance(meta.get("version"), bool) and \
        (meta.get("event") is None or isinstance(meta.get("event"), dict))


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{path}: unreadable ({exc})",
                           hint="Run `gendan verify --repair`, or restore it from backup.") from exc
    if not isinstance(data, dict):
        raise ArchiveError(f"{path}: expected a JSON object",
                           hint="Run `gendan verify --repair`, or restore it from backup.")
    return data


def dump_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str)
            + "\n").encode("utf-8")


class RecordStore(Protocol):
    """What a record (record.py) asks of the order store that opens it (store.py's
    OrderStore)."""

    root: Path
    file_mode: int | None
    clock: Clock
    policy: Policy
    index: Index

    def folder(self, ref: OrderRef) -> Path: ...
    def relative(self, path: Path) -> str: ...
    def sidecars(self, folder: Path) -> Iterator[tuple[str, dict[str, Any]]]: ...
    def listing(self, folder: Path, key: str) -> list[tuple[str, dict[str, Any]]]: ...
    def remember(self, folder: Path, key: str,
                 listing: list[tuple[str, dict[str, Any]]]) -> None: ...
    def forget_listing(self, folder: Path) -> None: ...
    def event(self, raw: dict[str, Any]) -> Event: ...
    def claim(self, key: str, ref: OrderRef) -> None: ...
    def undo_entries(self, key: str, claimed: bool) -> None: ...
    def journal_begin(self, key: str, ref: OrderRef, what: str, *,
                      durable: bool = True) -> None: ...
    def journal_end(self, key: str) -> None: ...
