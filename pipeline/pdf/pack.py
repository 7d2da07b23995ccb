"""The hand-over pack: a cover, then every document in order, each with a bookmark,
pages numbered "n / N" across the pack (printed on the page and as page labels), and
objects shared between documents (fonts, the seal) stored once."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from .inspect import open_pdf
from .stamp import StampSpec, stamp_pdf

__all__ = ["PackPart", "build_pack"]


@dataclass(frozen=True)
class PackPart:
    title: str
    path: Path


def build_pack(parts: list[PackPart], target: Path, *, page_numbers: bool = True,
               font_path: Path | None = None) -> list[tuple[str, int, int]]:
    """Merge `parts` (the cover first) into `target`; returns (title, first, last) pages."""
    writer = PdfWriter()
    spans = []
    for part in parts:
        reader, info = open_pdf(part.path, text_pages=0)
        first = len(writer.pages)
        writer.append(reader, outline_item=part.title, import_outline=False)
        spans.append((part.title, first + 1, first + info.pages))
    total = len(writer.pages)
    for index in range(total):
        writer.set_page_label(index, index, prefix=f"{index + 1} / {total}")
    with tempfile.TemporaryDirectory() as tmp:
        merged = Path(tmp) / "merged.pdf"
        with merged.open("wb") as handle:
            writer.write(handle)
        specs = [StampSpec(text="{page} / {pages}", position="bottom-center", width_mm=24,
                           height_mm=6, opacity=1.0, color="#333333",
                           offset_mm=(0.0, -3.0))] if page_numbers else []
        # the stamped copy is cloned from the merged file: outline and page labels carry over
        stamp_pdf(PdfReader(merged), target, specs, {}, font_path)
    return spans
