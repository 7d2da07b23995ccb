"""Text read by Poppler's pdftotext: several times faster than pypdf, for the search and
identification (the check reads pypdf's text, which its patterns are made for). pypdf is
imported only where pdftotext is missing or fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["poppler_texts", "search_texts"]


def poppler_texts(path: Path, pages: int | None, count: int | None,
                  seconds: float) -> list[str] | None:
    """The text of the first `pages` of the `count` pages of `path` (None: all of them),
    read by Poppler's pdftotext (several times faster than pypdf, for `gendan find` and
    identification), or None where pdftotext is missing or cannot read the file (pypdf
    reads it then)."""
    exe = shutil.which("pdftotext")
    if exe is None or (pages is not None and pages <= 0):
        return None
    first = ["-l", str(pages)] if pages is not None else []
    try:
        done = subprocess.run([exe, "-q", "-enc", "UTF-8", *first, str(path), "-"],
                              capture_output=True, timeout=seconds, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    texts = done.stdout.decode("utf-8", "replace").split("\f")  # a form feed ends a page
    if done.returncode != 0:
        return None
    if pages is None or count is None:
        return texts[:-1] if len(texts) > 1 else None  # what follows the last page's end
    wanted = min(pages, count)
    return texts[:wanted] if len(texts) >= wanted else None


def search_texts(path: Path, pages: int | None = None) -> tuple[list[str], str]:
    """The page texts of a PDF gendan made (its `pages`, if known), for the search only
    (the check reads what it reads with pypdf): Poppler's where it is installed (several
    times faster), else pypdf's; and which of the two read them."""
    fast = poppler_texts(path, pages, pages, 120)
    if fast is not None:
        return fast, "pdftotext"
    from pypdf import PdfReader

    from .inspect import page_texts

    return page_texts(PdfReader(path)), "pypdf"
