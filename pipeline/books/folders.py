"""The books' versioned folders (`books/quotations/NUMBER/vN/`, `books/samples/CUSTOMER/ID/
vN/`): a version is written whole in a hidden folder, its files synced, then renamed into
place, so that it appears whole or not at all; nothing is ever written over."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["new_version", "versions"]


def versions(home: Path, record: str) -> list[tuple[int, Path]]:
    """The complete versions under `home` (those holding their `record` file), in order."""
    if not home.is_dir():
        return []
    return sorted((int(p.name[1:]), p) for p in home.glob("v*")
                  if p.name[1:].isdigit() and (p / record).is_file())


def new_version(home: Path, record: str, write: Callable[[Path, int], None]
                ) -> tuple[Path, int]:
    """The next version's folder, filled by `write(folder, version)`; its path and number."""
    home.mkdir(parents=True, exist_ok=True)
    version = 1 + max((int(p.name[1:]) for p in home.glob("v*") if p.name[1:].isdigit()),
                      default=0)
    work = Path(tempfile.mkdtemp(prefix=".new-", dir=home))
    try:
        write(work, version)
        if not (work / record).is_file():
            raise ValueError(f"a version of {home.name} without its {record}")
        for path in work.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        target = home / f"v{version}"
        os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target, version
