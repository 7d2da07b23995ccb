"""Order data, or an order update, from an Excel workbook as merchandisers fill it in.

- Sheet `订单 Order` (or `Order`, `订单`): a label in column A, the value in column B; sheet
  `明细 Items`: a header row of labels, then one row per item. Sheet `更新 Update`: an
  update, label and value as in the order sheet. Labels are Chinese, English or the
  dotted names (`labels.py`); `gendan order-form` writes the form with all of them.
- Numbers, percentages, yes/no, dates and Chinese choice words are read as people type
  them (`labels.py`); every problem names the sheet and the cell, including a missing
  field (the cell where it belongs, or the row or column to add), with the form to write.
- The workbook's size, unpacked size and rows are checked before it is parsed: a zip bomb
  is refused unopened.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import FieldProblem, LimitError, OrderDataError
from .labels import (
    ITEM_FIELDS,
    NUMBERS,
    ORDER_FIELDS,
    UPDATE_FIELDS,
    field_for,
    number,
    word,
    yes_no,
)

__all__ = ["Locator", "load_workbook_data"]

Locator = Callable[[str], str]
Fields = dict[str, tuple[str, str, bool, str]]
SHEETS = {"order": ("订单", "order", "订单order"), "items": ("明细", "items", "明细items", "产品"),
          "update": ("更新", "update", "更新update")}


def _syntax(name: str, where: str, found: str, expected: str) -> OrderDataError:
    return OrderDataError(name, [FieldProblem(where, found, expected)])


def _check_package(path: Path, name: str, unpacked_mb: float) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            unpacked = sum(info.file_size for info in package.infolist())
            declared = next((info.filename for info in package.infolist()
                             if info.filename.endswith((".xml", ".rels"))
                             and _declares(package, info)), None)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise _syntax(name, "the file", "not a workbook (not a valid .xlsx package)",
                      "an .xlsx file saved by Excel, WPS or LibreOffice") from exc
    if declared is not None:  # Excel never writes one: an entity bomb or an XXE attempt
        raise _syntax(name, declared, "a document type declaration (<!DOCTYPE or <!ENTITY)",
                      "a workbook saved by Excel, WPS or LibreOffice, which declare none")
    if unpacked > unpacked_mb * 1024 * 1024:
        raise LimitError(f"{name}: unpacks to {unpacked / 1024 / 1024:,.0f} MB",
                         hint=f"A workbook may unpack to at most {unpacked_mb:,.0f} MB ([limits] "
                         "workbook_unpacked_mb); save only the order's sheets.")


def _declares(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML part declares a document type or entities (read up to its root)."""
    with package.open(info) as handle:
        head = b""
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            head += chunk
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                return True
            root = head.find(b"<", head.find(b"?>") + 2 if b"<?xml" in head[:64] else 0)
            if root >= 0 and head[root + 1:root + 2] not in {b"!", b"?"}:
                return False  # the root element: no declaration can follow
            head = head[-64:]
    return False


def _set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


class _Reader:
    """Cell values converted, every problem kept with its cell."""

    def __init__(self, name: str, formulas: dict[str, str] | None = None) -> None:
        self.name = name
        self.cells: dict[str, str] = {}
        self.problems: list[FieldProblem] = []
        self.currency: str | None = None
        self.formulas = formulas or {}  # where -> the formula a cell holds
        self.from_formulas: list[str] = []  # where a formula's saved result was read

    def empty(self, key: str, cell: Any, where: str) -> bool:
        """Whether a cell holds nothing; a formula whose result was never saved is a
        problem (its value is unknown), not an empty cell."""
        if cell.value not in (None, ""):
            return False
        if where in self.formulas and cell.value is None:
            self.problems.append(FieldProblem(
                f"{key} [{where}]", f"the formula {self.formulas[where][:40]} with no saved "
                "result (the workbook was written by a program that does not calculate)",
                "the workbook opened and saved in Excel, WPS or LibreOffice (which save "
                "each formula's result), or the value typed in"))
        return True

    def value(self, key: str, cell: Any, where: str) -> Any:
        value = cell.value
        if where in self.formulas:
            self.from_formulas.append(where)
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, bool):
            return value
        leaf = key.rsplit(".", 1)[-1]
        if isinstance(value, (int, float)):
            number_value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            if leaf.endswith("percent") and "%" in (cell.number_format or ""):
                number_value *= 100  # a cell formatted 30% holds 0.3
            return number_value
        if isinstance(value, str):
            value = value.strip()
            if key in NUMBERS or f"packing.{leaf}" in NUMBERS:
                try:
                    # the purchase price is in CNY whatever the order's currency
                    return number(value, None if leaf == "factory_price" else self.currency)
                except ValueError as exc:
                    self.problems.append(FieldProblem(f"{key} [{where}]", repr(value)[:40],
                                                      str(exc).split("; ", 1)[-1]))
                    return None
            return word(yes_no(value)) if leaf in {"legal_inspection", "role", "decision",
                                                    "kind", "update", "inspection",
                                                    "partial_shipment",
                                                    "transhipment"} else value
        return value

    def key_values(self, sheet: Any, fields: Fields, max_rows: int) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for rows, row in enumerate(sheet.iter_rows(min_row=1, max_row=max_rows + 1), start=1):
            if rows > max_rows:
                raise LimitError(f"{self.name}: more than {max_rows:,} rows in sheet "
                                 f"{sheet.title}", hint="[limits] workbook_rows")
            if len(row) < 2 or row[0].value in (None, "") or \
                    str(row[0].value).startswith(("#", "字段")):
                continue
            hidden = row[3].value if len(row) > 3 and isinstance(row[3].value, str) else None
            key = hidden if hidden and hidden in fields else field_for(row[0].value, fields)
            key = key or str(row[0].value).strip()
            where = f"sheet {sheet.title}, cell B{rows}"
            self.cells[key] = where
            if self.empty(key, row[1], where):
                continue
            if key == "currency" and isinstance(row[1].value, str):
                self.currency = row[1].value.strip().upper()
            value = self.value(key, row[1], where)
            if value is not None:
                _set_path(data, key, value)
        for key, (zh, en, required, _) in fields.items():
            if required and key not in self.cells:
                self.problems.append(FieldProblem(f"{key} [sheet {sheet.title}]",
                                                  "nothing (no such row)",
                                                  f"a row labelled {zh} {en}"))
        return data

    def table(self, sheet: Any, max_rows: int) -> list[dict[str, Any]]:
        rows = []
        for row in sheet.iter_rows():
            rows.append(row)
            if len(rows) > max_rows:
                raise LimitError(f"{self.name}: more than {max_rows:,} rows in sheet "
                                 f"{sheet.title}",
                                 hint=f"A workbook may have at most {max_rows:,} rows ([limits] "
                                 "workbook_rows); split the order.")
        start, header = 0, []
        for n, row in enumerate(rows[:10]):
            keys = [field_for(c.value, ITEM_FIELDS) for c in row]
            if sum(k is not None for k in keys) >= 2:
                start, header = n + 1, [k or (str(c.value).strip() if c.value else "")
                                        for k, c in zip(keys, row, strict=True)]
                break
        if not header:
            self.problems.append(FieldProblem(f"sheet {sheet.title}", "no header row",
                                              "a row of labels: 型号 Model, 数量 Qty ..."))
            return []
        if start < len(rows) and all(c.value in (None, "") or c.value == k
                                     for c, k in zip(rows[start], header, strict=False)):
            start += 1  # the form's hidden row of field names
        for key, (zh, en, required, _) in ITEM_FIELDS.items():
            if required and key not in header:
                self.problems.append(FieldProblem(f"items [sheet {sheet.title}]",
                                                  "nothing (no such column)",
                                                  f"a column labelled {zh} {en}"))
        items: list[dict[str, Any]] = []
        for line, row in enumerate(rows[start:], start=start + 1):
            if all(c.value in (None, "") for c in row):
                continue
            item: dict[str, Any] = {}
            for column, (key, cell) in enumerate(zip(header, row, strict=False), start=1):
                if not key:
                    continue
                where = f"sheet {sheet.title}, cell {_column_letter(column)}{line}"
                self.cells[f"items[{len(items)}].{key}"] = where
                if self.empty(f"items[{len(items)}].{key}", cell, where):
                    continue
                value = self.value(key, cell, where)
                if value is not None:
                    _set_path(item, key, value)
            items.append(item)
        return items


def _sheet(book: Any, kind: str) -> Any:
    for title in book.sheetnames:
        squashed = "".join(title.split()).casefold()
        if squashed in SHEETS[kind] or squashed.startswith(SHEETS[kind][0]):
            return book[title]
    return None


def _formulas(path: Path, max_rows: int) -> dict[str, str]:
    """Every cell that holds a formula, by where it is ("sheet T, cell B5")."""
    import openpyxl

    found: dict[str, str] = {}
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(min_row=1, max_row=max_rows + 1):
                for cell in row:
                    text = getattr(cell.value, "text", cell.value)  # an array formula
                    if getattr(cell, "data_type", "") == "f" and isinstance(text, str):
                        found[f"sheet {sheet.title}, cell {cell.coordinate}"] = text
    finally:
        book.close()
    return found


def formula_note(wheres: list[str]) -> str:
    """One line that says which values were read from formulas' saved results."""
    shown = ", ".join(wheres[:4]) + (f" and {len(wheres) - 4} more" if len(wheres) > 4 else "")
    return (f"{len(wheres)} value(s) read from formulas as last saved by the spreadsheet "
            f"program ({shown}); check them if the workbook was changed without opening it")


def load_workbook_data(path: Path, name: str, *, unpacked_mb: float = 60,
                       max_rows: int = 5000) -> tuple[Any, Locator, list[str]]:
    """The order (or update) a workbook holds, where each field's cell is, and the notes
    on how it was read (values that came from formulas' saved results)."""
    import openpyxl

    _check_package(path, name, unpacked_mb)
    try:
        formulas = _formulas(path, max_rows)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _syntax(name, "the file", f"an unreadable workbook ({type(exc).__name__})",
                      "an .xlsx file") from exc
    reader = _Reader(name, formulas)
    try:
        update = _sheet(book, "update")
        if update is not None:
            data = reader.key_values(update, UPDATE_FIELDS, max_rows)
        else:
            order, items = _sheet(book, "order"), _sheet(book, "items")
            if order is None or items is None:
                raise _syntax(name, "sheets", f"sheets {book.sheetnames}",
                              "sheets 订单 Order and 明细 Items (or 更新 Update for an update); "
                              "`gendan order-form` writes the form")
            data = reader.key_values(order, ORDER_FIELDS, max_rows)
            data["items"] = reader.table(items, max_rows)
    finally:
        book.close()
    if reader.problems:
        raise OrderDataError(name, reader.problems)

    def locate(path_text: str) -> str:
        return reader.cells.get(path_text, "")

    return data, locate, [formula_note(reader.from_formulas)] if reader.from_formulas else []


def _column_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter  # openpyxl: only when a workbook is read

    return str(get_column_letter(column))
