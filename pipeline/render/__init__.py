"""Document rendering: HTML -> PDF (WeasyPrint) and Word (docxtpl)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .context import document_context
    from .docx import RenderedDocx, render_docx
    from .html import RenderedPdf, asset_fetcher, render_html_pdf

_WHERE = {
    "RenderedDocx": "docx",
    "RenderedPdf": "html",
    "asset_fetcher": "html",
    "document_context": "context",
    "render_docx": "docx",
    "render_html_pdf": "html",
}

__all__ = [
    "RenderedDocx",
    "RenderedPdf",
    "asset_fetcher",
    "document_context",
    "render_docx",
    "render_html_pdf",
]

__getattr__ = lazy_exports(__name__, _WHERE)
