"""Document rendering: HTML -> PDF (WeasyPrint) and Word (docxtpl)."""

from .context import document_context
from .docx import RenderedDocx, render_docx
from .html import RenderedPdf, asset_fetcher, render_html_pdf

__all__ = [
    "RenderedDocx",
    "RenderedPdf",
    "asset_fetcher",
    "document_context",
    "render_docx",
    "render_html_pdf",
]
