"""What a revised order changed: field by field, and item by item (items matched by
model), as lines a person reads: `delivery_date: 2027-01-15 -> 2027-01-22`."""

from __future__ import annotations

from typing import Any

from .models import Order

__all__ = ["order_changes"]


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list) and data and all(isinstance(v, (str, int, float)) for v in data):
        return {prefix: ", ".join(map(str, data))}
    if isinstance(data, list):
        out = {}
        for n, value in enumerate(data):
            out.update(_flat(value, f"{prefix}[{n}]"))
        return out
    return {prefix: data}


def _shown(value: Any) -> str:
    return "(none)" if value in (None, "") else str(value)


def order_changes(old: Order, new: Order) -> list[str]:
    """Every difference between two versions of an order."""
    before = old.model_dump(mode="json", exclude_computed_fields=True)
    after = new.model_dump(mode="json", exclude_computed_fields=True)
    old_items = {i["model"]: i for i in before.pop("items")}
    new_items = {i["model"]: i for i in after.pop("items")}
    lines = []
    a, b = _flat(before), _flat(after)
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            lines.append(f"{key}: {_shown(a.get(key))} -> {_shown(b.get(key))}")
    for model in old_items.keys() - new_items.keys():
        lines.append(f"item {model}: removed")
    for model in new_items.keys() - old_items.keys():
        item = new_items[model]
        lines.append(f"item {model}: added ({item['quantity']} x {item['unit_price']})")
    for model in old_items.keys() & new_items.keys():
        x, y = _flat(old_items[model]), _flat(new_items[model])
        for key in sorted(set(x) | set(y)):
            if x.get(key) != y.get(key):
                lines.append(f"item {model} {key}: {_shown(x.get(key))} -> {_shown(y.get(key))}")
    return lines
