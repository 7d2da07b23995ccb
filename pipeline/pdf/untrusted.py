"""What is done to a factory's file, under the limits: opened (a scan converted first),
its pages counted, the first pages' text read when identification needs it, stamped.
Meant to run in a child process (`sandbox.run_limited`): the limits here refuse what is
too big cleanly, the child's time and memory limits catch the rest."""

from __future__ import annotations

import re
import warnings
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
from PIL import Image
from pypdf.errors import LimitReachedError, PyPdfError

from ..errors import IncompleteFileError, LimitError
from .images import image_to_pdf
from .inspect import open_pdf, page_texts
from .ocr_pdf import needs_ocr, ocr_pdf
from .search import poppler_texts
from .stamp import StampSpec, stamp_pdf

__all__ = ["Facts", "PdfLimits", "inspect_and_stamp", "inspect_file", "stamp_file"]


@dataclass(frozen=True)
class PdfLimits:
    pages: int = 3000
    stream_mb: float = 100
    megapixels: float = 120
    seconds: float = 180
    ocr: bool = True  # pages without text read by OCR (`ocr_pdf`)
    ocr_dpi: float = 200
    ocr_font: str = ""  # the font of the invisible text layer (the stamp font)


@dataclass(frozen=True)
class Facts:
    pdf: Path  # the PDF to stamp: the file itself, or the scan converted
    pages: int
    encrypted: bool
    texts: tuple[str, ...] | None  # the pages' text (up to the limit asked for), or None
    reader: str = "pypdf"  # what read the text: "pdftotext", "pypdf", or "ocr" (some pages)
    ocr: dict[str, Any] | None = None  # what OCR read (`OcrDone.summary`), if it ran


def _apply(limits: PdfLimits) -> None:
    size = int(limits.stream_mb * 1024 * 1024)
    pypdf.overwrite_configuration(
        zlib_maximum_output_length=size, lzw_maximum_output_length=size,
        run_length_maximum_output_length=size, array_based_stream_maximum_output_length=size,
        image_maximum_buffer_size=size, stream_decoding_work_maximum_length=size * 4)
    Image.MAX_IMAGE_PIXELS = int(limits.megapixels * 1_000_000)
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def _too_big(name: str, exc: Exception, limits: PdfLimits) -> LimitError:
    return LimitError(f"{name}: part of the file unpacks to more than the limit ({exc})",
                      hint=f"A PDF stream may unpack to at most {limits.stream_mb:,.0f} MB "
                      "([limits] stream_mb); ask for a normal copy of the document.")


def inspect_file(source: Path, is_scan: bool, work: Path | None, text_pages: int,
                 limits: PdfLimits) -> Facts:
    """Open a factory's file (a scan is made a PDF first), count its pages and read the
    text of its first `text_pages` pages (to identify it, and for `gendan find`)."""
    return _inspected(source, is_scan, work, text_pages, limits)[0]


def inspect_and_stamp(source: Path, work: Path, text_pages: int, limits: PdfLimits
                      ) -> Generator[Facts | int | None, Any, None]:
    """A factory PDF in one child, in two steps: read as `inspect_file` reads it (an OCR'd
    copy goes into `work`, which the parent removes); then, told what to stamp (target,
    specs, variables, font), stamp the file opened then (one opening, one child for both)."""
    facts, reader = _inspected(source, False, work, text_pages, limits)
    told = yield facts
    if told is not None:
        target, specs, variables, font = told
        yield _stamped(reader, source.name, target, specs, variables, font, limits)


def _inspected(source: Path, is_scan: bool, work: Path | None, text_pages: int,
               limits: PdfLimits) -> tuple[Facts, pypdf.PdfReader]:
    _apply(limits)
    if is_scan:
        try:
            with Image.open(source) as picture:
                pixels = picture.width * picture.height
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            pixels = int(found.group(1)) if found else int(limits.megapixels * 2_000_000)
        except OSError:
            pixels = 0  # image_to_pdf says what is wrong
        if pixels > limits.megapixels * 1_000_000:
            raise LimitError(f"{source.name}: a scan of {pixels / 1e6:,.0f} megapixels",
                             hint=f"At most {limits.megapixels:,.0f} megapixels ([limits] "
                             "image_megapixels); scan at 300 dpi.")
    pdf = source
    if is_scan:
        if work is None:
            raise ValueError("a scan is converted into a work folder")
        pdf = image_to_pdf(source, work / "scan.pdf")
    try:
        reader, info = open_pdf(pdf, text_pages=0)
        if info.pages > limits.pages:
            raise LimitError(f"{source.name}: {info.pages:,} pages",
                             hint=f"A PDF may have at most {limits.pages:,} pages ([limits] "
                             "pages); ask for it in parts, or raise the limit.")
        if not text_pages and not is_scan:
            return Facts(pdf, info.pages, info.encrypted, None), reader
        texts: list[str] | None = None
        how = "pdftotext"
        if not is_scan:  # Poppler's text where it can read the file (a time limit of its own)
            texts = poppler_texts(pdf, text_pages, info.pages, limits.seconds * 0.8)
            if texts is None:
                texts, how = page_texts(reader, text_pages), "pypdf"
        if limits.ocr and work is not None and not info.encrypted and (
                texts is None or any(needs_ocr(t) for t in texts)):
            _unpack_contents(reader)  # the original within the limits, before its copy is made
            _images_within(reader, source.name, limits.megapixels)
            done = ocr_pdf(pdf, work / "ocr.pdf", texts, Path(limits.ocr_font),
                           dpi=limits.ocr_dpi, megapixels=limits.megapixels,
                           seconds=limits.seconds * 0.6)
            if done.pages:
                pdf = work / "ocr.pdf"
                reader, info = open_pdf(pdf, text_pages=0)
                read = list(texts) if texts is not None else [""] * info.pages
                for n, page in done.pages.items():
                    read[n] = page.text
                return Facts(pdf, info.pages, info.encrypted,
                             tuple(read[:text_pages or info.pages]), "ocr",
                             done.summary()), reader
        if texts is None or not text_pages:
            return Facts(pdf, info.pages, info.encrypted, None), reader
    except LimitReachedError as exc:
        raise _too_big(source.name, exc, limits) from exc
    return Facts(pdf, info.pages, info.encrypted, tuple(texts), how), reader


def _unpack_contents(reader: pypdf.PdfReader) -> None:
    """Unpack every page's content streams once, under the limits: the stamped copy keeps
    them as they are, so a stream that inflates past the limit is refused here rather
    than by whoever reads the archived copy later."""
    for page in reader.pages:
        contents = page.get("/Contents")
        if contents is None:
            continue
        inner = contents.get_object()
        for part in inner if isinstance(inner, list) else [inner]:
            stream = part.get_object()
            if hasattr(stream, "get_data"):
                stream.get_data()


def _images_within(reader: pypdf.PdfReader, name: str, megapixels: float) -> None:
    """No image on a page (or in a form it draws) has more pixels than a scan may: a
    small stream that unpacks into gigapixels is a bomb for whoever draws or extracts it."""
    def walk(resources: Any, depth: int) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        if xobjects is None or depth > 4:
            return
        for ref in xobjects.get_object().values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Image":
                pixels = int(xobject.get("/Width", 0)) * int(xobject.get("/Height", 0))
                if pixels > megapixels * 1_000_000:
                    raise LimitError(f"{name}: an image of {pixels / 1e6:,.0f} megapixels on "
                                     "a page", hint=f"At most {megapixels:,.0f} megapixels "
                                     "([limits] image_megapixels); scan at 300 dpi.")
            elif xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"), depth + 1)

    for page in reader.pages:
        resources = page.get("/Resources")
        walk(resources.get_object() if resources is not None else None, 0)


def stamp_file(pdf: Path, target: Path, specs: list[StampSpec], variables: Mapping[str, str],
               font: Path | None, limits: PdfLimits) -> int:
    _apply(limits)
    try:
        reader, _ = open_pdf(pdf, text_pages=0)
    except LimitReachedError as exc:
        raise _too_big(pdf.name, exc, limits) from exc
    return _stamped(reader, pdf.name, target, specs, variables, font, limits)


def _stamped(reader: pypdf.PdfReader, name: str, target: Path, specs: list[StampSpec],
             variables: Mapping[str, str], font: Path | None, limits: PdfLimits) -> int:
    try:
        _unpack_contents(reader)
        _images_within(reader, name, limits.megapixels)
        return stamp_pdf(reader, target, specs, variables, font)
    except LimitReachedError as exc:
        raise _too_big(name, exc, limits) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IncompleteFileError(f"{name}: the PDF is damaged and cannot be stamped "
                                  f"({type(exc).__name__})",
                                  hint="Ask the factory to send it again.") from exc


def read_texts(pdf: Path, limits: PdfLimits) -> list[str]:
    """Every page's text (for the check and the search)."""
    _apply(limits)
    try:
        reader, _ = open_pdf(pdf, text_pages=0)
        return page_texts(reader)
    except LimitReachedError as exc:
        raise _too_big(pdf.name, exc, limits) from exc
