"""Workbooks for the books: a header row frozen and coloured, real numbers and dates with
their formats, columns as wide as their (Chinese) text."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Sheet", "workbook"]


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    above: Sequence[Sequence[Any]] = field(default_factory=list)  # title lines over the table
    below: Sequence[Sequence[Any]] = field(default_factory=list)  # totals under it


def _width(value: Any) -> int:
    text = value.isoformat() if isinstance(value, dt.date) else \
        f"{value:,.2f}" if isinstance(value, Decimal) else str(value if value is not None
                                                                 else "")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def workbook(sheets: list[Sheet], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    head = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E78")
    for n, spec in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = spec.title[:31]
        for line in spec.above:
            sheet.append(list(line))
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        if spec.above:
            sheet.append([])
        header_row = sheet.max_row + 1 if spec.above else 1
        sheet.append(list(spec.headers))
        for row in [*spec.rows, *([[]] if spec.below else []), *spec.below]:
            sheet.append(list(row))
        widths = [_width(h) for h in spec.headers]
        for row_cells in sheet.iter_rows(min_row=header_row + 1):
            for cell in row_cells:
                if isinstance(cell.value, Decimal | float | int) and not isinstance(
                        cell.value, bool):
                    cell.number_format = "#,##0.00##" if isinstance(cell.value, Decimal) \
                        else "0"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for row in [*spec.rows, *spec.below]:
            for i, value in enumerate(row[:len(widths)]):
                widths[i] = max(widths[i], _width(value))
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(48, width + 2)
        for cell in sheet[header_row]:
            cell.font, cell.fill = head, fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.freeze_panes = f"A{header_row + 1}"
    book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
