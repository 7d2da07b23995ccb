"""Text read by Poppler's pdftotext: several times faster than pypdf, for the search and
identification (the check reads pypdf's text, which its patterns are made for). pypdf is
imported only where pdftotext is missing or fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["poppler_texts", "search_texts"]


def poppler_texts(path: Path, pages: int, count: int, seconds: float) -> list[str] | None:
    """The text of the first `pages` of the `count` pages of `path`, read by Poppler's
    pdftotext (several times faster than pypdf, for `gendan find` and identification), or
    None where pdftotext is missing or cannot read the file (pypdf reads it then)."""
    exe = shutil.which("pdftotext")
    if exe is None or pages <= 0:
        return None
    try:
        done = subprocess.run([exe, "-q", "-enc", "UTF-8", "-l", str(pages), str(path), "-"],
                              capture_output=True, timeout=seconds, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    texts = done.stdout.decode("utf-8", "replace").split("\f")  # a form feed ends a page
    wanted = min(pages, count)
    if done.returncode != 0 or len(texts) < wanted:
        return None
    return texts[:wanted]


def search_texts(path: Path, pages: int) -> tuple[list[str], str]:
    """The page texts of a PDF gendan made, for the search only (the check reads what it
    reads with pypdf): Poppler's where it is installed (several times faster), else pypdf's;
    and which of the two read them."""
    fast = poppler_texts(path, pages, pages, 120)
    if fast is not None:
        return fast, "pdftotext"
    from pypdf import PdfReader

    from .inspect import page_texts

    return page_texts(PdfReader(path)), "pypdf"
