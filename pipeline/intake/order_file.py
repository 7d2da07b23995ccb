"""Read order data from YAML, JSON or Excel and validate it into an `Order`.

Every problem is reported at once, by field path (and by cell for Excel), with what was
found and what is expected. Nothing here moves or deletes files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..errors import FieldProblem, OrderDataError
from ..models import Order

__all__ = [
    "ORDER_SUFFIXES", "is_order_file", "load_data", "parse_order", "problems_of", "read_order",
]

ORDER_SUFFIXES = {".yaml", ".yml", ".json", ".xlsx"}


def is_order_file(path: Path) -> bool:
    return path.suffix.lower() in ORDER_SUFFIXES


class _OrderLoader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps (an impossible date must reach validation as
    text, so it is reported by field) and with floats read as exact decimals."""


_OrderLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))  # type: ignore[arg-type]


_OrderLoader.add_constructor("tag:yaml.org,2002:float", _decimal)

Locator = Callable[[str], str]


def _load_yaml(data: bytes, name: str) -> Any:
    try:
        return yaml.load(data.decode("utf-8-sig"), Loader=_OrderLoader)
    except UnicodeDecodeError as exc:
        found = f"bytes that are not UTF-8 ({exc.reason})"
        raise _syntax(name, "the file", found, "UTF-8 text") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        raise _syntax(name, where, f"YAML error: {exc.problem}", "valid YAML") from exc
    except yaml.YAMLError as exc:
        raise _syntax(name, "the file", f"YAML error: {exc}", "valid YAML") from exc


def _load_json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        found = f"bytes that are not UTF-8 ({exc.reason})"
        raise _syntax(name, "the file", found, "UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _syntax(name, where, f"JSON error: {exc.msg}", "valid JSON") from exc


def _syntax(name: str, where: str, found: str, expected: str) -> OrderDataError:
    return OrderDataError(name, [FieldProblem(where, found, expected)])


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


def _load_excel(path: Path, name: str) -> tuple[Any, Locator]:
    """Sheet `Order`: dotted keys in column A, values in B. Sheet `Items`: one header row
    of dotted keys (name_en, model, quantity, packing.cartons ...), then one row per item."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _syntax(name, "the file", f"an unreadable workbook ({exc})", "an .xlsx file") from exc
    missing = [s for s in ("Order", "Items") if s not in book.sheetnames]
    if missing:
        raise _syntax(name, "sheets", f"sheets {book.sheetnames}", f"sheets named {missing}")
    cells: dict[str, str] = {}
    data: dict[str, Any] = {}
    for row in book["Order"].iter_rows(min_row=1):
        if len(row) < 2 or row[0].value in (None, "") or str(row[0].value).startswith("#"):
            continue
        key, value = row[0], row[1]
        if value.value is not None:
            _set_path(data, str(key.value).strip(), _cell_value(value.value))
            cells[str(key.value).strip()] = f"sheet Order, cell {value.coordinate}"
    rows = list(book["Items"].iter_rows())
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


def _path_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _found(err: ErrorDetails) -> str:
    if err["type"] == "missing":
        return "nothing (the field is missing)"
    value = err.get("input")
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _expected(err: ErrorDetails) -> str:
    if err["type"] == "missing":
        return "this required field"
    if err["type"] == "extra_forbidden":
        return "no such field (check the spelling against docs/order-schema.md)"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Input should be ").rstrip(".")


def problems_of(exc: ValidationError, locate: Locator | None) -> list[FieldProblem]:
    problems = []
    for err in exc.errors():
        path = _path_text(err["loc"])
        if path.startswith("items["):
            index = int(path[6 : path.index("]")])
            path += f" (line item {index + 1})"
        if locate is not None and (cell := locate(_path_text(err["loc"]))):
            path += f" [{cell}]"
        problems.append(FieldProblem(path, _found(err), _expected(err)))
    return problems


def parse_order(data: Any, name: str, locate: Locator | None = None) -> Order:
    """Validate already-parsed data into an Order, or raise OrderDataError."""
    if not isinstance(data, dict):
        raise _syntax(name, "(top level)", type(data).__name__, "a mapping of order fields")
    try:
        return Order.model_validate(data)
    except ValidationError as exc:
        raise OrderDataError(name, problems_of(exc, locate)) from exc


def load_data(path: Path, name: str) -> tuple[Any, Locator | None]:
    """The parsed content of a .yaml/.yml/.json/.xlsx file, and a cell locator for Excel."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _load_excel(path, name)
    raw = path.read_bytes()
    return (_load_json(raw, name) if suffix == ".json" else _load_yaml(raw, name)), None


def read_order(path: Path, display_name: str | None = None) -> Order:
    """Read and validate one order file (.yaml/.yml/.json/.xlsx)."""
    name = display_name or path.name
    data, locate = load_data(path, name)
    return parse_order(data, name, locate)
