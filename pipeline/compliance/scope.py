"""Which lines of the order a document covers. An order made by several factories gets
each factory's own packing list and invoice, listing its own lines only: such a document
is checked against those lines (its quantities, cartons, weights, amount), and the whole
order's totals only over all the factories' documents of that kind together.

A document covers the lines of a factory when its seller is that factory, or when the
models it lists are exactly the models of one or more factories (every model of each,
none of another, every row's model read). Anything else covers the whole order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from ..models import LineItem, Order
from .extract import Extracted
from .names import normalise_name

__all__ = ["SCOPED", "lines_of", "partial", "read_whole", "scope_all", "sums"]

SCOPED = ("commercial_invoice", "packing_list")


def _factories(order: Order) -> dict[str, set[str]]:
    makers: dict[str, set[str]] = {}
    for item in order.items:
        makers.setdefault(item.manufacturer or "", set()).add(item.model)
    return makers


def read_whole(doc: Extracted) -> bool:
    """The rows read add up to the document's own confirmed total: no row was lost."""
    for key, name in (("amount", "total_amount"), ("cartons", "packages"),
                      ("quantity", "total_quantity")):
        total = doc.fields.get(name) or doc.totals.get(key)
        values = [i[key].value for i in doc.items if key in i]
        if total is not None and total.confirmed and values and \
                abs(sum(values) - total.value) <= Decimal("0.01"):
            return True
    return False


def _models(doc: Extracted, order: Order) -> set[str]:
    ordered = {i.model for i in order.items}
    return {i["model"].value for i in doc.items if "model" in i and i["model"].confirmed
            and i["model"].value in ordered}


def partial(doc: Extracted, order: Order) -> bool:
    """Lists only some of the order's models, and which lines it covers is not known."""
    read = _models(doc, order)
    return doc.doc_type in SCOPED and not doc.scope and bool(read) and \
        read < {i.model for i in order.items}


def _scope(doc: Extracted, order: Order) -> tuple[str, ...]:
    makers = _factories(order)
    if len(makers) < 2:
        return ()
    text = re.sub(r"\s+", "", doc.text).casefold()
    named = [m for m in makers if m and re.sub(r"\s+", "", m).casefold() in text]
    if len(named) == 1:  # the factory's own letterhead
        return tuple(sorted(makers[named[0]]))
    seller = doc.fields.get("seller")
    if seller is not None:
        said = normalise_name(str(seller.value))
        for maker, models in makers.items():
            if maker and normalise_name(maker) and normalise_name(maker) in said:
                return tuple(sorted(models))
    ordered = {i.model for i in order.items}
    read = _models(doc, order)
    if not read or not read < ordered or not read_whole(doc):
        return ()
    if any("model" not in i or not i["model"].confirmed for i in doc.items):
        return ()  # a row read without its model (or unsure of it) may be another's line
    covered = [models for models in makers.values() if models & read]
    if all(models <= read for models in covered):
        return tuple(sorted(set().union(*covered)))
    return ()


def scope_all(documents: Iterable[Extracted], order: Order) -> None:
    for doc in documents:
        if doc.doc_type in SCOPED:
            doc.scope = _scope(doc, order)


def lines_of(doc: Extracted, order: Order) -> list[LineItem]:
    """The order's lines the document covers."""
    if not doc.scope:
        return list(order.items)
    return [i for i in order.items if i.model in doc.scope]


def sums(lines: list[LineItem]) -> dict[str, Decimal | None]:
    """The lines' totals, as the order states them (None where a line has no packing)."""
    packed = [i.packing for i in lines]
    known = all(p is not None for p in packed)

    def total(name: str) -> Decimal | None:
        if not known:
            return None
        values = [getattr(p, name) for p in packed]
        return None if any(v is None for v in values) else sum(values, Decimal(0))

    return {"amount": sum((i.amount for i in lines), Decimal(0)),
            "quantity": sum((i.quantity for i in lines), Decimal(0)),
            "cartons": total("cartons"), "gross_weight_kg": total("gross_weight_kg"),
            "net_weight_kg": total("net_weight_kg"), "volume_cbm": total("volume_cbm")}
