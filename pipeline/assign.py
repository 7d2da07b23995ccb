"""`gendan assign FILE ORDER [--type T]`: file a factory document as a person decided.

A file outside the inbox is copied in first (under a free name: a different file waiting
under the same name is never overwritten), so the file named stays where it is. Only a
regular file is taken: never a device, a FIFO or a link."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .doctypes import FACTORY_TYPES
from .errors import InputError, UnsafeFileError
from .inbox import free_name, shown
from .outcome import Outcome

if TYPE_CHECKING:
    from .recipes.common import Desk

__all__ = ["assign"]


def assign(desk: Desk, path: Path, order_no: str, doc_type: str | None = None) -> Outcome:
    desk.store.require(order_no)
    if doc_type is not None and doc_type not in FACTORY_TYPES:
        raise InputError(f"unknown document type {doc_type}",
                         hint=f"Use one of: {', '.join(FACTORY_TYPES)}.")
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{shown(str(path))} is not a regular file",
                              hint="Name the file itself (not a link, device or FIFO).")
    inbox = desk.workspace.inbox.resolve()
    source = path.resolve()
    if not source.is_relative_to(inbox):
        target = free_name(inbox, source.name)
        shutil.copyfile(source, target)  # the user's own file stays where it is
        source = target
    inside = desk.workspace.inbox / source.relative_to(inbox)
    return desk.process(inside, order_no=order_no, doc_type=doc_type)
