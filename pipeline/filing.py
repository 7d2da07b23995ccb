"""What a commit files: the file that arrived, the documents made from it, the event.
Plain data, handed by the recipes to `OrderRecord.commit`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .flow import Event
from .fsutil import numbered, safe_filename
from .models import Order

__all__ = ["Arrival", "Filing", "StagedFile"]


@dataclass(frozen=True)
class StagedFile:
    """A file prepared in the work folder, waiting to be committed."""

    path: Path
    doc_type: str
    suffix: str
    meta: dict[str, Any] = field(default_factory=dict)
    kind: str = "generated"  # the folder: generated/, stamped/ or handover/
    version: int = 0  # 0: the next free version of this kind and type
    variant: str = ""  # one of several documents of a type (a factory's production order)
    texts: tuple[str, ...] | None = None  # its page texts, for `gendan find`
    texts_reader: str = "pypdf"  # what read them (the check reads with pypdf)


@dataclass(frozen=True)
class Arrival:
    """The file that arrived, as it sits in the inbox (or in _unmatched/, _waiting/)."""

    path: Path
    file: str  # its path in the inbox, as shown to people (control characters escaped)
    sha256: str
    identity: tuple[int, int, int, int]  # device, inode, size, mtime: this very file
    name: str  # the name it arrived under
    notes: tuple[str, ...] = ()  # how it was read, told with what it made (flags)
    origin: str = ""  # how it reached the inbox, when not dropped there: a mail's sender ...
    factory: str = ""  # the factory that sent it, as a mail rule names it

    @property
    def label(self) -> str:
        """Where it came from, as the archive records it: inbox/NAME (and the mail that
        brought it)."""
        return f"inbox/{self.file}" + (f" ({self.origin})" if self.origin else "")

    def free_name(self, taken: dict[str, str]) -> str:
        """The name it is archived under among the originals `taken` (name: sha256): its
        own, or with -2, -3 ... before the suffix when another file holds it."""
        return next(name for name in numbered(safe_filename(self.name))
                    if taken.get(name, self.sha256) == self.sha256)


@dataclass
class Filing:
    """One commit: the event, the file that caused it (if any), what was made from it."""

    event: Event
    source: str
    source_sha256: str
    staged: list[StagedFile] = field(default_factory=list)
    arrival: Arrival | None = None
    doc_type: str = ""  # the arrival's document type
    version: int = 1  # the arrival's version
    meta: dict[str, Any] = field(default_factory=dict)  # more about the arrival
    order: Order | None = None  # new order data
    texts: tuple[str, ...] | None = None  # the arrival's page texts, read in the sandbox
    texts_reader: str = "pypdf"  # what read them (the check reads with pypdf)
