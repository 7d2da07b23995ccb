"""The company's own numbers (quotation, contract, invoice) from patterns in gendan.toml:

    [numbering]
    quotation = "QT{year}-{seq:04d}"     # QT2026-0001, QT2026-0002 ...
    contract = "HZ-SC-{yy}{month}-{seq:03d}"
    invoice = "CI-{order_no}"            # no counter: the order number decides

Variables: {order_no} {customer} {year} {yy} {month} (of the order date) and {seq}, the
next number of a counter kept per pattern (and per year when the pattern has the year).
A number is given once, when the order first arrives without one, and kept by every later
version of the order; a counter never gives a number twice.
"""

from __future__ import annotations

import string

from .models import Order

__all__ = ["VARIABLES", "counter_key", "format_number", "unknown_variables"]

VARIABLES = frozenset({"order_no", "customer", "year", "yy", "month", "seq"})


def unknown_variables(pattern: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(pattern)
            if name is not None and name not in VARIABLES]


def _values(order: Order, seq: int) -> dict[str, object]:
    day = order.order_date
    return {"order_no": order.order_no, "customer": order.customer.code, "year": day.year,
            "yy": f"{day.year % 100:02d}", "month": f"{day.month:02d}", "seq": seq}


def counter_key(name: str, pattern: str, order: Order) -> str | None:
    """The counter a pattern draws from (None: the pattern has no {seq})."""
    names = {n for _, n, _, _ in string.Formatter().parse(pattern) if n}
    if "seq" not in names:
        return None
    year = order.order_date.year if names & {"year", "yy"} else "all"
    month = f"-{order.order_date.month:02d}" if "month" in names else ""
    return f"{name}-{year}{month}"


def format_number(pattern: str, order: Order, seq: int = 0) -> str:
    return pattern.format_map(_values(order, seq))
