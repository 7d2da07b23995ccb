"""The rows of an item table as values: each cell's figure (one number, of its column's
kind), the model (however its cell wrapped it), the carton range, the total row; every
value with how it was read, for `confirm.py` to weigh.
"""

from __future__ import annotations

import re
from typing import Any

from .columns import NUMERIC
from .layout import Row, Table
from .values import NUMBER, Value, parse_amount

__all__ = ["model_in", "number", "table_items"]

ITEM_NUMBERS = NUMERIC - {"line_no"}
COUNTS = {"quantity", "cartons", "qty_per_carton", "line_no"}  # whole numbers


def number(text: str, column: str = "") -> Any:
    """One cell's number; a cell that holds more than one (columns set so close that their
    cells ran into one) or a fraction in a column of counts is not read."""
    cleaned = re.sub(r"(?i)\s*(kgs?|cbm|m3|pcs|sets|pairs?|units?|ctns?|cartons?|%|usd|eur|"
                     r"cny|rmb|us\$|\$|€|¥)\s*", " ", text).strip()
    if not re.fullmatch(NUMBER, cleaned):
        raise ValueError(f"not one number: {text!r}")
    value = parse_amount(cleaned)
    if column in COUNTS and (value != value.to_integral_value() or
                             re.search(r"[.,]\d{1,2}$", cleaned)):  # 592,0: a weight's decimals
        raise ValueError(f"{text!r} is not a count")
    return value


def model_in(text: str, models: list[str]) -> str | None:
    for model in sorted(models, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(model)}(?![\w-])", text):
            return model
    return None


def _model_cell(text: str | None, models: list[str]) -> str | None:
    """The model column's text: a model of the order however its cell wrapped it
    (CW-421M-US-726 set as "CW-421M- US-726"), else as written."""
    if not text:
        return None
    compact = re.sub(r"\s+", "", text)
    if compact in models:
        return compact
    started = [m for m in models if len(compact) >= 4 and m.startswith(compact)]
    if len(started) == 1 and compact.endswith(("-", "/")):  # the rest wrapped out of sight
        return started[0]
    return model_in(text, models) or re.sub(r"(?<=[-/])\s+", "", text.strip())


def _total_how(totals: Row, key: str, text: str, spaced: bool, wraps: bool) -> str:
    """How a total row's figure was read, and what may have gone wrong with it."""
    how = f"total row, column {key}"
    if totals.lines > 1 and (key in totals.joined or not totals.joined):
        how += ", a row over 2 lines"
    if not spaced and re.search(r"\d\s+\d", text):
        how += ", two figures or one grouped by a space"
    return how + (", in a table whose figures wrap" if wraps else "")


def table_items(document: str, tables: list[Table], models: list[str], spaced: bool = False
                 ) -> tuple[list[dict[str, Value]], dict[str, Value]]:
    """The item rows and the total row; `spaced`: the document groups thousands by a space
    (1 234,50), so a space inside a figure is no sign of two cells run together."""
    items: list[dict[str, Value]] = []
    totals: dict[str, Value] = {}
    for table in tables:
        wraps = any(row.lines > 1 for row in table.rows) or (
            table.totals is not None and table.totals.lines > 1)
        for row in table.rows:
            item: dict[str, Value] = {}
            model = _model_cell(row.values.get("model"), models) or model_in(row.text, models)
            if model:
                pieced = "model" in row.joined or (  # CD-672G- and what stood under it
                    model.strip() not in models and
                    bool(re.search(r"[-/]\s+\S", row.values.get("model", ""))))
                item["model"] = Value(model.strip(), row.text, document, row.page,
                                      ("column model" + (", a row over 2 lines" if pieced
                                                         else ""))
                                      if "model" in row.values else
                                      "a model of the order on the row", "")
            for key, text in row.values.items():
                how = f"column {key}: '{text[:24]}'" + (  # its own cell broken, or not known
                    ", a row over 2 lines" if row.lines > 1 and (key in row.joined or not
                                                                 row.joined) else "")
                if not spaced and re.search(r"\d\s+\d", text):  # two cells run together?
                    how += ", two figures or one grouped by a space"
                if key in ITEM_NUMBERS:
                    try:
                        item[key] = Value(number(text, key), row.text, document, row.page,
                                          how, "")
                    except ValueError:
                        continue
                elif key == "cartons_range":
                    if found := re.fullmatch(r"\s*(\d+)\s*[-~–至到]\s*(\d+)\s*", text):
                        item["carton_from"] = Value(int(found[1]), row.text, document, row.page,
                                                    how, "")
                        item["carton_to"] = Value(int(found[2]), row.text, document, row.page,
                                                  how, "")
                elif key in {"hs_code", "origin", "description", "carton_size_cm"}:
                    item[key] = Value(text.strip(), row.text, document, row.page, how)
            if "model" in item or len(item) >= 3:
                items.append(item)
        if table.totals is not None:
            for key, text in table.totals.values.items():
                if key in ITEM_NUMBERS:
                    try:
                        totals[key] = Value(number(text, key), table.totals.text, document,
                                            table.totals.page,
                                            _total_how(table.totals, key, text, spaced, wraps),
                                            "")
                    except ValueError:
                        continue
    return items, totals
