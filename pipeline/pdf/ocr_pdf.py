"""A scanned PDF made searchable: each page without text is drawn as a picture, read by OCR
(`ocr.read_picture`) and remade as that picture, upright, with the words it holds laid over
it as invisible text at their places (as OCRmyPDF does), so that selecting and searching
work in any PDF viewer and the examiner reads the page like any other.

Every word of the layer is marked content tagged `/OCR`, its `MCID` the recogniser's
confidence in per cent: what reads the page later tells OCR text (and how sure it was)
from the text of a stamp put over it. Pages with text of their own are kept as they are.
The original file is never changed; this is the copy that is stamped and archived.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .ocr import ENGINE, OcrPage, read_picture

__all__ = ["OCR_TAG", "OcrDone", "needs_ocr", "ocr_pdf"]

OCR_TAG = "OCR"
FONT_NAME = "GendanOCR"


def needs_ocr(text: str | None) -> bool:
    """A page with no text of its own, or next to none (a seal's or a scanner's line)."""
    return text is None or len("".join(text.split())) < 20


@dataclass
class OcrDone:
    pages: dict[int, OcrPage] = field(default_factory=dict)  # by page index
    unread: list[int] = field(default_factory=list)  # pages left unread: out of time
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """What the archive records of the OCR (in the document's metadata)."""
        read = self.pages.values()
        return {"engine": ENGINE, "pages": [n + 1 for n in sorted(self.pages)],
                "unread_pages": [n + 1 for n in self.unread],
                "confidence": round(sum(p.confidence for p in read) / len(read), 3)
                if read else 0.0,
                "turned": {str(n + 1): p.angle for n, p in sorted(self.pages.items())
                           if p.angle},
                "seal_pages": [n + 1 for n, p in sorted(self.pages.items()) if p.seal],
                "levelled": {str(n + 1): p.skew for n, p in sorted(self.pages.items())
                             if p.skew},
                "seconds": round(self.seconds, 2)}


def _font(path: Path) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0,
                                       asciiReadable=False))
    return FONT_NAME


def _page_pdf(page: OcrPage, font_path: Path, shown: bool = True) -> bytes:
    """One page: the picture as it was read, upright and level (`shown` False: the words
    only, to lay over the page that has them), and over it the words, invisible."""
    from reportlab import rl_config
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    rl_config.useA85 = 0  # binary streams: ASCII85 is ReportLab's slowest step, and larger
    font = _font(font_path)
    to_pt = 72.0 / page.dpi
    width, height = page.width * to_pt, page.height * to_pt
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    if shown and page.picture is not None:
        jpeg = io.BytesIO()
        page.picture.save(jpeg, "JPEG", quality=80, optimize=True)
        sheet.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, width, height)
    for word in page.words:
        box_w, box_h = (word.x1 - word.x0) * to_pt, (word.bottom - word.top) * to_pt
        size = max(1.0, box_h * 0.8)
        natural = stringWidth(word.text, font, size) or 1.0
        sheet.addLiteral(f"/{OCR_TAG} <</MCID {round(word.confidence * 100)}>> BDC")
        text = sheet.beginText()
        text.setTextRenderMode(3)  # invisible: found and selected, not seen
        text.setFont(font, size)
        text.setHorizScale(max(1.0, min(1000.0, 100.0 * box_w / natural)))
        text.setTextOrigin(word.x0 * to_pt, height - word.bottom * to_pt + box_h * 0.2)
        text.textOut(word.text)
        sheet.drawText(text)
        sheet.addLiteral("EMC")
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def _has_text(document: Any, index: int) -> bool:
    page = document[index]
    text = page.get_textpage()
    try:
        return bool(text.count_chars())
    finally:
        text.close()
        page.close()


def _picture(document: Any, index: int, dpi: float, megapixels: float) -> tuple[Any, float]:
    """Page `index` drawn at `dpi`, or less where that would pass `megapixels`."""
    page = document[index]
    width, height = page.get_size()
    pixels = width * height * (dpi / 72) ** 2
    if pixels > megapixels * 1_000_000:
        dpi = dpi * (megapixels * 1_000_000 / pixels) ** 0.5
    picture = page.render(scale=dpi / 72).to_pil()
    page.close()
    return picture, dpi


def ocr_pdf(source: Path, target: Path, texts: list[str] | None, font_path: Path, *,
            dpi: float = 200, megapixels: float = 120, seconds: float = 120) -> OcrDone:
    """Write `source` to `target` with its pages that need it (`needs_ocr` of their `texts`;
    all pages when None) read by OCR. Pages not reached within `seconds` stay as they are,
    listed as unread. Returns what was read; `target` is not written when nothing was."""
    import pypdfium2

    started = time.monotonic()
    done = OcrDone()
    document = pypdfium2.PdfDocument(str(source))
    made: dict[int, bytes] = {}  # pages remade as their picture and words
    overlays: dict[int, bytes] = {}  # the words only, over a page kept as it is
    try:
        count = len(document)
        wanted = [n for n in range(count) if needs_ocr(texts[n] if texts and n < len(texts)
                                                        else None)]
        for n in wanted:
            if time.monotonic() - started > seconds:
                done.unread.append(n)
                continue
            if min(document[n].get_size()) < 72:  # under an inch: no page of a document
                continue
            some = _has_text(document, n)
            picture, drawn_at = _picture(document, n, dpi, megapixels)
            page = read_picture(picture, drawn_at)
            done.pages[n] = page
            if some and page.angle == 0:  # its own bits of text stay: the words laid over
                overlays[n] = _page_pdf(page, font_path, shown=False)
            else:
                made[n] = _page_pdf(page, font_path)
            page.picture = None  # (not kept: a page's picture is megabytes)
    finally:
        document.close()
    done.seconds = time.monotonic() - started
    if made or overlays:
        _assemble(source, target, made, overlays, count)
    return done


def _assemble(source: Path, target: Path, made: dict[int, bytes], overlays: dict[int, bytes],
              count: int) -> None:
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter() if len(made) == count else PdfWriter(clone_from=PdfReader(source))
    for n, layer in overlays.items():
        target_page = writer.pages[n]
        box = target_page.mediabox
        words = PdfReader(io.BytesIO(layer)).pages[0]
        if target_page.rotation:  # drawn turned: the words would not fit; left unlaid
            continue
        target_page.merge_transformed_page(
            words, Transformation().translate(float(box.left), float(box.bottom)))
    for n in sorted(made):
        new = PdfReader(io.BytesIO(made[n])).pages[0]
        if len(made) == count:
            writer.add_page(new)
        else:
            writer.insert_page(new, n)
            writer.remove_page(n + 1)
    with target.open("wb") as out:
        writer.write(out)
