"""Seams for tests where rendering is not what is tested: a document maker that writes a
one-page PDF per document (fast, deterministic) instead of rendering templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfWriter

from pipeline.doctypes import DocType
from pipeline.documents import DocumentMaker, Made
from pipeline.filing import StagedFile
from pipeline.flow import Workflow
from pipeline.fsutil import safe_name
from pipeline.models import Order


class BlankMaker(DocumentMaker):
    """Makes each document as a blank page titled with its type, order and history size."""

    def _one(self, doc: DocType, order: Order, workflow: Workflow, work: Path,
             documents: list[dict[str, Any]], made: Made, factory: str | None = None, *,
             checklist: list[dict[str, Any]] | None = None) -> list[StagedFile]:
        target = work / f"{doc.key}{factory or ''}.pdf"
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.add_metadata({"/Title": f"{doc.key} {order.order_no} {len(workflow.history)}"})
        with target.open("wb") as handle:
            writer.write(handle)
        return [StagedFile(target, doc.key, ".pdf", {"pages": 1, "draft": False,
                                                     "sealed": False},
                           variant=safe_name(factory) if factory else "",
                           texts=("",), texts_reader="pdftotext")]  # a blank page's text
