"""What an order-data file holds: a new or revised order, or an update to one.

An update has a top-level `update:` key (approval, inspection, loading,
factory_confirmation, status) and the `order_no` it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import OrderDataError
from ..flow import OrderUpdate, update_adapter
from ..models import Order
from ..updates import SampleUpdate
from .data import DataLimits
from .order_file import load_data, parse_order, problems_of

__all__ = ["read_incoming"]


def read_incoming(path: Path, display_name: str | None = None, limits: DataLimits | None = None,
                  *, workbook_unpacked_mb: float = 60, workbook_rows: int = 5000,
                  prepare: Callable[[Any], Any] | None = None
                  ) -> tuple[Order | OrderUpdate | SampleUpdate, list[str]]:
    """Read an order or an order update from YAML, JSON or Excel; with the notes on how it
    was read (an Excel value that came from a formula's saved result). `prepare` completes
    an order's data before it is validated (what it leaves out, from the master data); its
    OrderDataError is reported under the file's name."""
    name = display_name or path.name
    data, locate, notes = load_data(path, name, limits,
                                    workbook_unpacked_mb=workbook_unpacked_mb,
                                    workbook_rows=workbook_rows)
    if isinstance(data, dict) and data.get("update") == "sample":
        try:
            return SampleUpdate.model_validate(data), notes
        except ValidationError as exc:
            raise OrderDataError(name, problems_of(exc, locate), what="the sample") from exc
    if isinstance(data, dict) and "update" in data:
        try:
            return update_adapter.validate_python(data), notes
        except ValidationError as exc:
            kind = data["update"]
            what = f"the {kind} update" if isinstance(kind, str) and len(kind) < 30 and \
                kind.isidentifier() else "the update"
            raise OrderDataError(name, problems_of(exc, locate), what=what) from exc
    if prepare is not None:
        try:
            data = prepare(data)
        except OrderDataError as exc:
            raise OrderDataError(name, exc.problems, hint=exc.hint) from exc
    return parse_order(data, name, locate), notes
