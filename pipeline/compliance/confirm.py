"""What confirms a reading. A figure read from a table is only as sure as what agrees with
it: its row's own arithmetic (quantity x price = amount; pieces per carton x cartons =
quantity, the last carton a part one; a carton range that holds the line's cartons), its
column adding up to the total row, the same total read twice (under a label and in the
total row), or the order's own figure for that line. What nothing confirms stays as read,
`confirmed` empty: a rule reports it for review, never as an error (`Rule.finding`).

Labelled fields are confirmed by their label when read (`extract._field`) unless the value
stood under its label or the document gives the field twice, differently.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from ..models import LineItem, Order
from .extract import FROM_TOTALS, Extracted, Value

__all__ = ["OCR", "confirm", "confirm_all", "read_by_ocr"]

CENT = Decimal("0.01")
ROW_SUMS = {"quantity", "amount", "cartons", "net_weight_kg", "gross_weight_kg", "volume_cbm"}


def _close(a: Any, b: Any, tolerance: Decimal = CENT) -> bool:
    try:
        return abs(Decimal(a) - Decimal(b)) <= tolerance
    except (TypeError, ArithmeticError):
        return False


OCR = "read by OCR"


ALIKE = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", " ": None})


def _alike(text: str) -> str:
    """A text as OCR may have misread it: the letters it takes for figures, as figures."""
    return str(text).upper().translate(ALIKE)


def read_by_ocr(doc: Extracted, order: Order | None = None) -> None:
    """A document read by OCR: a label does not vouch for what OCR read beside it, nor a
    row for its other cells; only what the figures themselves close (a row's arithmetic,
    a column's sum, the same figure read twice, the order's own figure) confirms them. A
    model or an order's number read with letters OCR takes for figures (ER-92 OA for
    ER-920A) is taken as the order's, saying so."""
    if order is not None:
        models = {_alike(i.model): i.model for i in order.items}
        numbers = {_alike(n): n for n in (order.order_no, order.contract_number,
                                          order.customer_po) if n}
        for item in doc.items:
            model = item.get("model")
            if model is not None and model.value not in models.values() and \
                    _alike(model.value) in models:
                item["model"] = replace(model, value=models[_alike(model.value)],
                                        how=f"{model.how}; read '{model.raw[:30]}'")
        for name in ("order_no", "contract_no", "customer_po"):
            value = doc.fields.get(name)
            if value is not None and value.value not in numbers.values() and \
                    _alike(value.value) in numbers:
                doc.fields[name] = replace(value, value=numbers[_alike(value.value)])
    for name, value in list(doc.fields.items()):
        doc.fields[name] = replace(value, how=f"{value.how}; {OCR}",
                                   confirmed="" if value.confirmed == "labelled"
                                   else value.confirmed)
    for item in doc.items:
        for key, value in list(item.items()):
            item[key] = replace(value, how=f"{value.how}; {OCR}")
    for key, value in list(doc.totals.items()):
        doc.totals[key] = replace(value, how=f"{value.how}; {OCR}")


DECIMALS = {"amount": 2, "quantity": 0, "cartons": 0, "net_weight_kg": 3,
            "gross_weight_kg": 3, "volume_cbm": 4}


def _plausible(key: str, value: Any) -> bool:
    """A figure as such figures are written: an amount with cents at most, a count whole
    (17.28880 as an amount is 17,288.80 read in the wrong number style: all of a column
    misread alike still adds up, so its sum cannot vouch for it)."""
    try:
        exponent = Decimal(value).normalize().as_tuple().exponent
    except (TypeError, ArithmeticError):
        return False
    return not isinstance(exponent, int) or -exponent <= DECIMALS.get(key, 4)


def _sure(item: dict[str, Value], keys: tuple[str, ...], because: str) -> None:
    for key in keys:
        item[key] = item[key].sure(because)


def _row(item: dict[str, Value]) -> None:
    """The row's own arithmetic."""
    if {"quantity", "unit_price", "amount"} <= set(item):
        q, p, a = (item[k].value for k in ("quantity", "unit_price", "amount"))
        if _close(q * p, a, max(CENT, abs(q) * Decimal("0.005"))):
            _sure(item, ("quantity", "unit_price", "amount"),
                  "quantity x unit price = amount on its row")
    if {"quantity", "qty_per_carton", "cartons"} <= set(item):
        q, per, ctns = (item[k].value for k in ("quantity", "qty_per_carton", "cartons"))
        if per * (ctns - 1) < q <= per * ctns:
            _sure(item, ("quantity", "qty_per_carton", "cartons"),
                  "pieces per carton x cartons = quantity on its row")
    if {"carton_from", "carton_to", "cartons"} <= set(item):
        held = item["carton_to"].value - item["carton_from"].value + 1
        if held == item["cartons"].value:
            _sure(item, ("carton_from", "carton_to", "cartons"),
                  "the carton numbers hold the row's cartons")


EXPECTED = {"quantity": "quantity", "unit_price": "unit_price", "amount": "amount"}
PACKED = {"cartons": "cartons", "qty_per_carton": "qty_per_carton",
          "net_weight_kg": "net_weight_kg", "gross_weight_kg": "gross_weight_kg",
          "volume_cbm": "volume_cbm"}


def _agrees(item: dict[str, Value], line: LineItem) -> None:
    """A figure that is the order's own for this line was read right."""
    for key, attribute in EXPECTED.items():
        if key in item and _close(item[key].value, getattr(line, attribute)):
            item[key] = item[key].sure("the order's figure for the line")
    if line.packing is None:
        return
    for key, attribute in PACKED.items():
        expected = getattr(line.packing, attribute, None)
        if key in item and expected is not None and _close(item[key].value, expected,
                                                           Decimal("0.001")):
            item[key] = item[key].sure("the order's figure for the line")


def _total_row(doc: Extracted) -> None:
    """The rest of a total row one of whose figures its column confirms: the row was read
    cell by cell under the header, so a figure read alone in a named column is sure as read
    when every line's figure in that column is (and may then disagree with their sum)."""
    added = [k for k, v in doc.totals.items() if v.confirmed]
    if not added:
        return
    for key, stated in list(doc.totals.items()):
        column = [i[key] for i in doc.items if key in i]
        if stated.confirmed or key not in ROW_SUMS or not stated.how.startswith("total row") \
                or "two figures" in stated.how or "a row over" in stated.how or not column \
                or OCR in stated.how \
                or len(column) < len(doc.items) \
                or not all(v.confirmed for v in column):
            continue
        doc.totals[key] = stated.sure(f"its total row's {added[0]} adds up and its column is "
                                      "named by the header")


def confirm(doc: Extracted, order: Order) -> None:
    """Mark, in place, which of `doc`'s readings something confirms."""
    lines = {i.model: i for i in order.items}
    copied = {name: key for name, key in FROM_TOTALS.items()
              if name in doc.fields and key in doc.totals and doc.fields[name] is doc.totals[key]}
    for item in doc.items:
        _row(item)
        model = item.get("model")
        if model is not None and model.value in lines:
            _agrees(item, lines[model.value])
    for key, stated in list(doc.totals.items()):  # each column against its total row
        column = [i[key] for i in doc.items if key in i]
        if key in ROW_SUMS and column and _close(sum(v.value for v in column), stated.value,
                                                 Decimal("0.011")) and \
                all(_plausible(key, v.value) for v in [*column, stated]):
            for item in doc.items:
                if key in item:
                    item[key] = item[key].sure("its column adds up to the total row")
            doc.totals[key] = stated.sure("the column adds up to it")
    _total_row(doc)
    for name, key in FROM_TOTALS.items():
        field: Value | None = doc.fields.get(name)
        total: Value | None = doc.totals.get(key)
        if name in copied:
            doc.fields[name] = doc.totals[key]
        elif field is not None and total is not None and _close(field.value, total.value,
                                                                 Decimal("0.001")):
            doc.fields[name] = field.sure("read twice: under its label and in the total row")
            doc.totals[key] = total.sure("read twice: in the total row and under a label")
        elif field is not None and total is None and key in ROW_SUMS:
            column = [i[key] for i in doc.items if key in i]
            if column and len(column) == len(doc.items) and _close(
                    sum(v.value for v in column), field.value, Decimal("0.011")):
                doc.fields[name] = field.sure("the lines add up to it")
                for item in doc.items:
                    item[key] = item[key].sure("the lines add up to the stated total")
    amounts = [i["amount"] for i in doc.items if "amount" in i]
    for name in ("words_value", "words_zh_value"):  # the lines against the amount in words
        said = doc.fields.get(name)
        if said is not None and amounts and len(amounts) == len(doc.items) and _close(
                sum(v.value for v in amounts), said.value):
            for item in doc.items:
                item["amount"] = item["amount"].sure("the lines add up to the amount in words")
    total = doc.fields.get("total_amount")
    others = [(v.value, what) for v, what in (
        (doc.totals.get("amount"), "the total row"), (doc.fields.get("words_value"),
                                                      "the amount in words"),
        (doc.fields.get("words_zh_value"), "the amount in Chinese words")) if v is not None]
    if amounts and len(amounts) == len(doc.items):
        others.append((sum(v.value for v in amounts), "the lines"))
    agreeing = [(a, x, y) for n, (a, x) in enumerate(others) for b, y in others[n + 1:]
                if _close(a, b)]
    if total is not None and agreeing and not _close(total.value, agreeing[0][0]) and \
            total is not doc.totals.get("amount"):  # two readings that agree outvote a third
        value, first, second = agreeing[0]
        doc.fields["total_amount"] = total.unsure(f"{first} and {second} agree on {value:,.2f}")
    for name in ("words_value", "words_zh_value"):  # the amount in figures and in words
        said, total = doc.fields.get(name), doc.fields.get("total_amount")
        if said is not None and total is not None and _close(said.value, total.value):
            doc.fields["total_amount"] = total.sure("the amount in words says the same")
            doc.fields[name] = said.sure("the amount in figures says the same")
    for item in doc.items:  # the rest of a row whose figures are confirmed
        sure = [k for k, v in item.items() if v.confirmed and not isinstance(v.value, str)]
        if len(sure) >= 2:
            for key, value in list(item.items()):
                if not value.confirmed and value.how.startswith("column") and OCR not in \
                        value.how and not isinstance(value.value, str) and \
                        "by a space" not in value.how \
                        and "a row over" not in value.how:  # its cell maybe read in part
                    item[key] = value.sure(f"its row's {' and '.join(sure[:2])} are confirmed "
                                           "and its column is named by the header")
    for item in doc.items:  # a model is sure when on the order, or read as one word on a
        model = item.get("model")  # row whose figures are confirmed
        figures = [v for k, v in item.items() if k != "model" and not isinstance(v.value, str)
                   and v.confirmed]
        if model is not None and not model.confirmed and (
                model.value in lines or (len(figures) >= 2 and " " not in str(model.value)
                                         and OCR not in model.how
                                         and "a row over" not in model.how)):
            item["model"] = model.sure("a model of the order" if model.value in lines
                                       else "its row's figures are confirmed")


def confirm_all(documents: list[Extracted], order: Order) -> None:
    for doc in documents:
        confirm(doc, order)
