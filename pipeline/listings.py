"""Orders' listings (their sidecars, parsed), kept by a process between the turns it takes at
their locks: one is good while no other holder has taken the order's lock since this
process's last turn (pipeline/locks.py) and the order's kind folders are unchanged (a file
added, removed or renamed by hand). An order that grows is then not listed again for
every file filed into it."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .locks import Turn

__all__ = ["KIND_FOLDERS", "Listing", "Listings"]

KIND_FOLDERS = ("originals", "generated", "stamped", "handover")
Listing = list[tuple[str, dict[str, Any]]]  # (a sidecar's path, its data)


def _stamps(folder: Path) -> tuple[Any, ...]:
    stamps: list[Any] = []
    for kind in KIND_FOLDERS:
        try:
            info = os.stat(folder / kind)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((info.st_mtime_ns, info.st_ino))
    return tuple(stamps)


class Listings:
    """The listings of the `size` orders listed last."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[str, tuple[Any, ...], Listing]] = OrderedDict()

    def get(self, folder: Path, turn: Turn | None) -> Listing | None:
        """The order's listing if it is still what is there, in this turn at its lock; else
        None. Its sidecars' data is shared with what is kept: read, never changed."""
        kept = self._kept.get(str(folder))
        if kept is None or turn is None or kept[0] not in turn or kept[1] != _stamps(folder):
            return None
        self._kept[str(folder)] = (turn[1], kept[1], kept[2])  # good as of this turn
        self._kept.move_to_end(str(folder))
        return list(kept[2])

    def put(self, folder: Path, turn: Turn | None, listing: Listing) -> None:
        """The order's listing as the holder of its lock (in `turn`) read or wrote it (kept as
        it is: its data is not changed after)."""
        if turn is None or not self.size:
            self.forget(folder)
            return
        self._kept[str(folder)] = (turn[1], _stamps(folder), list(listing))
        self._kept.move_to_end(str(folder))
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def forget(self, folder: Path) -> None:
        self._kept.pop(str(folder), None)
