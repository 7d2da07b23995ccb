"""Open the PDFs factories send, whatever made them, and say clearly what is wrong.

Encrypted files: an owner password alone (printing/copying limits) is removed with the
empty user password; a user password means the file cannot be read, and the factory must
send an unprotected copy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from pypdf import PdfReader
from pypdf.errors import (
    FileNotDecryptedError,
    LimitReachedError,
    PdfReadError,
    PyPdfError,
)

from ..errors import BadPdfError, IncompleteFileError

__all__ = ["LazyTexts", "PdfInfo", "open_pdf", "page_texts"]

logging.getLogger("pypdf").setLevel(logging.ERROR)  # factory PDFs are noisy, not broken


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    encrypted: bool
    texts: tuple[str, ...]  # text of the first pages, for identification

    @property
    def has_text(self) -> bool:
        return any(t.strip() for t in self.texts)


def _reader(path: Path) -> PdfReader:
    with path.open("rb") as handle:
        data_head = handle.read(1024)
    if not data_head:
        raise BadPdfError(
            f"{path.name}: the file is empty (0 bytes)",
            hint="Ask for the file again; it may not have been saved or sent completely.",
        )
    if b"%PDF-" not in data_head:
        raise BadPdfError(
            f"{path.name}: not a PDF (it does not start with %PDF-)",
            hint="Save or export it as PDF, or send it with its real file extension.",
        )
    try:
        reader = PdfReader(path, strict=False)
    except LimitReachedError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IncompleteFileError(
            f"{path.name}: the PDF is damaged or incomplete ({exc})",
            hint="If it was still being copied, drop it again; else ask the factory to resend.",
        ) from exc
    if reader.is_encrypted:
        try:
            reader.decrypt("")
            len(reader.pages)
        except (FileNotDecryptedError, PdfReadError) as exc:
            raise BadPdfError(
                f"{path.name}: the PDF is protected by a password and cannot be opened",
                hint="Ask the factory for an unprotected copy.",
            ) from exc
    return reader


def open_pdf(path: Path, text_pages: int = 2) -> tuple[PdfReader, PdfInfo]:
    """Open `path` and read the text of its first `text_pages` pages."""
    reader = _reader(path)
    try:
        count = len(reader.pages)
        texts = tuple(page_texts(reader, text_pages))
    except LimitReachedError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise IncompleteFileError(
            f"{path.name}: the PDF is damaged or incomplete ({exc})",
            hint="If it was still being copied, drop it again; else ask the factory to resend.",
        ) from exc
    if count == 0:
        raise BadPdfError(f"{path.name}: the PDF has no pages", hint="Ask for a complete copy.")
    return reader, PdfInfo(count, reader.is_encrypted, texts)


def page_texts(reader: PdfReader, limit: int | None = None) -> list[str]:
    pages = reader.pages if limit is None else reader.pages[:limit]
    texts = []
    for page in pages:
        try:
            texts.append(page.extract_text() or "")
        except LimitReachedError:
            raise
        except Exception:  # one unreadable page does not stop the others
            texts.append("")
    return texts


class LazyTexts(Sequence[str]):
    """The text of a document's first pages, read only if someone looks (identification
    by file name needs none of it)."""

    def __init__(self, reader: PdfReader, pages: int = 2) -> None:
        self._reader = reader
        self._pages = pages
        self._texts: list[str] | None = None

    @property
    def was_read(self) -> bool:
        return self._texts is not None

    def _all(self) -> list[str]:
        if self._texts is None:
            self._texts = page_texts(self._reader, self._pages)
        return self._texts

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())
