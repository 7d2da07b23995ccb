"""Master data from a workbook (`gendan masters import`): one sheet per kind (Customers /
客户, Products / 产品, Factories / 工厂, Salespeople / 业务员), a header row of field names
(`contact.name` for a nested field; a Chinese gloss after a space is allowed) and one
record a row. Every row is validated before anything is written; a bad cell stops the
import with every problem named by sheet, cell and field. Each record becomes its own YAML
file under masters/, written whole (a temporary file renamed over it)."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import FieldProblem, OrderDataError
from .masters import KINDS

__all__ = ["SHEET_NAMES", "import_masters", "record_file", "write_record"]

SHEET_NAMES = {"customers": ("customers", "customer", "客户"),
               "products": ("products", "product", "产品"),
               "factories": ("factories", "factory", "工厂"),
               "salespeople": ("salespeople", "salesperson", "sales", "业务员")}


def _kind(title: str) -> str | None:
    words = re.split(r"[\s/]+", title.strip().casefold())
    return next((k for k, names in SHEET_NAMES.items() if any(w in names for w in words)),
                None)


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value)) if value != int(value) else int(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


def _nest(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        parts = key.split(".")
        here = out
        for part in parts[:-1]:
            here = here.setdefault(part, {})
        here[parts[-1]] = value
    return out


def _safe(key: str) -> str:
    return re.sub(r"[^\w.-]", "_", key)


def record_file(masters: Path, kind: str, key: str) -> Path:
    return masters / kind / f"{_safe(key)}.yaml"


def write_record(masters: Path, kind: str, record: Any) -> tuple[Path, str]:
    """Write one record as YAML; the file and what happened (added, changed, unchanged)."""
    _, key = KINDS[kind]
    path = record_file(masters, kind, getattr(record, key))
    text = yaml.safe_dump(record.model_dump(mode="json", exclude_none=True,
                                            exclude_defaults=True),
                          allow_unicode=True, sort_keys=False)
    before = path.read_text("utf-8") if path.is_file() else None
    if before == text:
        return path, "unchanged"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    return path, "added" if before is None else "changed"


def import_masters(workbook: Path, masters: Path, *, max_rows: int = 5000,
                   dry_run: bool = False) -> dict[str, int]:
    """Read every record of the workbook, then write them; counts by what happened."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    try:
        book = load_workbook(workbook, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise OrderDataError(workbook.name, [FieldProblem("(file)", type(exc).__name__,
                                                          "an .xlsx workbook")],
                             what="the master data", hint="Save it from Excel as .xlsx "
                             "(sheets Customers, Products, Factories, Salespeople) and "
                             "import again.") from exc
    problems: list[FieldProblem] = []
    records: list[tuple[str, Any]] = []
    seen: dict[tuple[str, str], str] = {}
    for sheet in book.worksheets:
        kind = _kind(sheet.title)
        if kind is None:
            continue
        model, key = KINDS[kind]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).split()[0] if h is not None else "" for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if number > max_rows:
                problems.append(FieldProblem(f"{sheet.title}!{number}", "more rows",
                                             f"at most {max_rows} rows ([limits] "
                                             "workbook_rows)"))
                break
            row = {h: _plain(v) for h, v in zip(header, values, strict=False) if h}
            if not any(v is not None for v in row.values()):
                continue
            try:
                record = model.model_validate(_nest(row))
            except ValidationError as exc:
                for err in exc.errors():
                    name = ".".join(str(p) for p in err["loc"])
                    column = header.index(name) + 1 if name in header else None
                    cell = f"{get_column_letter(column)}{number}" if column else f"row {number}"
                    problems.append(FieldProblem(f"{sheet.title}!{cell} {name}",
                                                 repr(err.get("input"))[:40],
                                                 str(err["msg"]).removeprefix("Value error, ")
                                                 .removeprefix("Input should be ")))
                continue
            value = getattr(record, key)
            where = f"{sheet.title}!{number}"
            if (kind, value) in seen:
                problems.append(FieldProblem(f"{where} {key}", repr(value),
                                             f"a {key} of its own ({seen[(kind, value)]} has "
                                             "it)"))
                continue
            seen[(kind, value)] = where
            records.append((kind, record))
    if problems:
        raise OrderDataError(workbook.name, problems, what="the master data",
                             hint="Correct the cells listed and import again; nothing was "
                             "written.")
    if not records:
        raise OrderDataError(workbook.name, [FieldProblem(
            "(sheets)", ", ".join(s.title for s in book.worksheets) or "none",
            "a sheet named Customers, Products, Factories or Salespeople (客户 产品 工厂 "
            "业务员) with a header row")], what="the master data",
            hint="Name the sheets so (docs/books.md) and import again.")
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    for kind, record in records:
        if dry_run:
            counts["unchanged"] += 1
            continue
        _, what = write_record(masters, kind, record)
        counts[what] += 1
    return counts
