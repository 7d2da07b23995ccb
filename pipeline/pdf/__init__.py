"""PDF work with pypdf: open what factories send, convert scans, stamp pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .images import IMAGE_SUFFIXES, image_to_pdf
    from .inspect import LazyTexts, PdfInfo, open_pdf, page_texts
    from .search import search_texts
    from .specs import StampSpec
    from .stamp import prepare_font, stamp_font_path, stamp_pdf

_WHERE = {
    "IMAGE_SUFFIXES": "images",
    "LazyTexts": "inspect",
    "PdfInfo": "inspect",
    "StampSpec": "specs",
    "image_to_pdf": "images",
    "open_pdf": "inspect",
    "page_texts": "inspect",
    "search_texts": "search",
    "prepare_font": "stamp",
    "stamp_font_path": "stamp",
    "stamp_pdf": "stamp",
}

__all__ = [
    "IMAGE_SUFFIXES",
    "LazyTexts",
    "PdfInfo",
    "StampSpec",
    "image_to_pdf",
    "open_pdf",
    "page_texts",
    "prepare_font",
    "search_texts",
    "stamp_font_path",
    "stamp_pdf",
]

__getattr__ = lazy_exports(__name__, _WHERE)
