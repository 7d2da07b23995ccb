"""Document rendering: HTML -> PDF (WeasyPrint) and Word (docxtpl)."""

from .context import document_context
from .docx import RenderedDocx, render_docx
from .html import AssetFetcher, RenderedPdf, render_html_pdf

__all__ = [
    "AssetFetcher",
    "RenderedDocx",
    "RenderedPdf",
    "document_context",
    "render_docx",
    "render_html_pdf",
]
