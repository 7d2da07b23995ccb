"""PDF work with pypdf: open what factories send, convert scans, stamp pages."""

from .images import IMAGE_SUFFIXES, image_to_pdf
from .inspect import LazyTexts, PdfInfo, open_pdf, page_texts
from .stamp import StampSpec, prepare_font, stamp_font_path, stamp_pdf

__all__ = [
    "IMAGE_SUFFIXES",
    "LazyTexts",
    "PdfInfo",
    "StampSpec",
    "image_to_pdf",
    "open_pdf",
    "page_texts",
    "prepare_font",
    "stamp_font_path",
    "stamp_pdf",
]
