"""The hand-over pack: a cover, then every document in order, each with a bookmark,
pages numbered "n / N" across the pack (as page labels, and printed in a band added below
each page, so that the number never covers the document's own footer), and objects shared
between documents (fonts, the seal) stored once. A preview carries PREVIEW 预览 across
every page."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject, RectangleObject

from .inspect import open_pdf
from .stamp import EDGE_MM, MM, StampSpec, stamp_pdf

BAND_MM = 9.0  # the band below each page that carries its number

__all__ = ["PackPart", "build_pack"]


@dataclass(frozen=True)
class PackPart:
    title: str
    path: Path


def _drop_signatures(writer: PdfWriter) -> None:
    """The documents' own signatures do not survive their merging (their bytes change):
    their fields are left out, so that no reader shows them as broken; the pack is
    signed as a whole (pdf/signing.py)."""
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = ArrayObject(a for a in annots.get_object()
                           if a.get_object().get("/FT") != "/Sig"
                           and (a.get_object().get("/Parent") or {}).get("/FT") != "/Sig")
        if kept:
            page[NameObject("/Annots")] = kept
        else:
            del page["/Annots"]
    if "/AcroForm" in writer._root_object:
        del writer._root_object["/AcroForm"]


def _add_band(writer: PdfWriter) -> None:
    """Each page a band taller at its foot (its own text stays where it was)."""
    for page in writer.pages:
        if page.rotation:
            page.transfer_rotation_to_content()
        for name in ("/MediaBox", "/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
            if name in page or name == "/MediaBox":
                box = page.mediabox if name == "/MediaBox" else page[name]
                left, bottom, right, top = (float(v) for v in box)  # type: ignore[union-attr]
                page[NameObject(name)] = RectangleObject([left, bottom - BAND_MM * MM,
                                                          right, top])


def build_pack(parts: list[PackPart], target: Path, *, page_numbers: bool = True,
               font_path: Path | None = None, preview: bool = False
               ) -> list[tuple[str, int, int]]:
    """Merge `parts` (the cover first) into `target`; returns (title, first, last) pages."""
    writer = PdfWriter()
    spans = []
    for part in parts:
        reader, info = open_pdf(part.path, text_pages=0)
        first = len(writer.pages)
        writer.append(reader, outline_item=part.title, import_outline=False)
        spans.append((part.title, first + 1, first + info.pages))
    _drop_signatures(writer)
    total = len(writer.pages)
    for index in range(total):
        writer.set_page_label(index, index, prefix=f"{index + 1} / {total}")
    if page_numbers:
        _add_band(writer)
    with tempfile.TemporaryDirectory() as tmp:
        merged = Path(tmp) / "merged.pdf"
        with merged.open("wb") as handle:
            writer.write(handle)
        specs = [StampSpec(text="{page} / {pages}", position="bottom-center", width_mm=24,
                           height_mm=6, opacity=1.0, color="#333333",
                           offset_mm=(0.0, 1.5 - EDGE_MM))] if page_numbers else []
        if preview:
            specs.append(StampSpec(text="PREVIEW 预览", position="center", width_mm=150,
                                   height_mm=40, rotation=35, opacity=0.25,
                                   color="#c8102e"))
        # the stamped copy is cloned from the merged file: outline and page labels carry over
        stamp_pdf(PdfReader(merged), target, specs, {}, font_path)
    return spans
