"""Questions to the catalogue: orders by customer, status, dates and model; documents by
their metadata and by the words on their pages, with the page and a snippet."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .catalogue import Catalogue, joined_model
from .tokens import page_matches, snippet_pattern

__all__ = ["Hit", "OrderFilter", "find_documents", "list_orders", "order_totals"]


@dataclass(frozen=True)
class OrderFilter:
    customer: str | None = None
    status: str | None = None
    date_from: str | None = None  # ISO dates, on `date_field`
    date_to: str | None = None
    model: str | None = None
    keys: tuple[str, ...] = ()
    date_field: str = "order"  # order, delivery or shipment


DATE_COLUMNS = {"order": "order_date", "delivery": "delivery_date",
                "shipment": "shipment_date"}


def _and(sql: list[str], params: list[Any],
         conditions: list[tuple[Any, str, list[Any]]]) -> None:
    """Add `AND clause` (with its parameters) for each condition whose value is given."""
    for value, clause, values in conditions:
        if value:
            sql.append(f"AND {clause}")
            params += values


def _order_where(where: OrderFilter) -> tuple[list[str], list[Any]]:
    sql = ["WHERE 1=1"]
    params: list[Any] = []
    column = DATE_COLUMNS[where.date_field]
    keys = list(where.keys or ())
    _and(sql, params, [
        (where.customer, "(customer = ? COLLATE NOCASE OR customer_name LIKE ?)",
         [where.customer, f"%{where.customer}%"]),
        (where.status, "status = ?", [where.status]),
        (where.date_from, f"{column} >= ?", [where.date_from]),
        (where.date_to, f"{column} <= ?", [where.date_to]),
        (where.model, "key IN (SELECT key FROM models WHERE joined = ?)",
         [joined_model(where.model or "")]),
        (keys, f"key IN ({', '.join('?' * len(keys))})", keys),
    ])
    return sql, params


def list_orders(catalogue: Catalogue, where: OrderFilter, newest: int | None = None
                ) -> list[dict[str, Any]]:
    """The orders that match, by customer and number; `newest`: only that many, the newest
    by order date first."""
    sql, params = _order_where(where)
    if newest is None:
        sql.append("ORDER BY customer, order_no")
    else:
        sql.append("ORDER BY order_date DESC, order_no DESC LIMIT ?")
        params.append(newest)
    return [json.loads(r["row"]) for r in catalogue.query(
        "SELECT row FROM orders " + " ".join(sql), params)]


def order_totals(catalogue: Catalogue, where: OrderFilter) -> dict[str, tuple[Decimal, int]]:
    """The total amount and the number of the orders that match, per currency (without
    reading their rows)."""
    sql, params = _order_where(where)
    totals: dict[str, tuple[Decimal, int]] = {}
    for r in catalogue.query("SELECT currency, total_amount FROM orders " + " ".join(sql),
                             params):
        total, count = totals.get(r["currency"], (Decimal(0), 0))
        totals[r["currency"]] = (total + Decimal(r["total_amount"] or 0), count + 1)
    return totals


@dataclass(frozen=True)
class Hit:
    """One document that answers a search, and where on it."""

    order_no: str
    customer: str
    path: str
    file: str
    kind: str
    doc_type: str
    version: int
    current: bool
    date: str
    page: int | None = None
    snippet: str = ""
    document: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"order": self.order_no, "customer": self.customer, "path": self.path,
                "file": self.file, "kind": self.kind, "type": self.doc_type,
                "version": self.version, "current": self.current, "date": self.date,
                "page": self.page, "snippet": self.snippet}


def _snippet(text: str, query: str, width: int = 40) -> str:
    pattern = snippet_pattern(query)
    flat = re.sub(r"\s+", " ", text)
    found = pattern.search(flat) if pattern else None
    if found is None:
        return flat[: width * 2].strip()
    start, end = max(0, found.start() - width), min(len(flat), found.end() + width)
    return (("…" if start else "") + flat[start:end].strip() + ("…" if end < len(flat) else ""))


def find_documents(catalogue: Catalogue, *, text: str | None = None,
                   customer: str | None = None, order: str | None = None,
                   doc_type: str | None = None, model: str | None = None,
                   date_from: str | None = None, date_to: str | None = None,
                   status: str | None = None, current: bool = True,
                   limit: int = 200) -> list[Hit]:
    """Documents by metadata and, with `text`, by the words on their pages; newest first."""
    sql = ["SELECT d.row AS row, d.order_no AS order_no, d.customer AS customer"]
    params: list[Any] = []
    narrow = bool(customer or order)
    newest = ""
    if text and narrow:  # one customer's or order's pages: read them, not the whole index
        sql.append(", p.page AS page, p.text AS text, p.words AS words, p.chars AS chars "
                   "FROM documents d CROSS JOIN page_text p ON p.sha256 = d.sha256 WHERE 1=1")
    elif text:
        source, values, newest = catalogue.text_search(text, limit)
        sql.append(", p.page AS page, p.text AS text " + source)
        params += values
    else:
        sql.append(", NULL AS page, NULL AS text FROM documents d WHERE 1=1")
    _and(sql, params, [
        (customer, "d.customer = ? COLLATE NOCASE", [customer]),
        (order, "d.order_no = ? COLLATE NOCASE", [order]),
        (doc_type, "d.doc_type = ?", [doc_type]),
        (model, "d.key IN (SELECT key FROM models WHERE joined = ?)",
         [joined_model(model or "")]),
        (date_from, "d.date >= ?", [date_from]),
        (date_to, "d.date <= ?", [date_to]),
        (status, "d.key IN (SELECT key FROM orders WHERE status = ?)", [status]),
        (current, "d.current = 1", []),
    ])
    # newest first: the text index gives its rows in that order, so LIMIT ends the search
    sql.append("ORDER BY p.id DESC" if text and narrow else f"ORDER BY {newest}"
               if text else
               "ORDER BY d.date DESC, d.order_no, d.path")
    if not (text and narrow):
        sql.append("LIMIT ?")
        params.append(limit)
    rows = catalogue.query(" ".join(sql), params)
    if text and narrow:
        rows = [r for r in rows if page_matches(text, r["words"] or "", r["chars"] or "")]
    hits = []
    for row in rows[:limit]:
        doc = json.loads(row["row"])
        hits.append(Hit(row["order_no"], row["customer"], doc["path"], doc["file"], doc["kind"],
                        doc["doc_type"], doc["version"], bool(doc.get("current")),
                        doc.get("business_date") or str(doc.get("time", ""))[:10],
                        row["page"], _snippet(row["text"], text) if text and row["text"] else "",
                        doc))
    return hits
