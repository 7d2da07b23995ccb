"""The page texts kept beside an order's files (`.text/SHA256.json`): read once, when a
file is filed, with the search tokens made from them, so that neither the check nor the
index nor a rebuild reads a PDF again."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .errors import ArchiveError
from .fsutil import atomic_write
from .index.tokens import VERSION as TOKENS
from .index.tokens import index_columns
from .sidecars import dump_json, read_json


class _Writer(Protocol):
    """What the kept texts need of the store: the mode of the files it writes."""

    file_mode: int | None

__all__ = ["KeptTexts", "keep_reading", "keep_words", "kept_reading", "kept_words"]

WORDS = (".cache", "words")  # in the archive: the words and boxes of a PDF, by its sha256
READINGS = (".cache", "readings")  # what the examiner read of a document, by reading_key
CACHE_TEMP = (".cache", ".tmp")  # where cache files are written before they are renamed


def _cached(archive: Path, kind: tuple[str, str], key: str) -> Path:
    return archive.joinpath(*kind, key[:2], f"{key}.json")


def _kept(archive: Path, kind: tuple[str, str], key: str) -> dict[str, Any] | None:
    try:
        kept = read_json(_cached(archive, kind, key))
    except (FileNotFoundError, ArchiveError):
        return None
    return kept if isinstance(kept, dict) else None


def _keep(archive: Path, kind: tuple[str, str], key: str, data: dict[str, Any]) -> None:
    """Derived: deleted at will, no fsync; a cache that cannot be written is not kept."""
    with contextlib.suppress(OSError):
        atomic_write(_cached(archive, kind, key), dump_json(data), durable=False,
                     temp_dir=archive.joinpath(*CACHE_TEMP))


def kept_words(archive: Path, sha256: str, version: int) -> list[Any] | None:
    """The words and boxes read from one content before (by the same reading), or None."""
    kept = _kept(archive, WORDS, sha256)
    return kept["pages"] if kept is not None and kept.get("version") == version else None


def keep_words(archive: Path, sha256: str, version: int, pages: list[Any]) -> None:
    """Keep the words and boxes the check read of one content."""
    _keep(archive, WORDS, sha256, {"sha256": sha256, "version": version, "pages": pages})


def kept_reading(archive: Path, key: str) -> dict[str, Any] | None:
    """What the examiner read of a document before, by the same reading (`reading_key`)."""
    kept = _kept(archive, READINGS, key)
    return kept.get("read") if kept is not None and kept.get("key") == key else None


def keep_reading(archive: Path, key: str, read: dict[str, Any]) -> None:
    _keep(archive, READINGS, key, {"key": key, "read": read})


class KeptTexts:
    """For an order's record: its kept page texts."""

    folder: Path
    store: _Writer

    def kept_text(self, sha256: str) -> dict[str, Any] | None:
        """The page texts kept for one content (with their search tokens), or None."""
        try:
            kept = read_json(self.folder / ".text" / f"{sha256}.json")
        except (FileNotFoundError, ArchiveError):
            return None
        return kept if isinstance(kept.get("pages"), list) else None

    def text_loader(self) -> Callable[[str], dict[str, Any] | None]:
        """`kept_text` for the index, asking the disk only about the contents whose text
        is kept (one listing of `.text`, not one failed open for each content without)."""
        try:
            present = set(os.listdir(self.folder / ".text"))
        except (FileNotFoundError, NotADirectoryError):
            present = set()
        return lambda sha256: self.kept_text(sha256) if f"{sha256}.json" in present else None

    def text(self, sha256: str, reader: str | None = None) -> list[str] | None:
        """The kept page texts of one content (only if `reader` read them, if given)."""
        kept = self.kept_text(sha256)
        if kept is None or (reader is not None and kept.get("reader", "pypdf") != reader):
            return None
        return list(kept["pages"])

    def _keep_texts(self, texts: dict[str, tuple[tuple[str, ...], str]]) -> None:
        """Keep the page texts of what was just filed beside it, once per content, for the
        index (derived: a text that cannot be written now is simply not searchable)."""
        for sha256, (pages, reader) in texts.items():
            if self.text(sha256) is None:
                with contextlib.suppress(OSError):
                    self.write_text(sha256, list(pages), reader)

    def write_text(self, sha256: str, pages: list[str], reader: str = "pypdf") -> None:
        """Cache the page texts of one content, and what read them (derived: no fsync);
        inside `caching()`."""
        columns = [list(index_columns(page)) for page in pages]  # made once, here
        atomic_write(self.folder / ".text" / f"{sha256}.json",
                     dump_json({"sha256": sha256, "pages": pages, "reader": reader,
                                "tokens": TOKENS, "columns": columns}),
                     mode=self.store.file_mode, durable=False)
