"""Settings sections of their own: what a file may be before it is refused, and how scans
are read (the rest of the settings: `pipeline.config`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Limits", "Ocr", "Section"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(Section):
    """What a file may be before it is refused (docs/limits.md); each limit is a clear
    rejection naming the file and the limit, never a hang or a crash."""

    order_file_mb: float = Field(5, gt=0, description="Order data or update (.yaml .yml .json)")
    workbook_mb: float = Field(20, gt=0, description="Excel workbook (.xlsx) as stored")
    workbook_unpacked_mb: float = Field(60, gt=0,
                                        description="Excel workbook unpacked (checked first)")
    workbook_rows: int = Field(5000, gt=0, description="Rows in any sheet of a workbook")
    pdf_mb: float = Field(300, gt=0, description="A PDF from the factory")
    image_mb: float = Field(60, gt=0, description="A scan (.jpg .png .tif)")
    image_megapixels: float = Field(120, gt=0, description="Pixels of a scan")
    pages: int = Field(3000, gt=0, description="Pages in a PDF")
    stream_mb: float = Field(100, gt=0, description="One PDF stream, decompressed")
    items: int = Field(2000, gt=0, description="Line items in one order")
    text_chars: int = Field(4000, gt=0, description="Characters in any text field")
    depth: int = Field(20, gt=0, description="Nesting of YAML/JSON data")
    number_digits: int = Field(30, gt=0, description="Digits in a number")
    text_pages: int = Field(200, ge=0, description="Pages of a factory PDF whose text is kept "
                            "for `gendan find` (read once, when it is filed)")
    seconds_per_file: float = Field(180, gt=0, description="Time to read or stamp one file")
    memory_mb: int = Field(1536, gt=0, description="Memory to read or stamp one file")
    workers: int = Field(0, ge=0, description="Files read and documents drawn at once "
                         "(0: one per processor)")


class Ocr(Section):
    """Scans and pages without text, read offline by OCR (docs/ocr.md)."""

    enabled: bool = Field(True, description="Read pages without text by OCR when filed")
    dpi: float = Field(200, ge=100, le=400, description="Resolution a page is read at")
    seal_types: list[str] = Field(
        default_factory=list, description="Factory documents that must carry the factory's "
        "red seal (公章): a scan of one without a red seal is reported for review")
