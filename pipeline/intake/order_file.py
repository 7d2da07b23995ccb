"""Read order data from YAML, JSON or Excel and validate it into an `Order`.

Every problem is reported at once, by field path (and by cell for Excel), with what was
found and what is expected. The data is read under the limits of `data.DataLimits`
(`[limits]` in gendan.toml). Nothing here moves or deletes files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..errors import FieldProblem, OrderDataError
from ..models import Order
from .data import DataLimits, check_shape, load_json, load_yaml, short
from .workbook import Locator, load_workbook_data

__all__ = [
    "ORDER_SUFFIXES", "DataLimits", "is_order_file", "load_data", "parse_order", "problems_of",
    "read_order",
]

ORDER_SUFFIXES = {".yaml", ".yml", ".json", ".xlsx"}


def is_order_file(path: Path) -> bool:
    return path.suffix.lower() in ORDER_SUFFIXES


def _syntax(name: str, where: str, found: str, expected: str) -> OrderDataError:
    return OrderDataError(name, [FieldProblem(where, found, expected)])


def _path_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _found(err: ErrorDetails) -> str:
    if err["type"] == "missing":
        return "nothing (the field is missing)"
    return short(err.get("input"))


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


def load_data(path: Path, name: str, limits: DataLimits | None = None, *,
              workbook_unpacked_mb: float = 60, workbook_rows: int = 5000
              ) -> tuple[Any, Locator | None, list[str]]:
    """The parsed content of a .yaml/.yml/.json/.xlsx file (its shape checked against the
    limits), a cell locator for Excel, and notes on how it was read."""
    limits = limits or DataLimits()
    suffix = path.suffix.lower()
    locate: Locator | None = None
    notes: list[str] = []
    if suffix == ".xlsx":
        data, locate, notes = load_workbook_data(path, name, unpacked_mb=workbook_unpacked_mb,
                                                 max_rows=workbook_rows)
    else:
        raw = path.read_bytes()
        data = load_json(raw, name, limits) if suffix == ".json" else \
            load_yaml(raw, name, limits)
    check_shape(data, name, limits)
    return data, locate, notes


def read_order(path: Path, display_name: str | None = None) -> Order:
    """Read and validate one order file (.yaml/.yml/.json/.xlsx)."""
    name = display_name or path.name
    data, locate, _ = load_data(path, name)
    return parse_order(data, name, locate)
