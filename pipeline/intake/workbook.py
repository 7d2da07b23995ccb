"""Order data from an Excel workbook: sheet `Order` (keys in column A, values in B) and
sheet `Items` (a header row of keys, then one row per item). Its size, unpacked size and
rows are checked before it is parsed: a zip bomb is refused unopened."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import FieldProblem, LimitError, OrderDataError

__all__ = ["Locator", "load_workbook_data"]

Locator = Callable[[str], str]


def _syntax(name: str, where: str, found: str, expected: str) -> OrderDataError:
    return OrderDataError(name, [FieldProblem(where, found, expected)])


def _check_package(path: Path, name: str, unpacked_mb: float) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _syntax(name, "the file", "not a workbook (not a valid .xlsx package)",
                      "an .xlsx file saved by Excel, WPS or LibreOffice") from exc
    if unpacked > unpacked_mb * 1024 * 1024:
        raise LimitError(f"{name}: unpacks to {unpacked / 1024 / 1024:,.0f} MB",
                         hint=f"A workbook may unpack to at most {unpacked_mb:,.0f} MB ([limits] "
                         "workbook_unpacked_mb); save only the order's sheets.")


def _set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def load_workbook_data(path: Path, name: str, *, unpacked_mb: float = 60,
                       max_rows: int = 5000) -> tuple[Any, Locator]:
    """Sheet `Order`: dotted keys in column A, values in B. Sheet `Items`: one header row
    of dotted keys (name_en, model, quantity, packing.cartons ...), then one row per item."""
    import openpyxl

    _check_package(path, name, unpacked_mb)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _syntax(name, "the file", f"an unreadable workbook ({exc})", "an .xlsx file") from exc
    missing = [s for s in ("Order", "Items") if s not in book.sheetnames]
    if missing:
        raise _syntax(name, "sheets", f"sheets {book.sheetnames}", f"sheets named {missing}")
    cells: dict[str, str] = {}
    data: dict[str, Any] = {}
    for row in book["Order"].iter_rows(min_row=1, max_row=max_rows):
        if len(row) < 2 or row[0].value in (None, "") or str(row[0].value).startswith("#"):
            continue
        key, value = row[0], row[1]
        if value.value is not None:
            _set_path(data, str(key.value).strip(), _cell_value(value.value))
            cells[str(key.value).strip()] = f"sheet Order, cell {value.coordinate}"
    rows = []
    for row in book["Items"].iter_rows():
        rows.append(row)
        if len(rows) > max_rows:
            book.close()
            raise LimitError(f"{name}: more than {max_rows:,} rows in sheet Items",
                             hint=f"A workbook may have at most {max_rows:,} rows ([limits] "
                             "workbook_rows); split the order.")
    header = [str(c.value).strip() if c.value is not None else "" for c in rows[0]] if rows else []
    items: list[dict[str, Any]] = []
    for row in rows[1:]:
        if all(c.value in (None, "") for c in row):
            continue
        item: dict[str, Any] = {}
        for key, cell in zip(header, row, strict=False):
            if key and cell.value not in (None, ""):
                _set_path(item, key, _cell_value(cell.value))
                cells[f"items[{len(items)}].{key}"] = f"sheet Items, cell {cell.coordinate}"
        items.append(item)
    data["items"] = items
    book.close()

    def locate(path_text: str) -> str:
        return cells.get(path_text, "")

    return data, locate


